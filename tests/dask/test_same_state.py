"""The same batch run locally and on `dask-local:2` reaches the same final state: the events
and the files are the same apart from where and when agents ran, and the replay of the Dask
run is that run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from swarmtui.batch import parse_batch
from swarmtui.config import ExecutorOptions
from swarmtui.engine.events import ClusterChanged, Event, PlacedOnWorker, WorkerLost
from swarmtui.engine.settings import RunSettings
from swarmtui.engine.state import SessionState, fold
from swarmtui.policy.tables import PermissionsConfig
from swarmtui.store import new_live_session, read_events

BATCH = """\
[BatchTool - Message 1]:
  TodoWrite { todos: [
    {id: "1", content: "Research the API", status: "pending", priority: "high"},
    {id: "2", content: "Write the client", status: "pending", priority: "medium"}
  ]}
  Task("Researcher", "Research the API; store findings in key 'swarm/research'", "researcher")
  Task("Designer", "Design the schema; store it in memory key 'swarm/schema'", "system-architect")
  Write("artifacts/docs/plan.md", "# Plan\\n")
  Bash("printf 'setup\\n' > artifacts/scripts/setup.txt")

[BatchTool - Message 2]:
  Task("Coder", "Wait for 'swarm/research' and 'swarm/schema', then write the client", "coder")
  Task("Tester", "Test what exists", "tester")
"""
# The agents of message 2 read what message 1 wrote; each agent writes a file of its own.
COMMAND = (
    'case "$SWARM_AGENT" in Coder|Tester) n=$(cat artifacts/docs/* artifacts/scripts/* | wc -l);; '
    '*) n=0;; esac; echo "$n" > "artifacts/code/$SWARM_AGENT.n"; '
    'echo "$SWARM_AGENT saw $n lines and $SWARM_MEMORY"'
)
PLACEMENT = (ClusterChanged, PlacedOnWorker, WorkerLost)
WHEN_AND_WHERE = {"seq", "t", "session_id", "path", "speedup", "worker", "worker_name"}


def _settings(executor: str) -> RunSettings:
    return RunSettings(
        backend="command",
        command_template=COMMAND,
        max_parallel=4,
        approvals="deny",
        permissions=PermissionsConfig(allow=("Bash",)),
        executor=ExecutorOptions(address=executor),
    )


async def _run(executor: str, root: Path) -> tuple[SessionState, list[Event], Path]:
    session = new_live_session(
        BATCH,
        source_name="same.swarm.js",
        settings=_settings(executor),
        sessions_dir=root,
        batch=parse_batch(BATCH, source_name="same.swarm.js"),
    )
    state = await session.run()
    return state, read_events(session.path), session.path


def _timeless(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _timeless(v)
            for k, v in value.items()
            if k not in WHEN_AND_WHERE and not k.endswith(("_at", "_seconds", "cluster"))
        }
    if isinstance(value, list):
        return [_timeless(item) for item in value]
    return value


def _by_agent(events: list[Event]) -> dict[str, list[str]]:
    """Each agent's events in order (agents run side by side: their events interleave)."""
    found: dict[str, list[str]] = {}
    for event in events:
        if isinstance(event, PLACEMENT):
            continue
        data = _timeless(event.model_dump(mode="json"))
        found.setdefault(str(data.get("agent") or data.get("by") or ""), []).append(
            json.dumps(data, sort_keys=True)
        )
    return found


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith("session.") and "logs" not in p.parts
    }


async def test_the_same_batch_local_and_on_dask_local_ends_the_same(tmp_path: Path) -> None:
    local, local_events, local_dir = await _run("local", tmp_path / "local")
    dask, dask_events, dask_dir = await _run("dask-local:2", tmp_path / "dask")
    assert local.status == dask.status == "completed", (local.reason, dask.reason)
    # Placement is what the Dask run adds: every agent placed on one of its two workers.
    placed = {e.agent: e.worker for e in dask_events if isinstance(e, PlacedOnWorker)}
    assert set(placed) == set(local.agents)
    assert dask.cluster is not None and dask.cluster.executor == "dask-local:2"
    assert dask.cluster.workers == 2
    # Apart from that, and from times and names, the same events and the same state.
    assert _by_agent(dask_events) == _by_agent(local_events)
    assert len([e for e in dask_events if not isinstance(e, PLACEMENT)]) == len(local_events)
    assert _timeless(dask.to_json()) == _timeless(local.to_json())
    assert _files(dask_dir) == _files(local_dir)
    assert _files(dask_dir)["artifacts/code/Coder.n"] == b"2\n"  # it read what came before
    # The replay of the Dask run is that run, workers and all.
    assert fold(dask_events).to_json() == dask.to_json()
