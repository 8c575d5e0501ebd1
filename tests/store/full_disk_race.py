"""Run in a mount namespace, on a small tmpfs (`test_full_disk`): an event log fails on the full
disk while another thread of this process keeps writing files to the same disk, as the agents'
logs are written while a session runs. Writes what a replay then says to OUT as JSON."""

from __future__ import annotations

import errno
import json
import os
import sys
import threading
from pathlib import Path

from swarmtui.engine.events import AgentOutput, Event, SessionStarted
from swarmtui.engine.fence import write_fenced
from swarmtui.store.eventlog import EventLog
from swarmtui.store.replay import replay_state

BOUND = 2.0  # seconds


def fill(path: Path) -> None:
    """Take every free byte of the disk PATH is on."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    try:
        for size in (65536, 4096, 512, 1):
            chunk = b"\0" * size
            while True:
                try:
                    os.write(fd, chunk)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
    finally:
        os.close(fd)


def main(disk: Path, out: Path) -> None:
    folder = disk / "session-race"
    (folder / "artifacts" / "logs").mkdir(parents=True)
    (folder / "batch.swarm.js").write_text("// the race\n", encoding="utf-8")
    log = EventLog(folder)
    seq = 0

    def emit(event: Event) -> None:
        nonlocal seq
        seq += 1
        event.seq, event.t = seq, float(seq)
        log.append(event)

    started = "2026-01-01T00:00:00+00:00"
    emit(
        SessionStarted(session_id=folder.name, title="race", backend="command", started_at=started)
    )
    log.flush()
    fill(disk / "fill")
    took: list[int] = []
    tried = threading.Event()

    def agent_log() -> None:  # a stand-in for an agent's log, written at the worst moment
        try:
            took.append(write_fenced(folder, "artifacts/logs/agent.log", b"x" * 60000))
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
        finally:
            tried.set()

    def failed(error: str) -> None:
        # The writer's thread, the reserve just freed: another thread writes 60 KB to the disk
        # now, and gets every chance to take the space first (a bound, not a synchronisation:
        # while the end is being recorded the write waits, and the bound passes).
        threading.Thread(target=agent_log).start()
        tried.wait(BOUND)

    log.notify_errors(failed)
    while log.error is None:  # the next commits find the disk full
        emit(AgentOutput(agent="Writer", text="y" * 8000))
        log.flush()
    log.close()
    tried.wait()
    state = replay_state(folder)
    result = {"status": state.status, "reason": state.reason, "error": log.error}
    out.write_text(json.dumps({**result, "took": took}), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
