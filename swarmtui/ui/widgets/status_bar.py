"""The status bar: backend (REHEARSAL badge when offline), session, elapsed time, status counts,
and how many requests wait for the user's approval; before a run, what the batch may use."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from swarmtui.safe_text import visible
from swarmtui.ui.bridge import Frame
from swarmtui.ui.look import (
    STATUS_GLYPH,
    STATUSES,
    clip,
    format_cost,
    format_seconds,
    format_tokens,
    status_styles,
)

if TYPE_CHECKING:
    from swarmtui.engine.state import ClusterState, SessionState


NARROW_WIDTH = 100  # below: the session id is shortened
# A session held open for the user: what they can do (short when the whole would not fit).
HELD = "waiting for you: r retries, m stores a key, X ends"
HELD_SHORT = "waiting for you (r, m, X)"


def cluster_text(cluster: ClusterState) -> str:
    """The Dask cluster agents run on: `dask-local:2 2 workers 8 slots`, and workers lost."""
    workers = f"{cluster.workers} worker{'s' if cluster.workers != 1 else ''}"
    slots = f"{cluster.slots} slot{'s' if cluster.slots != 1 else ''}"
    lost = f" {len(cluster.lost)} lost" if cluster.lost else ""
    return f"⛁ {visible(cluster.executor)} {workers} {slots}{lost}"


def usage_totals(tokens: int, cost_usd: float) -> str:
    """The session's tokens and cost ("12.3k tok · $0.04"), or "" while nothing was used."""
    parts = []
    if tokens:
        parts.append(format_tokens(tokens))
    if cost_usd:
        parts.append(format_cost(cost_usd))
    return " · ".join(parts)


