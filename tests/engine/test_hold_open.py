"""The app's sessions stay open after their last message while an agent could run again:
cancelling the last running agent leaves room for a retry, a key stored by hand rescues an
agent skipped or failed for want of it, and the session ends when the user says so."""

from __future__ import annotations

import asyncio
from pathlib import Path

from swarmtui.engine.events import AgentStarted, Event, SessionFinished
from swarmtui.engine.session import LiveSession

from .helpers import Run, make_session, one_message, task

# The first attempt of each agent hangs (until cancelled); a second one says ok.
ONCE = (
    'if [ -f "$SWARM_AGENT.once" ]; then echo ok; '
    'else touch "$SWARM_AGENT.once"; echo started; sleep 300; fi'
)


async def _run_held(batch: object, tmp_path: Path, react: object, **settings: object) -> Run:
    session, events = make_session(batch, tmp_path, **settings)  # type: ignore[arg-type]
    session.hold_open = True
    session.subscribe(lambda e: react(session, e))  # type: ignore[operator]
    async with asyncio.timeout(60):
        state = await session.run()
    return Run(session, state, events)


async def test_cancelling_the_last_agent_leaves_the_session_open_for_a_retry(
    tmp_path: Path,
) -> None:
    seen_held: list[bool] = []

    def react(session: LiveSession, e: Event) -> None:
        if e.type == "agent_output" and "started" in getattr(e, "text", ""):
            session.cancel_agent("Solo")
        elif e.type == "message_finished":
            seen_held.append(session.state.held and not session.state.finished)
            session.retry_agent("Solo")

    batch = one_message(task(0, "Solo"))
    r = await _run_held(batch, tmp_path, react, backend="command", command_template=ONCE)
    assert seen_held == [True]  # the message ended; the session did not
    assert r.state.agents["Solo"].status == "done"
    assert r.state.agents["Solo"].attempts == 2
    assert r.state.status == "completed"
    ended = r.seq(SessionFinished)
    assert r.seq(AgentStarted, attempt=2) < ended


async def test_a_held_session_ends_when_the_user_ends_it(tmp_path: Path) -> None:
    def react(session: LiveSession, e: Event) -> None:
        if e.type == "agent_output" and "started" in getattr(e, "text", ""):
            session.cancel_agent("Solo")
        elif e.type == "message_finished":
            session.end()

    r = await _run_held(
        one_message(task(0, "Solo")), tmp_path, react, backend="command", command_template=ONCE
    )
    assert r.state.status == "failed"
    assert [c.action for c in r.state.controls] == ["cancel", "end"]


async def test_storing_the_key_rescues_an_agent_skipped_for_want_of_it(tmp_path: Path) -> None:
    def react(session: LiveSession, e: Event) -> None:
        if e.type == "message_finished" and session.state.agents["Reader"].status == "skipped":
            session.store_memory("notes", "by hand")

    reader = task(
        0,
        "Reader",
        waits=["notes"],
        skip_reason="SW004: Reader waits for 'notes', which nothing in the batch stores",
    )
    r = await _run_held(one_message(reader), tmp_path, react)
    agent = r.state.agents["Reader"]
    assert agent.status == "done", agent.reason
    assert r.state.status == "completed"
    assert r.of(AgentStarted, agent="Reader")


async def test_storing_the_key_rescues_an_agent_failed_waiting_for_it(tmp_path: Path) -> None:
    template = 'if [ "$SWARM_AGENT" = Writer ]; then exit 3; fi; echo ok'

    def react(session: LiveSession, e: Event) -> None:
        if e.type == "message_finished" and session.state.agents["Reader"].status == "failed":
            session.store_memory("notes", "by hand")
        elif e.type == "agent_finished" and e.agent == "Reader" and e.status == "done":
            session.end()  # (Writer could still be retried: the session waits for the user)

    batch = one_message(task(0, "Writer", stores=["notes"]), task(1, "Reader", waits=["notes"]))
    r = await _run_held(batch, tmp_path, react, backend="command", command_template=template)
    assert r.state.agents["Reader"].status == "done"
    assert r.state.agents["Writer"].status == "failed"
    assert r.state.status == "failed"
    assert [c.action for c in r.state.controls] == ["store_memory", "end"]
