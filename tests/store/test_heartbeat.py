"""The writer's heartbeat: while an agent runs for long with no output (no event to record),
the session's writer touches `session.lock`, so a session killed in that quiet time replays
with an axis and figures up to its last sign of life, not up to its last event.

Real runs and real kills; what is waited for (a heartbeat) is polled with a deadline, since a
file's modification time has no event to wait on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from swarmtui.engine.events import SessionStarted
from swarmtui.engine.folders import BATCH_FILE
from swarmtui.store import read_events
from swarmtui.store.eventlog import EventLog
from swarmtui.store.schema import LOCK_NAME

from ..engine.helpers import wait_for_agent_start

CLI = [sys.executable, "-m", "swarmtui"]
DEADLINE = 60.0


def _wait_for_touch(lock: Path, after: float, proc: subprocess.Popen[bytes] | None = None) -> float:
    """The lock's modification time once it is later than AFTER (the writer touched it)."""
    deadline = time.monotonic() + DEADLINE
    while (mtime := lock.stat().st_mtime) <= after:
        assert proc is None or proc.poll() is None, "the run ended"
        assert time.monotonic() < deadline, "no heartbeat: the lock file was never touched"
        time.sleep(0.05)
    return mtime


def test_the_writer_touches_its_lock_while_no_event_comes(tmp_path: Path) -> None:
    folder = tmp_path / "session-quiet"
    folder.mkdir()
    log = EventLog(folder)
    try:
        started = SessionStarted(
            session_id=folder.name, title="t", backend="command", started_at="2026-01-01"
        )
        started.seq = 1
        log.append(started)
        log.flush()
        lock = folder / LOCK_NAME
        os.utime(lock, (1_000_000.0, 1_000_000.0))  # (long ago: any touch moves it)
        assert _wait_for_touch(lock, 1_000_000.0) > 1_000_000.0
        assert log.written == 1  # no event was needed for it
    finally:
        log.close()


def test_a_run_killed_while_its_agent_is_silent_replays_up_to_its_last_heartbeat(
    tmp_path: Path,
) -> None:
    batch = tmp_path / "quiet.swarm.js"
    batch.write_text('Task("Quiet", "Think for a long time, silently.", "coder")\n')
    sessions = tmp_path / "sessions"
    args = ["run", str(batch), "--headless", "--backend", "command", "--command", "sleep 600"]
    proc = subprocess.Popen(
        [*CLI, *args, "--sessions-dir", str(sessions)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        folder = wait_for_agent_start(sessions, proc)
        started = (folder / BATCH_FILE).stat().st_mtime
        # A heartbeat well past the agent's start: the time it ran silently, events or not.
        last_event = read_events(folder)[-1].t
        _wait_for_touch(folder / LOCK_NAME, started + last_event + 1.0, proc)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    events = read_events(folder)
    assert not any(e.type in ("agent_output", "agent_finished") for e in events)  # silent
    alive = (folder / LOCK_NAME).stat().st_mtime - started
    replay = subprocess.run(
        [*CLI, "replay", str(folder), "--headless", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    state = json.loads(replay.stdout)["state"]
    assert state["status"] == "interrupted"
    # Its axis ends at the last sign of life, well past its last event.
    assert state["t"] == round(alive, 3) and state["t"] >= last_event + 1.0 > events[-1].t
    assert state["metrics"]["wall_seconds"] == state["t"]
    assert state["agents"][0]["status"] == "running"  # (it ran until then)
