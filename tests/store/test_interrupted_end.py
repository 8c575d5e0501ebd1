"""A killed session's replay ends where it was last seen alive, so its axis and figures span
the time it ran: the same end for `replay --headless` and the app's replay."""

from __future__ import annotations

import os
from pathlib import Path

from swarmtui.engine.events import AgentPlan, AgentStarted, Event, SessionStarted
from swarmtui.engine.folders import BATCH_FILE
from swarmtui.engine.metrics import figures
from swarmtui.store.eventlog import EventLog
from swarmtui.store.reader import read_events
from swarmtui.store.replay import interrupted_end, replay_state
from swarmtui.store.schema import LOCK_NAME


def _killed_session(folder: Path) -> Path:
    """Two agents started at t≈0, then the writer vanished without `session_finished`; its
    last heartbeat came 4 s after the session began."""
    folder.mkdir(parents=True)
    (folder / BATCH_FILE).write_text('Task("A", "a")\nTask("B", "b")\n')
    log = EventLog(folder)
    events: list[Event] = [
        SessionStarted(
            session_id=folder.name,
            title="t",
            backend="command",
            started_at="2026-01-01T00:00:00Z",
            agents=[AgentPlan(name="A"), AgentPlan(name="B")],
        ),
        AgentStarted(agent="A"),
        AgentStarted(agent="B"),
    ]
    for seq, event in enumerate(events, start=1):
        event.seq, event.t = seq, seq * 0.001
        log.append(event)
    log.close()  # (its lock is released, as a killed writer's would be; no finish was written)
    start = 1_700_000_000.0
    os.utime(folder / BATCH_FILE, (start, start))
    os.utime(folder / LOCK_NAME, (start + 4.0, start + 4.0))
    return folder


def test_a_killed_session_ends_at_its_last_sign_of_life(tmp_path: Path) -> None:
    folder = _killed_session(tmp_path / "session-x")
    end = interrupted_end(read_events(folder), folder)
    assert end is not None and end.status == "interrupted" and end.t == 4.0
    state = replay_state(folder)
    assert state.status == "interrupted"
    f = figures(state)
    # A real axis and figures, not `0s–0.0s`: both agents ran until the end.
    assert f.wall_seconds == 4.0
    assert abs(f.sequential_seconds - (2 * 4.0 - 0.002 - 0.003)) < 1e-9
    assert f.speedup is None  # no run finished: nothing to compare


def test_a_finished_session_gets_no_made_up_end(tmp_path: Path) -> None:
    folder = _killed_session(tmp_path / "session-y")
    events = read_events(folder)
    from swarmtui.engine.events import SessionFinished

    assert interrupted_end([*events, SessionFinished(status="completed")], folder) is None
