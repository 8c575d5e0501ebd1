"""Cancelling an agent that runs on a worker stops it there: no process of it is left."""

from __future__ import annotations

import os
import select
from pathlib import Path

from swarmtui.config import ExecutorOptions
from swarmtui.engine.events import AgentOutput, Event
from swarmtui.engine.session import LiveSession

from ..engine.helpers import host_pids, one_message, run, task, wait_for_host_pid
from .conftest import Cluster

# A grandchild in a session of its own; its length marks it in the process table.
MARKER = "3600.1515"
SLEEPER = f"setsid sleep {MARKER} & echo ready; wait"


def _ancestors(pid: int) -> list[int]:
    found = []
    while pid > 1:
        stat = Path(f"/proc/{pid}/stat").read_text()
        pid = int(stat[stat.rfind(")") + 2 :].split()[1])
        found.append(pid)
    return found


async def test_cancel_leaves_no_process_on_the_worker(cluster: Cluster, tmp_path: Path) -> None:
    workers = cluster.worker_pids()
    pidfds: list[int] = []
    lineage: list[int] = []

    def on_event(session: LiveSession, e: Event) -> None:
        if isinstance(e, AgentOutput) and e.agent == "Sleeper" and "ready" in e.text:
            pid = wait_for_host_pid(f"sleep\0{MARKER}\0")
            lineage.extend(_ancestors(pid))
            pidfds.append(os.pidfd_open(pid))
            session.cancel_agent("Sleeper")

    r = await run(
        one_message(task(0, "Sleeper"), task(1, "Other")),
        tmp_path,
        on_event,
        backend="command",
        command_template=f'case "$SWARM_AGENT" in Sleeper) {SLEEPER};; *) echo fine;; esac',
        executor=ExecutorOptions(address=cluster.address),
    )
    sleeper = r.state.agents["Sleeper"]
    assert sleeper.status == "cancelled"
    assert sleeper.reason == "cancelled by user"
    assert r.state.agents["Other"].status == "done"
    # It ran on its worker: a descendant of that worker's process.
    assert sleeper.worker is not None and workers[sleeper.worker] in lineage
    # The worker confirmed it stopped, and the grandchild is gone.
    said = "".join(e.text for e in r.of(AgentOutput, agent="Sleeper"))
    assert "did not confirm" not in said
    readable, _, _ = select.select(pidfds, [], [], 10)
    assert readable == pidfds
    os.close(pidfds[0])
    assert host_pids(f"sleep\0{MARKER}\0") == []
