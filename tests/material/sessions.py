"""Real recorded sessions for the compare tests: one batch run twice with the rehearsal backend.

Run A runs as written. Run B runs the same text a little slower (so the planner's value and
report differ) and, as its planner starts, a user stores `swarm/config` by hand (a different
value), stores a key full of control characters, and cancels the builder while it waits for the
plan: the checker, waiting for the build, fails.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from swarmtui.engine.events import Event
from swarmtui.engine.session import LiveSession
from swarmtui.engine.settings import RunSettings
from swarmtui.store import new_live_session

BATCH = """\
[Single Message - Pipeline]:
mcp__claude_flow__memory_usage({action: "store", key: "swarm/config", value: {mode: "fast"}})
Task("Planner", "Plan. Store the plan in memory under 'swarm/plan'.", "planner")
Task("Builder", "Wait for 'swarm/plan' in memory. Store the build under 'swarm/build'.", "coder")
Task("Checker", "Wait for 'swarm/build' in memory. Check it.", "tester")
"""

OTHER_BATCH = """\
[Single Message - Other]:
Task("Writer", "Write the notes. Store them under 'swarm/notes'.", "api-docs")
Task("Linter", "Lint the notes.", "reviewer")
"""

# What run B's user stores: a key whose value tries to drive the terminal.
HOSTILE_KEY = "swarm/evil"
HOSTILE_VALUE = "\x1b]0;pwned\x07\x1b[2Jhello"


@dataclass(frozen=True)
class Pair:
    a: Path
    b: Path
    sessions_dir: Path


def live_session(text: str, sessions_dir: Path, seconds: float) -> LiveSession:
    """A session of TEXT recorded under SESSIONS_DIR, rehearsal agents taking SECONDS each."""
    settings = RunSettings(backend="rehearsal", rehearsal_seconds=seconds)
    return new_live_session(
        text, source_name="pipeline.swarm.js", settings=settings, sessions_dir=sessions_dir
    )


def run_session(text: str, sessions_dir: Path, seconds: float, on_event: Any = None) -> Path:
    session = live_session(text, sessions_dir, seconds)
    if on_event is not None:
        session.subscribe(lambda e: on_event(session, e))

    async def go() -> None:
        async with asyncio.timeout(60):  # a bound, not a synchronisation
            await session.run()

    asyncio.run(go())
    return session.path


def _user_steps_in(session: LiveSession, event: Event) -> None:
    if event.type == "agent_started" and getattr(event, "agent", None) == "Planner":
        session.store_memory("swarm/config", {"mode": "safe"})
        session.store_memory(HOSTILE_KEY, HOSTILE_VALUE)
        session.cancel_agent("Builder")


def record_pair(sessions_dir: Path) -> Pair:
    a = run_session(BATCH, sessions_dir, 0.02)
    b = run_session(BATCH, sessions_dir, 0.03, _user_steps_in)
    return Pair(a=a, b=b, sessions_dir=sessions_dir)


def copy_session(source: Path, target: Path) -> Path:
    """A copy of a recorded session folder (its log checkpointed first, so the copy is whole)."""
    conn = sqlite3.connect(source / "session.db")
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("session.db-*"))
    return target


def damaged_copy(source: Path, target: Path, seq: int) -> Path:
    """A copy of a recorded session whose event SEQ is no event at all (a damaged log)."""
    copy_session(source, target)
    conn = sqlite3.connect(target / "session.db")
    try:
        conn.execute(
            'UPDATE events SET payload_json = \'{"type": "nonsense"}\' WHERE seq = ?', (seq,)
        )
        conn.commit()
    finally:
        conn.close()
    return target


def wait_for_agent_start(sessions: Path, proc: subprocess.Popen[bytes]) -> Path:
    """The folder of the run in another process, once it has committed an agent's start.

    Polled with a deadline: that process's SQLite log is the only thing there is to watch."""
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, "the run ended before an agent started"
        assert time.monotonic() < deadline, "the run never recorded an agent starting"
        for db in sessions.glob("*/session.db"):
            try:
                conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
                try:
                    query = "SELECT count(*) FROM events WHERE type = 'agent_started'"
                    if conn.execute(query).fetchone()[0]:
                        return db.parent
                finally:
                    conn.close()
            except sqlite3.Error:
                continue
        time.sleep(0.02)
