"""Which ended agents may run again (a retry, a key stored by hand), as pure rules over the
folded state and the plan: no asyncio, no run. (The held-open session itself: test_hold_open.)"""

from __future__ import annotations

from swarmtui.batch.models import TaskOp
from swarmtui.engine.events import AgentStatus
from swarmtui.engine.plan import PlannedAgent
from swarmtui.engine.reruns import (
    anything_to_retry,
    gave_up_on,
    rescued_by,
    retriable,
    to_run_again,
)
from swarmtui.engine.state import AgentState, SessionState

SW004 = "SW004: waits for 'notes', which nothing in the batch stores"


def planned(index: int, name: str, skip_reason: str | None = None) -> PlannedAgent:
    op = TaskOp(index=index, name=name, skip_reason=skip_reason)
    return PlannedAgent(
        op=op,
        message=1,
        instructions="",
        backend="rehearsal",
        model=None,
        system_prompt="",
        runs_on="rehearsal",
    )


def session(*agents: tuple[str, AgentStatus, dict[str, object]]) -> SessionState:
    state = SessionState()
    for index, (name, status, fields) in enumerate(agents):
        state.agents[name] = AgentState(name=name, index=index, status=status, **fields)  # type: ignore[arg-type]
    return state


def test_failed_and_cancelled_agents_may_run_again_but_not_skipped_or_done_ones() -> None:
    state = session(
        ("Failed", "failed", {}),
        ("Cancelled", "cancelled", {}),
        ("Done", "done", {}),
        ("Skipped", "skipped", {}),
        ("Broken", "failed", {}),
    )
    plan = {
        "Failed": planned(0, "Failed"),
        "Cancelled": planned(1, "Cancelled"),
        "Done": planned(2, "Done"),
        "Skipped": planned(3, "Skipped", "SW010: a placeholder"),
        "Broken": planned(4, "Broken", "SW001: a syntax error"),
    }
    assert [n for n, a in plan.items() if retriable(state, a)] == ["Failed", "Cancelled"]
    assert anything_to_retry(state, plan.values())
    assert not anything_to_retry(state, [plan["Done"], plan["Skipped"], plan["Broken"]])


def test_an_agent_skipped_for_want_of_a_key_may_run_once_the_key_is_stored() -> None:
    state = session(("Reader", "skipped", {"waits": ["notes/*"], "missing": ["notes/*"]}))
    plan = {"Reader": planned(0, "Reader", SW004)}
    assert retriable(state, plan["Reader"])
    assert gave_up_on(state, "Reader", "notes/today")
    assert not gave_up_on(state, "Reader", "other")
    assert rescued_by(state, plan, "notes/today") == ["Reader"]
    assert rescued_by(state, plan, "other") == []


def test_an_agent_that_had_started_did_not_give_up_on_a_key() -> None:
    state = session(
        ("Ran", "failed", {"waits": ["k"], "started_at": 1.0}),
        ("Waited", "failed", {"waits": ["k"], "missing": ["k"]}),
    )
    plan = {"Ran": planned(0, "Ran"), "Waited": planned(1, "Waited")}
    assert rescued_by(state, plan, "k") == ["Waited"]


def test_running_again_takes_the_dependants_and_leaves_out_what_would_fail_the_same() -> None:
    state = session(
        ("Root", "failed", {}),
        ("Child", "failed", {"missing": ["r"], "providers": {"r": ["Root"]}}),
        ("Placeholder", "skipped", {}),
        ("Reader", "skipped", {"missing": ["notes"]}),
    )
    plan = {
        "Root": planned(0, "Root"),
        "Child": planned(1, "Child"),
        "Placeholder": planned(2, "Placeholder", "SW010: a placeholder"),
        "Reader": planned(3, "Reader", SW004),
    }
    assert to_run_again(state, plan, ["Root", "Placeholder", "Reader", "Child"]) == [
        "Root",
        "Child",
        "Reader",
    ]
