"""A real headless run killed with SIGKILL: its worktrees are listed, not lost (the merge view,
the next session in the repository); its agent's own commits and uncommitted files are saved
when it is merged or resumed; deleting the session removes its worktrees and branches after
saying what would be lost; `git worktree prune` forgets the worktrees of a folder deleted by
hand."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.engine.helpers import wait_for_events

from .helpers import CLI, Repo, batch_in, cli, make_repo, run_sync, settings

# The agent commits, leaves a file uncommitted, says so, then blocks until it is killed (on a
# FIFO in its sandbox's private /tmp that nobody writes to).
BLOCKING = (
    "echo one > mine.txt && git add mine.txt && git commit -q -m 'own work' && "
    "echo two > left.txt && echo READY && mkfifo /tmp/block && cat /tmp/block"
)
ONE_AGENT = 'Task("coder", "Work.", {type: "coder"})\n'


def _killed_run(tmp_path: Path) -> tuple[Repo, Path]:
    """A repository and the folder of a session killed (SIGKILL) while its agent worked."""
    repo = make_repo(tmp_path / "repo")
    batch = batch_in(repo, ONE_AGENT)
    sessions = tmp_path / "sessions"
    argv = [*CLI, "run", str(batch), "--headless", "--backend", "command", "--command", BLOCKING]
    proc = subprocess.Popen(
        [*argv, "--sessions-dir", str(sessions), "--allow", "Bash"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        folder = wait_for_events(
            sessions, proc, "type = 'agent_output' AND payload_json LIKE '%READY%'"
        )
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    return repo, folder


def test_a_killed_sessions_worktree_is_listed_saved_merged_and_cleaned_up(
    tmp_path: Path,
) -> None:
    repo, folder = _killed_run(tmp_path)
    worktree = folder / "worktrees" / "coder"
    assert str(worktree) in repo.worktrees()  # not lost
    branch = f"swarm/{folder.name}/coder"
    # Its own commit's objects are still in the session, not yet in the repository.
    assert not repo.ok("cat-file", "-e", repo.tip(branch))

    listed = cli("merge", str(folder), "--json")
    assert listed.returncode == 0, listed.stderr
    [check] = json.loads(listed.stdout)["branches"]
    assert (check["agent"], check["status"], check["uncommitted"]) == (
        "coder",
        "clean",
        ["left.txt"],
    )

    # The next session in the repository says the worktree is still there.
    other = batch_in(repo, 'Task("next", "More.", {type: "coder"})\n', "next.swarm.js")
    ran = run_sync(other, tmp_path / "more-sessions", settings("echo ok"))
    opened = ran.of("workspace_opened")[0]
    assert opened.leftovers == [f"{worktree} ({branch})"]

    refused = cli("delete", str(folder))  # (no terminal to ask on, no --yes)
    assert refused.returncode == 1 and "merged nowhere else" in refused.stderr
    assert "1 commit merged nowhere, 1 uncommitted file" in refused.stderr
    assert folder.is_dir() and repo.ok("rev-parse", "--verify", branch)

    merged = cli("merge", str(folder), "coder", "--into", "rescue")
    assert merged.returncode == 0, merged.stderr
    assert repo.show("rescue", "mine.txt") == "one" and repo.show("rescue", "left.txt") == "two"
    assert "own work" in repo.git("log", "--format=%s", "rescue")
    repo.git("fsck", "--no-dangling")

    deleted = cli("delete", str(folder))  # its work is in `rescue` now: nothing to confirm
    assert deleted.returncode == 0, deleted.stderr
    assert "with 1 worktrees and 1 branches" in deleted.stdout
    assert not folder.exists() and str(worktree) not in repo.worktrees()
    assert branch not in repo.branches()
    assert repo.show("rescue", "mine.txt") == "one"


def test_a_killed_session_resumes_in_its_worktree(tmp_path: Path) -> None:
    repo, folder = _killed_run(tmp_path)
    resumed = subprocess.run(
        [*CLI, "resume", str(folder), "--command", "echo three > more.txt; echo again"],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr + resumed.stdout
    branch = f"swarm/{folder.name}/coder"
    log = repo.git("log", "--format=%s", f"main..{branch}").splitlines()
    assert log == [
        "coder: its work, committed by swarmtui when it ended (done)",
        "coder: work left by an earlier run, committed by swarmtui",
        "own work",
    ]
    assert repo.show(branch, "more.txt") == "three" and repo.show(branch, "left.txt") == "two"
    repo.git("fsck", "--no-dangling")


def test_worktrees_of_a_folder_deleted_by_hand_are_pruned_by_the_next_session(
    tmp_path: Path,
) -> None:
    import shutil

    repo, folder = _killed_run(tmp_path)
    shutil.rmtree(folder)
    stale = str(folder / "worktrees" / "coder")
    assert stale in repo.worktrees()
    other = batch_in(repo, 'Task("next", "More.", {type: "coder"})\n', "next.swarm.js")
    ran = run_sync(other, tmp_path / "more-sessions", settings("echo ok"))
    assert ran.state.status == "completed"
    assert stale not in repo.worktrees()
    assert ran.of("workspace_opened")[0].leftovers == []


def test_delete_asks_about_unmerged_work_and_removes_everything_with_yes(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path / "repo")
    batch = batch_in(repo, ONE_AGENT)
    ran = run_sync(batch, tmp_path / "sessions", settings("echo new > new.txt; echo ok"))
    branch = ran.branch("coder")
    refused = cli("delete", str(ran.path), stdin="")
    assert (
        refused.returncode == 1 and f"coder ({branch}): 1 commit merged nowhere" in refused.stderr
    )
    deleted = cli("delete", str(ran.path), "--yes")
    assert deleted.returncode == 0, deleted.stderr
    assert repo.branches() == [] and repo.worktrees() == [str(repo.path)]
    assert not ran.path.exists()
    assert sys.executable  # (the CLI ran in this interpreter)
