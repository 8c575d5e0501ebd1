"""Which backend runs an agent and what it may spend: budgets, unknown backends, the session's
model."""

from __future__ import annotations

from pathlib import Path

from swarmtui.engine.summary import summary_json

from .helpers import REAL, one_message, run, scheduler_for, task


async def test_a_budget_of_nothing_holds_back_no_agent_that_spends_nothing(
    tmp_path: Path,
) -> None:
    # A rehearsal spends nothing, and nothing was spent: the budget refuses none of it (the
    # agents it can price are refused at once: tests/backends/test_caps.py).
    r = await run(one_message(task(0, "A")), tmp_path, budget_usd=0.0)
    assert r.state.agents["A"].status == "done" and r.state.status == "completed"


async def test_unknown_backend_fails_the_agent_with_a_reason(tmp_path: Path) -> None:
    r = await run(one_message(task(0, "A", backend="telepathy")), tmp_path, **REAL)
    assert r.state.agents["A"].status == "failed"
    assert "unknown backend 'telepathy'" in (r.state.agents["A"].reason or "")
    # A rehearsal runs it on the rehearsal backend and says its own would not have run.
    r = await run(one_message(task(0, "A", backend="telepathy")), tmp_path)
    rehearsed = r.state.agents["A"].rehearsed
    assert r.state.agents["A"].status == "done" and rehearsed is not None
    assert rehearsed.backend == "telepathy" and "unknown backend" in rehearsed.command


async def test_budget_stops_new_agents_once_spent(tmp_path: Path) -> None:
    from swarmtui.engine.runners.base import AgentJob, AgentResult, OutputSink, Runner
    from swarmtui.engine.settings import RunSettings

    class Priced:
        """Stands in for a paid backend (none runs offline): each agent costs $0.60."""

        name = "priced"

        async def run(self, job: AgentJob, sink: OutputSink) -> AgentResult:
            sink.usage(100, 50, 0.6, final=True)
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
