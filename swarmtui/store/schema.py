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


def create_schema(conn: sqlite3.Connection) -> None:
    """Make `conn` (in autocommit mode) a fresh session database (WAL, our id, the tables)."""
    # Created without fsyncs (they cost ~25 ms of every session start on a busy disk): a fresh,
    # empty database lost to a power cut loses nothing, and WAL keeps it whole if we crash.
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(
        f"BEGIN; PRAGMA application_id={APPLICATION_ID}; PRAGMA user_version={SCHEMA_VERSION};"
        f" {SCHEMA} COMMIT;"
    )
    # NORMAL in WAL mode: a committed transaction survives a process crash (only a power
    # loss may drop the last ones), at a fraction of FULL's fsync cost.
    conn.execute("PRAGMA synchronous=NORMAL")
