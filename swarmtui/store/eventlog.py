"""The append-only event log of a live session: a group-commit writer thread over `session.db`.

`append` only puts the event on a queue (no I/O, no serialisation) so the scheduler never waits
for the disk. A background thread with its own stdlib `sqlite3` connection wakes on the first
queued event, waits `flush_interval` seconds to gather more, then serialises and inserts them all
in one transaction. Measured (bench/engine.py), this is several times faster than aiosqlite,
which pays a thread hop and a future per statement; group commit makes a crash lose at most the
last unflushed batch, never earlier events.

The writer holds an exclusive `flock` on `session.lock` for as long as it lives: a session whose
row still says `running` but whose lock is free was killed (listed as `interrupted`).

A log that cannot be appended (a full disk, a file-size limit, an I/O error) fails loudly: the
transaction is rolled back, `error` says why and from which event the recording stops, the
session is told at once (`notify_errors`) and stops, and the session's end is still recorded,
as `failed` with that reason, right after the last committed event. For that one small write
the lock file holds a reserve of disk space while the log is open, freed when it fails.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
import threading
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from swarmtui.engine.events import (
    Event,
    MemoryDeleted,
    MemoryStored,
    SessionFinished,
    SessionStarted,
)
from swarmtui.engine.fence import DISK_WRITES
from swarmtui.store.errors import SessionStoreError
from swarmtui.store.schema import DB_NAME, LOCK_NAME, create_schema

DEFAULT_FLUSH_INTERVAL = 0.005
# While no event comes, the writer touches the lock file this often: a sign of life, so the
# replay of a session killed in a quiet moment knows how long it ran (`store.replay`).
HEARTBEAT_SECONDS = 1.0
# Disk space kept (in the lock file) for recording the end of a session whose log has failed.
RESERVE_BYTES = 64 * 1024


class _Finish:
    """A request to record the session's end in its row (processed in order with events)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values


