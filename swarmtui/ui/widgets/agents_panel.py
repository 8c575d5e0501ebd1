"""The agents panel: a row per agent: status, type, what it waits for, elapsed time, output."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType

from swarmtui.safe_text import visible
from swarmtui.ui.bridge import Frame
from swarmtui.ui.empty_state import EMPTY_STATE
from swarmtui.ui.look import (
    STATUS_GLYPH,
    cells,
    clip,
    column,
    format_cost,
    format_seconds,
    format_tokens,
    status_styles,
)
from swarmtui.ui.messages import AgentChosen, AgentControlRequested
from swarmtui.ui.widgets.row_list import RowList

if TYPE_CHECKING:
    from swarmtui.engine.state import AgentState, SessionState


def agent_elapsed(agent: AgentState, now: float) -> float | None:
    """Seconds the agent has spent in its current phase (running, waiting) or ran in total."""
    if agent.status == "running" and agent.started_at is not None:
        return now - agent.started_at
    if agent.status == "waiting" and agent.waiting_since is not None:
        return now - agent.waiting_since
    if agent.started_at is not None and agent.finished_at is not None:
        return agent.finished_at - agent.started_at
    if agent.run_seconds:
        return agent.run_seconds
    return None


AWAITING_APPROVAL = "⚑ awaiting approval (a)"


def waits_text(agent: AgentState) -> str:
    """What the agent waits for and who is expected to store it, or what it stores."""
    if agent.awaiting:
        return AWAITING_APPROVAL
    missing = [key for key in agent.waits if key not in agent.arrived]
    if agent.status in ("waiting", "queued", "pending") and missing:
        parts = []
        for key in missing:
            providers = agent.providers.get(key) or []
            parts.append(f"{key} ← {', '.join(providers)}" if providers else key)
        return "◔ " + "; ".join(parts)
    if agent.status in ("failed", "cancelled", "skipped") and agent.reason:
        return agent.reason
    if agent.stores:
        return "→ " + ", ".join(agent.stores)
    return ""


NARROW = 70  # below: no type column
NARROWEST = 48  # below: no status word either


def has_usage(agent: AgentState) -> bool:
    return bool(agent.tokens_in or agent.tokens_out or agent.cost_usd)


def has_diff(agent: AgentState) -> bool:
    return agent.worktree is not None and agent.worktree.commit is not None


def diff_column(agent: AgentState) -> str:
    """The lines its worktree's diff adds and removes, as a fixed-width column."""
    tree = agent.worktree
    if tree is None or tree.commit is None:
        return f"{'':>13} "
    return f"{f'+{tree.added} -{tree.removed}':>13} "


def has_worker(agent: AgentState) -> bool:
    return agent.worker is not None


WORKER_WIDTH = 14


def worker_column(agent: AgentState) -> str:
    """The Dask worker its last attempt ran on (its name, else its host:port)."""
    where = agent.worker_name or (agent.worker or "").partition("://")[2]
    return f"{column(where, WORKER_WIDTH)} "


def usage_text(agent: AgentState) -> str:
    """The agent's tokens and cost as a fixed-width column; blank while it has used none."""
    tokens = agent.tokens_in + agent.tokens_out
    tok = format_tokens(tokens) if tokens else ""
    cost = format_cost(agent.cost_usd) if agent.cost_usd else ""
    return f"{tok:>10} {cost:>6} "


def _column_shown(
    state: SessionState,
    changed: frozenset[str] | None,
    shown: bool,
    has: Callable[[AgentState], bool],
) -> bool:
    """Whether a column some agents fill (usage, a diff) shows: once one has it, since it only
    grows, the rows that changed are the only ones that can add it."""
    if changed is None:
        return any(map(has, state.agents.values()))
    agents = state.agents
    return shown or any(has(agents[name]) for name in changed if name in agents)


