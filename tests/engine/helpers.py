"""Build batches from the models and run them for real (rehearsal/command runners, SQLite)."""

from __future__ import annotations

import asyncio
import itertools
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from swarmtui.batch.models import Batch, Message, Operation, TaskOp
from swarmtui.engine.events import Event, EventBase
from swarmtui.engine.plan import Plan
from swarmtui.engine.scheduler import RunnerFactory, Scheduler
from swarmtui.engine.session import LiveSession
from swarmtui.engine.settings import RunSettings
from swarmtui.engine.state import SessionState, apply
from swarmtui.policy.tables import PermissionsConfig
from swarmtui.store import new_live_session

E = TypeVar("E", bound=EventBase)

TINY = 0.005  # rehearsal seconds per agent in tests
# Settings of a session that really runs its Bash operations (a rehearsal runs none, and
# without a rule allowing them none runs either): agents left on the session's backend run
# `true`. Every Bash command is allowed; each runs in the real sandbox.
REAL: dict[str, Any] = {
    "backend": "command",
    "command_template": "true",
    "permissions": PermissionsConfig(allow=("Bash",)),
}


def task(index: int, name: str, **fields: Any) -> TaskOp:
    """A Task operation at INDEX named NAME (other fields as keywords)."""
    return TaskOp(index=index, name=name, **fields)


def one_message(*ops: Operation, title: str = "Test") -> Batch:
    return Batch(messages=[Message(index=1, title=title, operations=list(ops))])


def messages(*groups: Sequence[Operation], title: str = "Test") -> Batch:
    return Batch(
        messages=[
            Message(index=i + 1, title=title if i == 0 else None, operations=list(ops))
            for i, ops in enumerate(groups)
        ]
    )


@dataclass
class Run:
    session: LiveSession
    state: SessionState
    events: list[Event] = field(default_factory=list)

    def of(self, kind: type[E], **match: Any) -> list[E]:
        """The events of KIND whose fields have the values given, in order."""
        return [
            e
            for e in self.events
            if isinstance(e, kind) and all(getattr(e, k, None) == v for k, v in match.items())
        ]

    def seq(self, kind: type[EventBase], **match: Any) -> int:
        """The number of the first such event (there must be one)."""
        found = self.of(kind, **match)
        assert found, f"no {kind.__name__} event matching {match}"
        return found[0].seq


def make_session(batch: Batch, tmp_path: Path, **settings: Any) -> tuple[LiveSession, list[Event]]:
    settings.setdefault("rehearsal_seconds", TINY)
    # What asks is refused at once (as headless) unless a test waits for a decision itself.
    settings.setdefault("approvals", "deny")
    session = new_live_session(
        "// built in a test\n",
        source_name="test.swarm.js",
        settings=RunSettings(**settings),
        sessions_dir=tmp_path / "sessions",
        batch=batch,
    )
    events: list[Event] = []
    session.subscribe(events.append)
    return session, events


async def run(
    batch: Batch,
    tmp_path: Path,
    on_event: Callable[[LiveSession, Event], None] | None = None,
    **settings: Any,
) -> Run:
    """Run BATCH to its end; `hold_open=True` among SETTINGS holds it open as the app does
    (for a retry or a stored key, until the user ends it)."""
    hold_open = bool(settings.pop("hold_open", False))
    session, events = make_session(batch, tmp_path, **settings)
    session.hold_open = hold_open
    if on_event is not None:
        session.subscribe(lambda e: on_event(session, e))
    # A bound, not a synchronisation: a hung scheduler fails the test instead of CI.
    async with asyncio.timeout(60):
        state = await session.run()
    return Run(session, state, events)


def scheduler_for(
    batch: Batch, tmp_path: Path, settings: RunSettings, factory: RunnerFactory
) -> tuple[Scheduler, SessionState]:
    """A scheduler with its plan already folded into a fresh state, and that state; its events
    are numbered and folded, nothing is logged."""
    state = SessionState()
    numbers = itertools.count(1)

    def emit(event: Event) -> None:
        event.seq = next(numbers)
        apply(state, event)

    plan = Plan(batch, settings, tmp_path)
    emit(plan.started_event("s", "test", "2026-01-01T00:00:00Z"))
    scheduler = Scheduler(
        plan, state=state, emit=emit, session_dir=tmp_path, session_id="s", runner_factory=factory
    )
    return scheduler, state


def start_command_run(
    batch: Path, sessions: Path, command: str, *, new_session: bool = False
) -> subprocess.Popen[bytes]:
    """`swarmtui run BATCH --headless` on the command backend with COMMAND, as another process
    (stdout dropped, stderr kept for failures)."""
    options = ["--backend", "command", "--command", command, "--sessions-dir", str(sessions)]
    options += ["--allow", "Bash"]
    return subprocess.Popen(
        [sys.executable, "-m", "swarmtui", "run", str(batch), "--headless", *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=new_session,
    )


def wait_for_events(
    sessions: Path, proc: subprocess.Popen[Any], where: str, count: int = 1
) -> Path:
    """Wait until a run in another process has committed COUNT events matching the SQL
    condition WHERE (on the `events` table); its session folder.

    Polled with a deadline: that process's SQLite log is the only thing there is to watch.
    """
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, f"the run never recorded {count} x {where}"
        for db in sessions.glob("*/session.db"):
            try:
                conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
                try:
                    found = conn.execute(f"SELECT count(*) FROM events WHERE {where}").fetchone()
                finally:
                    conn.close()
            except sqlite3.Error:
                continue
            if found[0] >= count:
                return db.parent
        time.sleep(0.02)


def wait_for_agent_start(sessions: Path, proc: subprocess.Popen[Any], count: int = 1) -> Path:
    """Wait until a run in another process has committed COUNT agent starts; its folder."""
    return wait_for_events(sessions, proc, "type = 'agent_started'", count)


def host_pids(marker: str, *, exact: bool = False) -> list[int]:
    """Live processes (as the host numbers them) whose command line contains MARKER (EXACT:
    whose NUL-separated command line is MARKER)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:  # (it ended meanwhile)
            continue
        if cmdline == marker.encode() if exact else marker.encode() in cmdline:
            found.append(int(entry))
    return found


def wait_for_host_pid(cmdline: str, seconds: float = 30) -> int:
    """The host pid of the one process whose NUL-separated command line is CMDLINE, once it
    shows in /proc (polled, with a deadline: a process table has no event to wait on)."""
    deadline = time.monotonic() + seconds
    while not (found := host_pids(cmdline, exact=True)):
        assert time.monotonic() < deadline, f"{cmdline!r} never ran"
        time.sleep(0.01)
    assert len(found) == 1, found
    return found[0]
