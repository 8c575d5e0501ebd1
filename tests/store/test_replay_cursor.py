"""ReplayCursor: seeking anywhere gives exactly the fold of the events before that point."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from swarmtui.engine.events import (
    AgentFinished,
    AgentOutput,
    AgentPlan,
    AgentQueued,
    AgentStarted,
    AgentWaiting,
    Event,
    MemoryStored,
    SessionFinished,
    SessionStarted,
    TodoChanged,
)
from swarmtui.engine.state import SessionState, apply
from swarmtui.store.replay_cursor import ReplayCursor, clone


def recorded_session(agents: int = 6, lines: int = 8) -> list[Event]:
    """A plausible session: agents queue, wait, run, print, store keys and finish."""
    names = [f"agent-{i}" for i in range(agents)]
    plans = [
        AgentPlan(
            name=name,
            waits=[f"k/{i - 1}"] if i else [],
            stores=[f"k/{i}"],
        )
        for i, name in enumerate(names)
    ]
    events: list[Event] = [
        SessionStarted(
            session_id="s1",
            title="Cursor",
            backend="rehearsal",
            started_at="2026-01-01T00:00:00Z",
            agents=plans,
        )
    ]
    t = 0.0
    for i, name in enumerate(names):
        t += 0.25
        events.append(AgentQueued(agent=name, t=t))
        events.append(TodoChanged(id=str(i), content=f"work {i}", status="pending", t=t))
        if i:
            events.append(AgentWaiting(agent=name, keys=[f"k/{i - 1}"], t=t))
    for i, name in enumerate(names):
        t += 0.5
        events.append(AgentStarted(agent=name, t=t))
        events.append(TodoChanged(id=str(i), content=f"work {i}", status="in_progress", t=t))
        for line in range(lines):
            t += 0.01
            events.append(AgentOutput(agent=name, text=f"{name} line {line}", t=t))
        t += 0.1
        events.append(MemoryStored(key=f"k/{i}", value={"n": i}, by=name, t=t))
        events.append(AgentFinished(agent=name, status="done", result=f"ok {i}", t=t))
        events.append(TodoChanged(id=str(i), content=f"work {i}", status="completed", t=t))
    events.append(SessionFinished(status="completed", t=t + 0.01))
    for seq, event in enumerate(events, start=1):
        event.seq = seq
    return events


def fold(events: list[Event]) -> SessionState:
    state = SessionState()
    for event in events:
        state = apply(state, event)
    return state


EVENTS = recorded_session()


def test_the_session_fixture_is_not_trivial() -> None:
    final = fold(EVENTS)
    assert len(final.agents) == 6
    assert {a.status for a in final.agents.values()} == {"done"}
    assert fold(EVENTS[:20]) != final


def test_seek_equals_folding_the_first_n_events() -> None:
    cursor = ReplayCursor(EVENTS, snapshot_every=7, adaptive=False)
    for n in (0, 1, 5, 7, 8, 30, len(EVENTS) - 1, len(EVENTS)):
        assert cursor.seek(n) == fold(EVENTS[:n]), n
        assert cursor.position == n


def test_backward_seeks_restore_from_snapshots_without_corrupting_them() -> None:
    cursor = ReplayCursor(EVENTS, snapshot_every=5, adaptive=False)
    cursor.seek(len(EVENTS))
    for n in (40, 3, 41, 0, 12, 11, 10, 60):
        assert cursor.seek(n) == fold(EVENTS[:n]), n
    # Going forward again after many restores still ends at the true final state.
    assert cursor.seek(len(EVENTS)) == fold(EVENTS)


def test_step_forward_and_back() -> None:
    cursor = ReplayCursor(EVENTS, snapshot_every=4, adaptive=False)
    cursor.seek(10)
    cursor.step(1)
    assert cursor.position == 11
    assert cursor.state == fold(EVENTS[:11])
    cursor.step(-1)
    cursor.step(-1)
    assert cursor.position == 9
    assert cursor.state == fold(EVENTS[:9])


def test_bounds_are_clamped() -> None:
    cursor = ReplayCursor(EVENTS)
    cursor.step(-1)
    assert cursor.position == 0
    assert cursor.state == SessionState()
    cursor.seek(10_000)
    assert cursor.position == len(EVENTS)
    assert cursor.at_end
    cursor.step(1)
    assert cursor.position == len(EVENTS)
    cursor.seek(-5)
    assert cursor.position == 0


def test_fractions() -> None:
    cursor = ReplayCursor(EVENTS)
    cursor.seek_fraction(0.5)
    assert cursor.position == round(len(EVENTS) / 2)
    assert cursor.fraction == cursor.position / len(EVENTS)
    cursor.seek_fraction(1.0)
    assert cursor.at_end
    cursor.seek_fraction(2.0)
    assert cursor.at_end
    cursor.seek_fraction(-1)
    assert cursor.position == 0


def test_at_time_stops_after_the_last_event_at_or_before_t() -> None:
    cursor = ReplayCursor(EVENTS)
    t = EVENTS[30].t
    cursor.at_time(t)
    assert all(e.t <= t for e in EVENTS[: cursor.position])
    assert all(e.t > t for e in EVENTS[cursor.position :])
    assert cursor.time == t
    cursor.at_time(-1.0)
    assert cursor.position == 0
    cursor.at_time(cursor.duration + 5)
    assert cursor.at_end


def test_an_empty_session() -> None:
    cursor = ReplayCursor([])
    assert cursor.total == 0
    assert cursor.seek_fraction(0.5) == SessionState()
    assert cursor.at_end
    assert cursor.duration == 0.0


def test_an_interrupted_session_replays_to_its_last_event() -> None:
    cut = EVENTS[:-5]  # no SessionFinished: the process died mid-run
    cursor = ReplayCursor(cut)
    cursor.seek(len(EVENTS))
    assert cursor.position == len(cut)
    assert cursor.state == fold(cut)
    assert any(a.status == "running" for a in cursor.state.agents.values())


def test_the_state_handed_out_is_not_a_snapshot() -> None:
    cursor = ReplayCursor(EVENTS, snapshot_every=3, adaptive=False)
    cursor.seek(9)
    cursor.state.title = "scribbled"
    cursor.seek(20)
    assert cursor.seek(9) == fold(EVENTS[:9])


@settings(max_examples=40, deadline=None)
@given(
    every=st.integers(min_value=1, max_value=50),
    adaptive=st.booleans(),
    targets=st.lists(st.integers(min_value=-3, max_value=len(EVENTS) + 3), max_size=8),
)
def test_any_sequence_of_seeks(every: int, adaptive: bool, targets: list[int]) -> None:
    cursor = ReplayCursor(EVENTS, snapshot_every=every, adaptive=adaptive)
    for n in targets:
        clamped = max(0, min(n, len(EVENTS)))
        assert cursor.seek(n) == fold(EVENTS[:clamped])


def test_snapshots_are_taken_at_multiples_and_restored_from() -> None:
    cursor = ReplayCursor(EVENTS, snapshot_every=10, adaptive=False)
    cursor.seek(len(EVENTS))
    assert cursor.snapshot_positions == list(range(0, len(EVENTS) + 1, 10))
    # A backward seek restores the nearest snapshot at or before the target.
    cursor.seek(25)
    assert cursor.state == fold(EVENTS[:25])


def test_adaptive_snapshots_still_give_exact_states() -> None:
    cursor = ReplayCursor(EVENTS, snapshot_every=2)
    cursor.seek(len(EVENTS))
    positions = cursor.snapshot_positions
    assert positions[0] == 0 and all(p % 2 == 0 for p in positions)
    for n in (len(EVENTS) - 1, 1, 33, 32):
        assert cursor.seek(n) == fold(EVENTS[:n])


def test_clone_is_equal_and_independent() -> None:
    state = fold(EVENTS)
    copy_ = clone(state)
    assert copy_ == state
    agent = next(iter(copy_.agents.values()))
    agent.output_tail.append("changed")
    agent.arrived.add("x")
    next(iter(copy_.memory.values())).history.clear()
    assert copy_ != state
    assert state == fold(EVENTS)
    assert agent.output_tail.maxlen == next(iter(state.agents.values())).output_tail.maxlen


def test_the_state_object_stays_the_same_across_seeks() -> None:
    for adaptive in (True, False):
        cursor = ReplayCursor(EVENTS, snapshot_every=4, adaptive=adaptive)
        state = cursor.state
        cursor.seek(len(EVENTS))
        cursor.seek(5)
        cursor.seek(0)
        cursor.seek(30)
        assert cursor.state is state
        assert state == fold(EVENTS[:30])


def test_clone_keeps_what_the_state_shares_shared() -> None:
    from swarmtui.engine.events import MemoryStored, SessionStarted

    state = fold(
        [
            SessionStarted(seq=1, session_id="s", title="t", backend="rehearsal", started_at="x"),
            MemoryStored(seq=2, t=0.1, key="k", value=1, by="A"),
        ]
    )
    copied = clone(state)
    entry = copied.memory[("default", "k")]
    assert copied.live["k"] is entry and copied.entries_by_key["k"] == [entry]
    assert copied.entries_by_key["k"][0] is entry and entry is not state.memory[("default", "k")]
