"""Lint and run agree on batch memory deletes (§1: a message's memory ops run with its agents)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from swarmtui.batch import Batch
from swarmtui.engine.settings import RunSettings
from swarmtui.store import new_live_session

from .conftest import parse

_WAITER = 'Task("A", "Wait for \'m/b\' in memory. Then summarise it.", "coder")\n'


async def _agent_status(batch: Batch, tmp_path: Path) -> str:
    session = new_live_session(
        "// parsed in a test\n",
        source_name="test.swarm.js",
        settings=RunSettings(rehearsal_seconds=0.005),
        sessions_dir=tmp_path / "sessions",
        batch=batch,
    )
    async with asyncio.timeout(60):  # a bound, not a synchronisation
        state = await session.run()
    return state.agents["A"].status


async def test_waiting_for_a_key_the_batch_stores_then_deletes(tmp_path: Path) -> None:
    batch = parse('memory.store("m/b", "v")\nmemory.delete("m/b")\n' + _WAITER)
    (diag,) = [d for d in batch.diagnostics if d.code == "SW004"]
    assert (diag.line, diag.severity) == (3, "error")
    assert "deletes it (line 2)" in diag.message
    # The run cannot give A the key either: it does not complete.
    assert await _agent_status(batch, tmp_path) != "done"


async def test_delete_before_the_store_leaves_the_key_and_both_agree(tmp_path: Path) -> None:
    batch = parse('memory.delete("m/b")\nmemory.store("m/b", "v")\n' + _WAITER)
    assert not batch.has_errors
    assert await _agent_status(batch, tmp_path) == "done"


def test_delete_in_a_later_message_removes_an_earlier_agents_store() -> None:
    batch = parse(
        '[Message]:\nTask("S", "Store the plan in memory \'m/b\'.", "coder")\n'
        '[Message]:\nmemory.delete("m/b")\n' + _WAITER
    )
    assert [d.line for d in batch.diagnostics if d.code == "SW004"] == [5]


def test_delete_in_the_same_message_as_an_agents_store_runs_first() -> None:
    batch = parse(
        'Task("S", "Store the plan in memory \'m/b\'.", "coder")\nmemory.delete("m/b")\n' + _WAITER
    )
    assert "SW004" not in [d.code for d in batch.diagnostics]
