"""`--shared-fs`: workers that see the session folder at the same path work in it in place
(nothing shipped), which is also what lets agents on a cluster work in git worktrees; without
it, a repository asked for stops the session before any agent starts, and the batch's own
repository is left alone, said so."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from swarmtui.config import ExecutorOptions
from swarmtui.engine.events import PlacedOnWorker, WorkspaceRefused

from ..workspace.helpers import Ran, batch_in, make_repo, run_batch, settings
from .conftest import Cluster

CODER_AND_TESTER = (
    'Task("coder", "Capitalise line one.", {type: "coder"})\n'
    'Task("tester", "Test it.", {type: "tester", dependsOn: ["coder"]})\n'
)
SCRIPT = (
    'case "$SWARM_AGENT" in coder) sed -i s/one/ONE/ f.txt;; '
    'tester) grep -c ONE f.txt > seen.txt;; esac; echo "$SWARM_AGENT in $(pwd -P)"'
)


async def test_with_a_shared_folder_agents_on_workers_work_in_their_worktrees(
    cluster: Cluster, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    batch = batch_in(repo, CODER_AND_TESTER)
    run = replace(
        settings(SCRIPT),
        executor=ExecutorOptions(address=cluster.address, shared_fs=True),
    )
    ran: Ran = await run_batch(batch, tmp_path / "sessions", run)
    assert ran.state.status == "completed", ran.state.reason
    placed = {e.agent: e.worker for e in ran.of("placed_on_worker")}
    assert set(placed) == {"coder", "tester"}
    assert set(placed.values()) <= set(cluster.worker_pids())
    session = ran.path.resolve()
    for agent in ("coder", "tester"):
        tree = ran.state.agents[agent].worktree
        assert tree is not None and tree.commit is not None
        # It worked in its worktree in place, on the worker: no scratch copy.
        assert ran.output(agent).strip() == f"{agent} in {session / tree.path}"
    # The tester's worktree started from the coder's branch: it saw the coder's change.
    assert repo.show(ran.branch("tester"), "seen.txt") == "1"
    assert repo.is_ancestor(repo.tip(ran.branch("coder")), repo.tip(ran.branch("tester")))
    assert (repo.path / "f.txt").read_text().startswith("one\n")  # the user's tree untouched


async def test_without_it_an_asked_repository_stops_before_any_agent(
    cluster: Cluster, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    batch = batch_in(repo, CODER_AND_TESTER)
    run = replace(
        settings(SCRIPT, repo=repo.path),
        executor=ExecutorOptions(address=cluster.address),
    )
    ran = await run_batch(batch, tmp_path / "sessions", run)
    assert ran.state.status == "failed"
    assert ran.state.reason is not None and "(--shared-fs)" in ran.state.reason
    assert "no agent started" in ran.state.reason
    assert not ran.of("agent_started") and not ran.of("placed_on_worker")
    assert repo.branches() == []


async def test_without_it_the_batchs_own_repository_is_left_alone_and_said_so(
    cluster: Cluster, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    batch = batch_in(repo, CODER_AND_TESTER)
    run = replace(settings(SCRIPT), executor=ExecutorOptions(address=cluster.address))
    ran = await run_batch(batch, tmp_path / "sessions", run)
    assert ran.state.status == "completed", ran.state.reason
    [refused] = [e for e in ran.events if isinstance(e, WorkspaceRefused)]
    assert "(--shared-fs)" in refused.reason and not refused.stopped
    assert ran.state.workspace is not None and ran.state.workspace.refused == refused.reason
    assert repo.branches() == []
    assert len([e for e in ran.events if isinstance(e, PlacedOnWorker)]) == 2
