"""A cursor over a recorded session's events: the state at any position, reached quickly.

The state at position n is the fold (`swarmtui.engine.state.apply`) of the first n events. Folding
from zero on every backward seek would make scrubbing a long session slow, so the cursor keeps
copies of the state (snapshots), taken lazily the first time the fold passes a multiple of
`snapshot_every`, and folds from the nearest snapshot at or before the target.

Copying a big state costs about as much as folding tens of thousands of events (measured in
`bench/replay_cursor.py`: 1,000 agents, 44k events fold in ~50 ms, one deepcopy takes ~85 ms), so
snapshots are also spaced by cost: a new one is taken only once the folding done since the last
one took at least as long as copying did. That keeps the first pass at most about twice a plain
fold, and any seek at about two copies plus a fold of the gap. Pure: no I/O, never runs anything.
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
import operator
from collections import deque
from collections.abc import Sequence
from time import perf_counter
from typing import Any, TypeVar

from swarmtui import gc_policy
from swarmtui.engine.events import Event
from swarmtui.engine.state import SessionState, apply

DEFAULT_SNAPSHOT_EVERY = 256
_ATOMIC = (str, int, float, bool, type(None))
T = TypeVar("T")


def clone(obj: T) -> T:
    """A deep copy of a state tree (dataclasses, dicts, lists, sets, deques, JSON values),
    several times faster than `copy.deepcopy`, which pays for a memo of every object and the
    reduce protocol. Objects the tree shares (a memory entry is in `memory`, `live` and
    `entries_by_key` at once) stay shared in the copy: dataclass instances are memoised."""
    # Copying allocates tens of thousands of objects at once, which sets off full collections
    # of a big heap for nothing: none of them is garbage.
    with gc_policy.paused():
        return _clone(obj, {})  # type: ignore[no-any-return]


def _clone(obj: Any, memo: dict[int, Any]) -> Any:
    kind = type(obj)
    if kind in _ATOMIC:
        return obj
    if kind is list:
        return [_clone(x, memo) for x in obj]
    if kind is dict:
        return {_clone(k, memo): _clone(v, memo) for k, v in obj.items()}
    if kind is deque:
        return deque([_clone(x, memo) for x in obj], maxlen=obj.maxlen)
    if kind is set:
        return {_clone(x, memo) for x in obj}
    if kind is tuple:
        return tuple(_clone(x, memo) for x in obj)
    if hasattr(kind, "__dataclass_fields__"):
        done = memo.get(id(obj))
        if done is not None:
            return done
        new = object.__new__(kind)
        memo[id(obj)] = new
        if hasattr(obj, "__dict__"):
            new.__dict__.update({k: _clone(v, memo) for k, v in obj.__dict__.items()})
        else:  # (a dataclass with slots: most of its fields hold plain values)
            names, getter = _fields(kind)
            values = getter(obj) if len(names) > 1 else (getter(obj),)
            for name, value in zip(names, values, strict=True):
                copied = value if type(value) in _ATOMIC else _clone(value, memo)
                object.__setattr__(new, name, copied)  # (a frozen one too)
        return new
    return copy.deepcopy(obj)


_FIELDS: dict[type, tuple[tuple[str, ...], operator.attrgetter[Any]]] = {}


def _fields(kind: type) -> tuple[tuple[str, ...], operator.attrgetter[Any]]:
    """A dataclass KIND's field names, and a getter of all of them in one call (a tuple in
    their order; a single value for one field)."""
    found = _FIELDS.get(kind)
    if found is None:
        names = tuple(f.name for f in dataclasses.fields(kind))
        found = _FIELDS[kind] = (names, operator.attrgetter(*names))
    return found


class ReplayCursor:
    """Position (number of events applied) and the `SessionState` at that position."""

    def __init__(
        self,
        events: Sequence[Event],
        *,
        snapshot_every: int = DEFAULT_SNAPSHOT_EVERY,
        adaptive: bool = True,
    ) -> None:
        """`snapshot_every`: the least spacing of snapshots, in events. `adaptive=False` takes
        one at every multiple regardless of cost and always restores from the nearest one
        (tests use it to exercise restoring)."""
        if snapshot_every < 1:
            raise ValueError("snapshot_every must be at least 1")
        self._events: list[Event] = list(events)
        self._every = snapshot_every
        self._adaptive = adaptive
        # position -> a private copy of the state there; never handed out, since apply mutates.
        self._snapshots: dict[int, SessionState] = {0: SessionState()}
        self._snapshot_positions: list[int] = [0]  # sorted
        self._copy_seconds = 0.0  # what the last snapshot cost
        self._fold_seconds = 0.0  # folding done since the last snapshot
        self._folded_events = 0  # all folding so far, for the cost of folding one event
        self._folded_seconds = 0.0
        self._state = SessionState()
        self._position = 0
        # Recorded times are meant to be non-decreasing; a running maximum keeps bisect valid
        # even if a clock stepped backwards while recording.
        self._times: list[float] = []
        latest = 0.0
        for event in self._events:
            latest = max(latest, event.t)
            self._times.append(latest)

    def extend(self, events: Sequence[Event]) -> None:
        """Add events recorded since (a session followed while it is recorded); the position
        stays where it is."""
        latest = self._times[-1] if self._times else 0.0
        for event in events:
            latest = max(latest, event.t)
            self._events.append(event)
            self._times.append(latest)

    @property
    def snapshot_positions(self) -> list[int]:
        """Where snapshots are kept (for tests and benchmarks)."""
        return list(self._snapshot_positions)

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
        """The state after `position` events: always the same object, changed in place when
        the cursor moves (copy it to keep a moment)."""
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
        positions = self._snapshot_positions
        base = positions[bisect.bisect_right(positions, target) - 1]
        # Three ways to get there; take the cheapest by measured costs: on from here, from the
        # nearest snapshot (a copy, then the gap), or from an empty state (no copy at all).
        rate = self._seconds_per_event()
        costs: dict[str, float] = {
            "zero": target * rate,
            "snapshot": (self._copy_seconds if base else 0.0) + (target - base) * rate,
        }
        if self._position <= target:
            costs["here"] = (target - self._position) * rate
        way = min(costs, key=lambda name: costs[name])
        if not self._adaptive:  # fixed rules: on from here if the snapshot is not closer
            way = "here" if base <= self._position <= target else "snapshot"
        if way == "zero" or (way == "snapshot" and base == 0):
            self._become(SessionState())
            self._position = 0
        elif way == "snapshot":
            self._become(clone(self._snapshots[base]))
            self._position = base
        self._fold_to(target)
        return self._state

    def _become(self, other: SessionState) -> None:
        # Keep the object the screen's panels hold: they treat a new state object as a new
        # session and rebuild from scratch (a memory tree of 1,000 keys takes ~170 ms).
        self._state.__dict__.clear()
        self._state.__dict__.update(other.__dict__)

    def _seconds_per_event(self) -> float:
        # Until something was measured, any positive rate makes the choice by event counts.
        if self._folded_events == 0:
            return 1e-6
        return self._folded_seconds / self._folded_events

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
        state = self._state
        position = self._position
        mark = start = perf_counter()
        copies = 0.0
        while position < target:
            state = apply(state, events[position])
            position += 1
            if position % every == 0 and position not in self._snapshots:
                now = perf_counter()
                self._fold_seconds += now - mark
                mark = now
                if not self._adaptive or self._fold_seconds >= self._copy_seconds:
                    self._snapshots[position] = clone(state)
                    bisect.insort(self._snapshot_positions, position)
                    mark = perf_counter()
                    self._copy_seconds = mark - now
                    copies += self._copy_seconds
                    self._fold_seconds = 0.0
        end = perf_counter()
        self._fold_seconds += end - mark
        self._folded_events += position - self._position
        self._folded_seconds += end - start - copies
        self._state = state
        self._position = position
