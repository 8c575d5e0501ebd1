"""Events recorded in a session's log after the session has ended: what was done with its work
later (its agents' branches merged back), kept where its replay finds it.

Such an event is numbered after the last one and given the last one's time, so the session's
axis, figures and status stay what they were. It is written while holding the session's
writer lock (a session being run or resumed is never written from here), without touching
the lock file itself: its modification time is an interrupted session's last sign of life.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from pathlib import Path

from swarmtui.engine.events import Event
from swarmtui.store.errors import SessionStoreError
from swarmtui.store.reader import TABLES_SQL, check_application_id, db_path
from swarmtui.store.schema import LOCK_NAME


def append_late_event(session_path: Path, event: Event) -> Event:
    """Append EVENT to the ended session's log (its `seq` and `t` set here) and return it;
    `SessionStoreError` (one line naming the session) when it cannot be recorded: the session
    is still being written, its log is not a session's, or it cannot be written."""
    db = db_path(session_path)
    if not db.is_file():
        raise SessionStoreError(f"{db}: no such session database")
    lock = _take_lock(session_path / LOCK_NAME)
    try:
        conn = sqlite3.connect(db, isolation_level=None)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = conn.execute(TABLES_SQL).fetchone()[0] if app_id == 0 else None
            check_application_id(db, app_id, tables)
            conn.execute("BEGIN IMMEDIATE")
            seq, t = conn.execute("SELECT max(seq), max(t) FROM events").fetchone()
            event.seq, event.t = (seq or 0) + 1, float(t or 0.0)
            payload = event.__pydantic_serializer__.to_json(event).decode()
            conn.execute(
                "INSERT INTO events (seq, t, type, agent, payload_json) VALUES (?, ?, ?, ?, ?)",
                (event.seq, event.t, event.type, getattr(event, "agent", None), payload),
            )
            conn.execute("COMMIT")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise SessionStoreError(f"{db}: cannot be written ({exc})") from None
    finally:
        if lock is not None:
            os.close(lock)  # (releases the lock)
    return event


def _take_lock(lock_path: Path) -> int | None:
    """The session's writer lock, held (None: there is no lock file, so no writer either;
    making one would give an interrupted session a last sign of life it never had)."""
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SessionStoreError(f"{lock_path}: cannot be opened ({exc.strerror})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise SessionStoreError(
            f"{lock_path.parent}: still running (another process records it)"
        ) from None
    return fd
