"""Messages and their operations, run for real: order, parallelism, skipped operations, memory,
todos, Bash."""

from __future__ import annotations

from pathlib import Path

from swarmtui.batch.models import (
    BashOp,
    MemoryOp,
    NoteOp,
    SwarmInitOp,
    Todo,
    TodoWriteOp,
)
from swarmtui.engine.events import (
    AgentFinished,
    AgentStarted,
    BashOutput,
    MessageFinished,
    MessageStarted,
    TodoChanged,
)

from .helpers import REAL, messages, one_message, run, task


async def test_max_parallel_bounds_running_agents_and_queues_in_batch_order(
    tmp_path: Path,
) -> None:
    batch = one_message(
        SwarmInitOp(index=0, max_agents=2), *[task(i + 1, f"A{i}") for i in range(6)]
    )
    r = await run(batch, tmp_path)
    running, peak, starts = 0, 0, []
    for e in r.events:
        if isinstance(e, AgentStarted):
            running += 1
            starts.append(e.agent)
        elif isinstance(e, AgentFinished):
            running -= 1
        peak = max(peak, running)
    assert peak == 2 and r.state.max_parallel == 2
    assert starts == [f"A{i}" for i in range(6)]
    # --max-parallel overrides the batch's maxAgents
    r = await run(batch, tmp_path, max_parallel=1)
    assert r.state.max_parallel == 1


async def test_messages_run_in_order(tmp_path: Path) -> None:
    batch = messages(
        [task(0, "One"), task(1, "Two")],
        [task(2, "Three")],
    )
    r = await run(batch, tmp_path)
    assert r.seq(AgentStarted, agent="Three") > r.seq(MessageFinished, index=1)
    assert r.seq(MessageStarted, index=2) > r.seq(AgentFinished, agent="Two")
    assert r.state.messages[2].status == "finished"


async def test_skipped_operations_are_reported_and_the_rest_runs(tmp_path: Path) -> None:
    batch = one_message(
        task(0, "Broken", skip_reason="content1 is not defined"),
        BashOp(index=1, command="echo {...}", skip_reason="placeholder left"),
        task(2, "Fine"),
        NoteOp(index=3, text="Total time: 40 minutes"),
    )
    r = await run(batch, tmp_path)
    assert r.state.agents["Broken"].status == "skipped"
    assert r.state.agents["Broken"].reason == "content1 is not defined"
    assert r.state.skipped == [(1, "bash", "placeholder left")]
    assert r.state.agents["Fine"].status == "done"
    assert r.state.status == "failed"


async def test_memory_ops_todos_and_the_rehearsal_report(tmp_path: Path) -> None:
    batch = one_message(
        MemoryOp(index=0, action="store", key="meta", value={"v": "2.4"}, namespace="ns"),
        MemoryOp(index=1, action="store", key="gone", value="x"),
        MemoryOp(index=2, action="delete", key="gone"),
        TodoWriteOp(
            index=3,
            todos=[
                Todo(id="1", content="Write", agent="Writer"),
                Todo(id="2", content="Other", status="pending"),
            ],
        ),
        task(4, "Writer", waits=["meta"], stores=["swarm/out"]),
    )
    r = await run(batch, tmp_path)
    assert r.state.memory[("ns", "meta")].value == {"v": "2.4"}
    assert r.state.memory[("default", "gone")].deleted
    out = r.state.memory[("default", "swarm/out")]
    assert out.by == "Writer" and "REHEARSAL" in out.value
    todo_events = [(e.id, e.status) for e in r.of(TodoChanged)]
    assert todo_events == [
        ("1", "pending"),
        ("2", "pending"),
        ("1", "in_progress"),
        ("1", "completed"),
    ]
    report = r.session.path / "artifacts" / "writer.md"
    assert "REHEARSAL" in report.read_text()
    assert r.state.agents["Writer"].artifacts == ["artifacts/writer.md"]


async def test_todos_follow_their_agent_in_declared_order_when_reassigned(tmp_path: Path) -> None:
    batch = one_message(
        TodoWriteOp(
            index=0,
            todos=[
                Todo(id="a", content="First", agent="Writer"),
                Todo(id="b", content="Elsewhere", agent="Other"),
                Todo(id="c", content="Third", agent="Writer"),
            ],
        ),
        # "b" moves to Writer, "c" away from it: what Writer's start and end change follows.
        TodoWriteOp(
            index=1,
            todos=[
                Todo(id="b", content="Moved", agent="Writer"),
                Todo(id="c", content="Gone", agent="Nobody"),
            ],
        ),
        task(2, "Writer"),
    )
    r = await run(batch, tmp_path)
    changes = [(e.id, e.status) for e in r.of(TodoChanged)][5:]
    assert changes == [
        ("a", "in_progress"),
        ("b", "in_progress"),
        ("a", "completed"),
        ("b", "completed"),
    ]


async def test_rehearsal_without_seconds_is_stable_between_one_and_four(tmp_path: Path) -> None:
    from swarmtui.engine.runners.rehearsal import rehearsal_seconds

    values = [rehearsal_seconds(f"agent {i}", None) for i in range(200)]
    assert all(1.0 <= v <= 4.0 for v in values)
    assert values == [rehearsal_seconds(f"agent {i}", None) for i in range(200)]
    assert len(set(values)) > 50
    assert rehearsal_seconds("x", 0.25) == 0.25


async def test_bash_runs_in_the_session_folder_with_braces_status_and_timeout(
    tmp_path: Path,
) -> None:
    batch = one_message(
        BashOp(index=0, command="mkdir -p out/{a,b} && ls out && pwd"),
        BashOp(index=1, command="echo oops >&2; exit 3"),
        BashOp(index=2, command="sleep 30", timeout=0.2),
        BashOp(index=3, command="mkdir -p sessions/session-YYYYMMDD-HHMMSS-x/artifacts/{docs,z}"),
    )
    r = await run(batch, tmp_path, **REAL)
    folder = r.session.path
    assert (folder / "out" / "a").is_dir() and (folder / "out" / "b").is_dir()
    assert list(r.state.bash[0].output_tail) == ["a", "b", str(folder.resolve())]
    assert (r.state.bash[1].exit_status, list(r.state.bash[1].output_tail)) == (3, ["oops"])
    assert r.of(BashOutput, op=1)[0].stream == "stderr"
    assert r.state.bash[2].exit_status is None
    assert r.state.bash[2].reason == "timed out after 0.2 s"
    assert (folder / "artifacts" / "z").is_dir()  # the §6 placeholder became this folder
    assert r.state.status == "failed"


async def test_a_duplicate_agent_name_runs_once(tmp_path: Path) -> None:
    r = await run(one_message(task(0, "Twin"), task(1, "Twin")), tmp_path)
    assert len(r.of(AgentStarted, agent="Twin")) == 1
    assert r.state.skipped == [(1, "task", "another agent is already named Twin")]
