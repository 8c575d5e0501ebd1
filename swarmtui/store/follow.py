"""Following a session that another process is recording: the events its writer commits, read
as they are committed. The database is opened read-only (SQLite's `mode=ro`), so following a
session never writes to it, never runs anything and never holds its writer up.

Each `poll` first looks at the database's and its write-ahead log's size and time (two `stat`
calls): only when either moved does it read, and then only the events after the last one read.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import aiosqlite

from swarmtui.engine.events import Event
from swarmtui.store.aio import close_read_only, connect_read_only
from swarmtui.store.errors import SessionStoreError
from swarmtui.store.eventlog import writer_alive
from swarmtui.store.reader import ReadOnlyDatabase, db_path, not_ours, parse_events

_AFTER_SQL = "SELECT payload_json FROM events WHERE seq > ? ORDER BY seq"
# How often a follower looks for new events (seconds): the app's live view of another process.
FOLLOW_SECONDS = 0.2


class SessionFollower:
    """Reads a session's events after `after` (a `seq`) as its writer commits them."""

    def __init__(self, session_path: Path, after: int = 0) -> None:
        self.session_path = session_path
        self.last_seq = after
        self._db = db_path(session_path)
        self._source: ReadOnlyDatabase | None = None
        self._conn: aiosqlite.Connection | None = None
        self._seen: tuple[tuple[int, int], ...] | None = None

    @property
    def writer_alive(self) -> bool:
        """Whether a process still records the session."""
        return writer_alive(self.session_path)

    def _signature(self) -> tuple[tuple[int, int], ...]:
        found = []
        for path in (self._db, self._db.with_name(self._db.name + "-wal")):
            try:
                info = os.stat(path)
            except OSError:
                found.append((-1, -1))
            else:
                found.append((info.st_size, info.st_mtime_ns))
        return tuple(found)

    async def poll(self, *, force: bool = False) -> list[Event]:
        """The events committed since the last poll (none when nothing changed on disk, unless
        FORCE). `SessionStoreError` when the log cannot be read."""
        signature = self._signature()
        if signature == self._seen and not force:
            return []
        self._seen = signature  # (before reading: a commit after this is seen next time)
        conn = await self._connect()
        try:
            async with conn.execute(_AFTER_SQL, (self.last_seq,)) as cursor:
                rows = await cursor.fetchall()
        except sqlite3.Error as exc:
            raise SessionStoreError(f"{self._db}: unreadable event log ({exc})") from exc
        events = parse_events(self._db, [row[0] for row in rows], first=self.last_seq)
        if events:
            self.last_seq = events[-1].seq
        return events

    async def _connect(self) -> aiosqlite.Connection:
        if self._conn is None:
            self._source = ReadOnlyDatabase(self._db)
            try:
                self._conn = await connect_read_only(self._source.uri)
            except sqlite3.Error as exc:
                self._source.close()
                self._source = None
                raise not_ours(self._db, str(exc)) from exc
        return self._conn

    async def close(self) -> None:
        """Close the connection; its thread is over when this returns (`ended`), or given up on
        and said (`SessionStoreError`) when it would not end."""
        try:
            if self._conn is not None:
                conn, self._conn = self._conn, None
                # (closes it in its thread, after a poll a cancelled caller left)
                await close_read_only(conn, self._db)
        finally:
            if self._source is not None:
                self._source.close()
                self._source = None
