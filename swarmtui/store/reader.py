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


def _connect(db: Path) -> sqlite3.Connection:
    if not db.is_file():
        raise SessionStoreError(f"{db}: no such session database")
    try:
        # mode=rw: never create a file while reading; the WAL of a killed writer is recovered.
        conn = sqlite3.connect(f"file:{db}?mode=rw", uri=True)
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    except sqlite3.Error as exc:
        raise SessionStoreError(f"{db}: not a swarmtui session database ({exc})") from exc
    if app_id != APPLICATION_ID:
        conn.close()
        raise SessionStoreError(f"{db}: not a swarmtui session database (foreign SQLite file)")
    return conn


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
        rows: list[Any] = conn.execute("SELECT payload_json FROM events ORDER BY seq").fetchall()
    except sqlite3.Error as exc:
        raise SessionStoreError(f"{db}: unreadable event log ({exc})") from exc
    finally:
        conn.close()
    # One validate_json over the whole list is much faster than one call per row.
    text = "[" + ",".join(r[0] for r in rows) + "]"
    try:
        return _EVENTS.validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = first["loc"][0] if first["loc"] else "?"
        raise SessionStoreError(
            f"{db}: event #{where} is not a valid event ({first['msg']})"
        ) from exc
