"""Reading a recorded session: its header row and its events, with clean errors for bad files."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from swarmtui.engine.events import Event
from swarmtui.store.errors import SessionStoreError
from swarmtui.store.eventlog import writer_alive
from swarmtui.store.schema import APPLICATION_ID, DB_NAME

_EVENTS: TypeAdapter[list[Event]] = TypeAdapter(list[Event])
_EVENT: TypeAdapter[Event] = TypeAdapter(Event)


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
    forked_from: str | None = None  # the session it was forked from (its id)
    forked_at: int | None = None  # the last event of that session it took up


class ReadOnlyDatabase:
    """How a reader opens `session.db`: never for writing, whatever the folder allows.

    A database with no write-ahead log and no writer is opened `immutable` (all of it is in
    the file; nothing is created beside it). Otherwise `mode=ro`: it reads a live or killed
    writer's WAL and never checkpoints or changes the database (reading a session can never
    damage it). Where that cannot work (a read-only folder or mount, where SQLite cannot make
    the `-shm` index it needs), the database and its WAL are copied to a private temporary
    folder and read there.
    Use as a context manager; `uri` is what to connect to."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self._copy: tempfile.TemporaryDirectory[str] | None = None
        self.uri = self._choose()

    def _choose(self) -> str:
        db = self.db
        try:
            size = db.stat().st_size
        except OSError:
            size = -1
        if size < 0 or not db.is_file():
            raise SessionStoreError(f"{db}: no such session database")
        if size == 0:
            raise SessionStoreError(f"{db}: an empty file (0 bytes): nothing was recorded in it")
        wal = db.with_name(db.name + "-wal")
        if _empty(wal) and not writer_alive(db.parent):
            # Everything is in the database file and nobody writes it: read it as it is,
            # creating nothing beside it (no -shm, no -wal).
            return f"file:{_quote(db)}?immutable=1"
        uri = f"file:{_quote(db)}?mode=ro"
        try:
            conn = sqlite3.connect(uri, uri=True)
            try:
                conn.execute("PRAGMA schema_version").fetchone()  # (reads the WAL index)
            finally:
                conn.close()
            return uri
        except sqlite3.Error as exc:
            if not _read_only_place(exc):
                return uri  # the reader's own error handling says what is wrong with it
        self._copy = tempfile.TemporaryDirectory(prefix="swarmtui-read-")
        copy = Path(self._copy.name) / db.name
        try:
            shutil.copyfile(db, copy)
            shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
        except OSError as exc:
            self.close()
            raise SessionStoreError(f"{db}: cannot be read from here ({exc})") from None
        return f"file:{_quote(copy)}"

    def close(self) -> None:
        if self._copy is not None:
            self._copy.cleanup()
            self._copy = None

    def __enter__(self) -> ReadOnlyDatabase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _empty(path: Path) -> bool:
    try:
        return path.stat().st_size == 0
    except OSError:
        return True


def _read_only_place(exc: sqlite3.Error) -> bool:
    """Whether opening read-only failed because the folder or mount cannot be written."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN)


def _quote(path: Path) -> str:
    """PATH for a `file:` URI (`?` and `#` in a folder name would end the path)."""
    return urllib.parse.quote(str(path))


def not_ours(db: Path, reason: str) -> SessionStoreError:
    return SessionStoreError(f"{db}: not a swarmtui session database ({reason})")


def check_application_id(db: Path, app_id: int, tables: int | None = None) -> None:
    """Refuse a database that is not ours, saying why; TABLES is how many it has (known when
    the id is 0: an empty database is told from a foreign one)."""
    if app_id == APPLICATION_ID:
        return
    if app_id == 0 and tables == 0:
        wal = db.with_name(db.name + "-wal")
        if _empty(wal):
            raise SessionStoreError(
                f"{db}: holds nothing: its write-ahead log ({wal.name}) is missing or empty"
                " (deleted, or not copied with it), and the recorded events were in it"
            )
        raise SessionStoreError(f"{db}: an empty database: nothing was recorded in it")
    raise not_ours(db, "foreign SQLite file")


TABLES_SQL = "SELECT count(*) FROM sqlite_master"


def _connect(db: Path) -> tuple[sqlite3.Connection, ReadOnlyDatabase]:
    source = ReadOnlyDatabase(db)
    try:
        conn = sqlite3.connect(source.uri, uri=True)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = conn.execute(TABLES_SQL).fetchone()[0] if app_id == 0 else None
            check_application_id(db, app_id, tables)
        except BaseException:
            conn.close()
            raise
    except sqlite3.Error as exc:
        source.close()
        raise not_ours(db, str(exc)) from exc
    except BaseException:
        source.close()
        raise
    return conn, source


INVALID_LINE_LIMIT = 160  # (pydantic lists every event type an unknown one is not: cut)


def invalid_because(exc: ValidationError) -> str:
    """Why a payload is not an event, in one short line."""
    first = exc.errors()[0]
    message = str(first["msg"])
    if first["type"] == "union_tag_invalid":
        message = message.split(" does not match", 1)[0] + " matches no event type"
    if len(message) > INVALID_LINE_LIMIT:
        message = message[: INVALID_LINE_LIMIT - 1] + "…"
    return message


def parse_events(db: Path, payloads: list[str], first: int = 0) -> list[Event]:
    """The events of recorded JSON payloads; FIRST is how many events come before them. A bad
    one is named by its number, counted from 1 as events are (`seq`, `swarmtui diff`)."""
    # One validate_json over the whole list is much faster than one call per row.
    try:
        return _EVENTS.validate_json("[" + ",".join(payloads) + "]")
    except ValidationError as exc:
        # Which one: each on its own (a payload that is not JSON may even merge with the next
        # in the joined list, and its error has no position in the list).
        for number, payload in enumerate(payloads, start=first + 1):
            try:
                _EVENT.validate_json(payload)
            except ValidationError as bad:
                message = invalid_because(bad)
                raise SessionStoreError(
                    f"{db}: event #{number} is not a valid event ({message})"
                ) from exc
        raise SessionStoreError(f"{db}: the events are not valid ({invalid_because(exc)})") from exc


def db_path(session_path: Path) -> Path:
    return session_path / DB_NAME


def read_session_row(session_path: Path) -> SessionRow:
    """The session's header row; `SessionStoreError` (naming the file) when it cannot be read."""
    db = db_path(session_path)
    conn, source = _connect(db)
    try:
        # Every column by name: a database of an older schema lacks the newer ones.
        cursor = conn.execute("SELECT * FROM session LIMIT 1")
        row = cursor.fetchone()
        names = [column[0] for column in cursor.description or ()]
    except sqlite3.Error as exc:
        raise SessionStoreError(f"{db}: unreadable session database ({exc})") from exc
    finally:
        conn.close()
        source.close()
    if row is None:
        raise SessionStoreError(f"{db}: the session row is missing (nothing was recorded)")
    values: dict[str, Any] = dict(zip(names, row, strict=True))
    missing = [f for f in _NEEDED_FIELDS if f not in values]
    if missing:
        raise SessionStoreError(f"{db}: unreadable session database (no column {missing[0]})")
    return SessionRow(**{f: values[f] for f in _ROW_FIELDS if f in values})


