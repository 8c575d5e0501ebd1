"""The bridge from engine events to the screen: events → state → dirty panels → bounded repaint.

Engine events arrive one by one (a `LiveSession` subscriber, or `feed` for recorded or synthetic
events); they only mark panels dirty and queue themselves for the log. A timer repaints the dirty
panels at most `fps` times a second inside one `batch_update`, so a storm of events costs one
repaint per frame and never blocks typing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

from textual.app import App
from textual.timer import Timer

from swarmtui.ui.empty_state import EMPTY_STATE, new_state

if TYPE_CHECKING:
    from swarmtui.engine.events import Event
    from swarmtui.engine.state import SessionState

MAX_FPS = 20.0
# Panels that are costly to redraw and change slowly for the eye repaint less often (seconds).
PANEL_INTERVALS = {"memory": 0.5, "timeline": 0.1, "todos": 0.1, "status": 0.1}
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
    "agent_usage": frozenset({"agents", "log"}),
    "agent_finished": _AGENT | {"todos"},
    "memory_stored": frozenset({"memory", "agents", "log"}),
    "memory_deleted": frozenset({"memory", "agents", "log"}),
    "todo_changed": frozenset({"todos", "log"}),
    "control": frozenset({"agents", "status", "log"}),
}
_LOG_ONLY = frozenset({"log"})
_TICKING = frozenset({"running", "waiting"})
# Panels that can repaint just the rows of the agents an event touched, and those events.
_ROW_PANELS = frozenset({"agents", "timeline"})
PREVIEW_PANELS = frozenset({"agents", "todos"})
_ROW_EVENTS = frozenset(
    {
        "agent_queued",
        "agent_waiting",
        "agent_started",
        "agent_output",
        "agent_usage",
        "agent_finished",
    }
)


class Panel(Protocol):
    def show_state(self, state: SessionState) -> None: ...


class ClockedPanel(Panel, Protocol):
    now: float | None


class LogSink(Protocol):
    def add_events(self, events: list[Event]) -> None: ...


class SessionBridge:
    """Owns the repaint timer; panels register by name and are repainted only when dirty."""

    def __init__(self, app: App[object], *, fps: float = MAX_FPS) -> None:
        self.app = app
        self.fps = min(fps, MAX_FPS)
        self.state = EMPTY_STATE
        self.panels: dict[str, list[Panel]] = {}
        self.dirty: set[str] = set()
        self._log_buffer: list[Event] = []
        self._timer: Timer | None = None
        self._clock_start: float | None = None
        self._last_clock_paint = 0.0
        self._last_timeline_paint = 0.0
        self.frames = 0  # repaints done (the bench counts them)
        self._painted_at: dict[str, float] = {}
        self._changed_rows: dict[str, set[str] | None] = {}
        self.events_seen = 0
        self.live_clock = False  # True while a live session runs: elapsed times follow the clock
        self.after_repaint: Callable[[], None] | None = None
        # The batch's plan, shown by the agents and todos panels until a session is attached.
        self.preview: SessionState | None = None

    # Wiring ---------------------------------------------------------------------------------
    def register(self, name: str, panel: Panel) -> None:
        self.panels.setdefault(name, []).append(panel)
        self.dirty.add(name)

    def unregister(self, panel: Panel) -> None:
        for panels in self.panels.values():
            if panel in panels:
                panels.remove(panel)

    def start(self) -> None:
        if self._timer is None:
            self._timer = self.app.set_interval(1.0 / self.fps, self.repaint, name="repaint")

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def attach(self, state: SessionState, *, live: bool) -> None:
        """Show a new session (its state object is shared with the engine when live)."""
        self.state = state
        self._changed_rows.clear()
        self._log_buffer.clear()
        for panel in self.panels.get("log", []):
            clear = getattr(panel, "clear", None)
            if clear is not None:
                clear()
        self.live_clock = live
        self._clock_start = time.monotonic() - state.t if live else None
        self.dirty.update(PANELS)

    def show_preview(self, state: SessionState) -> None:
        """Show the batch's planned agents and todos, unless a session is already shown."""
        if self.state is EMPTY_STATE:
            self.preview = state
            self.dirty.update(PREVIEW_PANELS)

    def _state_for(self, name: str) -> SessionState:
        if self.preview is not None and self.state is EMPTY_STATE and name in PREVIEW_PANELS:
            return self.preview
        return self.state

    # Events in ------------------------------------------------------------------------------
    def on_event(self, event: Event) -> None:
        """Subscriber for a LiveSession: the event is already applied to the shared state."""
        self.events_seen += 1
        self._log_buffer.append(event)
        panels = _DIRTY_BY_TYPE.get(event.type, _LOG_ONLY)
        self.dirty |= panels
        # Which agents' rows changed, per panel (None: repaint every row).
        agent = getattr(event, "agent", None) if event.type in _ROW_EVENTS else None
        for name in _ROW_PANELS & panels:
            rows = self._changed_rows.get(name, set())
            if agent is None or rows is None:
                self._changed_rows[name] = None
            else:
                rows.add(agent)
                self._changed_rows[name] = rows
        if event.type == "session_started" and self.live_clock:
            self._clock_start = time.monotonic() - event.t
        elif event.type == "session_finished":
            self.live_clock = False

    def feed(self, events: Iterable[Event]) -> None:
        """Apply events to the bridge's own state, then treat them as `on_event` does."""
        from swarmtui.engine.state import apply

        if self.state is EMPTY_STATE:
            self.state = new_state()
        for event in events:
            apply(self.state, event)
            self.on_event(event)

    # Painting -------------------------------------------------------------------------------
    def now(self) -> float | None:
        if self.live_clock and self._clock_start is not None and self.state.status == "running":
            return max(self.state.t, time.monotonic() - self._clock_start)
        return None

    def repaint(self) -> None:
        """Called by the timer: repaint what changed since the last frame."""
        now = self.now()
        if now is not None:
            current = time.monotonic()
            if current - self._last_clock_paint >= CLOCK_INTERVAL:
                self._last_clock_paint = current
                self.dirty |= {"agents", "status"}
                # Only the rows whose elapsed time moves; the others are redrawn from cache.
                ticking = {a.name for a in self.state.agents.values() if a.status in _TICKING}
                rows = self._changed_rows.get("agents", set())
                self._changed_rows["agents"] = None if rows is None else rows | ticking
            if current - self._last_timeline_paint >= TIMELINE_CLOCK_INTERVAL:
                self._last_timeline_paint = current
                self.dirty.add("timeline")
                self._changed_rows["timeline"] = None
        if not self.dirty:
            return
        current = time.monotonic()
        due = {
            name
            for name in self.dirty
            if current - self._painted_at.get(name, 0.0) >= PANEL_INTERVALS.get(name, 0.0)
        }
        if not due:
            return
        self.dirty -= due
        dirty = due
        buffer: list[Event] = []
        if "log" in dirty:
            buffer, self._log_buffer = self._log_buffer, []
        with self.app.batch_update():
            for name in dirty:
                self._painted_at[name] = current
                rows = self._changed_rows.pop(name, None)
                for panel in self.panels.get(name, []):
                    # The timeline repainting only some rows keeps the clock of its last full
                    # repaint, so every bar is drawn against the same now-line and scale.
                    if hasattr(panel, "now") and (name != "timeline" or rows is None):
                        panel.now = now
                    if hasattr(panel, "changed_agents"):
                        panel.changed_agents = rows
                    if name == "log" and buffer:
                        add = getattr(panel, "add_events", None)
                        if add is not None:
                            add(buffer)
                    panel.show_state(self._state_for(name))
        self.frames += 1
        if self.after_repaint is not None:
            self.after_repaint()

    def flush(self) -> None:
        """Repaint every dirty panel now (tests and the end of a session)."""
        self._painted_at.clear()
        self.repaint()
