"""Permissions for what runs on a worker are decided here: Claude Code's prompts on a worker
reach the session's rules and approval queue; a worker without a sandbox makes its agents'
processes ask, as this machine would without one."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from swarmtui.batch.models import TaskOp
from swarmtui.config import Backends, ClaudeOptions, ExecutorOptions
from swarmtui.engine.approvals import Subject
from swarmtui.engine.confine.sandbox import SandboxStatus
from swarmtui.engine.events import ApprovalDecided, ApprovalRequested, Event, PlacedOnWorker
from swarmtui.engine.guard import SessionGuard
from swarmtui.engine.settings import RunSettings
from swarmtui.policy.tables import PermissionsConfig, SandboxConfig

from ..backends.test_claude_permissions import StandIn
from ..engine.helpers import make_session, one_message
from .conftest import Cluster, start_cluster


@pytest.fixture(scope="module")
def stand_in_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("stand-in")


@pytest.fixture(scope="module")
def cluster(stand_in_folder: Path) -> Iterator[Cluster]:
    """Its workers see the stand-in's script and record (their environment is theirs)."""
    saved = dict(os.environ)
    os.environ["STANDIN_SCRIPT"] = str(stand_in_folder / "stand-in" / "script.txt")
    os.environ["STANDIN_RECORD"] = str(stand_in_folder / "stand-in" / "record.json")
    try:
        started = start_cluster()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        yield started
    finally:
        started.client.close()
        started.cluster.close()


async def test_claude_on_a_worker_asks_the_sessions_rules_and_queue(
    cluster: Cluster, stand_in_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stand_in = StandIn(stand_in_folder / "stand-in", monkeypatch)
    stand_in.wants(
        ("Bash", {"command": "ls -la"}),
        ("Bash", {"command": "rm -rf build"}),
        ("Write", {"file_path": "notes/plan.md", "content": "the plan"}),
        ("Bash", {"command": "git push origin main"}),
    )
    settings = stand_in.settings(
        approvals="wait",
        permissions=PermissionsConfig(allow=("Bash(ls:*)",), deny=("Bash(git push:*)",)),
        backends=Backends(claude=ClaudeOptions(executable=str(stand_in.folder / "bin/claude"))),
        executor=ExecutorOptions(address=cluster.address),
    )
    session, events = make_session(
        one_message(TaskOp(index=0, name="Coder", agent_type="coder")), tmp_path, **settings
    )

    def answer(event: Event) -> None:
        if isinstance(event, ApprovalRequested):
            if event.subject == "rm -rf build":
                session.deny(event.id, "not that")
            else:
                session.approve(event.id)

    session.subscribe(answer)
    async with asyncio.timeout(60):
        state = await session.run()
    assert state.agents["Coder"].status == "done", state.agents["Coder"].reason
    [placed] = [e for e in events if isinstance(e, PlacedOnWorker)]
    assert placed.worker in cluster.worker_pids()
    assert [a["behavior"] for a in stand_in.answers()] == ["allow", "deny", "allow", "deny"]
    assert stand_in.answers()[1] == {"behavior": "deny", "message": "not that"}
    asked = [e for e in events if isinstance(e, ApprovalRequested)]
    assert [(e.kind, e.agent, e.tool, e.subject) for e in asked] == [
        ("tool", "Coder", "Bash", "rm -rf build"),
        ("tool", "Coder", "Write", "notes/plan.md"),
    ]
    decided = [(e.subject, e.verdict, e.by) for e in events if isinstance(e, ApprovalDecided)]
    assert decided == [
        ("ls -la", "allow", "rule"),
        ("rm -rf build", "deny", "user"),
        ("notes/plan.md", "allow", "user"),
        ("git push origin main", "deny", "rule"),
    ]


async def test_a_worker_without_a_sandbox_makes_its_agents_processes_ask(
    tmp_path: Path,
) -> None:
    events: list[Event] = []
    guard = SessionGuard(
        RunSettings(approvals="deny", sandbox=SandboxConfig()), events.append, tmp_path
    )
    assert guard.gate.sandboxed  # (this machine has one)
    what = Subject("agent", "process", "claude -p hello", agent="Coder", agent_type="coder")
    here = await guard.permit(what, None)
    assert here.allowed and not [e for e in events if isinstance(e, ApprovalDecided)]
    bare = SandboxStatus(None, reason="bwrap was not found on the worker")
    there = await guard.permit(what, None, bare)
    assert not there.allowed
    [decided] = [e for e in events if isinstance(e, ApprovalDecided)]
    assert (decided.agent, decided.verdict, decided.by) == ("Coder", "deny", "flag")
    assert "no sandbox: bwrap was not found on the worker" in decided.reason
