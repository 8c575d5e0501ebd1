"""Reading a recorded session: its header row and its events, with clean errors for bad files."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from swarmtui.engine.events import Event
from swarmtui.store.errors import SessionStoreError
from swarmtui.store.schema import APPLICATION_ID, DB_NAME

_EVENTS: TypeAdapter[list[Event]] = TypeAdapter(list[Event])


EVENTS_SQL = "SELECT payload_json FROM events ORDER BY seq"


@dataclass
class SessionRow:
    id: str
    title: str
    status: str
    started: str
    finished: str | None
    backend: str
    wall_seconds: float | None
    sequential_seconds: float | None
    speedup: float | None
    agents: int


def db_uri(db: Path) -> str:
    """How readers open `db`: mode=rw never creates a file, and recovers a killed writer's WAL."""
    if not db.is_file():
        raise SessionStoreError(f"{db}: no such session database")
    return f"file:{db}?mode=rw"


def not_ours(db: Path, reason: str) -> SessionStoreError:
    return SessionStoreError(f"{db}: not a swarmtui session database ({reason})")


def check_application_id(db: Path, app_id: int) -> None:
    if app_id != APPLICATION_ID:
        raise not_ours(db, "foreign SQLite file")


def _connect(db: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(db_uri(db), uri=True)
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    except sqlite3.Error as exc:
        raise not_ours(db, str(exc)) from exc
    try:
        check_application_id(db, app_id)
    except SessionStoreError:
        conn.close()
        raise
    return conn


def parse_events(db: Path, payloads: list[str], first: int = 0) -> list[Event]:
    """The events of recorded JSON payloads; `first` is the number of the first in messages."""
    # One validate_json over the whole list is much faster than one call per row.
    try:
        return _EVENTS.validate_json("[" + ",".join(payloads) + "]")
    except ValidationError as exc:
        where = exc.errors()[0]["loc"]
        index = f"{first + where[0]}" if where and isinstance(where[0], int) else "?"
        message = exc.errors()[0]["msg"]
        raise SessionStoreError(f"{db}: event #{index} is not a valid event ({message})") from exc


def db_path(session_path: Path) -> Path:
    return session_path / DB_NAME


def read_session_row(session_path: Path) -> SessionRow:
    """The session's header row; `SessionStoreError` (naming the file) when it cannot be read."""
    db = db_path(session_path)
    conn = _connect(db)
    try:
        row = conn.execute(
            "SELECT id, title, status, started, finished, backend, wall_seconds,"
            " sequential_seconds, speedup, agents FROM session LIMIT 1"
        ).fetchone()
    except sqlite3.Error as exc:
        raise SessionStoreError(f"{db}: unreadable session database ({exc})") from exc
    finally:
        conn.close()
    if row is None:
        raise SessionStoreError(f"{db}: the session row is missing (nothing was recorded)")
    return SessionRow(*row)


def read_events(session_path: Path) -> list[Event]:
    """Every committed event of the session, in order."""
    db = db_path(session_path)
    conn = _connect(db)
    try:
        rows: list[Any] = conn.execute(EVENTS_SQL).fetchall()
    except sqlite3.Error as exc:
        raise SessionStoreError(f"{db}: unreadable event log ({exc})") from exc
    finally:
        conn.close()
    return parse_events(db, [r[0] for r in rows])
