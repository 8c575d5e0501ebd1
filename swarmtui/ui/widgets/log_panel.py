"""The log panel: the session's events, a line each, bounded (the full log is in session.db)."""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, ClassVar, assert_never

from rich.style import Style
from rich.text import Text
from textual import events as ui_events
from textual.binding import Binding, BindingType
from textual.markup import escape
from textual.reactive import reactive

from swarmtui.safe_text import visible
from swarmtui.ui.bridge import Frame
from swarmtui.ui.look import cells, column, plural, status_styles
from swarmtui.ui.widgets.row_list import RowList

if TYPE_CHECKING:
    from swarmtui.engine.events import Event, MemoryRead

MAX_LOG_LINES = 2000
# The "who" column: wide enough for the longest agent name, within these bounds.
WHO_MIN = 7  # "session", "message"
WHO_MAX = 20

_EVENT_STATUS = {
    "agent_queued": "queued",
    "agent_waiting": "waiting",
    "agent_started": "running",
    "agent_server_wait": "queued",
    "agent_server_slot": "running",
    "memory_stored": "done",
    "control": "cancelled",
    "agent_committed": "done",
    "branches_merged": "done",
    "worktree_failed": "failed",
    "workspace_refused": "failed",
}


def describe(event: Event) -> tuple[str, str]:
    """(who, what) for one event, in a few words."""
    # Imported here: the event models are built on first use, not at the app's start-up.
    from swarmtui.batch.lint import BATCH_WRITER
    from swarmtui.engine.events import (
        AgentActivity,
        AgentCommitted,
        AgentFinished,
        AgentMessage,
        AgentOutput,
        AgentQueued,
        AgentRehearsed,
        AgentServerSlot,
        AgentServerWait,
        AgentStarted,
        AgentUsage,
        AgentWaiting,
        ApprovalDecided,
        ApprovalRequested,
        BashFinished,
        BashOutput,
        BashRehearsed,
        BashStarted,
        BranchesMerged,
        CapCrossed,
        ClusterChanged,
        ConfinementNoted,
        Control,
        DiagnosticEvent,
        EndpointChecked,
        FileWritten,
        MemoryDeleted,
        MemoryRead,
        MemoryStored,
        MessageFinished,
        MessageStarted,
        OperationSkipped,
        PlacedOnWorker,
        SessionFinished,
        SessionForked,
        SessionResumed,
        SessionStarted,
        TodoChanged,
        WorkerLost,
        WorkspaceOpened,
        WorkspaceRefused,
        WorktreeCreated,
        WorktreeFailed,
        WorktreeSetup,
    )
    from swarmtui.engine.state import decision_text
    from swarmtui.engine.summary import replaced_note, time_limit

    if isinstance(event, SessionStarted):
        agents = plural(len(event.agents), "agent")
        return "session", f"started {event.title!r} ({event.backend}, {agents})"
    if isinstance(event, SessionFinished):
        return "session", event.status + (f": {event.reason}" if event.reason else "")
    if isinstance(event, MessageStarted | MessageFinished):
        verb = "started" if isinstance(event, MessageStarted) else "finished"
        return "message", f"{event.index} {verb}"
    if isinstance(event, AgentQueued):
        return event.agent, "queued"
    if isinstance(event, AgentWaiting):
        return event.agent, "waits for " + ", ".join(event.keys)
    if isinstance(event, AgentStarted):
        return event.agent, f"started (attempt {event.attempt})"
    if isinstance(event, AgentOutput):
        return event.agent, event.text.rstrip("\n")
    if isinstance(event, AgentUsage):
        cost = f", ${event.cost_usd:.4f}" if event.cost_usd is not None else ""
        counted = " (counted while streaming)" if event.estimated else ""
        return event.agent, f"tokens {event.tokens_in} in / {event.tokens_out} out{cost}{counted}"
    if isinstance(event, AgentServerWait):
        ahead = f", {event.ahead} ahead" if event.ahead else ""
        return (
            event.agent,
            f"waits for the server {event.endpoint} ({event.limit} at a time{ahead})",
        )
    if isinstance(event, AgentServerSlot):
        return event.agent, f"the server {event.endpoint} took its request"
    if isinstance(event, AgentMessage):
        return event.agent, f"message from {event.by}: {event.text}"
    if isinstance(event, AgentActivity):
        parts = [f"session {event.backend_session}"] if event.backend_session else []
        parts += [f"tool {event.tool}"] if event.tool else []
        parts += [f"changed {event.file}"] if event.file else []
        return event.agent, ", ".join(parts) or "activity"
    if isinstance(event, EndpointChecked):
        what = f"problem: {event.problem}" if event.problem else f"ok: {event.detail}"
        limit = f" ({event.max_parallel} at a time)" if event.max_parallel else ""
        return event.backend, f"pre-flight {event.endpoint} {what}{limit}"
    if isinstance(event, CapCrossed):
        stopped = f"; stopped {', '.join(event.stopped)}" if event.stopped else ""
        return event.agent or "session", f"cap crossed: {event.reason}{stopped}"
    if isinstance(event, AgentFinished):
        return event.agent, event.status + (f": {event.reason}" if event.reason else "")
    if isinstance(event, MemoryStored):
        return event.by, f"stored {event.namespace}:{event.key}"
    if isinstance(event, MemoryDeleted):
        return event.by, f"deleted {event.namespace}:{event.key}"
    if isinstance(event, MemoryRead):
        return event.by, _memory_read(event)
    if isinstance(event, TodoChanged):
        return event.by, f"todo {event.id} {event.status}: {event.content}"
    if isinstance(event, BashStarted):
        return f"bash#{event.op}", event.command
    if isinstance(event, BashOutput):
        return f"bash#{event.op}", event.text.rstrip("\n")
    if isinstance(event, BashFinished):
        if event.exit_status is None:  # it never ran to an exit: the reason says why
            return f"bash#{event.op}", event.reason or "ended without an exit status"
        return f"bash#{event.op}", f"exit {event.exit_status}" + (
            f": {event.reason}" if event.reason else ""
        )
    if isinstance(event, BashRehearsed):
        where = f" (in {event.cwd})" if event.cwd != "." else ""
        limit = (
            f" ({time_limit(event.timeout, event.timeout_from)})"
            if event.timeout is not None
            else ""
        )
        return f"bash#{event.op}", f"rehearsed, not run{limit}: {event.command}{where}"
    if isinstance(event, AgentRehearsed):
        model = f" {event.model}" if event.model else ""
        after = f", after {', '.join(event.waits)}" if event.waits else ""
        return event.agent, f"rehearsed, not run ({event.backend}{model}{after}): {event.command}"
    if isinstance(event, SessionResumed):
        return "session", f"resumed ({event.backend})"
    if isinstance(event, FileWritten):
        size = plural(event.bytes, "byte")
        if event.replaced is not None:
            size += f"; {replaced_note(event.replaced)}"
        who = "batch" if event.by == BATCH_WRITER else event.by
        return who, f"wrote {event.path} ({size})"
    if isinstance(event, OperationSkipped):
        return f"op#{event.op}", f"{event.kind} skipped: {event.reason}"
    if isinstance(event, Control):
        target = f" {event.target}" if event.target else ""
        return "user", f"{event.action}{target}"
    if isinstance(event, DiagnosticEvent):
        return "batch", f"{event.code} {event.message} (line {event.line})"
    if isinstance(event, ApprovalRequested):
        return event.agent or "batch", f"⚑ awaits approval: {event.tool} {event.subject}"
    if isinstance(event, ApprovalDecided):
        verdict = "allowed" if event.verdict == "allow" else "denied"
        # (as the summary says it: "approved by the user for this session (Bash(npm:*))")
        why = decision_text(event.verdict, event.by, event.scope, event.rule, event.reason)
        return event.agent or "batch", f"{verdict}: {event.tool} {event.subject} ({why})"
    if isinstance(event, ConfinementNoted):
        return "session", event.notice or event.description
    if isinstance(event, SessionForked):
        kept = ", ".join(event.carried) or "no agent"
        stay = "stays" if len(event.carried) <= 1 else "stay"
        again = plural(len(event.again), "agent") + (" runs" if len(event.again) == 1 else " run")
        return "session", f"forked here: {kept} {stay} done, {again}"
    if isinstance(event, WorkspaceOpened):
        on = f" on {event.branch}" if event.branch else ""
        return "session", f"worktrees of {event.repo}{on} from {event.head[:10]}"
    if isinstance(event, WorkspaceRefused):
        then = "no agent starts" if event.stopped else "agents work in the session folder"
        return "session", f"no worktrees ({then}): {event.reason}"
    if isinstance(event, WorktreeCreated):
        merged = f", merging {', '.join(event.providers)}" if event.providers else ""
        again = " (again)" if event.reused else ""
        return event.agent, f"worktree {event.path}{again} on {event.branch}{merged}"
    if isinstance(event, WorktreeFailed):
        listed = f" [{', '.join(event.files[:5])}]" if event.files else ""
        return event.agent, f"worktree {event.stage} failed: {event.reason}{listed}"
    if isinstance(event, WorktreeSetup):
        how = event.reason or f"exit {event.exit_status}"
        return event.agent, f"setup {event.command}: {how}"
    if isinstance(event, ClusterChanged):
        change = f" ({event.joined} joined)" if event.joined else ""
        change = f" ({event.left} left)" if event.left else change
        workers = plural(event.workers, "worker")
        return "session", f"cluster {event.executor}: {workers}, {event.slots} slots{change}"
    if isinstance(event, PlacedOnWorker):
        named = f" ({event.name})" if event.name else ""
        return event.agent, f"attempt {event.attempt} on worker {event.worker}{named}"
    if isinstance(event, WorkerLost):
        return "session", f"{event.reason}; failed: {', '.join(event.agents)}"
    if isinstance(event, AgentCommitted):
        count = len(event.files) + event.more_files
        return event.agent, (
            f"committed on {event.branch}: +{event.added} -{event.removed} in {count} "
            f"file{'s' if count != 1 else ''} ({event.commit[:10]})"
        )
    if isinstance(event, BranchesMerged):
        from swarmtui.engine.worktree_state import merge_text

        return "session", merge_text(event)
    assert_never(event)


