"""Deadlock detection as a pure function over agents' states: no asyncio, no run."""

from __future__ import annotations

from swarmtui.engine.deadlock import find_deadlocks, retried_with_dependants
from swarmtui.engine.events import AgentStatus
from swarmtui.engine.state import AgentState


def agent(
    index: int,
    name: str,
    status: AgentStatus,
    *,
    missing: list[str] | None = None,
    providers: dict[str, list[str]] | None = None,
    stores: list[str] | None = None,
) -> AgentState:
    return AgentState(
        name=name,
        index=index,
        status=status,
        missing=missing or [],
        waits=list(missing or []),
        providers=providers or {},
        stores=stores or [],
    )


def states(*agents: AgentState) -> dict[str, AgentState]:
    return {a.name: a for a in agents}


def test_a_waiter_whose_provider_runs_is_not_stuck() -> None:
    agents = states(
        agent(0, "Writer", "running", stores=["k"]),
        agent(1, "Reader", "waiting", missing=["k"], providers={"k": ["Writer"]}),
    )
    assert find_deadlocks(agents, agents) == {}


def test_a_chain_of_waiters_ending_in_a_runner_is_not_stuck() -> None:
    agents = states(
        agent(0, "A", "waiting", missing=["b"], providers={"b": ["B"]}),
        agent(1, "B", "waiting", missing=["c"], providers={"c": ["C"]}),
        agent(2, "C", "queued"),
    )
    assert find_deadlocks(agents, agents) == {}


def test_a_cycle_is_named_and_a_missing_writer_too() -> None:
    agents = states(
        agent(0, "A", "waiting", missing=["b"], providers={"b": ["B"]}),
        agent(1, "B", "waiting", missing=["a"], providers={"a": ["A"]}),
        agent(2, "Lonely", "waiting", missing=["nobody"]),
    )
    assert find_deadlocks(agents, agents) == {
        "A": "waits for b (dependency cycle: A → B → A)",
        "B": "waits for a (dependency cycle: B → A → B)",
        "Lonely": "waits for nobody, which nothing left can store",
    }


def test_reasons_name_the_provider_that_ended_or_comes_later() -> None:
    agents = states(
        agent(0, "Failed", "failed"),
        agent(1, "Needs", "waiting", missing=["f"], providers={"f": ["Failed"]}),
        agent(2, "Early", "waiting", missing=["l"], providers={"l": ["Late"]}),
        agent(3, "Late", "pending"),
        agent(4, "Self", "waiting", missing=["own/*"], stores=["own/x"]),
    )
    active = ["Failed", "Needs", "Early", "Self"]
    assert find_deadlocks(agents, active) == {
        "Needs": "waits for f, but Failed failed",
        "Early": "waits for l, which only Late (a later message) stores",
        "Self": "waits for own/*, which only it stores itself",
    }


def test_only_active_agents_are_judged() -> None:
    agents = states(agent(0, "Elsewhere", "waiting", missing=["x"]))
    assert find_deadlocks(agents, []) == {}


def test_a_retry_runs_the_dependants_that_failed_for_want_of_its_keys() -> None:
    agents = states(
        agent(0, "Root", "failed"),
        agent(1, "Child", "failed", missing=["r"], providers={"r": ["Root"]}),
        agent(2, "Grandchild", "failed", missing=["c"], providers={"c": ["Child"]}),
        agent(3, "Unrelated", "failed", missing=["x"], providers={"x": ["Other"]}),
        agent(4, "Ran", "failed"),  # failed on its own (it had all its keys): not retried
    )
    assert retried_with_dependants(agents, "Root") == ["Root", "Child", "Grandchild"]


def test_a_waiter_that_stores_its_own_key_needs_another_provider() -> None:
    both = {"k": ["Self", "Runner"]}
    agents = states(
        agent(0, "Self", "waiting", missing=["k"], providers=both, stores=["k"]),
        agent(1, "Other", "waiting", missing=["k"], providers=both),
        agent(2, "Runner", "running", stores=["k"]),
    )
    assert find_deadlocks(agents, agents) == {}
    alone = states(
        agent(0, "Self", "waiting", missing=["k"], providers={"k": ["Self"]}, stores=["k"]),
        agent(1, "Other", "waiting", missing=["k"], providers={"k": ["Self"]}),
    )
    assert find_deadlocks(alone, alone) == {
        "Self": "waits for k, which only it stores itself",
        "Other": "waits for k, but Self can never start (it waits for k)",
    }
