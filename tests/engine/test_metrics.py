"""The figures of a session at a moment (`swarmtui.engine.metrics`): one rule for the app's
timeline and status bar, the replay and the headless output."""

from __future__ import annotations

from swarmtui.engine.events import (
    AgentFinished,
    AgentPlan,
    AgentQueued,
    AgentStarted,
    AgentWaiting,
    ApprovalDecided,
    ApprovalRequested,
    BashFinished,
    BashStarted,
    Control,
    Event,
    MemoryStored,
    MessageFinished,
    MessageStarted,
    SessionFinished,
    SessionForked,
    SessionStarted,
)
from swarmtui.engine.metrics import agent_seconds, figures, format_speedup
from swarmtui.engine.state import SessionState, fold


def _state(events: list[Event]) -> SessionState:
    for seq, event in enumerate(events, start=1):
        event.seq = seq
    return fold(events)


def _started(*names: str, waits: dict[str, list[str]] | None = None) -> SessionStarted:
    waits = waits or {}
    return SessionStarted(
        session_id="s",
        title="t",
        backend="rehearsal",
        started_at="2025-01-01T00:00:00Z",
        agents=[AgentPlan(name=n, waits=waits.get(n, [])) for n in names],
    )


def _events() -> list[Event]:
    return [
        _started("A", "B", "C"),
        *[AgentQueued(agent=n) for n in ("A", "B", "C")],
        AgentStarted(agent="A", t=0.0),
        AgentStarted(agent="B", t=0.5),
        AgentFinished(agent="A", status="done", t=1.5),
    ]


def test_running_agents_count_their_time_so_far() -> None:
    state = _state(_events())
    assert state.metrics.sequential_seconds == 1.5  # the state alone: A's finished run
    f = figures(state, now=2.0)
    assert f.wall_seconds == 2.0
    assert f.sequential_seconds == 1.5 + (2.0 - 0.5)
    assert f.speedup == 3.0 / 2.0
    # Without a clock: the state's own time (the last event).
    assert figures(state).sequential_seconds == 1.5 + (1.5 - 0.5)


def test_no_speedup_before_there_is_something_to_compare() -> None:
    # Three agents running at t≈0: nothing has finished, so no ratio is claimed (was 3.0×).
    events: list[Event] = [
        _started("A", "B", "C"),
        *[AgentStarted(agent=n, t=0.001) for n in "ABC"],
    ]
    f = figures(_state(events), now=0.002)
    assert f.speedup is None
    assert format_speedup(f.speedup) == "–"
    # An empty run (nothing ran) has none either (was 0.00x).
    empty = _state([_started(), SessionFinished(status="completed", t=0.01)])
    assert figures(empty).speedup is None


def test_the_critical_path_grows_while_agents_run() -> None:
    # B waits for A's key: the chain is A's run then B's run so far (was 0.0s until one ended).
    events: list[Event] = [
        _started("A", "B", waits={"B": ["k"]}),
        MessageStarted(index=1, t=0.0),
        AgentStarted(agent="A", t=0.0),
        AgentWaiting(agent="B", keys=["k"], t=0.0),
    ]
    assert figures(_state(events), now=1.0).critical_path_seconds == 1.0
    events += [
        MemoryStored(key="k", value=1, by="A", t=2.0),
        AgentFinished(agent="A", status="done", t=2.0),
        AgentStarted(agent="B", t=2.0),
    ]
    state = _state(events)
    assert figures(state, now=3.5).critical_path_seconds == 2.0 + 1.5
    events += [AgentFinished(agent="B", status="done", t=4.0)]
    assert figures(_state(events)).critical_path_seconds == 4.0


def test_paused_time_with_nothing_running_is_not_wall_time_for_the_speedup() -> None:
    events: list[Event] = [
        _started("A", "B"),
        AgentStarted(agent="A", t=0.0),
        AgentStarted(agent="B", t=0.0),
        AgentFinished(agent="A", status="done", t=1.0),
        AgentFinished(agent="B", status="done", t=1.0),
        Control(action="pause", t=1.0),
        Control(action="resume", t=11.0),
        SessionFinished(status="completed", t=11.0),
    ]
    state = _state(events)
    f = figures(state)
    assert f.wall_seconds == 11.0
    assert f.idle_seconds == 10.0
    assert f.speedup == 2.0  # 2 s of runs in 1 s of work, not in 11 s
    assert state.to_json()["metrics"]["idle_seconds"] == 10.0
    # While still paused, the idle time grows with the clock.
    assert figures(_state(events[:6]), now=4.0).idle_seconds == 3.0