class EventLog:
    """Writes one session's events, memory table and session row to `<folder>/session.db`."""

    def __init__(self, folder: Path, *, flush_interval: float = DEFAULT_FLUSH_INTERVAL) -> None:
        self.path = folder / DB_NAME
        self._interval = flush_interval
        self._lock_fd = _take_lock(folder / LOCK_NAME)
        _reserve(self._lock_fd)
        # Connected and given its tables by the writer thread, while the session starts (a few
        # milliseconds of every run); events appended meanwhile wait in the queue.
        self._conn: sqlite3.Connection | None = None
        self._queue: deque[Event | _Finish] = deque()
        self._wake = threading.Event()
        self._stop = False
        self._stopping = threading.Event()  # no more group-commit windows: the end has come
        self._drained = threading.Event()  # set once the last queued event is committed
        self.error: str | None = None
        self._on_error: Callable[[str], None] | None = None
        self._ended = False  # the session's end is recorded
        self.last_seq = 0  # the last event committed
        self.written = 0  # events committed
        self._appended = 0  # events queued
        self._committed = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name="swarmtui-eventlog", daemon=True)
        self._thread.start()

    def append(self, event: Event) -> None:
        """Queue an event (its `seq` and `t` already set). Cheap: no I/O here."""
        self._queue.append(event)
        self._appended += 1
        if not self._wake.is_set():
            self._wake.set()

    def flush(self) -> None:
        """Block until every event appended so far is committed (or the log has failed)."""
        target = self._appended
        self._wake.set()
        with self._committed:
            self._committed.wait_for(
                lambda: (
                    self.written >= target or self.error is not None or not self._thread.is_alive()
                )
            )

    def notify_errors(self, callback: Callable[[str], None]) -> None:
        """Call CALLBACK(error) (from the writer's thread) when the log fails (at once if it
        already has)."""
        with self._committed:
            self._on_error = callback
            error = self.error
        if error is not None:
            callback(error)

    def finish(self, **values: Any) -> None:
        """Record the end of the session in its row (status, finished, wall_seconds...). The
        last thing appended: it is committed at once (no group-commit window to wait out), while
        the session finishes what it still has to do before `close`."""
        self._queue.append(_Finish(values))
        self._stopping.set()
        self._wake.set()

    def close(self) -> None:
        """Write everything queued, stop the writer, release the lock."""
        self._stop = True
        self._stopping.set()
        self._wake.set()
        # Wait for the last commit, not for the thread's end: it then closes the connection,
        # which checkpoints the WAL into the database with two fsyncs (10-15 ms on a busy
        # disk). Readers do not need that, and a process that exits before it is done leaves
        # a WAL that the next reader applies.
        while not self._drained.wait(0.05):
            if not self._thread.is_alive():  # (it died: a bug; still release everything)
                if self._conn is not None:
                    _close_quietly(self._conn)
                break
        with contextlib.suppress(OSError):
            os.ftruncate(self._lock_fd, 0)  # (the reserve)
        os.close(self._lock_fd)  # everything is committed: the writer is done

    def _connect(self) -> sqlite3.Connection | None:
        try:
            return self._create()
        except sqlite3.Error as exc:
            if not _maybe_full(exc):
                self._failed(f"cannot create the event log ({_why(exc, self.path)})")
                return None
        # The disk filled up while the session started (its first Write can race the writer's
        # start): the reserve is there to record what happens, so the log is made in it.
        with DISK_WRITES:
            with contextlib.suppress(OSError):
                os.ftruncate(self._lock_fd, 0)
            try:
                return self._create()
            except sqlite3.Error as exc:
                self._failed(f"cannot create the event log ({_why(exc, self.path)})")
                return None

    def _create(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            create_schema(conn)
        except sqlite3.Error:
            _close_quietly(conn)
            raise
        return conn

    def _loop(self) -> None:
        self._conn = self._connect()
        while True:
            if not self._wake.wait(HEARTBEAT_SECONDS):
                _touch(self._lock_fd)
                continue
            if not self._stop and self._interval > 0:
                self._stopping.wait(self._interval)  # the group-commit window: gather a batch
            self._wake.clear()
            stop = self._stop
            self._flush()
            if stop and not self._queue:
                self._drained.set()
                if self._conn is not None:
                    _close_quietly(self._conn)
                return

    def _flush(self) -> None:
        queue = self._queue
        conn = self._conn
        if self.error is not None or conn is None:  # broken: drop rather than grow unbounded
            items = list(queue)
            queue.clear()
            if conn is not None:
                self._record_end(conn, items)
            return
        n = len(queue)
        if n == 0:
            return
        items = [queue.popleft() for _ in range(n)]
        rows: list[tuple[int, float, str, str | None, str]] = []
        memory: list[Event] = []
        finishes: list[dict[str, Any]] = []
        started: Event | None = None
        resumed = False
        for e in items:  # one plain loop: this is the hot path of the writer
            if isinstance(e, _Finish):
                finishes.append(e.values)
                continue
            kind = e.type
            # The model's own serializer, called directly: the same bytes as model_dump_json()
            # at half the cost (that wrapper's keyword handling was most of the per-event time).
            payload = e.__pydantic_serializer__.to_json(e).decode()
            # (from the fields: a model without `agent` answers getattr with an exception)
            rows.append((e.seq, e.t, kind, e.__dict__.get("agent"), payload))
            if kind == "memory_stored" or kind == "memory_deleted":
                memory.append(e)
            elif kind == "session_started":
                started = e
            elif kind == "session_resumed":
                resumed = True
        try:
            conn.execute("BEGIN")
            if isinstance(started, SessionStarted):
                _insert_row(conn, started)
            if resumed:
                conn.execute(
                    "UPDATE session SET status = 'running', finished = NULL, writer_pid = ?",
                    (os.getpid(),),
                )
            _insert_rows(conn, _INSERT_EVENT, rows)
            if memory:
                _write_memory(conn, memory)
            for values in finishes:
                columns = ", ".join(f"{name} = ?" for name in values)
                conn.execute(f"UPDATE session SET {columns}", tuple(values.values()))
            conn.execute("COMMIT")
            with self._committed:
                self.written += len(rows)
                if rows:
                    self.last_seq = rows[-1][0]
                self._committed.notify_all()
            if finishes and any(isinstance(e, SessionFinished) for e in items):
                self._ended = True
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            # The reserve freed by the failure goes to recording the end: this process's other
            # writes to the disk (agents' logs, files) wait until it is recorded.
            with DISK_WRITES:
                self._failed(f"cannot append events ({exc})")
                self._record_end(conn, items)

    def _failed(self, problem: str) -> None:
        with contextlib.suppress(OSError):
            os.ftruncate(self._lock_fd, 0)  # the reserve, for recording the end
        with self._committed:
            self.error = f"{self.path}: {problem}; the recording stops after event #{self.last_seq}"
            self._committed.notify_all()
            callback, error = self._on_error, self.error
        if callback is not None:
            callback(error)

    def _record_end(self, conn: sqlite3.Connection, items: list[Event | _Finish]) -> None:
        """Right after a failure: record the session's end as `failed` with the log's error,
        numbered after the last committed event, in the space the reserve freed (before the
        agents still running can take it), so a replay tells what happened and ends where the
        recording does. Later, the session's own end only adds its figures to the row."""
        if self._ended:
            values = [e.values for e in items if isinstance(e, _Finish)]
            if values:
                figures = {k: v for k, v in values[-1].items() if k not in ("status",)}
                self._update_row(conn, figures)
            return
        self._ended = True
        times = [e.t for e in items if not isinstance(e, _Finish)]
        # The first commit failed: the session's start goes with its end, or it has no row.
        started = next((e for e in items if isinstance(e, SessionStarted)), None)
        first: list[Event] = [started] if started is not None and self.last_seq == 0 else []
        event = SessionFinished(status="failed", reason=self.error)
        event.seq = (first[0].seq if first else self.last_seq) + 1
        event.t = max(times) if times else 0.0
        finished = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            conn.execute("BEGIN")
            for e in [*first, event]:
                conn.execute(
                    "INSERT INTO events (seq, t, type, agent, payload_json) VALUES (?, ?, ?, ?, ?)",
                    (e.seq, e.t, e.type, None, e.__pydantic_serializer__.to_json(e).decode()),
                )
            if started is not None and first:
                _insert_row(conn, started)
            conn.execute("UPDATE session SET status = 'failed', finished = ?", (finished,))
            conn.execute("COMMIT")
        except sqlite3.Error:  # not even that fits: the replay will call it interrupted
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")

    def _update_row(self, conn: sqlite3.Connection, values: dict[str, Any]) -> None:
        if not values:
            return
        columns = ", ".join(f"{name} = ?" for name in values)
        with contextlib.suppress(sqlite3.Error):  # (figures only: the end itself is recorded)
            conn.execute(f"UPDATE session SET {columns}", tuple(values.values()))


def _insert_row(conn: sqlite3.Connection, started: SessionStarted) -> None:
    origin = started.forked_from
    conn.execute(
        "INSERT OR REPLACE INTO session (id, title, status, started, backend, agents,"
        " writer_pid, forked_from, forked_at) VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?)",
        (
            started.session_id,
            started.title,
            started.started_at,
            started.backend,
            len(started.agents),
            os.getpid(),
            origin.session_id if origin is not None else None,
            origin.seq if origin is not None else None,
        ),
    )


def _maybe_full(exc: sqlite3.Error) -> bool:
    """Whether EXC may be a full disk: SQLite says so, or says it could not make or grow its
    shared-memory file (a disk I/O error, SQLITE_IOERR_SHMSIZE, with a few pages left)."""
    return exc.sqlite_errorcode in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR_SHMSIZE)


