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

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import AsyncIterator
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
# How long a connection's thread is waited for once told to stop (`ended`). It ends as soon as
# the read it is in ends; one that never does (a read blocked on a lock another program holds,
# a stuck disk) is given up after this, said, and left to end on its own.
END_SECONDS = 3.0


@contextlib.asynccontextmanager
async def read_only_connection(uri: str, db: Path) -> AsyncIterator[aiosqlite.Connection]:
    """An aiosqlite connection to URI (the database DB) whose thread is over when the block is
    left, however it is left (`ended`); `SessionStoreError` if it would not end."""
    conn = await connect_read_only(uri)
    try:
        yield conn
    except BaseException:
        conn.stop()
        await ended(conn)  # (what went wrong says more than a thread left behind)
        raise
    await close_read_only(conn, db)


async def connect_read_only(uri: str) -> aiosqlite.Connection:
    """An aiosqlite connection to URI. When opening it fails or is cancelled, aiosqlite stops
    its thread: this returns (raises) only once that thread has ended (`ended`)."""
    conn = aiosqlite.connect(uri, uri=True)
    # A thread that only reads holds nothing the process needs: one given up by `ended` must
    # not keep the process from exiting (aiosqlite makes it a foreground thread).
    thread = _thread_of(conn)
    if thread is not None and thread.ident is None:
        thread.daemon = True
    try:
        return await conn
    except BaseException:
        await ended(conn)
        raise


async def close_read_only(conn: aiosqlite.Connection, db: Path) -> None:
    """Close CONN (in its thread, after the reads still queued) and wait for its thread to end;
    `SessionStoreError`, one line naming DB, when it does not within END_SECONDS."""
    conn.stop()
    if not await ended(conn, limit=END_SECONDS):
        raise SessionStoreError(
            f"{db}: its reader did not stop within {END_SECONDS:g} s (a read still waits, "
            "perhaps for a lock another program holds); left to end on its own"
        )


async def ended(conn: aiosqlite.Connection, *, limit: float | None = None) -> bool:
    """Wait until CONN's thread has ended, for LIMIT seconds at most, even when cancelled
    meanwhile (then cancelled); whether it has ended.

    aiosqlite's thread hands each result to the event loop that asked for it. A task
    cancelled while its read, its connection or its close was under way (the app quitting
    while a replay loads: its worker cancelled, then every task once more as the loop ends)
    left the thread to hand the result to a loop already closed, and it died printing a
    traceback on the user's terminal. The loop cannot close while this waits; a thread that
    does not end within LIMIT (a read blocked on a lock) is not waited for any longer, so
    that nothing hangs on it (None: END_SECONDS)."""
    limit = END_SECONDS if limit is None else limit
    thread = _thread_of(conn)
    if thread is None or not thread.is_alive():
        return True
    loop = asyncio.get_running_loop()
    over: asyncio.Future[None] = loop.create_future()

    def watch() -> None:
        thread.join(limit)
        # (the loop may be closed by the time a thread given up on ends: nothing to tell)
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_settle, over)

    threading.Thread(target=watch, name="swarmtui-aiosqlite-end", daemon=True).start()
    cancelled = False
    while not over.done():
        try:
            await asyncio.wait({over})
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError
    return not thread.is_alive()


def _thread_of(conn: aiosqlite.Connection) -> threading.Thread | None:
    """The connection's worker thread (aiosqlite keeps it as `_thread`; before 0.21 the
    connection was the thread)."""
    if isinstance(conn, threading.Thread):
        return conn
    thread = getattr(conn, "_thread", None)
    return thread if isinstance(thread, threading.Thread) else None


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def read_events_async(session_path: Path, *, chunk: int = EVENT_CHUNK) -> list[Event]:
    """Every committed event of the session, in order (as `read_events`)."""
    db = db_path(session_path)
    with ReadOnlyDatabase(db) as source:
        try:
            async with read_only_connection(source.uri, db) as conn:
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
