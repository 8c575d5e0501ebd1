"""The Dask executor's cost per agent, against the local executor in the same run.

    python bench/dask.py [--json] [--quick] [--agents N] [--seconds S] [--slots K]

200 rehearsal agents of 50 ms each (independent, one message), run three ways with the same
number of agents at once (`max_parallel` = the cluster's slots, 2 workers x 4):

  local        this process (the baseline)
  dask-local   `--executor dask-local:2`: the session starts its own cluster (its start and
               stop are timed apart from the run)
  dask://      a cluster already running (`dask scheduler` and two `dask worker` processes, as
               on other machines), reached by address

Each run's time is the session's own clock (first to last event: every agent claimed on a
worker, its report shipped back and written through the fence). Per-agent time is that wall
time x slots / agents, against the 50 ms an agent takes; the ratio dask / local of it is what
the issue bounds (under 2x). Agents waiting for slots make both runs pay the same ideal
(agents x seconds / slots), so the ratio measures the executor.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# This file is named for what it measures: its own folder first on the path would make it the
# `dask` package that distributed imports.
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    del sys.path[0]

from swarmtui.batch.models import Batch, Message, TaskOp
from swarmtui.config import ExecutorOptions
from swarmtui.engine.settings import RunSettings
from swarmtui.engine.state import SessionState
from swarmtui.store import new_live_session

WORKERS = 2


def batch_of(agents: int) -> Batch:
    ops = [TaskOp(index=i, name=f"agent-{i}", stores=[f"out/{i}"]) for i in range(agents)]
    return Batch(messages=[Message(index=1, title="bench", operations=ops)])


async def run_once(
    batch: Batch, root: Path, executor: ExecutorOptions, seconds: float, slots: int
) -> tuple[float, float, SessionState]:
    """(session clock seconds, whole run seconds with the executor's start and stop, state)."""
    session = new_live_session(
        "// bench\n",
        source_name="bench.swarm.js",
        settings=RunSettings(rehearsal_seconds=seconds, max_parallel=slots, executor=executor),
        sessions_dir=root,
        batch=batch,
    )
    t0 = time.perf_counter()
    state = await session.run()
    whole = time.perf_counter() - t0
    assert state.status == "completed", state.reason
    return state.t, whole, state


@contextlib.contextmanager
def cluster_processes(root: Path, slots: int) -> Iterator[str]:
    """`dask scheduler` and two `dask worker` processes, as the README starts them; the
    executor address once both workers have joined."""
    dask = str(Path(sys.executable).parent / "dask")
    file = root / "scheduler.json"
    scheduler = [dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
    worker = [dask, "worker", "--scheduler-file", str(file), "--nthreads", str(slots)]
    processes = [
        subprocess.Popen(
            [*scheduler, "--scheduler-file", str(file)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        for _ in range(WORKERS):
            processes.append(
                subprocess.Popen(
                    [*worker, "--no-dashboard"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        from distributed import Client

        # The bench's own client is closed before the run: a user's swarmtui has no second
        # client (and event loop thread) in its process, taking turns with the session's.
        connect: Any = Client
        with connect(scheduler_file=str(file), timeout=60) as client:
            client.wait_for_workers(WORKERS, timeout=120)
            address = str(client.scheduler.address).replace("tcp://", "dask://")
        yield address
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)


def figures(
    name: str, wall: float, whole: float, agents: int, seconds: float, slots: int
) -> dict[str, Any]:
    per_agent = wall * slots / agents
    return {
        "executor": name,
        "wall_seconds": round(wall, 3),
        "with_start_and_stop_seconds": round(whole, 3),
        "ideal_seconds": round(agents * seconds / slots, 3),
        "per_agent_ms": round(per_agent * 1000, 2),
        "overhead_per_agent_ms": round((per_agent - seconds) * 1000, 2),
    }


async def bench(agents: int, seconds: float, slots_per_worker: int) -> dict[str, Any]:
    slots = WORKERS * slots_per_worker
    batch = batch_of(agents)
    results: dict[str, Any] = {"agents": agents, "seconds_per_agent": seconds, "slots": slots}
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="swarmtui-bench-dask-") as folder:
        root = Path(folder)
        # (warm-up: imports and the agent types are paid once per process)
        await run_once(batch_of(4), root / "warm", ExecutorOptions(), seconds, slots)
        wall, whole, _ = await run_once(batch, root / "local", ExecutorOptions(), seconds, slots)
        runs.append(figures("local", wall, whole, agents, seconds, slots))
        local = ExecutorOptions(address=f"dask-local:{WORKERS}", local_slots=slots_per_worker)
        wall, whole, state = await run_once(batch, root / "dask-local", local, seconds, slots)
        assert len({a.worker for a in state.agents.values()}) == WORKERS
        runs.append(figures(f"dask-local:{WORKERS}", wall, whole, agents, seconds, slots))
        started = time.perf_counter()
        with cluster_processes(root, slots_per_worker) as address:
            results["cluster_start_seconds"] = round(time.perf_counter() - started, 3)
            remote = ExecutorOptions(address=address)
            wall, whole, _ = await run_once(batch, root / "remote", remote, seconds, slots)
            runs.append(figures("dask://", wall, whole, agents, seconds, slots))
    results["runs"] = runs
    baseline = runs[0]["per_agent_ms"]
    for run in runs[1:]:
        run["per_agent_vs_local"] = round(run["per_agent_ms"] / baseline, 3)
    results["target"] = "per_agent_vs_local under 2"
    results["met"] = all(run["per_agent_vs_local"] < 2 for run in runs[1:])
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quick", action="store_true", help="40 agents instead of 200")
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=0.05)
    parser.add_argument("--slots", type=int, default=4, help="slots of each of the 2 workers")
    args = parser.parse_args()
    agents = 40 if args.quick else args.agents
    results = asyncio.run(bench(agents, args.seconds, args.slots))
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(
        f"{results['agents']} agents x {results['seconds_per_agent'] * 1000:g} ms, "
        f"{results['slots']} at once ({WORKERS} workers x {args.slots} slots); "
        f"a cluster starts in {results['cluster_start_seconds']} s"
    )
    for run in results["runs"]:
        ratio = run.get("per_agent_vs_local")
        vs = f"  {ratio}x local" if ratio is not None else "  (baseline)"
        print(
            f"{run['executor']:>14}: wall {run['wall_seconds']:.3f} s "
            f"(ideal {run['ideal_seconds']:.3f} s, {run['with_start_and_stop_seconds']:.3f} s "
            f"with start and stop), per agent {run['per_agent_ms']:.1f} ms "
            f"(+{run['overhead_per_agent_ms']:.1f} ms){vs}"
        )
    print(f"target: {results['target']}: {'met' if results['met'] else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
