"""The scheduler, run for real: rehearsal agents of milliseconds, real SQLite, real processes."""

from __future__ import annotations

from pathlib import Path

from swarmtui.batch.models import (
    BashOp,
    MemoryOp,
    NoteOp,
    SwarmInitOp,
    Todo,
    TodoWriteOp,
    WriteOp,
)
from swarmtui.engine.events import (
    AgentFinished,
    AgentStarted,
    AgentWaiting,
    BashOutput,
    Event,
    MemoryStored,
    MessageFinished,
    MessageStarted,
    TodoChanged,
)
from swarmtui.engine.session import LiveSession
from swarmtui.engine.state import fold
from swarmtui.engine.summary import summary_json
from swarmtui.store import new_live_session, read_events

from .helpers import REAL, messages, one_message, run, scheduler_for, task


async def test_no_dependant_starts_before_its_key_is_stored(tmp_path: Path) -> None:
    batch = one_message(
        task(0, "Reviewer", waits=["swarm/draft"]),
        task(1, "Writer", waits=["swarm/changes"], stores=["swarm/draft"]),
        task(2, "Reader", stores=["swarm/changes"]),
        task(3, "Both", waits=["swarm/changes", "swarm/draft"]),
        task(4, "Glob", waits=["swarm/*"]),
    )
    r = await run(batch, tmp_path)
    assert r.state.status == "completed"
    stored = {e.key: e.seq for e in r.of(MemoryStored)}
    assert r.seq(AgentStarted, agent="Writer") > stored["swarm/changes"]
    assert r.seq(AgentStarted, agent="Reviewer") > stored["swarm/draft"]
    assert r.seq(AgentStarted, agent="Both") > max(stored.values())
    assert r.seq(AgentStarted, agent="Glob") > min(stored.values())
    assert r.of(AgentWaiting, agent="Reviewer")[0].keys == ["swarm/draft"]
    assert r.state.agents["Writer"].arrived == {"swarm/changes"}
    # Chains: Reader -> Writer -> Reviewer (or -> Both); the longest is the critical path.
    agents = r.state.agents
    chain = sum(agents[n].run_seconds for n in ("Reader", "Writer", "Reviewer"))
    assert abs(agents["Reviewer"].critical_path_seconds - chain) < 1e-9
    longest = max(agents["Reviewer"].critical_path_seconds, agents["Both"].critical_path_seconds)
    assert r.state.metrics.critical_path_seconds == longest


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


async def test_deadlock_and_cycle_fail_at_once_with_the_key_while_others_complete(
    tmp_path: Path,
) -> None:
    batch = one_message(
        task(0, "Orphan", waits=["swarm/never"]),
        task(1, "Ping", waits=["swarm/pong"], stores=["swarm/ping"]),
        task(2, "Pong", waits=["swarm/ping"], stores=["swarm/pong"]),
        task(3, "Free", stores=["swarm/free"]),
        task(4, "After", waits=["swarm/free"]),
        task(5, "Late", waits=["swarm/orphan-out"]),
    )
    r = await run(batch, tmp_path, rehearsal_seconds=60.0 if False else 0.005)
    agents = r.state.agents
    assert agents["Orphan"].status == "failed"
    assert agents["Orphan"].reason == "waits for swarm/never, which nothing left can store"
    assert agents["Ping"].status == agents["Pong"].status == "failed"
    assert "swarm/pong" in (agents["Ping"].reason or "")
    assert "cycle: Ping → Pong → Ping" in (agents["Ping"].reason or "")
    assert agents["Free"].status == agents["After"].status == "done"
    assert r.state.status == "failed"
    # They failed before any agent finished: detected, not waited out.
    first_done = r.seq(AgentFinished, agent="Free")
    assert r.seq(AgentFinished, agent="Orphan") < first_done
    assert r.seq(AgentFinished, agent="Ping") < first_done


async def test_a_failed_provider_fails_its_dependants_with_its_name(tmp_path: Path) -> None:
    batch = one_message(
        task(0, "Builder", stores=["swarm/build"]),
        task(1, "Tester", waits=["swarm/build"]),
    )
    r = await run(batch, tmp_path, backend="command", command_template="exit 7")
    assert r.state.agents["Builder"].reason == "command exited with status 7"
    assert r.state.agents["Tester"].reason == "waits for swarm/build, but Builder failed"


