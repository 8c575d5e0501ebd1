"""A recorded session's git worktrees: the agents' branches it left, and deleting the session
with its worktrees and branches (after the caller has confirmed work merged nowhere else).

The sessions browser's delete and `swarmtui delete` both come here; a session that recorded no
worktrees is only its folder.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from swarmtui.engine.events import BranchesMerged
from swarmtui.engine.state import SessionState
from swarmtui.engine.workspace.cleanup import Cleanup, Unmerged, remove_worktrees, unmerged_work
from swarmtui.engine.workspace.git import Git, GitError, find_git
from swarmtui.engine.workspace.merge import (
    AgentBranch,
    BranchCheck,
    MergePlan,
    MergeResult,
    Target,
    apply_merge,
    check_branches,
    plan_merge,
    resolve_target,
    session_branches,
)
from swarmtui.engine.workspace.repo import WorkspaceProblem
from swarmtui.store.errors import SessionStoreError
from swarmtui.store.eventlog import writer_alive
from swarmtui.store.late_events import append_late_event
from swarmtui.store.replay import replay_state


@dataclass
class RecordedWorktrees:
    """What a recorded session left in its repository."""

    state: SessionState
    repo: Path | None = None
    branches: list[AgentBranch] = field(default_factory=list)
    git: Git | None = None
    problem: str | None = None  # why its repository cannot be reached (git gone, repo gone)


def recorded_worktrees(session_path: Path) -> RecordedWorktrees:
    """The repository and agents' branches SESSION_PATH recorded (none: no worktrees).
    `SessionStoreError` when its log cannot be read."""
    state = replay_state(session_path)
    found = RecordedWorktrees(state)
    if state.workspace is None or state.workspace.refused is not None:
        return found
    try:
        found.repo, found.branches = session_branches(state, session_path.resolve())
    except WorkspaceProblem:
        return found
    if state.forked_from is not None:  # a fork: the branches of the agents it carried over
        carried = set(state.forked_from.carried)  # are its source's, never its own to delete
        found.branches = [b for b in found.branches if b.agent not in carried]
    if not found.branches:
        return found
    try:
        found.git = find_git()
    except GitError as exc:
        found.problem = str(exc)
        return found
    if not found.repo.is_dir():
        found.problem = f"its repository {found.repo} is gone"
    return found


class UnmergedWork(SessionStoreError):
    """Deleting the session would lose work merged nowhere else."""

    def __init__(self, session_path: Path, unmerged: list[Unmerged]) -> None:
        self.unmerged = unmerged
        listed = "; ".join(u.describe() for u in unmerged)
        super().__init__(f"{session_path}: work merged nowhere else would be lost: {listed}")


def unmerged_in(recorded: RecordedWorktrees) -> list[Unmerged]:
    if recorded.git is None or recorded.repo is None or recorded.problem is not None:
        return []
    return unmerged_work(recorded.git, recorded.repo, recorded.branches)


def delete_session(session_path: Path, *, discard_unmerged: bool = False) -> Cleanup:
    """Delete the session folder, and first its worktrees and branches in the repository.
    `UnmergedWork` (nothing deleted) when some of them hold work merged nowhere else, unless
    DISCARD_UNMERGED; `SessionStoreError` when it is still running."""
    if writer_alive(session_path):
        raise SessionStoreError(f"{session_path}: still running (another process records it)")
    try:
        recorded = recorded_worktrees(session_path)
    except SessionStoreError:
        recorded = None  # (an unreadable log: only the folder can go)
    done = Cleanup()
    if recorded is not None and recorded.branches:
        if recorded.problem is not None:
            done.problems.append(recorded.problem)
        elif recorded.git is not None and recorded.repo is not None:
            unmerged = unmerged_in(recorded)
            if unmerged and not discard_unmerged:
                raise UnmergedWork(session_path, unmerged)
            done = remove_worktrees(recorded.git, recorded.repo, recorded.branches)
    shutil.rmtree(session_path)
    return done


@dataclass
class MergeView:
    """What the merge view shows: the target branch and each agent branch checked against it."""

    session_path: Path
    repo: Path
    target: Target
    checks: list[BranchCheck]
    branches: list[AgentBranch]
    git: Git


def merge_view(session_path: Path, into: str | None = None) -> MergeView:
    """The session's agent branches checked against INTO (the current branch when None);
    `WorkspaceProblem` (one line) when there is nothing to merge or the repository is gone."""
    recorded = recorded_worktrees(session_path)
    if not recorded.branches or recorded.repo is None:
        raise WorkspaceProblem(f"{session_path.name}: its agents had no git worktrees")
    if recorded.problem is not None or recorded.git is None:
        raise WorkspaceProblem(recorded.problem or "git is missing")
    git, repo = recorded.git, recorded.repo
    target = resolve_target(git, repo, into)
    checks = check_branches(git, repo, target, recorded.branches)
    return MergeView(session_path, repo, target, checks, recorded.branches, git)


def plan_chosen(view: MergeView, agents: list[str]) -> MergePlan:
    """What merging AGENTS would do (nothing is changed); `WorkspaceProblem` on a conflict."""
    chosen = [b for b in view.branches if b.agent in agents]
    return plan_merge(view.git, view.repo, view.target, chosen)


def merge_chosen(
    view: MergeView, agents: list[str], *, confirmed: bool
) -> tuple[MergeResult, str | None]:
    """Merge AGENTS' branches into the view's target (see `apply_merge` for CONFIRMED) and
    record it in the session's log; why it could not be recorded, if so."""
    chosen = [b for b in view.branches if b.agent in agents]
    plan = plan_merge(view.git, view.repo, view.target, chosen, finish=True)
    result = apply_merge(view.git, view.repo, view.target, plan, confirmed=confirmed)
    return result, record_merge(view.session_path, plan, result, by="app")


def record_merge(
    session_path: Path, plan: MergePlan, result: MergeResult, *, by: Literal["app", "cli"]
) -> str | None:
    """Record a merge that was made (a `branches_merged` event in the session's log, so its
    replay shows it); why it could not be, if so. A merge that brought nothing in is not one."""
    if not result.merged:
        return None
    target = result.target
    event = BranchesMerged(
        target=target.branch,
        new_branch=not target.exists,
        previous=target.tip,
        commit=result.commit,
        agents=list(result.merged),
        already=list(result.already),
        files=len(plan.changed_files),
        working_tree_files=result.moved_files,
        by=by,
        merged_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    try:
        append_late_event(session_path, event)
    except SessionStoreError as exc:
        return f"the merge is not recorded in the session: {exc}"
    return None


def deletion_notes(session_path: Path) -> list[str]:
    """What deleting the session also removes, and the work that would be lost with it (for
    the question asked before deleting); none for a session without worktrees."""
    try:
        recorded = recorded_worktrees(session_path)
    except SessionStoreError:
        return []
    if not recorded.branches or recorded.repo is None:
        return []
    count = len(recorded.branches)
    trees = f"{count} git worktree{'s' if count != 1 else ''}"
    notes = [f"Its {trees} and branches in {recorded.repo} go too."]
    if recorded.problem is not None:
        return [f"Its git worktrees stay: {recorded.problem}."]
    unmerged = unmerged_in(recorded)
    if unmerged:
        notes.append(
            "Work merged nowhere else is lost: " + "; ".join(u.describe() for u in unmerged)
        )
    return notes
