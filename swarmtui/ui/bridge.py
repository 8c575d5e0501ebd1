"""The bridge from session events to the screen: events → state → dirty panels → bounded repaint.

A live session's events arrive one by one (`on_event`, a `LiveSession` subscriber; `feed` for
synthetic ones); a replay moves to another position (`show_position`). Either only marks
panels dirty and queues the new events for the log. A timer repaints the dirty panels at most
`fps` times a second inside one `batch_update`, so a storm of events costs one repaint per frame
and never blocks typing; `flush` paints at once (a replay's keys, the end of a session).

Every panel implements one contract, `Panel.paint(frame)`: the `Frame` says what to show and
what is known to have changed, so the bridge never probes a panel for what it can do.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple, Protocol

from textual.message_pump import MessagePump
from textual.timer import Timer

from swarmtui.ui.empty_state import EMPTY_STATE, new_state

if TYPE_CHECKING:
    from swarmtui.engine.events import Event
    from swarmtui.engine.state import SessionState
    from swarmtui.memory_keys import PatternIndex

MAX_FPS = 20.0
# Panels that are costly to redraw and change slowly for the eye repaint less often (seconds).
PANEL_INTERVALS = {"memory": 0.5, "timeline": 0.1, "todos": 0.1, "status": 0.1, "log": 0.1}
# Frames take turns: the scrolling log in one, the other costly panels in the next, so no single
# frame redraws them all at once (the screen update that follows a repaint is what blocks).
# The status bar paints with the timeline (same frame, same clock): their elapsed times agree.
_TURNS = (frozenset({"log"}), frozenset({"timeline", "status", "todos", "memory"}))
# While a session runs, the clock-driven parts repaint this often (seconds): elapsed times of
# running agents and the status bar; the timeline's now-line and scale, which redraw every bar.
CLOCK_INTERVAL = 0.5
TIMELINE_CLOCK_INTERVAL = 1.0

PANELS = ("agents", "todos", "memory", "log", "timeline", "status")
_ALL = frozenset(PANELS)
_AGENT = frozenset({"agents", "timeline", "status", "log"})
_DIRTY_BY_TYPE: dict[str, frozenset[str]] = {
    "session_started": _ALL,
    "session_finished": _ALL,
    "message_started": frozenset({"status", "log"}),
    "message_finished": frozenset({"status", "log"}),
    "agent_queued": _AGENT,
    "agent_waiting": _AGENT,
    "agent_started": _AGENT | {"todos"},
    "agent_output": frozenset({"agents", "log"}),
    "agent_usage": frozenset({"agents", "log", "status"}),
    "agent_finished": _AGENT | {"todos"},
    "memory_stored": frozenset({"memory", "agents", "log"}),
    "memory_deleted": frozenset({"memory", "agents", "log"}),
    "todo_changed": frozenset({"todos", "log"}),
    "control": frozenset({"agents", "status", "log"}),
    # A request waiting for approval shows on its agent, the status bar and the queue.
    "approval_requested": _AGENT | {"approvals"},
    "approval_decided": _AGENT | {"approvals"},
    "confinement": frozenset({"status", "log"}),
    # An agent's worktree and its +/- lines show in its row.
    "worktree_created": frozenset({"agents", "log"}),
    "worktree_failed": frozenset({"agents", "log"}),
    "agent_committed": frozenset({"agents", "log"}),
}
_LOG_ONLY = frozenset({"log"})
_TICKING = frozenset({"running", "waiting"})
# Panels that can repaint just the rows of the agents an event touched, and those events.
_ROW_PANELS = frozenset({"agents", "timeline", "status"})
_MEMORY_EVENTS = frozenset({"memory_stored", "memory_deleted"})
# Beyond this many agents' rows, a frame repaints the panel's visible rows whole.
_MAX_ROWS = 256
PREVIEW_PANELS = frozenset({"agents", "todos"})
_ROW_EVENTS = frozenset(
    {
        "agent_queued",
        "agent_waiting",
        "agent_started",
        "agent_output",
        "agent_usage",
        "agent_finished",
        "approval_requested",
        "approval_decided",
        "worktree_created",
        "worktree_failed",
        "agent_committed",
    }
)


# Frame and _Position are named tuples rather than dataclasses: immutable all the same, and made
# in a fifth of the time at import, which is on the way to the app's first frame.
class Frame(NamedTuple):
    """What a panel paints, and what the bridge knows about what changed since its last frame."""

    state: SessionState
    # The live clock (seconds since the session started); None: the state's own time.
    now: float | None = None
    # The agents whose rows changed; None: any row may have (repaint them all).
    changed_agents: frozenset[str] | None = None
    # Events since the panel's last frame, oldest first (the log shows them).
    events: Sequence[Event] = ()
    # The events start over (another session, a replay moved back): drop those shown.
    restart: bool = False
    # A replay's playhead and the recording's length (the timeline draws and scales by them).
    marker: float | None = None
    axis_end: float | None = None


class Panel(Protocol):
    """A view of a session the bridge repaints."""

    def paint(self, frame: Frame) -> None: ...


class _Position(NamedTuple):
    """Where a replay stands: its playhead and the recording's length."""

    marker: float | None = None
    axis_end: float | None = None


