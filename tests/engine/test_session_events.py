"""A live session's events: the replayed log gives the live state, subscribers see every event
in order, the summary."""

from __future__ import annotations

from pathlib import Path

from swarmtui.batch.models import (
    BashOp,
    WriteOp,
)
from swarmtui.engine.events import (
    Event,
)
from swarmtui.engine.session import LiveSession
from swarmtui.engine.state import fold
from swarmtui.engine.summary import summary_json
from swarmtui.store import new_live_session, read_events

from .helpers import one_message, run, task


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


async def test_summary_times_are_null_for_agents_that_never_started(tmp_path: Path) -> None:

    r = await run(one_message(task(0, "Ran"), task(1, "Stuck", waits=["nope"])), tmp_path)
    agents = {a["name"]: a for a in summary_json(r.state, r.session.path)["agents"]}
    assert agents["Stuck"]["started_at"] is None and agents["Stuck"]["finished_at"] is None
    assert agents["Ran"]["finished_at"] > agents["Ran"]["started_at"] >= 0
    assert agents["Stuck"]["reason"] == "waits for nope, which nothing left can store"