_ROW_FIELDS = tuple(SessionRow.__dataclass_fields__)
_NEEDED_FIELDS = _ROW_FIELDS[:-2]  # (forked_from and forked_at came with schema version 2)


def read_events(session_path: Path) -> list[Event]:
    """Every committed event of the session, in order."""
    db = db_path(session_path)
    conn, source = _connect(db)
    try:
        rows: list[Any] = conn.execute(EVENTS_SQL).fetchall()
    except sqlite3.Error as exc:
        raise SessionStoreError(f"{db}: unreadable event log ({exc})") from exc
    finally:
        conn.close()
        source.close()
    return parse_events(db, [r[0] for r in rows])


def read_recorded_seconds(session_path: Path) -> float | None:
    """Seconds from the session's first recorded event to its last: how long a session that
    never recorded its end (killed, or still running) ran, as far as its events tell. None when
    nothing was recorded or the log cannot be read."""
    db = db_path(session_path)
    try:
        conn, source = _connect(db)
    except SessionStoreError:
        return None
    try:
        first, last = conn.execute("SELECT min(t), max(t) FROM events").fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
        source.close()
    if first is None or last is None:
        return None
    return max(0.0, float(last) - float(first))


def read_clock_marks(session_path: Path) -> list[Event]:
    """The events that set where the session's clock starts (`session_forked`, `session_resumed`):
    all a reader needs, besides the files' times, to tell how far a running session has gone."""
    db = db_path(session_path)
    try:
        conn, source = _connect(db)
    except SessionStoreError:
        return []
    try:
        rows: list[Any] = conn.execute(CLOCK_MARKS_SQL).fetchall()
    except sqlite3.Error:
        return []
    finally:
        conn.close()
        source.close()
    try:
        return parse_events(db, [r[0] for r in rows])
    except SessionStoreError:
        return []


CLOCK_MARKS_SQL = (
    "SELECT payload_json FROM events WHERE type IN ('session_forked', 'session_resumed')"
    " ORDER BY seq"
)


def read_events_tolerantly(session_path: Path) -> tuple[list[Event], str | None]:
    """Every event up to the first that cannot be read, and why the rest could not be (None
    when all of them could). `SessionStoreError` only when the database cannot be opened."""
    try:
        return read_events(session_path), None
    except SessionStoreError as exc:
        problem = str(exc)
    # The fast reader validates the whole log at once; find how far it is good, row by row.
    db = db_path(session_path)
    events: list[Event] = []
    try:
        source = ReadOnlyDatabase(db)
    except SessionStoreError:
        return events, problem
    try:
        conn = sqlite3.connect(source.uri, uri=True)
    except sqlite3.Error:
        source.close()
        return events, problem
    try:
        for (payload,) in conn.execute(EVENTS_SQL):
            try:
                events.append(_EVENT.validate_json(payload))
            except ValidationError as exc:
                why = invalid_because(exc)
                return events, f"event #{len(events) + 1} is not a valid event ({why})"
    except sqlite3.Error as exc:
        return events, f"the event log cannot be read past event #{len(events)} ({exc})"
    finally:
        conn.close()
        source.close()
    return events, problem
