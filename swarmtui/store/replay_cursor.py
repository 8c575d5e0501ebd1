"""A cursor over a recorded session's events: the state at any position, reached quickly.

The state at position n is the fold (`swarmtui.engine.state.apply`) of the first n events. Folding
from zero on every seek would make scrubbing a long session slow, so the cursor keeps deep copies of
the state every `snapshot_every` events (taken lazily, the first time the fold passes that point)
and folds from the nearest snapshot at or before the target. Pure: no I/O, never runs anything.
"""

from __future__ import annotations

import bisect
import copy
from collections.abc import Sequence

from swarmtui.engine.events import Event
from swarmtui.engine.state import SessionState, apply

DEFAULT_SNAPSHOT_EVERY = 256


class ReplayCursor:
    """Position (number of events applied) and the `SessionState` at that position."""

    def __init__(
        self, events: Sequence[Event], *, snapshot_every: int = DEFAULT_SNAPSHOT_EVERY
    ) -> None:
        if snapshot_every < 1:
            raise ValueError("snapshot_every must be at least 1")
        self._events: list[Event] = list(events)
        self._every = snapshot_every
        # position -> a private copy of the state there; never handed out, since apply mutates.
        self._snapshots: dict[int, SessionState] = {0: SessionState()}
        self._state = SessionState()
        self._position = 0
        # Recorded times are meant to be non-decreasing; a running maximum keeps bisect valid
        # even if a clock stepped backwards while recording.
        self._times: list[float] = []
        latest = 0.0
        for event in self._events:
            latest = max(latest, event.t)
            self._times.append(latest)

    @property
    def events(self) -> list[Event]:
        """All the recorded events (do not mutate)."""
        return self._events

    @property
    def total(self) -> int:
        """How many events the session recorded."""
        return len(self._events)

    @property
    def position(self) -> int:
        """How many events have been applied (0 = before the first event)."""
        return self._position

    @property
    def state(self) -> SessionState:
        """The state after `position` events. It changes in place when the cursor moves."""
        return self._state

    @property
    def time(self) -> float:
        """The recorded time (seconds since start) of the last applied event, 0 before any."""
        return self._times[self._position - 1] if self._position else 0.0

    @property
    def duration(self) -> float:
        """The recorded time of the last event."""
        return self._times[-1] if self._times else 0.0

    @property
    def fraction(self) -> float:
        """The position as a fraction of the whole session (1.0 for an empty one)."""
        return self._position / self.total if self.total else 1.0

    @property
    def at_end(self) -> bool:
        return self._position >= self.total

    def seek(self, n: int) -> SessionState:
        """Move to position n (clamped to 0..total) and return the state there."""
        target = max(0, min(int(n), self.total))
        if target == self._position:
            return self._state
        base = (target // self._every) * self._every
        while base not in self._snapshots:
            base -= self._every
        # Fold forward from where we are when that is no further than from the snapshot.
        if not (self._position <= target and self._position >= base):
            self._state = copy.deepcopy(self._snapshots[base])
            self._position = base
        self._fold_to(target)
        return self._state

    def step(self, delta: int = 1) -> SessionState:
        """Move by delta events (negative goes back)."""
        return self.seek(self._position + delta)

    def seek_fraction(self, fraction: float) -> SessionState:
        """Move to a fraction (0.0..1.0, clamped) of the events."""
        fraction = max(0.0, min(1.0, float(fraction)))
        return self.seek(round(fraction * self.total))

    def position_at_time(self, t: float) -> int:
        """The number of events recorded at or before time t."""
        return bisect.bisect_right(self._times, t)

    def at_time(self, t: float) -> SessionState:
        """Move to just after the last event recorded at or before time t."""
        return self.seek(self.position_at_time(t))

    def _fold_to(self, target: int) -> None:
        events = self._events
        every = self._every
        snapshots = self._snapshots
        state = self._state
        position = self._position
        while position < target:
            state = apply(state, events[position])
            position += 1
            if position % every == 0 and position not in snapshots:
                snapshots[position] = copy.deepcopy(state)
        self._state = state
        self._position = position
