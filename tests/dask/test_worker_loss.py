"""A worker killed while it runs an agent costs only that attempt, recorded; the retry runs
elsewhere, and Dask's own re-run of the lost task runs nothing."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from swarmtui.config import Backends, CommandOptions, ExecutorOptions
from swarmtui.engine.events import (
    AgentOutput,
    AgentStarted,
    Event,
    PlacedOnWorker,
    WorkerLost,
)
from swarmtui.engine.executors import worker_side
from swarmtui.engine.session import LiveSession

from ..engine.helpers import one_message, run, task
from .conftest import Cluster, start_cluster

# Says it is ready, then runs until a message says finish (its input stays open).
UNTIL_TOLD = (
    'echo "ready $SWARM_AGENT"; '
    'while read -r line; do [ "$line" = finish ] && break; done; echo "finished"'
)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    started = start_cluster()  # (its own: a worker of it is killed)
    try:
        yield started
    finally:
        started.client.close()
        started.cluster.close()


async def test_a_killed_worker_fails_the_attempt_and_the_retry_finishes_elsewhere(
    cluster: Cluster, tmp_path: Path
) -> None:
    pids = cluster.worker_pids()
    killed: list[str] = []

    def on_event(session: LiveSession, e: Event) -> None:
        if isinstance(e, PlacedOnWorker) and e.attempt == 1:
            killed.append(e.worker)
        if isinstance(e, AgentOutput) and e.text.startswith("ready"):
            if session.state.agents["victim"].attempts == 1:
                os.kill(pids[killed[0]], signal.SIGKILL)  # mid-agent, its process running
            else:
                session.send_message("victim", "finish")

    r = await run(
        one_message(task(0, "victim", stores=["out/victim"], retries=1)),
        tmp_path,
        on_event,
        backend="command",
        command_template=UNTIL_TOLD,
        backends=Backends(command=CommandOptions(keep_stdin_open=True)),
        executor=ExecutorOptions(address=cluster.address),
    )
    victim = r.state.agents["victim"]
    assert r.state.status == "completed", r.state.reason
    assert victim.status == "done"
    assert victim.attempts == 2
    placed = r.of(PlacedOnWorker)
    assert [e.attempt for e in placed] == [1, 2]
    assert placed[0].worker == killed[0]
    assert placed[1].worker != killed[0]  # the retry ran elsewhere
    lost = r.of(WorkerLost)
    assert [(e.worker, e.agents) for e in lost] == [(killed[0], ["victim"])]
    assert f"its worker {killed[0]} was lost" in lost[0].reason
    # Its end is recorded: attempt 1 failed with the reason, attempt 2 ran and finished.
    assert [e.attempt for e in r.of(AgentStarted, agent="victim")] == [1, 2]
    said = "".join(e.text for e in r.of(AgentOutput, agent="victim"))
    assert said.count("ready victim") == 2
    assert f"attempt 1 failed: its worker {killed[0]} was lost" in said
    assert victim.result == "ready victim\nfinished\n"
    # Nothing ran unrecorded: the workers alive ran exactly the attempts placed on them (a
    # re-run of the lost task, if Dask made one, was refused before it ran anything).
    counts: dict[str, dict[str, int]] = cluster.client.run(
        worker_side.session_counts, r.session.session_id
    )
    placed_alive = sum(1 for e in placed if e.worker in counts)
    assert sum(c.get("ran", 0) for c in counts.values()) == placed_alive == 1


async def test_a_hung_worker_is_caught_by_the_agents_timeout(
    cluster: Cluster, tmp_path: Path
) -> None:
    """A worker that stops answering (SIGSTOP) holds its agent until the agent's own timeout;
    the stop it cannot confirm is said, bounded by [executor] cancel_timeout."""
    pids = cluster.worker_pids()
    frozen: list[int] = []

    def on_event(session: LiveSession, e: Event) -> None:
        if isinstance(e, AgentOutput) and e.text.startswith("ready"):
            worker = session.state.agents["stuck"].worker
            assert worker is not None
            frozen.append(pids[worker])
            os.kill(frozen[0], signal.SIGSTOP)

    try:
        r = await run(
            one_message(task(0, "stuck", timeout=2)),
            tmp_path,
            on_event,
            backend="command",
            command_template=UNTIL_TOLD,
            backends=Backends(command=CommandOptions(keep_stdin_open=True)),
            executor=ExecutorOptions(address=cluster.address, cancel_timeout=1),
        )
    finally:
        for pid in frozen:
            os.kill(pid, signal.SIGCONT)
    stuck = r.state.agents["stuck"]
    assert stuck.status == "failed"
    assert stuck.reason == "timed out after 2 s"
    said = "".join(e.text for e in r.of(AgentOutput, agent="stuck"))
    assert f"its worker {stuck.worker} did not confirm within 1 s that it stopped" in said
