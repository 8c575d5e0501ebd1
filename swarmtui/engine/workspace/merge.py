"""Merging agents' branches back, after the session: what would conflict, checked in advance
with `git merge-tree` (nothing touched), then the merge of the chosen branches.

    target = resolve_target(git, repo_top, into)             # the current branch, or --into's
    checks = check_branches(git, repo_top, target, branches)  # clean, conflicts, merged...
    plan = plan_merge(git, repo_top, target, chosen)          # the result, or the conflicts
    apply_merge(git, repo_top, target, plan, confirmed=True)

The merged commit is computed first, without a working tree; only then does anything move: a
branch that is not checked out is moved (or made) at once; the branch checked out in the user's
working tree moves only when the caller says the user confirmed, and never over uncommitted
changes of the files the merge changes (git's own `merge --ff-only` refuses those too).
A branch left unfinished by an interrupted session (its objects still in the session, files
left uncommitted) is finished first, on its own branch (`salvage`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from swarmtui.engine.state import SessionState
from swarmtui.engine.workspace import worktrees as wt
from swarmtui.engine.workspace.combine import commit_tree, is_ancestor, merge_trees
from swarmtui.engine.workspace.git import Git, GitError
from swarmtui.engine.workspace.repo import Repository, WorkspaceProblem, named, uncommitted_files

BranchStatus = Literal["clean", "conflicts", "merged", "missing"]


@dataclass(frozen=True)
class AgentBranch:
    """An agent's branch as the session recorded it."""

    agent: str
    branch: str
    worktree: Path  # absolute (it may be gone)
    objects: Path  # its object folder in the session
    base: str
    diff_base: str
    copied: tuple[str, ...] = ()
    committed: bool = False  # its end was recorded (agent_committed)


@dataclass(frozen=True)
class Target:
    branch: str
    tip: str  # its commit (for a new branch: the commit it starts from)
    exists: bool
    checked_out: Path | None  # the working tree it is checked out in, if any
    in_user_tree: bool  # that working tree is the repository's main one


@dataclass
class BranchCheck:
    agent: str
    branch: str
    status: BranchStatus
    tip: str | None = None
    conflicts: list[str] = field(default_factory=list)
    uncommitted: list[str] = field(default_factory=list)  # left in its worktree (interrupted)
    commits: int = 0  # commits the target does not have


@dataclass
class MergePlan:
    """The result of merging the chosen branches into the target, one after another."""

    commit: str  # the target's new tip (its old one when there is nothing to merge)
    merged: list[str] = field(default_factory=list)  # agents whose work it brings in
    already: list[str] = field(default_factory=list)  # agents the target has already
    changed_files: list[str] = field(default_factory=list)


@dataclass
class MergeResult:
    target: Target
    commit: str
    merged: list[str]
    already: list[str]
    moved_files: int  # files of the user's working tree that changed (0 when not checked out)


def session_branches(state: SessionState, session_path: Path) -> tuple[Path, list[AgentBranch]]:
    """The repository and the agents' branches of a recorded session; `WorkspaceProblem` when
    its agents had no worktrees."""
    w = state.workspace
    if w is None or w.repo is None or w.refused is not None:
        raise WorkspaceProblem(f"{session_path}: its agents had no git worktrees")
    branches = []
    for a in state.agents.values():
        t = a.worktree
        if t is None or not t.branch or not t.path:
            continue
        slug = Path(t.path).name
        branches.append(
            AgentBranch(
                agent=a.name,
                branch=t.branch,
                worktree=session_path / t.path,
                objects=session_path / wt.OBJECTS / slug,
                base=t.base,
                diff_base=t.diff_base or t.base,
                copied=tuple(t.copied),
                committed=t.commit is not None and a.status != "running",
            )
        )
    return Path(w.repo), branches


def agent_objects_env(branch: AgentBranch) -> dict[str, str] | None:
    """The variables that let git read objects only the agent's folder holds (interrupted)."""
    if branch.objects.is_dir():
        return {"GIT_ALTERNATE_OBJECT_DIRECTORIES": str(branch.objects)}
    return None


