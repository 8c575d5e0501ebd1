"""What a git worktree per agent costs, beside plain git doing the same in this run.

    python bench/worktrees.py [--json] [--files N] [--runs N]

A repository of N files (2,000 by default, in 100 folders) is made in a temporary folder.

(a) one agent's workspace: `SessionWorkspace.enter` (worktree, branch, .worktreeinclude) and
    `leave` (commit of one changed file, its diff and patch) against a bare `git worktree add`
    followed by `git worktree remove` of the same repository (the baseline)
(b) a dependant's base: merging three providers' branches with `git merge-tree` (`combine`)
(c) the merge view: checking four branches against the current branch (`check_branches`)
(d) a session of three coders and a tester on the command backend, sandboxed: its wall time
    with worktrees against the same session in the session folder (--no-worktrees)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from swarmtui.engine.events import Event
from swarmtui.engine.settings import RunSettings, WorkspaceSettings
from swarmtui.engine.workspace.combine import combine
from swarmtui.engine.workspace.git import find_git
from swarmtui.engine.workspace.merge import check_branches, resolve_target, session_branches
from swarmtui.engine.workspace.session_workspace import SessionWorkspace
from swarmtui.policy.tables import PermissionsConfig
from swarmtui.store import new_live_session

IDENTITY = ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
BATCH = """\
Task("coder-a", "One.", {type: "coder"})
Task("coder-b", "Two.", {type: "coder"})
Task("coder-c", "Three.", {type: "coder"})
Task("tester", "Test.", {type: "tester", dependsOn: ["coder-a", "coder-b", "coder-c"]})
"""
SCRIPT = 'echo "$SWARM_AGENT" > "$SWARM_AGENT.txt"; echo done'


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *IDENTITY, "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def make_repo(folder: Path, files: int) -> Path:
    folder.mkdir(parents=True)
    _git(folder, "init", "--quiet", "--initial-branch=main")
    for index in range(files):
        target = folder / f"pkg{index % 100:02d}" / f"module{index}.py"
        target.parent.mkdir(exist_ok=True)
        target.write_text("".join(f"value_{index}_{line} = {line}\n" for line in range(40)))
    (folder / "batch.swarm.js").write_text(BATCH)
    _git(folder, "add", "--all")
    _git(folder, "commit", "--quiet", "-m", "initial")
    return folder


def _median_ms(times: list[float]) -> float:
    return round(statistics.median(times) * 1000, 1)


def bare_worktree(repo: Path, folder: Path, runs: int) -> float:
    times = []
    for run in range(runs):
        path = folder / f"bare-{run}"
        start = time.perf_counter()
        _git(repo, "worktree", "add", "--quiet", "-b", f"bare/{run}", str(path), "HEAD")
        _git(repo, "worktree", "remove", "--force", str(path))
        times.append(time.perf_counter() - start)
    return _median_ms(times)


async def one_agent(repo: Path, folder: Path, runs: int) -> dict[str, float]:
    enter, leave = [], []
    for run in range(runs):
        events: list[Event] = []
        workspace = await SessionWorkspace.open(
            WorkspaceSettings(repo=repo),
            source=None,
            session_id=f"bench-{run}",
            session_dir=folder / f"session-{run}",
            agents={"coder": "command"},
            rehearsal=False,
            emit=events.append,
        )
        assert workspace is not None
        start = time.perf_counter()
        place = await workspace.enter("coder", [])
        enter.append(time.perf_counter() - start)
        assert place is not None
        (place.workdir / "pkg00" / "module0.py").write_text("changed = True\n")
        start = time.perf_counter()
        await workspace.leave("coder", "done")
        leave.append(time.perf_counter() - start)
    return {"enter_ms": _median_ms(enter), "leave_ms": _median_ms(leave)}


def providers_merge(repo: Path, runs: int) -> float:
    git = find_git()
    heads = []
    for name in ("p1", "p2", "p3"):
        _git(repo, "checkout", "--quiet", "-b", name, "main")
        (repo / f"{name}.txt").write_text(f"{name}\n")
        _git(repo, "add", f"{name}.txt")
        _git(repo, "commit", "--quiet", "-m", name)
        heads.append(_git(repo, "rev-parse", "HEAD"))
    _git(repo, "checkout", "--quiet", "main")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = combine(git, repo, heads, "bench")
        times.append(time.perf_counter() - start)
        assert result.commit is not None
    return _median_ms(times)


async def session(repo: Path, sessions: Path, worktrees: bool) -> tuple[float, Any]:
    settings = RunSettings(
        backend="command",
        command_template=SCRIPT,
        permissions=PermissionsConfig(allow=("Bash",)),
        approvals="deny",
        headless=True,
        workspace=WorkspaceSettings(worktrees=None if worktrees else False),
    )
    batch = repo / "batch.swarm.js"
    live = new_live_session(
        batch.read_text(), source_name=str(batch), settings=settings, sessions_dir=sessions
    )
    start = time.perf_counter()
    state = await live.run()
    assert state.status == "completed", [a.reason for a in state.agents.values()]
    return time.perf_counter() - start, live


async def sessions(repo: Path, folder: Path, runs: int) -> dict[str, Any]:
    plain, with_trees = [], []
    checks = []
    git = find_git()
    for run in range(runs):
        seconds, _ = await session(repo, folder / f"plain-{run}", worktrees=False)
        plain.append(seconds)
        seconds, live = await session(repo, folder / f"trees-{run}", worktrees=True)
        with_trees.append(seconds)
        top, branches = session_branches(live.state, live.path)
        start = time.perf_counter()
        check_branches(git, top, resolve_target(git, top, None), branches)
        checks.append(time.perf_counter() - start)
    return {
        "session_folder_ms": _median_ms(plain),
        "worktrees_ms": _median_ms(with_trees),
        "merge_view_check_4_branches_ms": _median_ms(checks),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("GIT_CONFIG_GLOBAL", "/dev/null")
    with tempfile.TemporaryDirectory(prefix="swarmtui-bench-") as temp:
        folder = Path(temp)
        repo = make_repo(folder / "repo", args.files)
        figures: dict[str, Any] = {"files": args.files, "runs": args.runs}
        figures["a_bare_worktree_add_remove_ms"] = bare_worktree(repo, folder, args.runs)
        figures["a_one_agent"] = asyncio.run(one_agent(repo, folder, args.runs))
        figures["b_merge_of_3_providers_ms"] = providers_merge(repo, args.runs)
        figures["c_d_session"] = asyncio.run(sessions(repo, folder / "sessions", args.runs))
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    agent = figures["a_one_agent"]
    run = figures["c_d_session"]
    print(f"repository of {args.files} files, median of {args.runs} runs")
    bare = figures["a_bare_worktree_add_remove_ms"]
    print(f"(a) bare git worktree add + remove    {bare:8.1f} ms")
    print(f"    an agent's worktree (enter)       {agent['enter_ms']:8.1f} ms")
    print(f"    its commit, diff, patch (leave)   {agent['leave_ms']:8.1f} ms")
    print(f"(b) base merging 3 providers          {figures['b_merge_of_3_providers_ms']:8.1f} ms")
    print(f"(c) merge view, 4 branches checked    {run['merge_view_check_4_branches_ms']:8.1f} ms")
    print(f"(d) 3 coders + tester, session folder {run['session_folder_ms']:8.1f} ms")
    print(f"    the same with worktrees           {run['worktrees_ms']:8.1f} ms")


if __name__ == "__main__":
    main()
