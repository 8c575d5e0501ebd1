"""Removing a session's worktrees and branches (when the session is deleted), after saying
which of them hold work that exists nowhere else: commits no other branch, tag or remote
branch has, or files an interrupted agent left uncommitted in its worktree."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from swarmtui.engine.workspace.git import Git, GitError
from swarmtui.engine.workspace.merge import (
    AgentBranch,
    agent_objects_env,
    branch_tip,
    left_uncommitted,
)


@dataclass(frozen=True)
class Unmerged:
    agent: str
    branch: str
    commits: int  # commits on its branch that no other branch, tag or remote branch has
    uncommitted: int  # files left uncommitted in its worktree

    def describe(self) -> str:
        parts = []
        if self.commits:
            parts.append(f"{self.commits} commit{'s' if self.commits != 1 else ''} merged nowhere")
        if self.uncommitted:
            count = self.uncommitted
            parts.append(f"{count} uncommitted file{'s' if count != 1 else ''}")
        return f"{self.agent} ({self.branch}): {', '.join(parts)}"


@dataclass
class Cleanup:
    worktrees: list[str] = field(default_factory=list)  # removed
    branches: list[str] = field(default_factory=list)  # deleted
    problems: list[str] = field(default_factory=list)  # one line each


def _namespace(branches: list[AgentBranch]) -> set[str]:
    """The session's branch folders (`swarm/<session>`)."""
    return {b.branch.rsplit("/", 1)[0] for b in branches}


def unmerged_work(git: Git, top: Path, branches: list[AgentBranch]) -> list[Unmerged]:
    """The branches whose work would be lost with them."""
    excluded = [f"--exclude={space}/*" for space in sorted(_namespace(branches))]
    found = []
    for branch in branches:
        uncommitted = len(left_uncommitted(git, branch))
        tip = branch_tip(git, top, branch)
        commits = 0
        if tip is not None:
            args = ["rev-list", "--count", tip, "--not", *excluded, "--branches"]
            count = git.text([*args, "--tags", "--remotes"], cwd=top, env=agent_objects_env(branch))
            commits = int(count or 0)
        if commits or uncommitted:
            found.append(Unmerged(branch.agent, branch.branch, commits, uncommitted))
    return found


def remove_worktrees(git: Git, top: Path, branches: list[AgentBranch]) -> Cleanup:
    """Remove the worktrees of BRANCHES, then the branches themselves; what could not be
    removed is said, never raised."""
    done = Cleanup()
    for branch in branches:
        if not branch.worktree.exists():
            continue
        try:
            git.run(["worktree", "remove", "--force", "--force", str(branch.worktree)], cwd=top)
        except GitError as exc:
            shutil.rmtree(branch.worktree, ignore_errors=True)  # (not a worktree any more)
            if branch.worktree.exists():
                done.problems.append(f"{branch.worktree}: not removed ({exc})")
                continue
        done.worktrees.append(str(branch.worktree))
    try:
        git.run(["worktree", "prune"], cwd=top)
    except GitError as exc:
        done.problems.append(str(exc))
    for branch in branches:
        ref = f"refs/heads/{branch.branch}"
        if not git.ok(["show-ref", "--verify", "--quiet", ref], cwd=top):
            continue
        try:
            git.run(["update-ref", "-d", ref], cwd=top)
        except GitError as exc:
            done.problems.append(f"branch {branch.branch}: not deleted ({exc})")
            continue
        done.branches.append(branch.branch)
    return done