def branch_tip(git: Git, top: Path, branch: AgentBranch) -> str | None:
    done = git.run(
        ["rev-parse", "--verify", "--quiet", f"refs/heads/{branch.branch}^{{commit}}"],
        cwd=top,
        env=agent_objects_env(branch),
        check=False,
    )
    text = done.stdout.decode("utf-8", "replace").strip()
    return text if done.returncode == 0 and text else None


def _checked_out(git: Git, top: Path) -> dict[str, Path]:
    """Branch -> the working tree it is checked out in."""
    out = git.text(["worktree", "list", "--porcelain"], cwd=top)
    found: dict[str, Path] = {}
    path: Path | None = None
    for line in out.splitlines():
        if line.startswith("worktree "):
            path = Path(line.removeprefix("worktree "))
        elif line.startswith("branch refs/heads/") and path is not None:
            found[line.removeprefix("branch refs/heads/")] = path
    return found


def resolve_target(git: Git, top: Path, into: str | None) -> Target:
    """The branch to merge into: INTO (made from the current HEAD when it does not exist), or
    the branch checked out in the repository's working tree."""
    main_tree = Path(git.text(["rev-parse", "--show-toplevel"], cwd=top))
    checked = _checked_out(git, top)
    if into is None:
        done = git.run(["symbolic-ref", "--quiet", "--short", "HEAD"], cwd=main_tree, check=False)
        into = done.stdout.decode("utf-8", "replace").strip()
        if done.returncode != 0 or not into:
            raise WorkspaceProblem(
                f"{main_tree}: HEAD is detached; name the branch to merge into (--into BRANCH)"
            )
    if not git.ok(["check-ref-format", "--branch", into], cwd=top):
        raise WorkspaceProblem(f"{into!r}: not a valid branch name")
    done = git.run(
        ["rev-parse", "--verify", "--quiet", f"refs/heads/{into}^{{commit}}"], cwd=top, check=False
    )
    tip = done.stdout.decode("utf-8", "replace").strip()
    exists = done.returncode == 0 and bool(tip)
    if not exists:
        tip = git.text(["rev-parse", "--verify", "HEAD^{commit}"], cwd=main_tree)
    where = checked.get(into)
    return Target(
        branch=into,
        tip=tip,
        exists=exists,
        checked_out=where,
        in_user_tree=where is not None and where.resolve() == main_tree.resolve(),
    )


def left_uncommitted(git: Git, branch: AgentBranch) -> list[str]:
    """Files its worktree holds that are not committed on its branch (an interrupted run)."""
    if not branch.worktree.is_dir():
        return []
    try:
        env = agent_objects_env(branch)
        files = uncommitted_files(git, branch.worktree, untracked=True, env=env)
    except GitError:
        return []
    copied = set(branch.copied)
    return [f for f in files if f not in copied]


def _unfinished_objects(branch: AgentBranch) -> bool:
    return branch.objects.is_dir() and any(files for _root, _dirs, files in os.walk(branch.objects))


def check_branches(
    git: Git, top: Path, target: Target, branches: list[AgentBranch]
) -> list[BranchCheck]:
    """Each branch against TARGET on its own: clean, conflicting (which files), merged already,
    or gone; and what its worktree left uncommitted. Nothing is changed."""
    checks = []
    for branch in branches:
        tip = branch_tip(git, top, branch)
        uncommitted = left_uncommitted(git, branch)
        if tip is None:
            checks.append(BranchCheck(branch.agent, branch.branch, "missing"))
            continue
        env = agent_objects_env(branch)
        count = git.text(["rev-list", "--count", tip, f"^{target.tip}"], cwd=top, env=env)
        check = BranchCheck(
            branch.agent, branch.branch, "merged", tip, uncommitted=uncommitted, commits=int(count)
        )
        if check.commits or uncommitted:
            tree, conflicts = merge_trees(git, top, target.tip, tip, env=env)
            check.status = "clean" if tree is not None else "conflicts"
            check.conflicts = conflicts
        checks.append(check)
    return checks


