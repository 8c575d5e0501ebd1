"""Agents run on the cluster's workers: spread over both, their files back in the session."""

from __future__ import annotations

import json
from pathlib import Path

from swarmtui.batch import parse_batch
from swarmtui.config import ExecutorOptions
from swarmtui.engine.events import AgentFinished, AgentStarted, FileWritten, PlacedOnWorker
from swarmtui.store import read_events

from ..engine.helpers import Run, one_message, run, task
from .conftest import Cluster

# Each agent writes where it works (a scratch folder on its worker) into a file, and says it.
WHERE = 'pwd -P > "artifacts/code/$SWARM_AGENT.txt"; echo "$SWARM_AGENT in $PWD"'


async def test_agents_spread_over_two_workers_with_their_files_back(
    cluster: Cluster, tmp_path: Path
) -> None:
    names = [f"agent-{i}" for i in range(8)]
    batch = one_message(*(task(i, name) for i, name in enumerate(names)))
    r = await run(
        batch,
        tmp_path,
        backend="command",
        command_template=WHERE,
        max_parallel=4,  # the cluster's slots: two workers of two
        executor=ExecutorOptions(address=cluster.address),
    )
    assert r.state.status == "completed", r.state.reason
    placed = {e.agent: e.worker for e in r.of(PlacedOnWorker)}
    workers = set(cluster.worker_pids())
    assert set(placed) == set(names)
    assert set(placed.values()) == workers  # both workers ran agents
    session = r.session.path.resolve()
    local_dirs: dict[str, str] = cluster.client.run(lambda dask_worker: dask_worker.local_directory)
    for name in names:
        agent = r.state.agents[name]
        assert agent.worker == placed[name]
        # What it said names the session folder; it worked in a scratch folder of its worker.
        assert agent.result == f"{name} in {session}\n"
        where = (session / "artifacts" / "code" / f"{name}.txt").read_text().strip()
        assert where.startswith(local_dirs[placed[name]] + "/swarmtui-"), where
    # The scratch folders are gone.
    for folder in local_dirs.values():
        assert not list(Path(folder).glob("swarmtui-*"))
    # The cluster is recorded, and the replay shows where each agent ran.
    cluster_state = r.state.cluster
    assert cluster_state is not None
    assert (cluster_state.workers, cluster_state.slots) == (2, 4)
    replayed = read_events(r.session.path)
    assert [e for e in replayed if isinstance(e, PlacedOnWorker)] == r.of(PlacedOnWorker)
    assert not r.of(FileWritten)  # (a command agent's files are its own, as when local)


def _most_at_once(r: Run) -> int:
    running = most = 0
    for event in r.events:
        if isinstance(event, AgentStarted):
            running += 1
            most = max(most, running)
        elif isinstance(event, AgentFinished):
            running -= 1
    return most


async def test_max_parallel_still_caps_the_session_and_defaults_to_the_slots(
    cluster: Cluster, tmp_path: Path
) -> None:
    names = [f"agent-{i}" for i in range(4)]
    batch = one_message(*(task(i, name) for i, name in enumerate(names)))
    capped = await run(
        batch,
        tmp_path / "capped",
        backend="command",
        command_template="sleep 0.2; echo ok",
        max_parallel=1,
        executor=ExecutorOptions(address=cluster.address),
    )
    assert capped.state.status == "completed", capped.state.reason
    assert capped.state.max_parallel == 1 and _most_at_once(capped) == 1
    # Unset: as many at once as the cluster has slots (two workers of two), said why.
    free = await run(
        batch,
        tmp_path / "free",
        backend="command",
        command_template="echo ok",
        executor=ExecutorOptions(address=cluster.address),
    )
    assert free.state.status == "completed", free.state.reason
    assert free.state.max_parallel == 4
    assert free.state.max_parallel_reason == "the cluster's slots (2 workers, 4 slots)"


PASS_A_PATH = """\
Task("Planner", "Plan. Store the plan in memory under 'swarm/plan'.", "planner")
Task("Builder", "Wait for 'swarm/plan' in memory. Build it.", "coder")
"""
# The planner answers with where it works; the builder keeps what its memory input said and
# where it works.
PATHS = (
    'case "$SWARM_AGENT" in Planner) echo "$PWD";; Builder) '
    'printf "%s" "$SWARM_MEMORY" > artifacts/code/seen.json; pwd -P > artifacts/code/here.txt;; '
    "esac"
)


async def test_paths_of_the_session_folder_are_rewritten_for_the_worker_and_back(
    cluster: Cluster, tmp_path: Path
) -> None:
    r = await run(
        parse_batch(PASS_A_PATH),
        tmp_path,
        backend="command",
        command_template=PATHS,
        executor=ExecutorOptions(address=cluster.address),
    )
    assert r.state.status == "completed", r.state.reason
    session = str(r.session.path.resolve())
    # What came back names the session folder, as a local run records it...
    stored = r.state.memory[("default", "swarm/plan")].value
    assert stored == f"{session}\n"
    # ...and what the builder got on its worker named its own scratch folder instead.
    code = r.session.path / "artifacts" / "code"
    here = (code / "here.txt").read_text().strip()
    assert here != session and "/swarmtui-" in here
    assert json.loads((code / "seen.json").read_text()) == {"swarm/plan": f"{here}\n"}


# One agent's outcome is too large for the topic (over 16 KiB of text): it stays in the task's
# result, fetched from its worker; a small one comes on the topic alone (nothing is fetched).
SMALL_OR_LARGE = (
    'case "$SWARM_AGENT" in large) head -c 20000 /dev/zero | tr "\\0" x;; '
    '*) echo "$SWARM_AGENT";; esac'
)


def _results_fetched(cluster: Cluster) -> int:
    sent: dict[str, int] = cluster.client.run(
        lambda dask_worker: dask_worker.transfer_outgoing_count_total
    )
    return sum(sent.values())


async def test_only_an_outcome_too_large_for_the_topic_is_fetched_from_its_worker(
    cluster: Cluster, tmp_path: Path
) -> None:
    before = _results_fetched(cluster)
    r = await run(
        one_message(task(0, "small"), task(1, "large"), task(2, "also-small")),
        tmp_path,
        backend="command",
        command_template=SMALL_OR_LARGE,
        executor=ExecutorOptions(address=cluster.address),
    )
    assert r.state.status == "completed", r.state.reason
    assert r.state.agents["small"].result == "small\n"
    assert r.state.agents["also-small"].result == "also-small\n"
    assert r.state.agents["large"].result == "x" * 20000
    # Fetched: the backend's pre-flight check (made on a worker) and the large outcome.
    assert _results_fetched(cluster) - before == 2