class AgentsPanel(RowList):
    """Agents in batch order; enter opens the detail, x cancels, r retries."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "detail", "Detail", id="agent.detail", tooltip="Open the agent's detail"),
        Binding("x", "cancel", "Cancel", id="agent.cancel", tooltip="Cancel this agent"),
        Binding(
            "r",
            "retry",
            "Retry",
            id="agent.retry",
            tooltip="Retry a failed, cancelled or skipped agent",
        ),
    ]

    empty_hint = "No session yet: ctrl+r runs the batch in the editor."
    header_lines = 1

    def __init__(
        self, *, read_only: bool = False, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.read_only = read_only
        if read_only:  # (a replay, or a session served to watch: nothing to run from here)
            self.empty_hint = "No agents at this point of the session."
        self.state = EMPTY_STATE
        self.now: float | None = None  # live clock; None: the state's own time
        self._names: list[str] = []
        self._longest = 4
        self._index: dict[str, int] = {}
        self._styles: dict[str, Style] = {}
        # The tokens/cost column shows once any agent has used some (never in rehearsal).
        self.show_usage = False
        # The +/- column shows once any agent's work is committed on its branch.
        self.show_diff = False
        # The worker column shows once any agent was placed on a Dask worker.
        self.show_worker = False
        # Set by the main screen: cancel and retry apply only while a session runs.
        self.controls_live = False
        self._controls_shown: tuple[bool, bool] = (False, False)

    def restyle(self) -> None:
        self._styles = status_styles(self.app)

    def paint(self, frame: Frame) -> None:
        state = frame.state
        previous, self.state = self.state, state
        self.now = frame.now
        changed = frame.changed_agents
        # Another state (a new session, the batch's plan after an edit) may rename agents.
        if state is not previous or len(self._names) != len(state.agents):
            self._names = list(state.agents)
            self._index = {name: i for i, name in enumerate(self._names)}
            self._longest = max((cells(name) for name in self._names), default=4)
            changed = None
        self._styles = status_styles(self.app)
        show_usage = _column_shown(state, changed, self.show_usage, has_usage)
        show_diff = _column_shown(state, changed, self.show_diff, has_diff)
        show_worker = _column_shown(state, changed, self.show_worker, has_worker)
        shown = (show_usage, show_diff, show_worker)
        if shown != (self.show_usage, self.show_diff, self.show_worker):
            self.show_usage, self.show_diff, self.show_worker = shown
            changed = None  # every row gains (or loses) the column
        rows = None if changed is None else [self._index[n] for n in changed if n in self._index]
        self.set_row_count(len(self._names), rows=rows)
        self.update_controls()

    def controls(self) -> tuple[bool, bool]:
        """(cancel, retry): whether each applies to the agent under the cursor now."""
        agent = self.state.agents.get(self.selected or "")
        if self.read_only or not self.controls_live or agent is None:
            return (False, False)
        ended = agent.status in ("done", "failed", "cancelled", "skipped")
        return (not ended, agent.status in ("failed", "cancelled", "skipped"))

    def update_controls(self) -> None:
        """Refresh the footer when what the cursor's agent allows has changed."""
        shown = self.controls()
        if shown != self._controls_shown:
            self._controls_shown = shown
            self.refresh_bindings()

    def watch_cursor(self) -> None:
        super().watch_cursor()
        self.update_controls()

    @property
    def selected(self) -> str | None:
        if 0 <= self.cursor < len(self._names):
            return self._names[self.cursor]
        return None

    def _name_width(self, width: int) -> int:
        longest = self._longest
        return max(6, min(longest, 22, width // 3))

    def render_header(self, line: int, width: int) -> Text:
        nw = self._name_width(width)
        usage = f"{'tokens':>10} {'cost':>6} " if self.show_usage else ""
        usage += f"{'+/- lines':>13} " if self.show_diff else ""
        usage += f"{'worker':<{WORKER_WIDTH}} " if self.show_worker else ""
        kind = f"{'type':<12} " if width >= NARROW else ""
        status = f"{'status':<9} " if width >= NARROWEST else ""
        return Text(f"  {'agent':<{nw}} {kind}{status}{'time':>7} {usage} waits / stores · output")

    def row_key(self, index: int) -> Hashable | None:
        agent = self.state.agents.get(self._names[index])
        if agent is None:
            return None
        now = self.now if self.now is not None else self.state.t
        return (
            id(agent),  # the plan's agents are new objects after each edit of the batch
            agent.name,
            agent.status,
            agent.output_chars,
            len(agent.output_tail),
            agent.attempts,
            len(agent.arrived),
            agent.reason,
            len(agent.awaiting),
            format_seconds(agent_elapsed(agent, now)),
            id(self._styles),
            self.show_usage,
            agent.tokens_in,
            agent.tokens_out,
            agent.cost_usd,
            self.show_diff,
            None if agent.worktree is None else (agent.worktree.added, agent.worktree.removed),
            self.show_worker,
            agent.worker,
        )

    def render_row(self, index: int, width: int) -> Text:
        agent = self.state.agents.get(self._names[index])
        if agent is None:
            return Text("")
        now = self.now if self.now is not None else self.state.t
        nw = self._name_width(width)
        style = self._styles.get(agent.status, Style())
        text = Text()
        text.append(f"{STATUS_GLYPH.get(agent.status, '?')} ", style)
        text.append(f"{column(agent.name, nw)} ", Style(bold=True))
        if width >= NARROW:
            text.append(f"{column(agent.type, 12)} ", Style(dim=True))
        if width >= NARROWEST:  # narrower: the glyph and its colour tell the status
            text.append(f"{agent.status:<9} ", style)
        text.append(f"{format_seconds(agent_elapsed(agent, now)):>7} ")
        if self.show_usage:
            text.append(usage_text(agent), Style(dim=True))
        if self.show_diff:
            text.append(diff_column(agent), Style(dim=True))
        if self.show_worker:
            text.append(worker_column(agent), Style(dim=True))
        text.append(" ")
        rest = width - text.cell_len
        waits = visible(waits_text(agent))
        if agent.awaiting:
            style = self._styles.get("waiting", style) + Style(bold=True)
        tail = visible(agent.output_tail[-1].strip()) if agent.output_tail else ""
        if waits and tail:
            text.append(clip(waits, max(10, rest // 2)), style)
            text.append(" · " + tail, Style(dim=True))
        elif waits:
            text.append(waits, style)
        else:
            text.append(tail, Style(dim=True))
        return text

    def action_detail(self) -> None:
        if self.selected is not None:
            self.post_message(AgentChosen(self.selected))

    def action_cancel(self) -> None:
        if self.selected is not None and not self.read_only:
            self.post_message(AgentControlRequested("cancel", self.selected))

    def action_retry(self) -> None:
        if self.selected is not None and not self.read_only:
            self.post_message(AgentControlRequested("retry", self.selected))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Hidden (not greyed) when they cannot apply: in replay, after the session, or for an
        # agent that has ended (cancel) or has not failed (retry).
        if action == "cancel":
            return self.controls()[0]
        if action == "retry":
            return self.controls()[1]
        return True
