"""How a session ends follows what happened: a failed one always says why (the first failure,
and how many more), and an agent the user rescued from SW004 that then ran does not fail it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from swarmtui.batch import parse_batch
from swarmtui.engine.events import Event
from swarmtui.engine.session import LiveSession
from swarmtui.engine.summary import skipped_summary

from .helpers import Run, run

React = Callable[[LiveSession, Event], None]

# Reader waits for a key nothing in the batch stores: SW004, skipped, until a user stores it.
RESCUABLE = 'Task("Reader", "Wait for \'notes\' then summarise them.", "researcher")\n'


async def _run(text: str, tmp_path: Path, react: React | None = None) -> Run:
    """A run of TEXT as parsed; with REACT, held open as the app holds it."""
    batch = parse_batch(text, source_name="test.swarm.js")
    return await run(batch, tmp_path, react, hold_open=react is not None)


async def test_an_agent_rescued_from_sw004_that_ends_done_completes_the_session(
    tmp_path: Path,
) -> None:
    assert [d.code for d in parse_batch(RESCUABLE).diagnostics] == ["SW004"]

    def react(session: LiveSession, e: Event) -> None:
        if e.type == "message_finished" and session.state.agents["Reader"].status == "skipped":
            session.store_memory("notes", "by hand")

    r = await _run(RESCUABLE, tmp_path, react)
    assert r.state.agents["Reader"].status == "done"
    assert (r.state.status, r.state.reason) == ("completed", None)


async def test_an_agent_left_skipped_fails_the_session_naming_it(tmp_path: Path) -> None:
    text = RESCUABLE + 'Task("Critic", "Wait for \'draft\' then criticise it.", "reviewer")\n'

    def react(session: LiveSession, e: Event) -> None:
        if e.type == "message_finished" and session.state.agents["Reader"].status == "skipped":
            session.store_memory("notes", "by hand")
        elif e.type == "agent_finished" and e.agent == "Reader" and e.status == "done":
            session.end()  # (Critic could still be rescued: the session waits for the user)

    r = await _run(text, tmp_path, react)
    assert r.state.agents["Reader"].status == "done"
    assert r.state.status == "failed"
    assert r.state.reason is not None
    assert r.state.reason.startswith("Critic skipped: SW004: ")
    assert "'draft'" in r.state.reason


async def test_a_syntax_error_outside_any_operation_is_the_reason(tmp_path: Path) -> None:
    r = await _run('Task("A", "Do a.", "coder")\nfoo(\n', tmp_path)
    assert r.state.agents["A"].status == "done"
    assert r.state.status == "failed"
    assert r.state.reason == (
        "line 2: SW001 syntax error: `foo(` is not finished (missing `)` or a quote?)"
    )


async def test_skipped_writes_are_the_reason_and_are_listed(tmp_path: Path) -> None:
    text = (
        'Task("A", "Do a.", "coder")\n'
        'Write("app/package.json", packageJson)\n'
        'Write("app/README.md", readme)\n'
        'Read("app/package.json")\n'
    )
    r = await _run(text, tmp_path)
    assert r.state.status == "failed"
    assert r.state.reason == (
        "write op 1 (app/package.json) not run: SW002: packageJson is not defined (and 1 more)"
    )
    # Listed with what they were about; the recorded Read is not (it fails nothing).
    assert skipped_summary(r.state) == [
        {
            "op": 1,
            "kind": "write",
            "subject": "app/package.json",
            "reason": "SW002: packageJson is not defined",
        },
        {
            "op": 2,
            "kind": "write",
            "subject": "app/README.md",
            "reason": "SW002: readme is not defined",
        },
    ]
