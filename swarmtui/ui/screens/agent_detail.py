"""An agent's detail: instructions, waits/stores and their state, output, memory, artifacts, what
its program reports as it works (Claude Code's session, tools, files changed), a box to send it
a message while it runs, and, for an agent that worked in a git worktree, its branch, per-file
stats and coloured diff."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label, OptionList, Static, TextArea

from swarmtui.engine.fence import open_regular
from swarmtui.engine.output_log import agent_log
from swarmtui.engine.state import AgentState, MemoryEntry, SessionState
from swarmtui.engine.summary import file_note
from swarmtui.memory_keys import key_matches
from swarmtui.safe_text import ansi_text, safe_lines, safe_text, visible, visible_lines
from swarmtui.ui.bridge import Frame, SessionBridge
from swarmtui.ui.diff_text import patch_text, read_patch, stats_text
from swarmtui.ui.look import STATUS_GLYPH, format_seconds, status_styles
from swarmtui.ui.widgets.agents_panel import agent_elapsed
from swarmtui.ui.widgets.key_bar import KeyBar
from swarmtui.ui.widgets.memory_panel import short_value

MAX_PAGER_BYTES = 2_000_000
# Sends a message to a running agent: (agent, text) -> why not, or None once it was taken.
SendMessage = Callable[[str, str], str | None]


def artifact_file(session_path: Path | None, relative: str) -> Path | None:
    """The artifact's file, only if it stays inside the session folder."""
    if session_path is None:
        return None
    root = session_path.resolve()
    path = (root / relative).resolve()
    if path != root and root in path.parents:
        return path
    return None


# The session's recorded files: (path, bytes, by whom, whose file it replaced).
FileList = Sequence[tuple[str, int, str, str | None]]


def listed_artifacts(
    agent: AgentState, session_path: Path | None, files: FileList = ()
) -> list[str]:
    """The files the detail lists for AGENT: its artifacts, and its log file when it has one
    (the whole of a long output, which its transcript or raw stream only refers to), as the
    session's recorded FILES name it."""
    listed = list(agent.artifacts)
    log = agent_log(agent.name, session_path, (p for p, _, by, _ in files if by == agent.name))
    path = artifact_file(session_path, log)
    if log not in listed and path is not None and path.is_file():
        listed.append(log)
    return listed


def read_artifact(path: Path) -> str:
    """Text of an artifact for the pager (bounded; binary files are described, not shown)."""
    # (an agent may have put a FIFO there: never wait on one)
    with os.fdopen(open_regular(path), "rb") as file:
        data = file.read(MAX_PAGER_BYTES)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return f"({path.name} is not text: {path.stat().st_size} bytes)"


def activity_text(agent: AgentState) -> Text:
    """What the agent's backend reports: its server wait, its own session, tools, files
    changed, messages sent to it, and whether its figures are swarmtui's count."""
    text = Text()
    dim = Style(dim=True)
    if agent.server_wait is not None:
        text.append("waits for the server ", dim)
        text.append(visible(agent.server_wait) + "\n", Style(bold=True))
    if agent.server_wait_seconds:
        text.append(f"waited {format_seconds(agent.server_wait_seconds)} for its server\n", dim)
    if agent.backend_session:
        text.append("session ", dim)
        text.append(visible(agent.backend_session) + "\n", Style(bold=True))
    if agent.tools:
        used = ", ".join(f"{name} ×{count}" for name, count in sorted(agent.tools.items()))
        text.append("tools   ", dim)
        text.append(visible(used) + "\n")
    for path in agent.files_changed:
        text.append("changed ", dim)
        text.append(visible(path) + "\n")
    if agent.tokens_in or agent.tokens_out:
        counted = " (counted by swarmtui while streaming)" if agent.usage_estimated else ""
        cost = f", ${agent.cost_usd:.4f}" if agent.cost_usd is not None else ""
        text.append(f"tokens  {agent.tokens_in} in / {agent.tokens_out} out{cost}{counted}\n")
    for _t, by, message, _how in agent.messages[-5:]:
        text.append(f"» {visible(by)}: ", dim)
        text.append(visible(message.splitlines()[0] if message.strip() else message))
        text.append("\n")
    if not text:
        text.append("Nothing reported yet.", dim)
    return text


