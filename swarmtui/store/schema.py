"""The layout of `session.db`: tables, pragmas and the marks that tell it is ours."""

from __future__ import annotations

import sqlite3

# 'SWMT': a swarmtui session database (anything else is foreign).
APPLICATION_ID = 0x53574D54
# 2: the session row says which session (and at which event) a fork was forked from.
SCHEMA_VERSION = 2
DB_NAME = "session.db"
# Held (flock) by the process writing the session; a `running` session without it was killed.
LOCK_NAME = "session.lock"

SCHEMA = """
CREATE TABLE IF NOT EXISTS session (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    started TEXT NOT NULL,
    finished TEXT,
    backend TEXT NOT NULL,
    wall_seconds REAL,
    sequential_seconds REAL,
    speedup REAL,
    agents INTEGER NOT NULL DEFAULT 0,
    writer_pid INTEGER,
    forked_from TEXT,
    forked_at INTEGER
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    t REAL NOT NULL,
    type TEXT NOT NULL,
    agent TEXT,
    payload_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS memory (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT,
    stored_at REAL NOT NULL,
    ttl REAL,
    by TEXT NOT NULL,
    PRIMARY KEY (namespace, key)
);
"""


WAL_CHECKPOINT_PAGES = 10_000


def create_schema(conn: sqlite3.Connection) -> None:
    """Make `conn` (in autocommit mode) a fresh session database (WAL, our id, the tables)."""
    # Created without fsyncs (they cost ~25 ms of every session start on a busy disk): a fresh,
    # empty database lost to a power cut loses nothing, and WAL keeps it whole if we crash.
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(
        f"BEGIN; PRAGMA application_id={APPLICATION_ID}; PRAGMA user_version={SCHEMA_VERSION};"
        f" {SCHEMA} {_upgrade(conn)} COMMIT;"
    )
    # NORMAL in WAL mode: a committed transaction survives a process crash (only a power
    # loss may drop the last ones), at a fraction of FULL's fsync cost.
    conn.execute("PRAGMA synchronous=NORMAL")
    # Checkpointed every ~40 MB of events, and when the writer closes, rather than SQLite's
    # every 4 MB: a checkpoint's fsyncs in the middle of a run held up the creation of its
    # agents' files on a busy disk (a 2,000-agent rehearsal writes ~6 MB of events).
    conn.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")


# Columns later versions added to the session row (a session recorded by an older version and
# resumed by this one gets them: its user_version says so).
_ADDED_COLUMNS = (("forked_from", "TEXT"), ("forked_at", "INTEGER"))


def _upgrade(conn: sqlite3.Connection) -> str:
    """The statements that bring an older session table up to this version's."""
    have = {row[1] for row in conn.execute("PRAGMA table_info(session)")}
    if not have:  # (a fresh database: the table is created whole)
        return ""
    return " ".join(
        f"ALTER TABLE session ADD COLUMN {name} {kind};"
        for name, kind in _ADDED_COLUMNS
        if name not in have
    )
