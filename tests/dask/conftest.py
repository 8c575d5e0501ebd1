"""A real Dask cluster for the executor's tests: two worker processes on this machine's loopback.

Module-scoped (about a second to start): a module whose tests change the cluster (kill a
worker, add one) has its own. The cluster runs in its own thread and event loop, as one on
another machine would; sessions connect to it by address (`dask://127.0.0.1:PORT`), and the
tests look at its workers with a client of their own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from distributed import Client, LocalCluster


@dataclass
class Cluster:
    cluster: Any
    client: Any

    @property
    def address(self) -> str:
        """The executor address sessions use: plain TCP, on loopback."""
        url: str = self.cluster.scheduler_address
        return url.replace("tcp://", "dask://")

    def worker_pids(self) -> dict[str, int]:
        import os

        pids: dict[str, int] = self.client.run(os.getpid)
        return pids


def start_cluster(workers: int = 2, slots: int = 2) -> Cluster:
    make: Any = LocalCluster
    cluster = make(
        n_workers=workers,
        threads_per_worker=slots,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",
        silence_logs=logging.CRITICAL,
    )
    connect: Any = Client
    return Cluster(cluster, connect(cluster))


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    started = start_cluster()
    try:
        yield started
    finally:
        started.client.close()
        started.cluster.close()


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's own configuration."""
    monkeypatch.setenv("SWARMTUI_CONFIG_DIR", str(tmp_path / "user-config"))