class ArtifactPager(ModalScreen[None]):
    """A read-only view of one artifact file."""

    CSS_PATH = "agent_detail.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="pager.close", tooltip="Close the artifact"),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="pager"):
            yield Label(safe_text(self.title_text), id="pager-title")
            # (read-only: the escaped text is what is shown; a TextArea would draw ESC raw)
            yield TextArea(
                visible_lines(self.text), read_only=True, soft_wrap=True, id="pager-text"
            )
        yield KeyBar()

    def action_close(self) -> None:
        self.dismiss(None)


def read_entries(state: SessionState, agent: AgentState) -> list[MemoryEntry]:
    """The keys the agent read: those it waited for (keys or globs) that were there when it
    started. An agent that never started read nothing."""
    started = agent.started_at
    if started is None or not agent.waits:
        return []

    return [
        entry
        for entry in state.memory.values()
        if entry.history
        and entry.history[0].t <= started
        and any(key_matches(entry.key, wanted) for wanted in agent.waits)
    ]


class AgentDetailScreen(Screen[None]):
    """Follows the live session while open (the bridge repaints it with the agents panel)."""

    CSS_PATH = "agent_detail.tcss"

    # The output first: home, end and the page keys read it at once (tab: the artifacts).
    AUTO_FOCUS = "#detail-output-scroll"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="detail.back", tooltip="Back to the main screen"),
        Binding(
            "d",
            "toggle_diff",
            "Diff/output",
            id="detail.diff",
            tooltip="Show the agent's diff (its worktree's changes) or its output",
        ),
        Binding(
            "m",
            "message",
            "Message",
            id="detail.message",
            tooltip="Type a message to the running agent (enter sends it)",
        ),
    ]

    def __init__(
        self,
        state: SessionState,
        name: str,
        *,
        session_path: Path | None = None,
        bridge: SessionBridge | None = None,
        read_only: bool = False,
        send: SendMessage | None = None,
    ) -> None:
        super().__init__()
        self.state = state
        self.agent_name = name
        self.session_path = session_path
        self.bridge = bridge
        self.read_only = read_only
        self.send = None if read_only else send
        self.now: float | None = None
        self._artifacts: list[str] = []
        self._listed_for: tuple[object, ...] | None = None
        self.showing_diff = False
        self._diff_shown: tuple[str | None, str | None] | None = None  # (patch, commit)

    def compose(self) -> ComposeResult:
        yield Static(id="detail-header")
        with Horizontal(id="detail-body"):
            with VerticalScroll(id="detail-left"):
                yield Static(id="detail-instructions", classes="detail-section")
                yield Static(id="detail-deps", classes="detail-section")
                yield Static(id="detail-activity", classes="detail-section")
                yield Static(id="detail-memory", classes="detail-section")
                yield Static(id="detail-worktree", classes="detail-section")
            with Vertical(id="detail-right"):
                with VerticalScroll(id="detail-output-scroll"):
                    yield Static(id="detail-output")
                with VerticalScroll(id="detail-diff-scroll"):
                    yield Static(id="detail-diff")
                if self.send is not None:
                    yield Input(
                        placeholder="m: a message to this agent while it runs (enter sends it)",
                        id="detail-send",
                    )
                yield OptionList(id="detail-artifacts")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#detail-instructions").border_title = "Instructions"
        self.query_one("#detail-deps").border_title = "Waits and stores"
        self.query_one("#detail-memory").border_title = "Memory read and written"
        self.query_one("#detail-activity").border_title = "Its backend"
        self.query_one("#detail-output-scroll").border_title = "Output"
        self.query_one("#detail-artifacts").border_title = "Artifacts: none yet"
        self.query_one("#detail-worktree").border_title = "Worktree (d: diff)"
        self.query_one("#detail-diff-scroll").display = False
        if self.bridge is not None:
            self.bridge.register("agents", self)
        self.show_state(self.state)
        self.query_one("#detail-output-scroll").scroll_end(animate=False)

    def on_unmount(self) -> None:
        if self.bridge is not None:
            self.bridge.unregister(self)

    @property
    def agent(self) -> AgentState | None:
        return self.state.agents.get(self.agent_name)

    def paint(self, frame: Frame) -> None:
        """The bridge's repaint while the session runs (registered with the agents panel)."""
        self.now = frame.now
        self.show_state(frame.state)

    def show_state(self, state: SessionState) -> None:
        self.state = state
        agent = self.agent
        if agent is None:
            missing = safe_text(f"{self.agent_name}: no such agent")
            self.query_one("#detail-header", Static).update(missing)
            return
        styles = status_styles(self.app)
        style = styles.get(agent.status, Style())
        now = self.now if self.now is not None else state.t
        header = Text()
        header.append(
            f" {STATUS_GLYPH.get(agent.status, '?')} {visible(agent.name)} ",
            style + Style(bold=True),
        )
        header.append(f" {visible(agent.type)} · {agent.status}", style)
        header.append(f" · {format_seconds(agent_elapsed(agent, now)) or '–'}")
        header.append(f" · attempt {agent.attempts}" if agent.attempts else "")
        backend = agent.backend or state.backend
        if backend:
            header.append(visible(f" · {backend}{' ' + agent.model if agent.model else ''}"))
        if agent.tokens_in or agent.tokens_out:
            header.append(f" · tokens {agent.tokens_in}/{agent.tokens_out}")
        if agent.cost_usd is not None:
            header.append(f" · ${agent.cost_usd:.4f}")
        if agent.reason:
            header.append(f"\n {visible(agent.reason)}", styles.get("failed", Style()))
        self.query_one("#detail-header", Static).update(header)
        # Only a running agent can be told something: the box goes once it has ended.
        for box in self.query("#detail-send"):
            if box.display != (agent.status == "running"):
                box.display = agent.status == "running"
                self.refresh_bindings()  # (m: only while there is a box to type in)
        instructions = safe_lines(agent.instructions or "(none)")
        self.query_one("#detail-instructions", Static).update(instructions)
        self.query_one("#detail-deps", Static).update(self._deps(agent, styles))
        self.query_one("#detail-activity", Static).update(activity_text(agent))
        self.query_one("#detail-memory", Static).update(self._memory(agent))
        worktree = self.query_one("#detail-worktree", Static)
        if worktree.display != (agent.worktree is not None):
            worktree.display = agent.worktree is not None
            self.refresh_bindings()
        if agent.worktree is not None:
            worktree.update(stats_text(agent.worktree, styles["done"], styles["failed"]))
        if self.showing_diff:
            self._show_diff(agent)
        scroll = self.query_one("#detail-output-scroll", VerticalScroll)
        following = scroll.scroll_y >= scroll.max_scroll_y - 1
        output = "\n".join(line.rstrip("\n") for line in agent.output_tail)
        if agent.result:
            output += f"\n\nresult:\n{agent.result}"
        # Colours in the output are shown as colours; every other sequence is written visibly.
        self.query_one("#detail-output", Static).update(ansi_text(output or "(no output yet)"))
        if following:
            scroll.scroll_end(animate=False)
        # (the files are looked for again when its artifacts, who wrote them last or its
        # status change)
        writers = self.state.writers
        listed_for = (
            tuple(agent.artifacts),
            tuple(writers.get(path) for path in agent.artifacts),
            agent.status,
        )
        if listed_for != self._listed_for:
            self._listed_for = listed_for
            self._artifacts = listed_artifacts(agent, self.session_path, self.state.files)
            artifacts = self.query_one("#detail-artifacts", OptionList)
            artifacts.clear_options()
            artifacts.add_options([self._artifact_label(agent, p) for p in self._artifacts])
            count = len(self._artifacts)
            if count and artifacts.highlighted is None:
                artifacts.highlighted = 0  # enter opens the first one at once
            artifacts.border_title = (
                f"Artifacts: {count} (enter to view)" if count else "Artifacts: none yet"
            )

    def _artifact_label(self, agent: AgentState, relative: str) -> Text:
        """`artifacts/app.py (replaced the one Coder A wrote)`: a file written over another
        writer's, or since written over, says so."""
        note = file_note(self.state, agent.name, relative)
        label = safe_text(relative)
        if note is not None:
            label.append(visible(f" ({note})"), Style(dim=True))
        return label

    def _deps(self, agent: AgentState, styles: dict[str, Style]) -> Text:
        text = Text()
        if not agent.waits and not agent.stores:
            text.append("Neither waits for nor stores any memory key.", Style(dim=True))
        for key in agent.waits:
            arrived = key in agent.arrived or any(k == key for _ns, k in self.state.memory)
            mark, style = ("✓ ", styles["done"]) if arrived else ("⧗ ", styles["waiting"])
            text.append("waits  " + mark, style)
            text.append(visible(key), Style(bold=True))
            providers = agent.providers.get(key)
            if providers:
                text.append(visible(f"  ← {', '.join(providers)}"), Style(dim=True))
            text.append("\n")
        for key in agent.stores:
            stored = any(k == key for _ns, k in self.state.memory)
            mark, style = ("✓ ", styles["done"]) if stored else ("· ", styles["pending"])
            text.append("stores " + mark, style)
            text.append(visible(key) + "\n", Style(bold=True))
        return text

    def _memory(self, agent: AgentState) -> Text:
        text = Text()
        read = read_entries(self.state, agent)
        written = [
            e for e in self.state.memory.values() if any(w.by == agent.name for w in e.history)
        ] or [e for e in self.state.memory.values() if e.by == agent.name]
        for label, entries in (("read", read), ("wrote", written)):
            for entry in entries:
                text.append(f"{label:<6}", Style(dim=True))
                text.append(visible(f"{entry.namespace}:{entry.key}") + " ", Style(bold=True))
                text.append(visible(short_value(entry.value, 50)) + "\n")
        if not read and not written:
            text.append("No memory read or written yet.", Style(dim=True))
        return text

    @on(Input.Submitted, "#detail-send")
    def _send(self, event: Input.Submitted) -> None:
        text = event.value
        if not text.strip() or self.send is None:
            return
        problem = self.send(self.agent_name, text)
        if problem is not None:
            self.notify(problem, severity="warning", markup=False)
            return
        event.input.clear()
        self.notify(f"Sent to {self.agent_name}", markup=False)

    @on(OptionList.OptionSelected, "#detail-artifacts")
    def _artifact_chosen(self, event: OptionList.OptionSelected) -> None:
        if not 0 <= event.option_index < len(self._artifacts):
            return
        relative = self._artifacts[event.option_index]
        path = artifact_file(self.session_path, relative)
        if path is None or not path.is_file():
            self.notify(
                f"{visible(relative)}: not found in the session folder",
                severity="warning",
                markup=False,
            )
            return
        try:
            text = read_artifact(path)
        except OSError as exc:
            self.notify(
                visible(f"{relative}: {exc.strerror or exc}"), severity="error", markup=False
            )
            return
        self.app.push_screen(ArtifactPager(relative, text))

    def _show_diff(self, agent: AgentState) -> None:
        tree = agent.worktree
        shown = (tree.patch, tree.commit) if tree is not None else (None, None)
        if shown == self._diff_shown:
            return
        self._diff_shown = shown
        scroll = self.query_one("#detail-diff-scroll", VerticalScroll)
        if tree is None:
            text = Text("This agent worked in the session folder: it has no worktree.")
            scroll.border_title = "Diff"
        elif tree.commit is None:
            text = Text("Its work is committed, and its diff kept, when it ends.")
            scroll.border_title = Text.assemble("Diff of ", safe_text(tree.branch))
        else:
            patch = read_patch(self.session_path, tree.patch) if tree.patch else ""
            styles = status_styles(self.app)
            if patch is None:
                text = Text(f"{visible(tree.patch or '')}: not found in the session folder")
            elif not patch:
                text = Text("It changed nothing.")
            else:
                text = patch_text(patch, styles["done"], styles["failed"], styles["waiting"])
            scroll.border_title = f"Diff: +{tree.added} -{tree.removed} (d: output)"
        self.query_one("#detail-diff", Static).update(text)

    def action_toggle_diff(self) -> None:
        self.showing_diff = not self.showing_diff
        diff = self.query_one("#detail-diff-scroll")
        output = self.query_one("#detail-output-scroll")
        had_focus = output.has_focus or diff.has_focus
        diff.display = self.showing_diff
        output.display = not self.showing_diff
        if had_focus:  # (the focus goes with what is read: it never lands on a hidden pane)
            (diff if self.showing_diff else output).focus()
        agent = self.agent
        if self.showing_diff and agent is not None:
            self._diff_shown = None
            self._show_diff(agent)

    def action_message(self) -> None:
        for box in self.query("#detail-send"):
            box.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_diff":  # (only an agent that worked in a worktree has a diff)
            agent = self.agent
            return agent is not None and agent.worktree is not None
        if action == "message":  # (the box is there while the agent runs, and typed in, it is
            # the box that takes the keys: no letter is an action then)
            boxes = self.query("#detail-send")
            return any(box.display and not box.has_focus for box in boxes)
        return True

    def action_back(self) -> None:
        self.dismiss(None)
