"""The state of a recorded session: its events folded, a killed session marked `interrupted`."""

from __future__ import annotations

import time
from pathlib import Path

from swarmtui.engine.events import Event, SessionFinished
from swarmtui.engine.folders import BATCH_FILE
from swarmtui.engine.state import SessionState, fold
from swarmtui.store.reader import read_events
from swarmtui.store.schema import LOCK_NAME
from swarmtui.store.sessions import effective_status

INTERRUPTED_REASON = "swarmtui was killed; the recording stops here"


def replay_state(session_path: Path) -> SessionState:
    """Fold every committed event. Reads only: never runs a command, a runner or a write."""
    events = read_events(session_path)
    end = interrupted_end(events, session_path)
    return fold([*events, end] if end is not None else events)


def interrupted_end(events: list[Event], session_path: Path) -> SessionFinished | None:
    """For a killed session (no `session_finished`, no writer alive), the end its replay folds
    last: status `interrupted` at its last sign of life, so its axis and figures span the time
    it ran (agents still running count up to then), not only up to its last event."""
    if any(e.type == "session_finished" for e in events):
        return None
    if effective_status("running", session_path) != "interrupted":
        return None
    last = events[-1] if events else None
    t = last.t if last is not None else 0.0
    base = _clock_base(events)
    if base is not None:
        t = max(t, base + _last_sign_of_life(session_path))
    seq = last.seq + 1 if last is not None else 1
    return SessionFinished(seq=seq, t=t, status="interrupted", reason=INTERRUPTED_REASON)


def recording_time_now(events: list[Event], session_path: Path) -> float | None:
    """How far the clock of a session being recorded has gone by now (its events are those
    read so far), from when its batch file was written; None when that cannot tell (a resumed
    session, no batch file)."""
    base = _clock_base(events)
    if base is None:
        return None
    try:
        start = (session_path / BATCH_FILE).stat().st_mtime
    except OSError:
        return None
    return base + max(0.0, time.time() - start)


def _clock_base(events: list[Event]) -> float | None:
    """The session's time when its batch file was written: 0, or a fork's point (its clock
    starts there); None for a resumed session (its times skip the time it lay dead, which the
    files cannot tell)."""
    base: float | None = 0.0
    for event in events:
        if event.type == "session_forked":
            base = event.t
        elif event.type == "session_resumed":
            base = None
    return base


def _last_sign_of_life(session_path: Path) -> float:
    """Seconds from the session's start (its batch file was written then) to the writer's last
    heartbeat (it touches the lock file while no event comes; readers never write either)."""
    try:
        start = (session_path / BATCH_FILE).stat().st_mtime
        alive = (session_path / LOCK_NAME).stat().st_mtime
    except OSError:
        return 0.0
    return round(max(0.0, alive - start), 6)
