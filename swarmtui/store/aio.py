"""Async reads of recorded sessions (aiosqlite), for an event loop that must keep painting.

SQLite runs in aiosqlite's connection thread; the event loop only awaits. The sessions list
reads every folder through one connection (each database attached in turn), so listing a
hundred sessions starts one thread, not a hundred. Events are fetched and validated in chunks,
so the loop gets a turn between chunks instead of waiting out one long validation (pydantic holds
the interpreter lock while it validates, in whichever thread it runs). Same results and the same
one-line errors as the blocking readers in `reader.py` and `sessions.py`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite

from swarmtui.engine.events import Event
from swarmtui.store.errors import SessionStoreError
from swarmtui.store.reader import (
    EVENTS_SQL,
    SessionRow,
    check_application_id,
    db_path,
    db_uri,
    not_ours,
    parse_events,
    session_row,
    session_row_sql,
)
from swarmtui.store.sessions import SessionInfo, info_of, newest_first, session_folders

# Events validated per turn of the event loop (about 2 ms of work here).
EVENT_CHUNK = 500


async def list_sessions_async(sessions_dir: Path) -> list[SessionInfo]:
    """Every session in `sessions_dir`, newest first (as `list_sessions`)."""
    folders = session_folders(sessions_dir)
    if not folders:
        return []
    infos: list[SessionInfo] = []
    async with aiosqlite.connect("file::memory:", uri=True) as conn:
        for folder in folders:
            infos.append(info_of(folder, await _session_row(conn, folder)))
    return newest_first(infos)


async def _session_row(
    conn: aiosqlite.Connection, folder: Path
) -> SessionRow | SessionStoreError:
    db = db_path(folder)
    try:
        uri = db_uri(db)
        try:
            await conn.execute("ATTACH DATABASE ? AS listed", (uri,))
        except sqlite3.Error as exc:
            raise not_ours(db, str(exc)) from exc
        try:
            return await _read_row(conn, db)
        finally:
            await conn.execute("DETACH DATABASE listed")
    except SessionStoreError as exc:
        return exc


async def _read_row(conn: aiosqlite.Connection, db: Path) -> SessionRow:
    try:
        async with conn.execute("PRAGMA listed.application_id") as cursor:
            app_id = await cursor.fetchone()
    except sqlite3.Error as exc:
        raise not_ours(db, str(exc)) from exc
    check_application_id(db, app_id[0] if app_id else 0)
    try:
        async with conn.execute(session_row_sql("listed")) as cursor:
            row = await cursor.fetchone()
    except sqlite3.Error as exc:
        raise SessionStoreError(f"{db}: unreadable session database ({exc})") from exc
    return session_row(db, row)


async def read_events_async(session_path: Path, *, chunk: int = EVENT_CHUNK) -> list[Event]:
    """Every committed event of the session, in order (as `read_events`)."""
    db = db_path(session_path)
    uri = db_uri(db)
    try:
        async with aiosqlite.connect(uri, uri=True) as conn:
            return await _read_events(conn, db, chunk)
    except sqlite3.Error as exc:  # opening it (what happens inside says more)
        raise not_ours(db, str(exc)) from exc


async def _read_events(conn: aiosqlite.Connection, db: Path, chunk: int) -> list[Event]:
    try:
        async with conn.execute("PRAGMA application_id") as cursor:
            app_id = await cursor.fetchone()
    except sqlite3.Error as exc:
        raise not_ours(db, str(exc)) from exc
    check_application_id(db, app_id[0] if app_id else 0)
    events: list[Event] = []
    try:
        async with conn.execute(EVENTS_SQL) as cursor:
            while rows := await cursor.fetchmany(chunk):
                events += parse_events(db, [row[0] for row in rows], first=len(events))
    except sqlite3.Error as exc:
        raise SessionStoreError(f"{db}: unreadable event log ({exc})") from exc
    return events
