"""The plan: each agent's backend and model (one rule), and who provides a key (globs too)."""

from __future__ import annotations

from pathlib import Path

from swarmtui.batch.models import Batch, Message, TaskOp
from swarmtui.config import AgentTypeOverride, Backends, ClaudeOptions
from swarmtui.engine.plan import AgentProfile, Plan
from swarmtui.engine.settings import RunSettings


def _batch(*ops: TaskOp) -> Batch:
    return Batch(messages=[Message(index=1, operations=list(ops))])


def test_the_session_model_stays_with_the_session_backend(tmp_path: Path) -> None:
    settings = RunSettings(
        backend="openai",
        model="gpt-x",
        backends=Backends(claude=ClaudeOptions(model="opus")),
        agent_types={"reviewer": AgentTypeOverride(backend="claude")},
    )
    plan = Plan(
        _batch(
            TaskOp(index=0, name="Default"),
            TaskOp(index=1, name="Moved", backend="claude"),
            TaskOp(index=2, name="Typed", agent_type="reviewer"),
            TaskOp(index=3, name="Named", backend="claude", model="haiku"),
            TaskOp(index=4, name="Profiled", agent_type="tester"),
        ),
        settings,
        tmp_path,
        {"tester": AgentProfile(backend="claude", model="sonnet")},
    )
    got = {name: (a.backend, a.model, a.runs_on) for name, a in plan.agents.items()}
    assert got == {
        "Default": ("openai", "gpt-x", "openai"),
        "Moved": ("claude", "opus", "claude"),
        "Typed": ("claude", "opus", "claude"),
        "Named": ("claude", "haiku", "claude"),
        "Profiled": ("claude", "sonnet", "claude"),
    }


def test_a_rehearsal_runs_every_agent_on_the_rehearsal_backend(tmp_path: Path) -> None:
    plan = Plan(_batch(TaskOp(index=0, name="Real", backend="claude")), RunSettings(), tmp_path)
    real = plan.agents["Real"]
    assert (real.backend, real.runs_on, real.rehearsed) == ("claude", "rehearsal", True)
    [planned] = plan.started_event("s", "t", "2026-01-01T00:00:00Z").agents
    assert planned.backend == "rehearsal" and planned.model is None


def test_providers_match_globs_both_ways_in_batch_order(tmp_path: Path) -> None:
    plan = Plan(
        _batch(
            TaskOp(index=0, name="Any", stores=["out/*"]),
            TaskOp(index=1, name="One", stores=["out/one"]),
            TaskOp(index=2, name="Other", stores=["else"]),
        ),
        RunSettings(),
        tmp_path,
    )
    assert plan.providers_of("out/one") == ["Any", "One"]
    assert plan.providers_of("out/*") == ["Any", "One"]
    assert plan.providers_of("out/two") == ["Any"]
    assert plan.providers_of("nothing") == []
    assert plan.duplicates == set()


def test_providers_are_in_text_order_with_or_without_a_stored_glob(tmp_path: Path) -> None:
    # Message 2 written before message 1: the plan takes message 1 first, but a key's providers
    # are listed in the order of the text, whether or not some agent stores a glob.
    def plan(*extra: TaskOp) -> Plan:
        early = Message(index=2, operations=[TaskOp(index=0, name="Early", stores=["k"])])
        late = Message(index=1, operations=[TaskOp(index=1, name="Late", stores=["k"]), *extra])
        return Plan(Batch(messages=[late, early]), RunSettings(), tmp_path)

    assert plan().providers_of("k") == ["Early", "Late"]
    assert plan(TaskOp(index=2, name="Globs", stores=["g/*"])).providers_of("k") == [
        "Early",
        "Late",
    ]