def _memory_read(event: MemoryRead) -> str:
    """A batch's read of memory as it reads: what was asked, and what was there."""
    if event.action == "retrieve":
        asked = f"retrieved {event.namespace}:{event.key}"
        return f"{asked} = {event.preview}" if event.count else f"{asked}: not there"
    what = event.pattern if event.pattern is not None else (event.key or "*")
    verb = "searched" if event.action == "search" else "listed"
    found = plural(event.count, "key")
    if event.found:
        more = "…" if event.count > len(event.found[:3]) else ""
        found += f" ({', '.join(event.found[:3])}{more})"
    return f"{verb} {event.namespace}:{what}: {found}"


# The kinds a filter word can name, and the event types each covers.
KINDS: dict[str, frozenset[str]] = {
    "session": frozenset(
        {"session_started", "session_finished", "session_resumed", "session_forked"}
    ),
    "message": frozenset({"message_started", "message_finished"}),
    "agent": frozenset(
        {"agent_queued", "agent_waiting", "agent_started", "agent_finished", "agent_rehearsed"}
    ),
    "cluster": frozenset({"cluster_changed", "placed_on_worker", "worker_lost"}),
    "output": frozenset({"agent_output", "bash_output"}),
    "usage": frozenset({"agent_usage"}),
    "memory": frozenset({"memory_stored", "memory_deleted", "memory_read"}),
    "todo": frozenset({"todo_changed"}),
    "bash": frozenset({"bash_started", "bash_output", "bash_finished", "bash_rehearsed"}),
    "file": frozenset({"file_written"}),
    "user": frozenset({"control"}),
    "diagnostic": frozenset({"diagnostic"}),
    "skipped": frozenset({"operation_skipped"}),
}
FILTER_HELP = (
    "Words that each match an agent (part of its name) or a kind: "
    + ", ".join(KINDS)
    + ". Empty shows everything."
)