class SessionBridge:
    """Owns the repaint timer; panels register by name and are repainted only when dirty."""

    def __init__(self, host: MessagePump, *, fps: float = MAX_FPS) -> None:
        """`host`: the screen (or app) whose panels it paints; its app runs the timer."""
        self._host = host
        self.fps = min(fps, MAX_FPS)
        self.state = EMPTY_STATE
        self.panels: dict[str, list[Panel]] = {}
        self.dirty: set[str] = set()
        self._log_buffer: list[Event] = []
        self._log_restart = False
        self._timer: Timer | None = None
        self._clock_start: float | None = None
        self._last_clock_paint = 0.0
        self._last_timeline_paint = 0.0
        self.frames = 0  # repaints done (the bench counts them)
        self._turn = 0
        self._flushing = False
        self._painted_at: dict[str, float] = {}
        self._changed_rows: dict[str, set[str] | None] = {}
        self._position = _Position()
        # Who waits for each key, for the session shown (built at its first memory event).
        self._waiters: tuple[object, dict[str, list[str]], PatternIndex[str]] | None = None
        self.events_seen = 0
        self.live_clock = False  # True while a live session runs: elapsed times follow the clock
        self.after_repaint: Callable[[], None] | None = None
        # The batch's plan, shown by the agents and todos panels until a session is attached.
        self.preview: SessionState | None = None

    # Wiring ---------------------------------------------------------------------------------
    def register(self, name: str, panel: Panel) -> None:
        self.panels.setdefault(name, []).append(panel)
        self.mark_dirty(name)
        if name == "log":
            self._log_restart = True

    def unregister(self, panel: Panel) -> None:
        for panels in self.panels.values():
            if panel in panels:
                panels.remove(panel)

    def start(self) -> None:
        if self._timer is None:
            # The host's timer, not the app's: it stops when the host's screen closes, before
            # the panels leave the DOM (an app timer painted detached panels on quit: NoScreen).
            self._timer = self._host.set_interval(1.0 / self.fps, self.repaint, name="repaint")

    @property
    def repainting(self) -> bool:
        """Whether the repaint timer runs (it ends with its host's screen)."""
        return self._timer is not None and self._timer._task is not None

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def attach(self, state: SessionState, *, live: bool) -> None:
        """Show a new session (its state object is shared with the engine when live)."""
        self.state = state
        self._waiters = None
        self._restart_log([])
        self._position = _Position()
        self.live_clock = live
        self._clock_start = time.monotonic() - state.t if live else None
        self.mark_dirty(*PANELS)

    def show_preview(self, state: SessionState) -> None:
        """Show the batch's planned agents and todos, unless a session is already shown."""
        if self.state is EMPTY_STATE:
            self.preview = state
            self.mark_dirty(*PREVIEW_PANELS)

    def _state_for(self, name: str) -> SessionState:
        if self.preview is not None and self.state is EMPTY_STATE and name in PREVIEW_PANELS:
            return self.preview
        return self.state

    # Events in ------------------------------------------------------------------------------
    def on_event(self, event: Event) -> None:
        """Subscriber for a LiveSession: the event is already applied to the shared state."""
        self.events_seen += 1
        self._log_buffer.append(event)
        kind = event.type
        panels = _DIRTY_BY_TYPE.get(kind, _LOG_ONLY)
        self.dirty |= panels
        # Which agents' rows changed, per panel (None: repaint every row).
        agents = self._agents_touched(event)
        changed = self._changed_rows
        for name in _ROW_PANELS & panels:
            rows = changed.get(name, set())
            if agents is None or rows is None:
                changed[name] = None
            else:
                rows.update(agents)
                changed[name] = rows
        if kind == "session_started" and self.live_clock:
            self._clock_start = time.monotonic() - event.t
        elif kind == "session_finished":
            self.live_clock = False

    def _agents_touched(self, event: Event) -> Iterable[str] | None:
        """The agents whose rows `event` changed; None: it may have changed any."""
        kind = event.type
        if kind in _ROW_EVENTS:
            agent: str | None = getattr(event, "agent", None)
            return None if agent is None else (agent,)
        if kind in _MEMORY_EVENTS:
            # A key arriving changes only the rows of the agents waiting for it.
            return self._waiters_of(getattr(event, "key", ""))
        if kind == "session_started":
            self._waiters = None
        return None

    def _waiters_of(self, key: str) -> Iterable[str] | None:
        """The agents whose waits name `key` or a glob it matches (None: too many to list)."""
        agents = self.state.agents
        if self._waiters is None or self._waiters[0] is not agents:
            # (imported at the first memory event of a session, not before the first frame)
            from swarmtui.memory_keys import PatternIndex, is_glob

            exact: dict[str, list[str]] = {}
            globs: PatternIndex[str] = PatternIndex()
            for agent in agents.values():
                for wait in agent.waits:
                    if is_glob(wait):
                        globs.add(wait, agent.name)
                    else:
                        exact.setdefault(wait, []).append(agent.name)
            self._waiters = (agents, exact, globs)
        _, exact, globs = self._waiters
        names = list(exact.get(key, ()))
        if globs:
            for _pattern, waiting in globs.matching(key):
                names.extend(waiting)
        return names if len(names) <= _MAX_ROWS else None

    def feed(self, events: Iterable[Event]) -> None:
        """Apply events to the bridge's own state, then treat them as `on_event` does."""
        from swarmtui.engine.state import apply

        if self.state is EMPTY_STATE:
            self.state = new_state()
        for event in events:
            apply(self.state, event)
            self.on_event(event)

    def show_position(
        self,
        state: SessionState,
        events: Sequence[Event],
        *,
        restart: bool,
        marker: float | None,
        axis_end: float | None,
    ) -> None:
        """A replay moved: show `state`; `events` are those the log gains (or, with `restart`,
        all it keeps); `marker` is the playhead, `axis_end` the recording's length."""
        self.state = state
        self.live_clock = False
        if restart:
            self._restart_log(events)
        else:
            self._log_buffer.extend(events)
        self._position = _Position(marker, axis_end)
        self.mark_dirty(*PANELS)

    def move_playhead(self, marker: float) -> None:
        """A playing replay's clock moved between events: the running agents' times, the
        figures and the timeline's playhead follow it (at the bridge's bounded rate)."""
        if marker == self._position.marker:
            return
        self._position = _Position(marker, self._position.axis_end)
        ticking = {a.name for a in self.state.agents.values() if a.status in _TICKING}
        rows = self._changed_rows.get("agents", set())
        self._changed_rows["agents"] = None if rows is None else rows | ticking
        self._changed_rows.setdefault("status", set())
        self._changed_rows["timeline"] = None
        self.dirty |= {"agents", "status", "timeline"}

    def mark_dirty(self, *names: str) -> None:
        """Repaint these panels whole at the next frame."""
        self.dirty.update(names)
        for name in names:
            self._changed_rows[name] = None

    def _restart_log(self, events: Iterable[Event]) -> None:
        self._log_buffer = list(events)
        self._log_restart = True

    # Painting -------------------------------------------------------------------------------
    def now(self) -> float | None:
        if self.live_clock and self._clock_start is not None and self.state.status == "running":
            return max(self.state.t, time.monotonic() - self._clock_start)
        return None

    def repaint(self) -> None:
        """Called by the timer: repaint what changed since the last frame."""
        now = self.now()
        if now is not None:
            self._tick_clock()
        self._turn ^= 1
        if not self.dirty:
            return
        current = time.monotonic()
        due = {
            name
            for name in self.dirty
            if current - self._painted_at.get(name, 0.0) >= PANEL_INTERVALS.get(name, 0.0)
        }
        if not self._flushing:
            due -= _TURNS[self._turn]  # their turn is the next frame
        if not due:
            return
        if "status" in due and "timeline" not in due and "timeline" in self.panels:
            # The timeline's figures follow the status bar's clock (its bars keep their own).
            due.add("timeline")
            self._changed_rows.setdefault("timeline", set())
        self.dirty -= due
        with self._host.app.batch_update():
            for name in due:
                self._painted_at[name] = current
                frame = self._frame(name, now)
                for panel in self.panels.get(name, []):
                    panel.paint(frame)
        self.frames += 1
        if self.after_repaint is not None:
            self.after_repaint()

    def _tick_clock(self) -> None:
        """Mark what the running clock moves: elapsed times now and then, the timeline less."""
        current = time.monotonic()
        if current - self._last_clock_paint >= CLOCK_INTERVAL:
            self._last_clock_paint = current
            self.dirty |= {"agents", "status"}
            # Only the rows whose elapsed time moves; the others are redrawn from cache.
            ticking = {a.name for a in self.state.agents.values() if a.status in _TICKING}
            rows = self._changed_rows.get("agents", set())
            self._changed_rows["agents"] = None if rows is None else rows | ticking
            self._changed_rows.setdefault("status", set())  # the clock only: no agent changed
        if current - self._last_timeline_paint >= TIMELINE_CLOCK_INTERVAL:
            self._last_timeline_paint = current
            self.dirty.add("timeline")
            self._changed_rows["timeline"] = None

    def _frame(self, name: str, now: float | None) -> Frame:
        if now is None:
            now = self._position.marker  # a replay's clock is its playhead
        rows = self._changed_rows.pop(name, None)
        changed = None if rows is None else frozenset(rows)
        events: Sequence[Event] = ()
        restart = False
        if name == "log":
            events, self._log_buffer = self._log_buffer, []
            restart, self._log_restart = self._log_restart, False
        return Frame(
            state=self._state_for(name),
            now=now,
            changed_agents=changed,
            events=events,
            restart=restart,
            marker=self._position.marker,
            axis_end=self._position.axis_end,
        )

    def flush(self) -> None:
        """Repaint every dirty panel now (a replay's keys, tests, the end of a session)."""
        self._painted_at.clear()
        self._flushing = True
        try:
            self.repaint()
        finally:
            self._flushing = False
