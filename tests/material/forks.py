"""A release pipeline recorded for the fork tests, and helpers to read what a session recorded.

With the `command` backend each agent prints its name and the memory it read, so a value changed
at a fork shows downstream; the shipper refuses a release the configuration holds (`hold`).
With the rehearsal backend each agent writes its report, and the batch writes a brief: files a
fork carries over.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from swarmtui.engine.session import LiveSession
from swarmtui.engine.settings import RunSettings
from swarmtui.store import new_live_session

from ..engine.helpers import start_command_run, wait_for_events

CLI = [sys.executable, "-m", "swarmtui"]
AGENTS = ("Planner", "Builder", "Checker", "Shipper")
PIPELINE = """\
[Single Message - Release]:
mcp__claude_flow__memory_usage({action: "store", key: "swarm/config", value: {mode: "fast"}})
Write("notes/brief.md", "written by the batch\\n")
Task("Planner", "Plan. Store the plan in memory under 'swarm/plan'.", "planner")
Task("Builder", "Wait for 'swarm/plan' in memory. Store the build under 'swarm/build'.", "coder")
Task("Checker", "Wait for 'swarm/build' in memory. Store the verdict under 'swarm/verdict'.",
     "tester")
Task("Shipper", "Wait for 'swarm/verdict' and 'swarm/config' in memory. " +
     "Store the release under 'swarm/release'.", "coder")
TodoWrite({ todos: [
  {id: "1", content: "Plan the release", status: "pending", agent: "Planner"},
  {id: "2", content: "Ship it", status: "pending", agent: "Shipper"},
]})
"""
# Prints who it is and what it read; the shipper fails when the configuration holds releases.
COMMAND = (
    'printf "%s<-%s" "$SWARM_AGENT" "$SWARM_MEMORY"; '
    'case "$SWARM_MEMORY" in *hold*) '
    '[ "$SWARM_AGENT" != Shipper ] || { echo "release held" >&2; exit 3; };; esac'
)


def command_settings() -> RunSettings:
    return RunSettings(backend="command", command_template=COMMAND)


def rehearsal_settings() -> RunSettings:
    return RunSettings(backend="rehearsal", rehearsal_seconds=0.01)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=180)


async def run_live(session: LiveSession) -> LiveSession:
    async with asyncio.timeout(120):  # a bound, not a synchronisation
        await session.run()
    return session


async def record(sessions_dir: Path, settings: RunSettings, text: str = PIPELINE) -> Path:
    """A real run of TEXT recorded under SESSIONS_DIR; its folder."""
    session = new_live_session(
        text, source_name="release.swarm.js", settings=settings, sessions_dir=sessions_dir
    )
    await run_live(session)
    return session.path


def events(folder: Path, kind: str | None = None) -> list[dict[str, Any]]:
    """The recorded events (of KIND), as JSON, in order."""
    conn = sqlite3.connect(f"file:{folder / 'session.db'}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT payload_json FROM events ORDER BY seq").fetchall()
    finally:
        conn.close()
    found = [json.loads(row[0]) for row in rows]
    return [e for e in found if kind is None or e["type"] == kind]


def done_by(folder: Path, position: int) -> set[str]:
    """The agents the recording says were done within its first POSITION events."""
    return {
        e["agent"]
        for e in events(folder)[:position]
        if e["type"] == "agent_finished" and e["status"] == "done"
    }


def started_after_fork(folder: Path) -> list[str]:
    """The agents a fork started after it went on from its point, in order."""
    recorded = events(folder)
    forked = next(i for i, e in enumerate(recorded) if e["type"] == "session_forked")
    return [e["agent"] for e in recorded[forked:] if e["type"] == "agent_started"]


def interrupted_run(tmp_path: Path) -> tuple[Path, Path]:
    """A real command run of PIPELINE killed (SIGKILL) while Checker runs: (sessions, folder)."""
    sessions = tmp_path / "sessions"
    batch = tmp_path / "release.swarm.js"
    batch.write_text(PIPELINE)
    hang = f'if [ "$SWARM_AGENT" = Checker ]; then sleep 300; fi; {COMMAND}'
    proc = start_command_run(batch, sessions, hang, new_session=True)
    try:
        folder = wait_for_events(sessions, proc, "type = 'agent_started' AND agent = 'Checker'")
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    return sessions, folder
