"""Run in a mount namespace, on a small tmpfs (`test_full_disk`): the disk fills up between the
taking of an event log's reserve and the making of its database, as when a session's first Write
fills it while the log's thread starts. SQLite then fails on whichever of its files it makes
first (the shared-memory file's failure it calls a disk I/O error, not a full disk). Writes what
the log said and what a replay then says to OUT as JSON (the Write that filled the disk fails
and its partial file goes, as in the app, once the log's first event is committed)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from swarmtui.engine.events import SessionFinished, SessionStarted
from swarmtui.store import eventlog
from swarmtui.store.errors import SessionStoreError
from swarmtui.store.eventlog import EventLog
from swarmtui.store.replay import replay_state

from .full_disk_race import fill

LEFT = 16384


def main(disk: Path, out: Path) -> None:
    folder = disk / "session-start"
    folder.mkdir()
    reserve = eventlog._reserve

    def reserve_then_fill(fd: int) -> None:  # (the reserve is taken; then the disk fills)
        reserve(fd)
        fill(disk / "fill")
        # Four pages left: room for the database's first page, none for its shared-memory file
        # (which SQLite then reports as a disk I/O error, SQLITE_IOERR_SHMSIZE).
        os.truncate(disk / "fill", os.path.getsize(disk / "fill") - LEFT)

    eventlog._reserve = reserve_then_fill
    log = EventLog(folder)
    started = "2026-01-01T00:00:00+00:00"
    first = SessionStarted(session_id=folder.name, title="t", backend="command", started_at=started)
    first.seq, first.t = 1, 0.0
    log.append(first)
    log.flush()
    error = log.error
    # The Write that filled the disk fails and its partial file goes: the session goes on.
    (disk / "fill").unlink()
    end = SessionFinished(status="completed")
    end.seq, end.t = 2, 0.5
    log.append(end)
    log.finish(status="completed")
    log.close()
    try:
        state = replay_state(folder)
    except SessionStoreError as exc:  # (nothing was recorded)
        result: dict[str, object] = {"error": error, "replay": str(exc), "end": log.error}
    else:
        result = {"error": error, "status": state.status, "events": state.seq, "end": log.error}
    out.write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