class StatusBar(Widget):
    """One line at the bottom of the main and replay screens (repaints without a layout pass)."""

    def __init__(
        self,
        *,
        backend: str = "rehearsal",
        read_only: bool = False,
        idle: str = "no session yet",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.backend = backend
        self.read_only = read_only
        # What the bar says before the first event (a replay's start is not "no session").
        self.idle = idle
        self.state: SessionState | None = None
        self.now: float | None = None  # live clock; None: the state's own time
        self.file_label = ""
        self.modified = False
        self.note = ""
        # Before a session: what running the batch may use, said as an estimate.
        self.estimate = ""
        # Shown instead of the state's status (replay: a killed session says `interrupted`).
        self.status_label: str | None = None
        # Agents per status and tokens used, kept up to date from the agents that changed.
        self._counts: Counter[str] = Counter()
        self._status_of: dict[str, str] = {}
        self._tokens_of: dict[str, int] = {}
        self._tokens = 0
        self._status_cells = 0  # (the last text's cells before the file label)
        self._held_shown = False

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.refresh())

    def render(self) -> Text:
        text = self.render_status()
        width = self.size.width
        if width and self._status_cells > width and self._held_shown:
            # What the user can do, said short, rather than the time and counts cut off.
            text = self.render_status(short=True)
        if width and text.cell_len > width and self.estimate:
            # The file's name matters more than the estimate (the run says it again).
            text = self.render_status(estimate=False)
        # One line: what does not fit ends in "…" (the file label goes first).
        text.no_wrap = True
        text.overflow = "ellipsis"
        if width and text.cell_len > width:
            text.truncate(width, overflow="ellipsis")
        return text

    def paint(self, frame: Frame) -> None:
        state, changed = frame.state, frame.changed_agents
        if state is not self.state or changed is None:
            self._counts.clear()
            self._status_of.clear()
            self._tokens_of.clear()
            self._tokens = 0
            changed = frozenset(state.agents)
        for name in changed:
            self._count(state, name)
        self.state = state
        self.now = frame.now
        self.refresh()

    def _count(self, state: SessionState, name: str) -> None:
        agent = state.agents.get(name)
        if agent is None:
            return
        status = agent.status
        before = self._status_of.get(name)
        if status != before:
            if before is not None:
                self._counts[before] -= 1
            self._counts[status] += 1
            self._status_of[name] = status
        tokens = agent.tokens_in + agent.tokens_out
        self._tokens += tokens - self._tokens_of.get(name, 0)
        self._tokens_of[name] = tokens

    def set_file(self, label: str, modified: bool) -> None:
        self.file_label = visible(label)  # (a path: shown visibly)
        self.modified = modified
        self.refresh()

    def set_estimate(self, estimate: str) -> None:
        self.estimate = estimate
        self.refresh()

    def set_note(self, note: str) -> None:
        self.note = note
        self.refresh()

    def render_status(self, *, short: bool = False, estimate: bool = True) -> Text:
        """The bar's text; `short`: a held session's keys in a few words; `estimate`: with the
        batch's estimate before a session."""
        variables = self.app.theme_variables
        self._held_shown = False
        state = self.state
        backend = (state.backend if state and state.backend else self.backend) or "rehearsal"
        text = Text()
        if backend == "rehearsal":
            text.append(
                " REHEARSAL ",
                Style(
                    bold=True,
                    color=variables.get("text-warning") or None,
                    bgcolor=variables.get("warning-muted") or None,
                    reverse=not variables.get("warning-muted"),
                ),
            )
        else:
            text.append(f" {backend.upper()} ", Style(bold=True, reverse=True))
        text.append(" ")
        session = state is not None and bool(state.session_id)
        note = Text(visible(self.note), Style(italic=True, bold=True)) if self.note else None
        if note is not None and not session:
            text.append_text(note)
            text.append("  ")
        if state is not None and state.session_id:
            from swarmtui.engine.metrics import figures  # (a session exists: the engine is loaded)

            elapsed = figures(state, self.now).wall_seconds
            # Narrow: the status, time and counts matter more than the whole id.
            narrow = 0 < self.size.width < NARROW_WIDTH
            session_id = clip(state.session_id, 18) if narrow else state.session_id
            text.append(visible(session_id), Style(bold=True))
            paused = " (paused)" if state.paused and state.status == "running" else ""
            status = self.status_label or state.status
            if state.status == "running" and state.held:
                self._held_shown = not self.read_only
                if self.read_only:
                    status = "held open, waiting for the user"  # (a replay: its keys are not here)
                else:
                    status = HELD_SHORT if short else HELD
            text.append(f" · {status}{paused} · {format_seconds(elapsed)} ")
            counts = self._counts
            styles = status_styles(self.app)
            for status in STATUSES:
                if counts.get(status):
                    text.append(f" {STATUS_GLYPH[status]}{counts[status]}", styles[status])
            usage = usage_totals(self._tokens, state.cost_usd)
            if usage:
                text.append(f" · {usage}")
            if state.cluster is not None:
                text.append(f" · {cluster_text(state.cluster)}", Style(dim=True))
            waiting = len(state.awaiting)
            if waiting:
                text.append("  ")
                text.append(
                    f" ⚑ {waiting} awaiting approval (a) ",
                    Style(
                        bold=True,
                        color=variables.get("text-warning") or None,
                        bgcolor=variables.get("warning-muted") or None,
                        reverse=not variables.get("warning-muted"),
                    ),
                )
        else:
            text.append(self.idle, Style(dim=True))
            if self.estimate and estimate:
                text.append(f" · {visible(self.estimate)}", Style(dim=True))
        self._status_cells = text.cell_len
        if note is not None and session:
            # A session's status and counts matter more than the hint (the pane keys).
            text.append("  ")
            text.append_text(note)
        if self.file_label:
            mark = " ● unsaved" if self.modified else ""
            label = f"  {self.file_label}{mark}"
            room = self.size.width - text.cell_len
            if 0 < room < len(label) and room > len(mark) + 6:
                # The file's name matters more than its folder: cut from the left.
                keep = room - len(mark) - 3
                label = f"  …{self.file_label[-keep:]}{mark}"
            text.append(label, Style(dim=not self.modified, bold=self.modified))
        return text
