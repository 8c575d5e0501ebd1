"""A rehearsal runs nothing: no Bash command, no agent's program; each is recorded as rehearsed
(what, where, after what), in the events, the fold, the summary and the replay. Writes still land
inside the session folder."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from pathlib import Path

from swarmtui.batch.lint import BATCH_WRITER
from swarmtui.batch.models import BashOp, TaskOp, WriteOp
from swarmtui.engine.events import AgentRehearsed, BashStarted
from swarmtui.engine.runners.base import AgentJob, AgentResult, OutputSink
from swarmtui.engine.runners.rehearsal import RehearsalRunner
from swarmtui.engine.settings import RunSettings

from ..backends.helpers import RecordingSink
from .helpers import host_pids, one_message, run, scheduler_for

CLI = [sys.executable, "-m", "swarmtui"]


def test_a_rehearsal_creates_nothing_and_starts_nothing(tmp_path: Path) -> None:
    # A unique sleep length marks any process the batch would start.
    marker = f"4242.{uuid.uuid4().int % 10**9}"
    outside = tmp_path / "outside-created.txt"
    batch = tmp_path / "deploy.swarm.js"
    batch.write_text(
        "[Single Message]:\n"
        f'Bash("touch {outside} made-by-bash.txt; (sleep {marker} &)")\n'
        'Write("docs/notes.md", "kept")\n'
        'Task("Deployer", "Deploy. Store the result under \'swarm/deploy\'.", "coder")\n'
    )
    config = tmp_path / "swarmtui.toml"
    # The user's configuration puts coders on a real program: a rehearsal must not run it.
    config.write_text(
        '[agent_types.coder]\nbackend = "command"\n'
        f'[backends.command]\ntemplate = "touch {outside}.agent; sleep {marker}"\n'
        # A cap alone, below the default: the default comes down to it.
        "[bash]\nmax_timeout = 60\n"
    )
    sessions = tmp_path / "sessions"
    args = ["--rehearsal-seconds", "0.01", "--sessions-dir", str(sessions), "--config", str(config)]
    ran = subprocess.run(
        [*CLI, "run", str(batch), "--json", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    assert host_pids(marker) == []
    assert not outside.exists() and not Path(f"{outside}.agent").exists()
    [folder] = sessions.iterdir()
    assert not (folder / "made-by-bash.txt").exists()
    assert (folder / "docs" / "notes.md").read_text() == "kept"  # writes stay (inside)

    document = json.loads(ran.stdout)
    summary = document["summary"]
    [bash] = summary["bash"]
    assert bash["status"] == "rehearsed" and bash["cwd"] == "." and bash["exit_status"] is None
    assert bash["timeout"] == 60 and bash["timeout_from"] == "[bash] timeout"
    assert str(outside) in bash["command"]
    [agent] = summary["agents"]
    assert agent["status"] == "done"
    rehearsed = agent["rehearsed"]
    assert rehearsed["backend"] == "command" and rehearsed["cwd"] == "."
    assert f"sleep {marker}" in rehearsed["command"]
    assert document["state"]["bash"][0]["status"] == "rehearsed"

    replayed = subprocess.run(
        [*CLI, "replay", str(folder), "--json"], capture_output=True, text=True, timeout=120
    )
    assert replayed.stdout == ran.stdout
    text = subprocess.run(
        [*CLI, "replay", str(folder), "--headless"], capture_output=True, text=True, timeout=120
    ).stdout
    assert f"bash op 0: touch {outside}" in text
    assert "-> rehearsed, not run (time limit 60 s, the default, [bash] timeout)" in text
    assert "rehearsed Deployer (command, in .):" in text
    assert host_pids(marker) == []


async def test_what_a_rehearsed_agent_would_have_waited_for_is_recorded(tmp_path: Path) -> None:
    batch = one_message(
        TaskOp(index=0, name="Maker", stores=["swarm/plan"]),
        TaskOp(index=1, name="Runner", waits=["swarm/plan"], backend="command"),
        BashOp(index=2, command="exit 7", cwd="artifacts/scripts"),
        WriteOp(index=3, path="scripts/run.sh", content="echo hi\n"),
    )
    r = await run(batch, tmp_path, command_template="false")
    assert r.state.status == "completed"
    [event] = r.of(AgentRehearsed)
    assert event.agent == "Runner" and event.waits == ["swarm/plan"]
    assert r.state.agents["Runner"].backend == "rehearsal"
    assert r.state.agents["Maker"].rehearsed is None  # a rehearsal agent: nothing to rehearse
    bash = r.state.bash[2]
    assert (bash.status, bash.cwd, bash.command) == ("rehearsed", "artifacts/scripts", "exit 7")
    assert not r.of(BashStarted)
    assert ("scripts/run.sh", 8, BATCH_WRITER, None) in r.state.files
    assert (r.session.path / "scripts" / "run.sh").read_text() == "echo hi\n"


async def test_a_simulated_run_counts_from_when_its_attempt_began(tmp_path: Path) -> None:
    # An hour of simulated time that began an hour and a minute ago is over: the runner ends
    # at once (counted from the runner's own first step, it would still be asleep).
    runner = RehearsalRunner(RunSettings(rehearsal_seconds=3600.0))
    loop = asyncio.get_running_loop()
    job = AgentJob(
        name="Late",
        type="coder",
        instructions="",
        system_prompt="",
        inputs={},
        stores=[],
        session_id="s",
        session_dir=tmp_path,
        artifacts_dir=tmp_path / "artifacts",
        began=loop.time() - 3660.0,
    )
    sink = RecordingSink()
    async with asyncio.timeout(60):  # (a guard against a hang, not a measure)
        result = await runner.run(job, sink)
    await result.pending["artifacts/late.md"]
    assert "simulated 3600.000 s" in result.text
    assert [text for _, text in sink.outputs] == [result.text]
    assert (tmp_path / "artifacts" / "late.md").read_text().startswith("# Late — REHEARSAL")


async def test_each_attempt_tells_its_runner_when_it_began(tmp_path: Path) -> None:
    began: list[float | None] = []

    class Recording(RehearsalRunner):
        async def run(self, job: AgentJob, sink: OutputSink) -> AgentResult:
            began.append(job.began)
            return await super().run(job, sink)

    batch = one_message(TaskOp(index=0, name="A"), TaskOp(index=1, name="B"))
    settings = RunSettings(rehearsal_seconds=0.0)
    scheduler, state = scheduler_for(
        batch, tmp_path, settings, lambda backend, settings: Recording(settings)
    )
    loop = asyncio.get_running_loop()
    before = loop.time()
    async with asyncio.timeout(60):  # (a guard against a hang, not a measure)
        status = await scheduler.run()
    assert status == "completed", [a.reason for a in state.agents.values()]
    assert len(began) == 2
    assert all(t is not None and before <= t <= loop.time() for t in began)


def test_agents_with_names_in_other_scripts_keep_their_own_files_and_waits(tmp_path: Path) -> None:
    # Their names once made the same slug (`batch`): both reports went to one file and the
    # reviewer waited for whichever agent finished first.
    from swarmtui.batch import parse_batch

    batch = parse_batch(
        'Task("分析", "Analyse the code.", "researcher")\n'
        'Task("設計", "Design it.", "architect")\n'
        'Task("Reviewer", "Review the analysis.", {type: "reviewer", dependsOn: ["分析"]})\n'
    )
    assert not [d for d in batch.diagnostics if d.severity == "error"]
    reviewer = batch.tasks()[2]
    assert reviewer.waits == ["swarm/分析/done"]
    r = asyncio.run(run(batch, tmp_path))
    assert r.state.status == "completed"
    assert sorted(path for path, _, by, _ in r.state.files if by in ("分析", "設計")) == [
        "artifacts/分析.md",
        "artifacts/設計.md",
    ]