def test_time_spent_waiting_for_an_approval_with_nothing_running_is_idle() -> None:
    def asks(op: int, t: float) -> ApprovalRequested:
        return ApprovalRequested(
            id=f"r{op}", kind="bash", op=op, tool="Bash", subject=f"c{op}", reason="?", t=t
        )

    def approved(op: int, t: float) -> ApprovalDecided:
        return ApprovalDecided(
            id=f"r{op}", kind="bash", op=op, tool="Bash", subject=f"c{op}", verdict="allow",
            by="user", reason="approved by the user", t=t,
        )  # fmt: skip

    events: list[Event] = [
        _started("A", "B"),
        AgentStarted(agent="A", t=0.0),
        AgentStarted(agent="B", t=0.0),
        asks(2, 0.0),
        asks(3, 0.0),
        AgentFinished(agent="A", status="done", t=1.0),
        AgentFinished(agent="B", status="done", t=1.0),
        approved(2, 11.0),  # ten seconds for the person to answer, nothing running
        BashStarted(op=2, command="c2", t=11.0),
        BashFinished(op=2, exit_status=0, t=12.0),  # while it ran, r3 waited: not idle
        approved(3, 15.0),  # three more seconds waiting, nothing running
        SessionFinished(status="completed", t=15.0),
    ]
    f = figures(_state(events))
    # (it said a speed-up of 0.13x: the time the person took to answer counted as work)
    assert f.idle_seconds == 13.0
    assert f.speedup == 1.0  # 2 s of runs in 2 s of work
    # While the person has not answered yet, the idle time grows with the clock.
    assert figures(_state(events[:7]), now=4.0).idle_seconds == 3.0


def test_paused_while_agents_run_is_still_work() -> None:
    events: list[Event] = [
        _started("A"),
        AgentStarted(agent="A", t=0.0),
        Control(action="pause", t=0.5),
        AgentFinished(agent="A", status="done", t=2.0),
        SessionFinished(status="completed", t=2.0),
    ]
    f = figures(_state(events))
    assert f.idle_seconds == 0.0
    assert f.speedup == 1.0


def test_a_session_held_open_after_its_last_message_is_idle() -> None:
    events: list[Event] = [
        _started("A"),
        MessageStarted(index=1, t=0.0),
        AgentStarted(agent="A", t=0.0),
        AgentFinished(agent="A", status="cancelled", t=1.0),
        MessageFinished(index=1, t=1.0),
    ]
    state = _state(events)
    assert state.held
    assert figures(state, now=5.0).idle_seconds == 4.0
    assert figures(state, now=5.0).wall_seconds == 5.0


def test_an_ended_session_stops_the_clock() -> None:
    events = [
        *_events(),
        AgentFinished(agent="B", status="done", t=2.5),
        SessionFinished(status="completed", t=2.5),
    ]
    state = _state(events)
    f = figures(state, now=10.0)
    m = state.metrics
    assert (f.wall_seconds, f.sequential_seconds, f.speedup) == (
        m.wall_seconds,
        m.sequential_seconds,
        m.speedup,
    )
    assert f.sequential_seconds == 1.5 + 2.0


def test_agents_still_running_when_a_session_was_killed_count_up_to_its_end() -> None:
    events: list[Event] = [
        _started("A", "B"),
        AgentStarted(agent="A", t=0.0),
        AgentStarted(agent="B", t=0.0),
        SessionFinished(status="interrupted", t=1.5),
    ]
    f = figures(_state(events))
    assert f.wall_seconds == 1.5
    assert f.sequential_seconds == 3.0


def test_an_agents_clock_shows_its_wait_while_it_waits() -> None:
    events: list[Event] = [
        _started("A", waits={"A": ["k"]}),
        AgentWaiting(agent="A", keys=["k"], t=1.0),
    ]
    agent = _state(events).agents["A"]
    assert agent_seconds(agent, 4.0) == 3.0


def test_a_fork_taken_while_an_agent_ran_counts_that_run_as_work() -> None:
    # Source: D ran 0-1 s, A ran from 0 s and was still running at the 2 s point. The fork
    # carries D and runs A again, 2-3 s. Its wall time counts the source's 2 s up to the point:
    # A's 2 s of work in them count too, else the fork reads slower than one agent at a time.
    state = _state(
        [
            _started("A", "D"),
            MessageStarted(t=0.0, index=1),
            AgentStarted(t=0.0, agent="A"),
            AgentStarted(t=0.0, agent="D"),
            AgentFinished(t=1.0, agent="D", status="done"),
            SessionForked(
                t=2.0,
                forked_at="2025-01-01T00:00:02Z",
                backend="rehearsal",
                carried=["D"],
                again={"A": "it had not finished"},
            ),
            AgentStarted(t=2.0, agent="A"),
            AgentFinished(t=3.0, agent="A", status="done"),
            MessageFinished(t=3.0, index=1),
            SessionFinished(t=3.0, status="completed"),
        ]
    )
    assert state.metrics.wall_seconds == 3.0
    assert state.metrics.sequential_seconds == 1.0 + 2.0 + 1.0
    assert state.metrics.speedup > 1