async def test_a_wait_on_a_later_message_is_a_deadlock(tmp_path: Path) -> None:
    batch = messages(
        [task(0, "Early", waits=["swarm/late"])], [task(1, "Later", stores=["swarm/late"])]
    )
    r = await run(batch, tmp_path)
    assert r.state.agents["Early"].reason == (
        "waits for swarm/late, which only Later (a later message) stores"
    )
    assert r.state.agents["Later"].status == "done"


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


async def test_budget_spent_skips_agents(tmp_path: Path) -> None:
    r = await run(one_message(task(0, "A")), tmp_path, budget_usd=0.0)
    a = r.state.agents["A"]
    assert a.status == "skipped" and a.started_at is None
    assert a.reason is not None and "budget" in a.reason


async def test_unknown_backend_fails_the_agent_with_a_reason(tmp_path: Path) -> None:
    r = await run(one_message(task(0, "A", backend="telepathy")), tmp_path, **REAL)
    assert r.state.agents["A"].status == "failed"
    assert "unknown backend 'telepathy'" in (r.state.agents["A"].reason or "")
    # A rehearsal runs it on the rehearsal backend and says its own would not have run.
    r = await run(one_message(task(0, "A", backend="telepathy")), tmp_path)
    rehearsed = r.state.agents["A"].rehearsed
    assert r.state.agents["A"].status == "done" and rehearsed is not None
    assert rehearsed.backend == "telepathy" and "unknown backend" in rehearsed.command


async def test_replay_of_the_log_gives_the_live_state(tmp_path: Path) -> None:
    batch = one_message(
        task(0, "A", stores=["k"]),
        task(1, "B", waits=["k"]),
        BashOp(index=2, command="printf 'x%.0s' {1..20000}"),
        WriteOp(index=3, path="notes.md", content="hello"),
    )
    r = await run(batch, tmp_path)
    events = read_events(r.session.path)
    assert [e.seq for e in events] == list(range(1, len(r.events) + 1))
    assert fold(events).to_json() == r.state.to_json()


async def test_live_session_reports_events_to_subscribers_in_order(tmp_path: Path) -> None:
    seen: list[Event] = []
    session = new_live_session(
        "Task('A', 'x')",
        source_name="x.swarm.js",
        settings=__import__("swarmtui.engine.settings", fromlist=["RunSettings"]).RunSettings(
            rehearsal_seconds=0.001
        ),
        sessions_dir=tmp_path,
        batch=one_message(task(0, "A")),
    )
    session.subscribe(seen.append)
    state = await session.run()
    assert [e.seq for e in seen] == list(range(1, len(seen) + 1))
    assert seen[0].type == "session_started" and seen[-1].type == "session_finished"
    assert state is session.state and state.seq == len(seen)
    assert (session.path / "batch.swarm.js").read_text() == "Task('A', 'x')"
    for sub in ("code", "tests", "docs", "scripts", "logs"):
        assert (session.path / "artifacts" / sub).is_dir()


async def test_a_failing_subscriber_does_not_stop_the_run(tmp_path: Path) -> None:
    def broken(session: LiveSession, e: Event) -> None:
        raise RuntimeError("listener bug")

    r = await run(one_message(task(0, "A"), task(1, "B")), tmp_path, broken)
    assert r.state.status == "completed"
    assert r.session.subscriber_errors[0] == "RuntimeError: listener bug"
    assert len(r.events) == r.state.seq  # the other subscriber saw every event


async def test_a_duplicate_agent_name_runs_once(tmp_path: Path) -> None:
    r = await run(one_message(task(0, "Twin"), task(1, "Twin")), tmp_path)
    assert len(r.of(AgentStarted, agent="Twin")) == 1
    assert r.state.skipped == [(1, "task", "another agent is already named Twin")]


async def test_summary_times_are_null_for_agents_that_never_started(tmp_path: Path) -> None:
    from swarmtui.engine.summary import summary_json

    r = await run(one_message(task(0, "Ran"), task(1, "Stuck", waits=["nope"])), tmp_path)
    agents = {a["name"]: a for a in summary_json(r.state, r.session.path)["agents"]}
    assert agents["Stuck"]["started_at"] is None and agents["Stuck"]["finished_at"] is None
    assert agents["Ran"]["finished_at"] > agents["Ran"]["started_at"] >= 0
    assert agents["Stuck"]["reason"] == "waits for nope, which nothing left can store"


