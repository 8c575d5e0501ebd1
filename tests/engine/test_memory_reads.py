"""Batch memory reads (`retrieve`, `list`, `search`) are recorded, bounded, and replay the same."""

from __future__ import annotations

import json
from pathlib import Path

from swarmtui.batch.models import MemoryOp
from swarmtui.engine.events import MEMORY_READ_KEYS, MEMORY_READ_PREVIEW, MemoryRead
from swarmtui.store import read_events, replay_state

from .helpers import messages, run


async def test_reads_are_logged_with_what_they_found(tmp_path: Path) -> None:
    big = "x" * 10_000
    stores = [
        MemoryOp(index=0, action="store", key="swarm/plan", value={"steps": 3}),
        MemoryOp(index=1, action="store", key="swarm/big", value=big),
        *(
            MemoryOp(index=2 + i, action="store", key=f"many/{i:03}", value=i)
            for i in range(MEMORY_READ_KEYS + 20)
        ),
    ]
    n = len(stores)
    reads = [
        MemoryOp(index=n, action="retrieve", key="swarm/plan"),
        MemoryOp(index=n + 1, action="retrieve", key="swarm/absent"),
        MemoryOp(index=n + 2, action="retrieve", key="swarm/big"),
        MemoryOp(index=n + 3, action="search", pattern="swarm/*"),
        MemoryOp(index=n + 4, action="search", pattern="plan"),
        MemoryOp(index=n + 5, action="list"),
    ]
    r = await run(messages(stores, reads), tmp_path)
    assert r.state.status == "completed"
    events = [e for e in r.events if isinstance(e, MemoryRead)]
    assert [e.op for e in events] == [op.index for op in reads]
    plan, absent, huge, glob, word, listed = events
    assert plan.action == "retrieve" and plan.found == ["swarm/plan"] and plan.count == 1
    assert plan.preview is not None and json.loads(plan.preview) == {"steps": 3}
    assert absent.found == [] and absent.count == 0 and absent.preview is None
    assert huge.preview is not None and len(huge.preview) == MEMORY_READ_PREVIEW
    assert glob.action == "search" and glob.found == ["swarm/big", "swarm/plan"]
    assert word.found == ["swarm/plan"]
    assert listed.action == "list" and listed.count == n
    assert len(listed.found) == MEMORY_READ_KEYS
    # Every recorded event stays small, whatever memory holds.
    assert all(len(e.model_dump_json()) < 8_000 for e in events)
    # In the log, and a replay folds to the very same state.
    logged = [e for e in read_events(r.session.path) if e.type == "memory_read"]
    assert [e.model_dump() for e in logged] == [e.model_dump() for e in events]
    assert replay_state(r.session.path).to_json() == r.state.to_json()
