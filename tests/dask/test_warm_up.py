"""Connecting gets the workers ready for the session: its runner is built on each before the
first agent, and dropped when the session ends."""

from __future__ import annotations

from swarmtui.config import ExecutorOptions
from swarmtui.engine.events import Event
from swarmtui.engine.executors import worker_side
from swarmtui.engine.executors.dask_executor import DaskExecutor
from swarmtui.engine.settings import RunSettings
from swarmtui.executor_address import parse_executor

from .conftest import Cluster


async def test_connecting_builds_the_sessions_runner_on_every_worker(cluster: Cluster) -> None:
    settings = RunSettings(executor=ExecutorOptions(address=cluster.address))
    events: list[Event] = []
    executor = DaskExecutor(parse_executor(cluster.address), settings, "warm", events.append)
    workers = set(cluster.worker_pids())
    assert await executor.open() is None
    try:
        built = cluster.client.run(worker_side.runners_of, executor.topic)
        assert built == {worker: ["rehearsal"] for worker in workers}
    finally:
        await executor.close()
    dropped = cluster.client.run(worker_side.runners_of, executor.topic)
    assert dropped == {worker: [] for worker in workers}


def test_a_warm_up_that_comes_after_the_sessions_end_builds_nothing(cluster: Cluster) -> None:
    # A worker that joined late is warmed up by a call that may reach it after the session's
    # end has dropped its runners: it must not build one that nobody will drop.
    topic, settings = "swarmtui-late-0", RunSettings()
    cluster.client.run(worker_side.forget_session, topic)
    ready = cluster.client.run(worker_side.warm_up, topic, "rehearsal", settings)
    assert set(ready.values()) == {False}
    assert set(map(tuple, cluster.client.run(worker_side.runners_of, topic).values())) == {()}