class LogFilter:
    """Which events the log shows: each word names a kind or part of who the event is about."""

    def __init__(self, text: str = "") -> None:
        self.text = " ".join(text.split())
        self.words = [w.lower() for w in self.text.split()]

    def __bool__(self) -> bool:
        return bool(self.words)

    def matches(self, event: Event) -> bool:
        if not self.words:
            return True
        who = describe(event)[0].lower()
        return all(
            event.type in KINDS[word] if word in KINDS else word in who for word in self.words
        )


def who_width(longest_name: int, width: int) -> int:
    """Cells for the "who" column: the longest agent name, at most WHO_MAX and a third of the
    panel, never under WHO_MIN."""
    return max(WHO_MIN, min(longest_name, WHO_MAX, width // 3))


class LogPanel(RowList):
    """Newest events at the bottom. It follows the end until the user scrolls up (or presses
    `f`), and again from the end (or `f`); `/` filters by agent and kind."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "f",
            "toggle_follow",
            "Follow",
            id="log.follow",
            tooltip="Follow new events (or stop, to read back)",
        ),
        Binding(
            "slash",
            "filter",
            "Filter",
            key_display="/",
            id="log.filter",
            tooltip="Show only the events of some agents or kinds",
        ),
    ]

    show_row_cursor = False
    empty_hint = "Events of the session appear here."
    follow: reactive[bool] = reactive(True)

    def __init__(
        self,
        *,
        read_only: bool = False,
        max_lines: int = MAX_LOG_LINES,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.read_only = read_only
        self._events: deque[Event] = deque(maxlen=max_lines)
        self._max_lines = max_lines
        # What is shown: every event, or those the filter lets through.
        self._shown: deque[Event] = self._events
        self.filter = LogFilter()
        self._pending = False
        self._styles: dict[str, Style] = {}
        self._agent_count = -1
        self._agents_seen: object = None
        self._longest_name = WHO_MIN

    @property
    def events(self) -> list[Event]:
        return list(self._events)

    @property
    def shown(self) -> list[Event]:
        """The events on screen (the filter's, or all)."""
        return list(self._shown)

    def add_events(self, events: Iterable[Event]) -> None:
        """Append events (cheap: they are formatted only when visible)."""
        if self.filter:
            events = list(events)
            self._shown.extend(e for e in events if self.filter.matches(e))
        self._events.extend(events)
        self._pending = True

    def clear(self) -> None:
        """Drop every event: another session, or a replay moved back. Its events are followed
        again (where the user had read back to means nothing in them)."""
        self._events.clear()
        if self._shown is not self._events:
            self._shown.clear()
        self._pending = True
        self.scroll_to(y=0, animate=False)
        self.follow = True

    def set_filter(self, text: str) -> None:
        """Show only the events `text` lets through (see `LogFilter`); "" shows them all."""
        self.filter = LogFilter(text)
        if self.filter:
            self._shown = deque(
                (e for e in self._events if self.filter.matches(e)), maxlen=self._max_lines
            )
        else:
            self._shown = self._events
        self._row_cache.clear()
        self.set_row_count(len(self._shown))
        self.refresh()
        if self.follow:
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True)
        self._show_view()

    def title_note(self) -> str:
        """What the pane's title adds: the filter, and "paused" while not following."""
        parts = []
        if self.filter:
            parts.append(f"filter: {self.filter.text}")
        if not self.follow:
            parts.append("not following (f)")
        return " · ".join(parts)

    def watch_follow(self, follow: bool) -> None:
        if follow:
            self.scroll_end(animate=False, immediate=True)
        self._show_view()

    def _show_view(self) -> None:
        """The pane's subtitle says what is not the default view (the filter is typed text)."""
        self.border_subtitle = escape(visible(self.title_note()))

    def action_toggle_follow(self) -> None:
        self.follow = not self.follow

    def action_filter(self) -> None:
        from swarmtui.ui.screens.ask import AskScreen

        def chosen(text: str | None) -> None:
            if text is not None:
                self.set_filter(text)

        ask = AskScreen(
            "Filter the log: " + FILTER_HELP,
            initial=self.filter.text,
            placeholder="e.g. Scout memory",
        )
        self.app.push_screen(ask, chosen)

    # Reading back stops following; reaching the end again follows.
    def action_cursor_up(self) -> None:
        self.follow = False
        self.scroll_up(animate=False)

    def action_cursor_down(self) -> None:
        self.scroll_down(animate=False)
        self._follow_at_end()

    def action_page_up(self) -> None:
        self.follow = False
        self.scroll_page_up(animate=False)

    def action_page_down(self) -> None:
        self.scroll_page_down(animate=False)
        self._follow_at_end()

    def action_first(self) -> None:
        self.follow = False
        self.scroll_home(animate=False)

    def action_last(self) -> None:
        self.follow = True

    def on_mouse_scroll_up(self, event: ui_events.MouseScrollUp) -> None:
        self.follow = False

    def on_mouse_scroll_down(self, event: ui_events.MouseScrollDown) -> None:
        self.call_after_refresh(self._follow_at_end)

    def on_resize(self) -> None:
        super().on_resize()
        if self.follow:
            # Shown again (a small terminal hides every pane but the focused one) or resized:
            # the end, where the events that came meanwhile are.
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True)

    def _follow_at_end(self) -> None:
        if self.scroll_target_y >= self.max_scroll_y - 1:
            self.follow = True

    def restyle(self) -> None:
        self._styles = status_styles(self.app)

    def paint(self, frame: Frame) -> None:
        if frame.restart:
            self.clear()
        if frame.events:
            self.add_events(frame.events)
        state = frame.state
        # Names only change with a new session (another dict) or a new agent.
        if state.agents is not self._agents_seen or len(state.agents) != self._agent_count:
            self._agents_seen = state.agents
            self._agent_count = len(state.agents)
            longest = max((cells(name) for name in state.agents), default=WHO_MIN)
            if longest != self._longest_name:
                self._longest_name = longest
                self._pending = True
        if not self._pending:
            return
        self._pending = False
        self._styles = status_styles(self.app)
        self.set_row_count(len(self._shown))
        if self.follow:
            # After the new virtual size has been laid out, or the scroll is clamped to the old one.
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True)

    def row_key(self, index: int) -> Hashable | None:
        if index >= len(self._shown):
            return None
        event = self._shown[index]
        return (id(event), event.seq, self._longest_name)

    def render_row(self, index: int, width: int) -> Text:
        if index >= len(self._shown):
            return Text("")
        event = self._shown[index]
        who, what = describe(event)
        who, what = visible(who), visible(what)  # names, output, reasons, keys: from outside
        text = Text(f"{event.t:7.2f} ", Style(dim=True))
        status = _EVENT_STATUS.get(event.type)
        if event.type == "agent_finished":
            status = getattr(event, "status", None)
        style = self._styles.get(status, Style()) if status else Style()
        who_cells = who_width(self._longest_name, width)
        text.append(f"{column(who, who_cells)} ", Style(bold=True))
        text.append(what, style)
        return text
