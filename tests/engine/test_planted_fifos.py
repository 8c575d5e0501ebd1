"""Issue 11.3: a FIFO (or any file that is not a plain file) that an agent planted under the
session folder never makes a later write or read wait: a Write, a model's fenced file, a
rehearsal report, an agent's log file, the artifact pager and `diff` each refuse it at once.
Real runs; a hung write fails the run's 60 s bound instead of hanging the suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from swarmtui.batch.models import BashOp, TaskOp, WriteOp
from swarmtui.engine.events import AgentOutput, Event, SessionStarted
from swarmtui.engine.fence import FenceError, open_regular
from swarmtui.engine.runners.files import write_fenced_files
from swarmtui.engine.session import LiveSession
from swarmtui.store.compare import compare_sessions
from swarmtui.ui.screens.agent_detail import read_artifact

from .helpers import REAL, messages, one_message, run, task


async def test_a_write_onto_a_fifo_planted_by_a_command(tmp_path: Path) -> None:
    batch = messages(
        [BashOp(index=0, command="mkdir -p docs && mkfifo docs/notes.md")],
        [WriteOp(index=1, path="docs/notes.md", content="hello")],
    )
    r = await run(batch, tmp_path, **REAL)
    assert r.state.finished
    reasons = [reason for _op, _kind, reason in r.state.skipped]
    assert any("not a plain file" in reason for reason in reasons), r.state.skipped


async def test_a_rehearsal_report_onto_a_planted_fifo(tmp_path: Path) -> None:
    def plant(session: LiveSession, event: Event) -> None:
        if isinstance(event, SessionStarted):
            (session.path / "artifacts").mkdir(exist_ok=True)
            os.mkfifo(session.path / "artifacts" / "reporter.md")

    r = await run(one_message(task(0, "Reporter")), tmp_path, plant)
    assert r.state.finished
    notes = [e.text for e in r.of(AgentOutput, agent="Reporter", stream="info")]
    assert any("artifacts/reporter.md: not written" in n and "not a plain file" in n for n in notes)


async def test_an_agents_log_file_planted_as_a_fifo(tmp_path: Path) -> None:
    # The agent makes its own log a FIFO, then says more than the events keep alone.
    command = (
        "mkdir -p artifacts/logs && mkfifo artifacts/logs/talker.log && "
        "head -c 40000 /dev/zero | tr '\\0' x"
    )
    r = await run(
        one_message(TaskOp(index=0, name="Talker")),
        tmp_path,
        backend="command",
        command_template=command,
    )
    assert r.state.agents["Talker"].status == "done"
    said = "".join(e.text for e in r.of(AgentOutput, agent="Talker", stream="stdout"))
    assert len(said) == 40000  # the events hold all of it


def test_a_models_fenced_file_onto_a_planted_fifo(tmp_path: Path) -> None:
    (tmp_path / "artifacts" / "code").mkdir(parents=True)
    os.mkfifo(tmp_path / "artifacts" / "code" / "app.py")
    report = write_fenced_files("```python path=code/app.py\nprint(1)\n```\n", tmp_path)
    assert report.written == []
    assert report.problems == [
        "code/app.py: not written (artifacts/code/app.py: not a plain file of this session)"
    ]


def test_readers_refuse_a_fifo_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    with pytest.raises(FenceError, match="not a plain file"):
        open_regular(fifo)
    with pytest.raises(OSError, match="not a plain file"):
        read_artifact(fifo)  # what the agent detail's pager reads


async def test_diff_of_a_session_holding_a_fifo(tmp_path: Path) -> None:
    r = await run(one_message(task(0, "Solo")), tmp_path)
    os.mkfifo(r.session.path / "artifacts" / "pipe.md")
    comparison = compare_sessions(r.session.path, r.session.path)
    assert comparison.a.status == "completed"
