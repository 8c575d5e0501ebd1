"""Shared memory while a session runs: stores that wake exactly their waiters, keys that expire.

The values themselves live in the folded `SessionState` (`state.live`): a store is an event, and
the fold records it, finding the agents it unblocks through its index of waits (never a scan).
What is left here is what only running needs: handing those agents to the scheduler, and the
timers of keys stored with a TTL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

from swarmtui.engine.events import Event, MemoryDeleted, MemoryStored
from swarmtui.engine.state import SessionState
from swarmtui.memory_keys import is_glob

Emit = Callable[[Event], None]


class Memory:
    """Stores and deletes keys through events; calls `on_ready(name)` for each waiting agent
    whose last missing key has arrived, in batch order."""

    def __init__(self, state: SessionState, emit: Emit, on_ready: Callable[[str], None]) -> None:
        self._state = state
        self._emit = emit
        self._on_ready = on_ready
        self._timers: list[asyncio.TimerHandle] = []
        self.closed = False

    def missing(self, waits: Iterable[str]) -> list[str]:
        """The waits (keys or globs) nothing stored satisfies yet, in their order."""
        has_key = self._state.has_key
        return [key for key in waits if not has_key(key)]

    def inputs(self, waits: Iterable[str]) -> dict[str, Any]:
        """Key -> value of every stored key the waits match (globs: each match, sorted)."""
        state = self._state
        live = state.live
        found: dict[str, Any] = {}
        for wanted in waits:
            matches = state.glob_matches.get(wanted) if is_glob(wanted) else None
            if matches is None:
                keys = state.live_keys.matching(wanted)
            else:  # (the fold already knows the keys this glob matches: no pattern matching)
                keys = sorted(key for key in matches if key in live)
            for key in keys:
                found[key] = live[key].value
        return found

    def store(
        self, key: str, value: Any, namespace: str, by: str, ttl: float | None = None
    ) -> None:
        """Store KEY and wake the agents it unblocks."""
        self.emit_store(key, value, namespace, by, ttl)
        self.wake()

    def emit_store(
        self, key: str, value: Any, namespace: str, by: str, ttl: float | None = None
    ) -> None:
        """Store KEY without waking anyone yet (an agent's keys wake their waiters once its
        end is recorded: `wake`)."""
        self._emit(MemoryStored(key=key, value=value, namespace=namespace, ttl=ttl, by=by))
        if ttl is not None and ttl > 0:
            self.expire_later(key, namespace, ttl)

    def expire_later(self, key: str, namespace: str, seconds: float) -> None:
        """Delete KEY after SECONDS unless it was stored again or deleted meanwhile."""
        seq = self._state.live[key].seq
        loop = asyncio.get_running_loop()
        self._timers.append(loop.call_later(seconds, self._expire, key, namespace, seq))

    def rearm(self) -> None:
        """On resume: keys stored with a TTL before the interruption expire when their time is
        up (counted on the session's clock, which does not count the time it lay dead)."""
        now = self._state.t
        for key, entry in list(self._state.live.items()):
            if entry.ttl is not None and entry.ttl > 0:
                left = entry.t + entry.ttl - now
                if left <= 0:
                    self.delete(key, entry.namespace, "ttl")
                else:
                    self.expire_later(key, entry.namespace, left)

    def delete(self, key: str, namespace: str, by: str) -> None:
        self._emit(MemoryDeleted(key=key, namespace=namespace, by=by))

    def wake(self) -> None:
        """Hand every waiting agent whose last missing key has arrived (the fold keeps them in
        `state.unblocked`) to `on_ready`, in batch order."""
        state = self._state
        if not state.unblocked:
            return
        agents = state.agents
        for name in sorted(state.unblocked, key=lambda n: agents[n].index):
            agent = agents[name]
            if agent.status == "waiting" and not agent.missing:
                self._on_ready(name)

    def _expire(self, key: str, namespace: str, seq: int) -> None:
        entry = self._state.live.get(key)
        if not self.closed and entry is not None and entry.seq == seq:
            self.delete(key, namespace, "ttl")

    def close(self) -> None:
        """No more expiries: the session is over."""
        self.closed = True
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