def _why(exc: sqlite3.Error, path: Path) -> str:
    """SQLite's reason, and that the disk is full when it is (a full disk can fail the making
    of the shared-memory file, which SQLite calls a disk I/O error)."""
    text = str(exc)
    if exc.sqlite_errorcode == sqlite3.SQLITE_IOERR_SHMSIZE:
        return f"{text}: the disk is full"
    if "full" not in text:
        with contextlib.suppress(OSError):
            if os.statvfs(path.parent).f_bavail == 0:
                text += ": the disk is full"
    return text


# Rows inserted by one statement: SQLite runs each statement without the GIL, and a statement
# per row handed the GIL back and forth with the event loop at every row (while agents ran, that
# cost the loop more than the rows' own work, and left the writer behind).
_ROWS_PER_STATEMENT = 50
_INSERT_EVENT = "INSERT INTO events (seq, t, type, agent, payload_json) VALUES "
_STORE_KEY = "INSERT OR REPLACE INTO memory (namespace, key, value, stored_at, ttl, by) VALUES "


def _insert_rows(conn: sqlite3.Connection, insert: str, rows: list[tuple[Any, ...]]) -> None:
    """ROWS (all of one width) by INSERT ... VALUES, in order, many to a statement."""
    if not rows:
        return
    one = "(" + ", ".join(["?"] * len(rows[0])) + ")"
    whole = len(rows) - len(rows) % _ROWS_PER_STATEMENT
    if whole:
        flat = [value for row in rows[:whole] for value in row]
        step = len(rows[0]) * _ROWS_PER_STATEMENT
        many = insert + ", ".join([one] * _ROWS_PER_STATEMENT)
        conn.executemany(many, [flat[i : i + step] for i in range(0, len(flat), step)])
    if whole < len(rows):
        conn.executemany(insert + one, rows[whole:])


def _write_memory(conn: sqlite3.Connection, events: list[Event]) -> None:
    """The memory table after EVENTS (stores and deletes, in order): each run of stores goes
    many to a statement (a session's agents store a key each)."""
    stores: list[tuple[Any, ...]] = []
    for ev in events:
        if isinstance(ev, MemoryStored):
            stores.append((ev.namespace, ev.key, json.dumps(ev.value), ev.t, ev.ttl, ev.by))
        elif isinstance(ev, MemoryDeleted):
            _insert_rows(conn, _STORE_KEY, stores)
            stores = []
            key = (ev.namespace, ev.key)
            conn.execute("DELETE FROM memory WHERE namespace = ? AND key = ?", key)
    _insert_rows(conn, _STORE_KEY, stores)


def _close_quietly(conn: sqlite3.Connection) -> None:
    with contextlib.suppress(sqlite3.Error):
        conn.close()


def _touch(fd: int) -> None:
    with contextlib.suppress(OSError):  # (only a sign of life: never worth failing for)
        os.utime(fd)


def _reserve(fd: int) -> None:
    """Hold RESERVE_BYTES of disk in the lock file (nothing, where the disk is already full
    or the file system cannot)."""
    with contextlib.suppress(OSError):
        os.posix_fallocate(fd, 0, RESERVE_BYTES)


def _take_lock(lock_path: Path) -> int:
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        raise SessionStoreError(f"{lock_path}: another process is writing this session") from exc
    return fd


def writer_alive(folder: Path) -> bool:
    """Whether a live process holds the session's writer lock."""
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing drops a lock we may have taken
    return False
