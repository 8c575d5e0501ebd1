"""The collector's policy while sessions run: what it freezes, and that it all comes back after."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from swarmtui import gc_policy

from .helpers import one_message, run, task


@pytest.fixture
def default_collector() -> Iterator[None]:
    """The collector as a headless run finds it (defaults, nothing frozen); restored after."""
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if frozen:
            gc.freeze()


class _Thing:
    """A tracked object made for the test (nothing else refers to it)."""


def _scanned(thing: object) -> bool:
    """THING is in a generation the collector scans (not frozen)."""
    return any(o is thing for o in gc.get_objects())


def test_a_session_freezes_what_was_there_and_gives_it_back(default_collector: None) -> None:
    before = _Thing()
    with gc_policy.running_session():
        assert gc.get_threshold() == gc_policy.RUN_THRESHOLDS
        assert gc.get_freeze_count() > 0
        assert not _scanned(before)  # frozen: never scanned while the session runs
        with gc_policy.running_session():  # a second session at once changes nothing
            pass
        assert gc.get_freeze_count() > 0
        made = _Thing()
        assert _scanned(made)  # the session's own: collected as usual
        with gc_policy.kept():
            assert not gc.isenabled()
            kept = _Thing()
        assert gc.isenabled()
        assert not _scanned(kept)
        left = [_Thing() for _ in range(2000)]  # young objects the session leaves
        collections = gc.get_stats()[0]["collections"]
    # They went to the oldest generation unscanned: no young collection as the session returns.
    assert gc.get_stats()[0]["collections"] == collections
    assert any(o is left[0] for o in gc.get_objects(generation=2))
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0
    assert _scanned(before)


def test_a_host_that_chose_its_own_policy_keeps_it(default_collector: None) -> None:
    gc.set_threshold(*gc_policy.APP_THRESHOLDS)
    with gc_policy.running_session():
        assert gc.get_threshold() == gc_policy.APP_THRESHOLDS
        with gc_policy.kept():
            assert not gc.isenabled()
            kept = _Thing()
        assert gc.isenabled()
        assert gc.get_freeze_count() == 0
        assert _scanned(kept)
    assert gc.get_threshold() == gc_policy.APP_THRESHOLDS


def test_cyclic_garbage_of_a_session_is_collected_after_it(
    default_collector: None, tmp_path: Path
) -> None:
    batch = one_message(task(0, "A", stores=["k"]), task(1, "B", waits=["k"]))
    assert asyncio.run(run(batch, tmp_path)).state.status == "completed"
    assert gc.get_freeze_count() == 0
    cycle: list[object] = []
    cycle.append(cycle)
    del cycle
    assert gc.collect() > 0


_AFTER_A_SESSION = """
import asyncio, atexit, gc, sys
from pathlib import Path
from swarmtui.batch.models import Batch, Message, TaskOp
from swarmtui.engine.settings import RunSettings
from swarmtui.store import new_live_session

atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count() > 0))  # (runs last)
batch = Batch(messages=[Message(index=1, operations=[TaskOp(index=0, name="A")])])
session = new_live_session("// t\\n", source_name="t.swarm.js", batch=batch,
    settings=RunSettings(rehearsal_seconds=0.0), sessions_dir=Path(sys.argv[1]))
print(asyncio.run(session.run()).status, "frozen after it:", gc.get_freeze_count() > 0)
"""


def test_a_process_that_ran_a_session_skips_the_last_pass_at_exit(tmp_path: Path) -> None:
    ran = subprocess.run(
        [sys.executable, "-c", _AFTER_A_SESSION, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert ran.stdout.splitlines() == [
        "completed frozen after it: False",
        "frozen at exit: True",
    ]