async def test_a_long_chain_written_backwards_runs_and_a_broken_one_fails_at_once(
    tmp_path: Path,
) -> None:
    n = 300
    # Agent i waits for what agent i+1 stores: batch order is the reverse of the run order.
    chain = [task(i, f"C{i}", waits=[f"k/{i + 1}"], stores=[f"k/{i}"]) for i in range(n)]
    chain[-1] = task(n - 1, f"C{n - 1}", stores=[f"k/{n - 1}"])
    r = await run(one_message(*chain), tmp_path, rehearsal_seconds=0.0)
    assert {a.status for a in r.state.agents.values()} == {"done"}
    broken = [task(i, f"B{i}", waits=[f"k/{i + 1}"], stores=[f"k/{i}"]) for i in range(n)]
    r = await run(one_message(*broken, task(n, "Free")), tmp_path, rehearsal_seconds=0.0)
    failed = [a for a in r.state.agents.values() if a.status == "failed"]
    assert len(failed) == n and r.state.agents["Free"].status == "done"
    assert r.state.agents[f"B{n - 1}"].reason == f"waits for k/{n}, which nothing left can store"
    assert r.state.agents["B0"].reason == "waits for k/1, but B1 can never start (it waits for k/2)"
    assert not r.of(AgentStarted, agent="B0")


async def test_budget_stops_new_agents_once_spent(tmp_path: Path) -> None:
    from swarmtui.engine.runners.base import AgentJob, AgentResult, OutputSink, Runner
    from swarmtui.engine.settings import RunSettings

    class Priced:
        """Stands in for a paid backend (none runs offline): each agent costs $0.60."""

        name = "priced"

        async def run(self, job: AgentJob, sink: OutputSink) -> AgentResult:
            sink.usage(100, 50, 0.6)
            return AgentResult(text="paid")

        def would_run(self, job: AgentJob) -> str:
            return "a paid call"

    def factory(backend: str, settings: RunSettings) -> Runner:
        return Priced()

    scheduler, state = scheduler_for(
        one_message(task(0, "A"), task(1, "B"), task(2, "C")),
        tmp_path,
        RunSettings(backend="command", budget_usd=1.0, max_parallel=1),
        factory,
    )
    assert await scheduler.run() == "failed"
    assert [state.agents[n].status for n in "ABC"] == ["done", "done", "skipped"]
    assert state.agents["C"].reason == "budget of $1.00 spent ($1.20); not started"
    assert state.cost_usd == 1.2
    summary = summary_json(state, tmp_path)
    assert (summary["tokens_in"], summary["tokens_out"], summary["cost_usd"]) == (200, 100, 1.2)
    per_agent = {a["name"]: (a["tokens_out"], a["cost_usd"]) for a in summary["agents"]}
    assert per_agent == {"A": (50, 0.6), "B": (50, 0.6), "C": (0, None)}


async def test_session_model_stays_with_the_session_backend(tmp_path: Path) -> None:
    from swarmtui.engine.runners.base import AgentJob, AgentResult, OutputSink, Runner
    from swarmtui.engine.settings import RunSettings

    seen: dict[str, tuple[str | None, str | None]] = {}

    class Recorder:
        name = "recorder"

        async def run(self, job: AgentJob, sink: OutputSink) -> AgentResult:
            seen[job.name] = (job.backend, job.model)
            return AgentResult(text="ok")

        def would_run(self, job: AgentJob) -> str:
            return "a call"

    def factory(backend: str, settings: RunSettings) -> Runner:
        return Recorder()

    scheduler, _ = scheduler_for(
        one_message(task(0, "Default"), task(1, "Moved", backend="claude")),
        tmp_path,
        RunSettings(backend="openai", model="gemma"),
        factory,
    )
    await scheduler.run()
    # --model names a model of the session's backend; an agent moved to another backend must not
    # ask that backend for it.
    assert seen == {"Default": ("openai", "gemma"), "Moved": ("claude", None)}