def salvage(git: Git, repo_top: Path, branch: AgentBranch) -> None:
    """Finish the branch of an agent an interrupted session left unfinished: bring its commits'
    objects into the repository and commit what its worktree holds, on its own branch."""
    if not branch.worktree.is_dir():
        return
    if not left_uncommitted(git, branch) and not _unfinished_objects(branch):
        return
    git_dir = Path(
        git.text(["rev-parse", "--path-format=absolute", "--git-common-dir"], cwd=repo_top)
    )
    repo = Repository(top=repo_top, git_dir=git_dir, head=branch.base, branch=None)
    tree = wt.Worktree(
        agent=branch.agent,
        slug=branch.worktree.name,
        path=branch.worktree,
        objects=branch.objects,
        branch=branch.branch,
        base=branch.base,
        diff_base=branch.diff_base,
        copied=list(branch.copied),
    )
    message = f"{branch.agent}: work left when its session was interrupted, committed by swarmtui"
    wt.finish(git, repo, tree, message)


def plan_merge(
    git: Git, top: Path, target: Target, chosen: list[AgentBranch], *, finish: bool = False
) -> MergePlan:
    """The target's tip once CHOSEN are merged into it in order (fast-forward where possible),
    computed without touching a working tree; `WorkspaceProblem` naming the branch and the files
    that conflict. FINISH: first salvage what an interrupted session left (for a real merge)."""
    commit = target.tip
    plan = MergePlan(commit)
    for branch in chosen:
        if finish:
            salvage(git, top, branch)
        tip = branch_tip(git, top, branch)
        if tip is None:
            raise WorkspaceProblem(f"branch {branch.branch} ({branch.agent}) no longer exists")
        env = agent_objects_env(branch)
        if is_ancestor(git, top, tip, commit, env=env):
            plan.already.append(branch.agent)
            continue
        if is_ancestor(git, top, commit, tip, env=env):
            commit = tip
        else:
            tree, conflicts = merge_trees(git, top, commit, tip, env=env)
            if tree is None:
                raise WorkspaceProblem(
                    f"{branch.agent}'s branch {branch.branch} conflicts with "
                    f"{target.branch}{' and the branches before it' if plan.merged else ''} "
                    f"in {named(conflicts, 5)}",
                    conflicts,
                )
            message = f"Merge {branch.branch} (swarmtui agent {branch.agent}) into {target.branch}"
            commit = commit_tree(git, top, tree, [commit, tip], message, env=env)
        plan.merged.append(branch.agent)
    plan.commit = commit
    if commit != target.tip:
        out = git.run(["diff", "--name-only", "-z", "--no-renames", target.tip, commit], cwd=top)
        plan.changed_files = [p for p in out.stdout.decode("utf-8", "replace").split("\0") if p]
    return plan


def apply_merge(
    git: Git, top: Path, target: Target, plan: MergePlan, *, confirmed: bool
) -> MergeResult:
    """Move the target to the plan's commit. The branch checked out in the user's working tree
    moves only when CONFIRMED, and never over uncommitted changes to the files it changes."""
    result = MergeResult(target, plan.commit, plan.merged, plan.already, 0)
    if plan.commit == target.tip and target.exists:
        return result
    ref = f"refs/heads/{target.branch}"
    if target.checked_out is None:
        old = target.tip if target.exists else "0" * len(target.tip)
        git.run(["update-ref", "-m", "swarmtui merge", ref, plan.commit, old], cwd=top)
        return result
    if not target.in_user_tree:
        raise WorkspaceProblem(
            f"{target.branch} is checked out in {target.checked_out}; merge there, or into "
            "another branch (--into)"
        )
    if not confirmed:
        raise WorkspaceProblem(
            f"merging into {target.branch} changes files in {target.checked_out}: "
            "it needs a confirmation"
        )
    user_tree = target.checked_out
    touched = set(plan.changed_files)
    dirty = [f for f in uncommitted_files(git, user_tree, untracked=True) if f in touched]
    if dirty:
        raise WorkspaceProblem(
            f"{user_tree}: uncommitted changes to {named(dirty)}, which the merge changes; "
            "commit or stash them first",
            dirty,
        )
    git.run(["merge", "--ff-only", "--quiet", plan.commit], cwd=user_tree)
    result.moved_files = len(plan.changed_files)
    return result
