"""Async reads of a recorded session (aiosqlite), for an event loop that must keep painting.

SQLite runs in aiosqlite's connection thread; the event loop only awaits. Events are fetched and
validated in chunks, so the loop gets a turn between chunks instead of waiting out one long
validation (pydantic holds the interpreter lock while it validates, in whichever thread it runs:
reading a 44k-event log in a thread worker stalled the screen 225 ms, here a chunk at a time;
bench/ui.py). Same events and the same one-line errors as `read_events` in `reader.py`.

(The sessions list reads one small row per folder: there aiosqlite's hop to its thread for every
statement cost more than it saved, so the app lists sessions in a thread worker.)
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite

from swarmtui.engine.events import Event
from swarmtui.store.errors import SessionStoreError
from swarmtui.store.reader import (
    EVENTS_SQL,
    TABLES_SQL,
    ReadOnlyDatabase,
    check_application_id,
    db_path,
    not_ours,
    parse_events,
)

# Events validated per turn of the event loop (about 2 ms of work here).
EVENT_CHUNK = 500


async def read_events_async(session_path: Path, *, chunk: int = EVENT_CHUNK) -> list[Event]:
    """Every committed event of the session, in order (as `read_events`)."""
    db = db_path(session_path)
    with ReadOnlyDatabase(db) as source:
        try:
            async with aiosqlite.connect(source.uri, uri=True) as conn:
                return await _read_events(conn, db, chunk)
        except sqlite3.Error as exc:  # opening it (what happens inside says more)
            raise not_ours(db, str(exc)) from exc


async def _read_events(conn: aiosqlite.Connection, db: Path, chunk: int) -> list[Event]:
    try:
        async with conn.execute("PRAGMA application_id") as cursor:
            app_id = await cursor.fetchone()
    except sqlite3.Error as exc:
        raise not_ours(db, str(exc)) from exc
    tables = None
    if not app_id or app_id[0] == 0:
        async with conn.execute(TABLES_SQL) as cursor:
            count = await cursor.fetchone()
        tables = count[0] if count else 0
    check_application_id(db, app_id[0] if app_id else 0, tables)
    events: list[Event] = []
    try:
        async with conn.execute(EVENTS_SQL) as cursor:
            while rows := await cursor.fetchmany(chunk):
                events += parse_events(db, [row[0] for row in rows], first=len(events))
    except sqlite3.Error as exc:
        raise SessionStoreError(f"{db}: unreadable event log ({exc})") from exc
    return events
