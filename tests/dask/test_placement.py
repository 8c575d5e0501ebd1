"""Placement by agent type: `resources = {GPU = 1}` runs on the workers that have it,
`workers = [...]` on those named; none that fits fails the agent at once, saying why."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from swarmtui.config import AgentTypeOverride, ExecutorOptions
from swarmtui.engine.events import PlacedOnWorker

from ..engine.helpers import one_message, run, task
from .conftest import Cluster, start_cluster


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """Two plain workers, and a third with a GPU started as the README says (`dask worker`)."""
    started = start_cluster()
    scheduler = started.cluster.scheduler_address
    dask = Path(sys.executable).parent / "dask"
    command = [str(dask), "worker", scheduler, "--nthreads", "1", "--resources", "GPU=1"]
    gpu_box = subprocess.Popen(
        [*command, "--name", "gpu-box", "--no-dashboard"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        started.client.wait_for_workers(3, timeout=120)
        yield started
    finally:
        gpu_box.send_signal(signal.SIGTERM)
        gpu_box.wait(timeout=60)
        started.client.close()
        started.cluster.close()


async def test_agents_run_where_their_type_is_placed(cluster: Cluster, tmp_path: Path) -> None:
    names: dict[str, str] = cluster.client.run(lambda dask_worker: str(dask_worker.name))
    gpu_box = next(address for address, name in names.items() if name == "gpu-box")
    first = next(address for address, name in names.items() if name == "0")
    ops = [task(i, f"trainer-{i}", agent_type="gpu-coder") for i in range(3)]
    ops += [task(3 + i, f"pinned-{i}", agent_type="pinned") for i in range(3)]
    ops += [task(6, "wants-a-tpu", agent_type="tpu-coder"), task(7, "anyone")]
    r = await run(
        one_message(*ops),
        tmp_path,
        executor=ExecutorOptions(address=cluster.address),
        agent_types={
            "gpu-coder": AgentTypeOverride(resources={"GPU": 1}),
            "pinned": AgentTypeOverride(workers=["0"]),
            "tpu-coder": AgentTypeOverride(resources={"TPU": 1}),
        },
    )
    placed = {e.agent: (e.worker, e.name) for e in r.of(PlacedOnWorker)}
    for i in range(3):
        assert placed[f"trainer-{i}"] == (gpu_box, "gpu-box")
        assert placed[f"pinned-{i}"] == (first, "0")
        assert r.state.agents[f"trainer-{i}"].status == "done"
    assert placed["anyone"][0] in names
    tpu = r.state.agents["wants-a-tpu"]
    assert "wants-a-tpu" not in placed
    assert tpu.status == "failed"
    assert tpu.reason == (
        "no worker of the cluster has TPU=1 ([agent_types.tpu-coder] in the configuration)"
    )
    cluster_state = r.state.cluster
    assert cluster_state is not None and (cluster_state.workers, cluster_state.slots) == (3, 5)
