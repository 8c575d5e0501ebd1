"""The timeline: one bar per agent over time (waiting ░, running █; every attempt, one that
failed ending in ✗), a now-line, and the figures."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.geometry import Region

from swarmtui.ui.bridge import Frame
from swarmtui.ui.empty_state import EMPTY_STATE
from swarmtui.ui.look import STATUS_GLYPH, cells, column, format_seconds, status_styles
from swarmtui.ui.widgets.row_list import RowList

if TYPE_CHECKING:
    from swarmtui.engine.state import AgentState

WAIT_CHAR = "░"
RUN_CHAR = "█"
NOW_CHAR = "│"
# The end of an attempt that did not succeed is marked with its status's glyph.
# ("interrupted": the session died while it ran; it ran again when the session was resumed.)
ATTEMPT_MARKS = {
    "failed": STATUS_GLYPH["failed"],
    "cancelled": STATUS_GLYPH["cancelled"],
    "interrupted": "↯",
}
HEADER_LONG_WIDTH = 64


def scale_end(now: float, finished: bool) -> float:
    """The time at the right edge: the wall time when finished, else a round figure ahead of now."""
    if finished or now < 0.8:
        # Under a second the axis stays at 1 s: scaling to a few milliseconds only shows noise.
        return max(now, 1.0)
    steps = (1, 2, 5)
    magnitude = 10 ** math.floor(math.log10(now * 1.25))
    for step in (*steps, 10):
        end = float(step * magnitude)
        if end >= now * 1.25:
            return end
    return now * 1.25


def phases(agent: AgentState, now: float) -> list[tuple[float, float, str]]:
    """(start, end, kind) spans of an agent, every attempt of it: kind is "wait", "run" (its
    last attempt, going on or done) or how an attempt ended that did not succeed ("failed",
    "cancelled", "interrupted": the bar ends in its mark)."""
    spans: list[tuple[float, float, str]] = []
    waited = 0.0  # (the agent's wait until the attempt before)
    for past in agent.ended_attempts:
        wait = past.wait_total - waited
        if wait > 0:
            spans.append((past.started - wait, past.started, "wait"))
        spans.append((past.started, past.ended, past.status))
        waited = past.wait_total
    last = agent.ended_attempts[-1] if agent.ended_attempts else None
    if agent.started_at is not None and (last is None or agent.attempts > last.attempt):
        # Its last attempt. The fold keeps the total wait; the time this attempt started
        # waiting may have been cleared, so its wait is drawn as what the earlier ones left.
        wait = agent.wait_seconds - waited
        if wait > 0:
            spans.append((agent.started_at - wait, agent.started_at, "wait"))
        end = agent.finished_at if agent.finished_at is not None else now
        ended = agent.finished_at is not None and agent.status in ATTEMPT_MARKS
        spans.append((agent.started_at, end, agent.status if ended else "run"))
        return spans
    wait_start = agent.waiting_since if agent.waiting_since is not None else agent.queued_at
    if wait_start is not None and (last is None or wait_start >= last.ended):
        # Waiting now (for the first time, or for a retry), or it ended without running again.
        finished = agent.finished_at
        wait_end = finished if finished is not None and finished >= wait_start else now
        spans.append((wait_start, wait_end, "wait"))
    return spans


class TimelinePanel(RowList):
    """Bars on one time axis; the header: wall and sequential time, speed-up, critical path."""

    show_row_cursor = False
    empty_hint = "One bar per agent once a session runs."
    header_lines = 2

    def __init__(
        self, *, read_only: bool = False, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.read_only = read_only
        self.state = EMPTY_STATE
        self.now: float | None = None  # the figures' clock (the status bar's)
        # The bars' clock: rows repainted alone keep the clock of the last full repaint, so
        # every bar is drawn against the same now-line and scale.
        self.bars_now: float | None = None
        self.marker: float | None = None  # replay position, drawn like the now-line
        # A fixed right edge (replay: the recording's duration), else it follows the session.
        self.axis_end: float | None = None
        self._names: list[str] = []
        self._longest = 4
        self._index: dict[str, int] = {}
        self._styles: dict[str, Style] = {}

    def restyle(self) -> None:
        self._styles = status_styles(self.app)

    def paint(self, frame: Frame) -> None:
        state = frame.state
        previous, self.state = self.state, state
        self.now = frame.now
        changed = frame.changed_agents
        if state is not previous or len(self._names) != len(state.agents):
            self._names = list(state.agents)
            self._index = {name: i for i, name in enumerate(self._names)}
            self._longest = max((cells(name) for name in self._names), default=4)
            changed = None
        if (frame.marker, frame.axis_end) != (self.marker, self.axis_end):
            changed = None  # the playhead or the scale moved: every bar
        self.marker = frame.marker
        self.axis_end = frame.axis_end
        if changed is None:
            self.bars_now = frame.now
        self._styles = status_styles(self.app)
        rows = None if changed is None else [self._index[n] for n in changed if n in self._index]
        self.set_row_count(len(self._names), rows=rows)
        if rows is not None:
            self.refresh(Region(0, 0, self.size.width, 1))  # the figures

    @property
    def _now(self) -> float:
        """The bars' clock."""
        return self.bars_now if self.bars_now is not None else self.state.t

    def _axis_end(self) -> float:
        if self.axis_end is not None and self.axis_end > 0:
            return self.axis_end
        return scale_end(self._now, self.state.status != "running")

    def _name_width(self, width: int) -> int:
        longest = self._longest
        return max(4, min(longest, 16, width // 4))

    def render_header(self, line: int, width: int) -> Text:
        if line == 0:
            return self._figures_line(width)
        end = self._axis_end()
        nw = self._name_width(width)
        bar_width = max(1, width - nw - 1)
        left = "0s"
        right = format_seconds(end)
        gap = max(1, bar_width - len(left) - len(right))
        return Text(f"{'':<{nw}} {left}{'─' * gap}{right}")

    def _figures_line(self, width: int) -> Text:
        if self.state is EMPTY_STATE:
            return Text("wall –  speed-up –", Style(dim=True))
        # (the engine's figures: the same rule as the status bar, replay and headless output)
        from swarmtui.engine.metrics import figures, format_speedup

        f = figures(self.state, self.now if self.now is not None else self.state.t)
        # Short labels when the long ones would not fit (the critical path was cut off).
        short = width < HEADER_LONG_WIDTH
        text = Text()
        text.append(f"wall {format_seconds(f.wall_seconds)}", Style(bold=True))
        label = "seq" if short else "sequential"
        text.append(f"  {label} {format_seconds(f.sequential_seconds)}")
        text.append(f"  speed-up {format_speedup(f.speedup)}", Style(bold=True))
        label = "crit. path" if short else "critical path"
        text.append(f"  {label} {format_seconds(f.critical_path_seconds)}")
        if f.idle_seconds >= 0.05:
            text.append(f"  idle {format_seconds(f.idle_seconds)}", Style(dim=True))
        return text

    def render_row(self, index: int, width: int) -> Text:
        agent = self.state.agents.get(self._names[index])
        if agent is None:
            return Text("")
        now = self._now
        finished = self.state.status != "running"
        nw = self._name_width(width)
        text = Text(f"{column(agent.name, nw)} ", Style(bold=True))
        marks = [t for t in (None if finished else now, self.marker) if t is not None]
        bar = bar_text(agent, now, self._axis_end(), max(1, width - nw - 1), self._styles, marks)
        return text.append_text(bar)


def bar_text(
    agent: AgentState,
    now: float,
    end: float,
    width: int,
    styles: dict[str, Style],
    marks: list[float] | None = None,
) -> Text:
    """AGENT's bar, WIDTH cells for the times 0 to END: every attempt and the waits before
    them, an attempt that did not succeed ending in its mark, and the now-line or playhead at
    MARKS where nothing else is drawn (the timeline and the compare screen draw the same)."""
    cells = [" "] * width
    kinds: list[str | None] = [None] * width
    ends: list[tuple[int, str]] = []  # (column, status) of attempts that did not succeed
    for start, stop, kind in phases(agent, now):
        first = int(start / end * width)
        last = max(first + 1, math.ceil(stop / end * width))
        for col in range(max(0, first), min(width, last)):
            cells[col] = WAIT_CHAR if kind == "wait" else RUN_CHAR
            kinds[col] = kind
        if kind in ATTEMPT_MARKS and 0 <= last - 1 < width:
            ends.append((last - 1, kind))
    for col, kind in ends:  # (after every bar: a retry starting there does not hide it)
        cells[col] = ATTEMPT_MARKS[kind]
        kinds[col] = kind
    for mark in marks or ():
        col = min(width - 1, int(mark / end * width))
        if kinds[col] is None:
            cells[col] = NOW_CHAR
            kinds[col] = "now"
    run_style = styles.get(agent.status if agent.status != "waiting" else "running")
    text = Text()
    col = 0
    while col < width:
        kind = kinds[col] or ""
        run_end = col
        while run_end < width and (kinds[run_end] or "") == kind:
            run_end += 1
        chunk = "".join(cells[col:run_end])
        if kind == "run":
            text.append(chunk, run_style)
        elif kind == "wait":
            text.append(chunk, styles.get("waiting"))
        elif kind == "now":
            text.append(chunk, Style(dim=True))
        elif kind in styles:  # an ended attempt, in the colour of how it ended
            text.append(chunk, styles[kind])
        else:
            text.append(chunk)
        col = run_end
    return text
