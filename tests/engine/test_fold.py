"""The fold: every event type, the metrics, and a deterministic `to_json`."""

from __future__ import annotations

import copy
import json

from swarmtui.batch.lint import BATCH_WRITER
from swarmtui.engine.events import (
    AgentFinished,
    AgentOutput,
    AgentPlan,
    AgentQueued,
    AgentStarted,
    AgentUsage,
    AgentWaiting,
    BashFinished,
    BashOutput,
    BashStarted,
    Control,
    DiagnosticEvent,
    Event,
    FileWritten,
    MemoryDeleted,
    MemoryStored,
    MessageFinished,
    MessagePlan,
    MessageStarted,
    OperationSkipped,
    SessionFinished,
    SessionStarted,
    TodoChanged,
)
from swarmtui.engine.state import SessionState, apply, fold


def _numbered(events: list[Event]) -> list[Event]:
    for i, e in enumerate(events, 1):
        e.seq = i
    return events


def _chain_session() -> list[Event]:
    """A (2 s) stores k; B (3 s) waits for k; C (1 s) is independent; message 2 has D (1 s)."""

    def at(t: float, e: Event) -> Event:
        e.t = t
        return e

    return _numbered(
        [
            at(
                0,
                SessionStarted(
                    session_id="s",
                    title="T",
                    backend="rehearsal",
                    started_at="2026-01-01T00:00:00Z",
                    messages=[MessagePlan(index=1), MessagePlan(index=2)],
                    agents=[
                        AgentPlan(name="A", stores=["k"]),
                        AgentPlan(name="B", waits=["k"], providers={"k": ["A"]}),
                        AgentPlan(name="C"),
                        AgentPlan(name="D", message=2),
                    ],
                ),
            ),
            at(0, MessageStarted(index=1)),
            at(0, AgentQueued(agent="A")),
            at(0, AgentWaiting(agent="B", keys=["k"])),
            at(0, AgentQueued(agent="C")),
            at(0, AgentStarted(agent="A")),
            at(0, AgentStarted(agent="C")),
            at(1, AgentOutput(agent="C", text="line 1\nline 2")),
            at(1, AgentFinished(agent="C", status="done")),
            at(2, MemoryStored(key="k", value="v", by="A")),
            at(2, AgentFinished(agent="A", status="done")),
            at(2, AgentQueued(agent="B")),
            at(2, AgentStarted(agent="B")),
            at(5, AgentFinished(agent="B", status="done")),
            at(5, MessageFinished(index=1)),
            at(5, MessageStarted(index=2)),
            at(5, AgentQueued(agent="D")),
            at(5, AgentStarted(agent="D")),
            at(6, AgentFinished(agent="D", status="done")),
            at(6, MessageFinished(index=2)),
            at(6, SessionFinished(status="completed")),
        ]
    )


def test_metrics_follow_the_dependency_chain_and_the_messages() -> None:
    state = fold(_chain_session())
    m = state.metrics
    assert m.wall_seconds == 6
    assert m.sequential_seconds == 2 + 3 + 1 + 1
    # A (2) -> B (3) in message 1, then D (1) after the message: 6; C is off the path.
    assert m.critical_path_seconds == 6
    assert state.agents["B"].critical_path_seconds == 5
    assert state.agents["C"].critical_path_seconds == 1
    assert m.speedup == 7 / 6
    b = state.agents["B"]
    assert (b.wait_seconds, b.run_seconds, b.arrived) == (2, 3, {"k"})
    assert state.status == "completed" and state.finished
    assert list(state.agents["C"].output_tail) == ["line 1", "line 2"]


def test_every_event_type_is_folded() -> None:
    events = [
        *_chain_session()[:-1],
        MemoryStored(key="k", value={"n": 1}, namespace="ns", by="user", ttl=5),
        MemoryDeleted(key="k", namespace="ns", by="batch"),
        TodoChanged(id="1", content="c", status="in_progress", agent="A"),
        TodoChanged(id="1", content="c", status="completed", agent="A", by="A"),
        BashStarted(op=3, command="echo hi"),
        BashOutput(op=3, text="hi\n"),
        BashFinished(op=3, exit_status=2, reason="exit status 2"),
        FileWritten(path="artifacts/x.md", bytes=3, by="batch"),
        OperationSkipped(op=4, kind="write", reason="refused"),
        Control(action="pause"),
        AgentUsage(agent="A", tokens_in=10, tokens_out=5, cost_usd=0.25),
        AgentUsage(agent="A", tokens_in=20, tokens_out=9, cost_usd=0.5),
        DiagnosticEvent(code="SW003", severity="warning", message="placeholder", line=3),
        SessionFinished(status="failed", reason="why"),
    ]
    state = fold(_numbered(events))
    entry = state.memory[("ns", "k")]
    assert entry.deleted and [w.by for w in entry.history] == ["user", "batch"]
    assert state.todos["1"].status == "completed"
    assert state.bash[3].status == "failed" and list(state.bash[3].output_tail) == ["hi"]
    assert state.files == [("artifacts/x.md", 3, BATCH_WRITER, None)]  # (an older log's tag)
    assert state.skipped == [(4, "write", "refused")]
    assert state.paused is False  # a finished session is not paused
    assert state.agents["A"].tokens_in == 20 and state.cost_usd == 0.5
    assert state.diagnostics[0].code == "SW003"
    assert (state.status, state.reason, state.seq) == ("failed", "why", len(events))


def test_to_json_is_deterministic_and_survives_a_json_round_trip() -> None:
    events = _chain_session()
    live = fold(events)
    replayed = fold([type(e).model_validate_json(e.model_dump_json()) for e in events])
    a = json.dumps(live.to_json(), sort_keys=True)
    b = json.dumps(replayed.to_json(), sort_keys=True)
    assert a == b
    assert json.dumps(copy.deepcopy(live).to_json(), sort_keys=True) == a


def test_memory_is_listed_sorted_whatever_the_order_of_writes() -> None:
    s1, s2 = SessionState(), SessionState()
    for key in ["b", "a", "c"]:
        apply(s1, MemoryStored(key=key, value=1, by="x"))
    for key in ["c", "b", "a"]:
        apply(s2, MemoryStored(key=key, value=1, by="x"))
    keys = [m["key"] for m in s1.to_json()["memory"]]
    assert keys == ["a", "b", "c"] == [m["key"] for m in s2.to_json()["memory"]]


def test_a_retried_agent_adds_both_runs() -> None:
    def at(t: float, e: Event) -> Event:
        e.t = t
        return e

    state = fold(
        _numbered(
            [
                at(
                    0,
                    SessionStarted(
                        session_id="s",
                        title="T",
                        backend="r",
                        started_at="x",
                        agents=[AgentPlan(name="A")],
                    ),
                ),
                at(0, AgentQueued(agent="A")),
                at(0, AgentStarted(agent="A")),
                at(1, AgentFinished(agent="A", status="failed", reason="boom")),
                at(3, Control(action="retry", target="A")),
                at(3, AgentQueued(agent="A")),
                at(3, AgentStarted(agent="A", attempt=2)),
                at(5, AgentFinished(agent="A", status="done")),
            ]
        )
    )
    a = state.agents["A"]
    assert (a.status, a.run_seconds, a.attempts, a.reason) == ("done", 3, 2, None)
    assert state.metrics.sequential_seconds == 3
