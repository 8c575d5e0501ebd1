"""The workspace part of `SessionState`: the repository agents work in, each agent's worktree,
branch and diff, folded from the workspace events (see `swarmtui.engine.state.apply`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, assert_never

from swarmtui.engine.events import (
    AgentCommitted,
    BranchesMerged,
    WorkspaceOpened,
    WorkspaceRefused,
    WorktreeCreated,
    WorktreeFailed,
    WorktreeSetup,
)


@dataclass
class WorkspaceState:
    """The repository of the session, or why there is none (`refused`)."""

    repo: str | None = None
    head: str | None = None
    branch: str | None = None
    git_version: str = ""
    asked: bool = False
    setup: str | None = None
    leftovers: list[str] = field(default_factory=list)
    refused: str | None = None  # why no worktrees (the session stopped when `stopped`)
    stopped: bool = False
    merges: list[MergeState] = field(default_factory=list)  # made after the session


@dataclass
class MergeState:
    """Agents' branches merged back after the session (see `BranchesMerged`)."""

    target: str
    new_branch: bool
    previous: str
    commit: str
    agents: list[str]
    already: list[str]
    files: int
    working_tree_files: int
    by: str
    merged_at: str


@dataclass
class FileStat:
    path: str
    added: int = 0
    removed: int = 0
    binary: bool = False


@dataclass
class WorktreeState:
    """One agent's worktree: where, on which branch, from what, and what it changed."""

    path: str  # relative to the session folder
    branch: str
    base: str
    providers: list[str] = field(default_factory=list)
    copied: list[str] = field(default_factory=list)
    failed: str | None = None  # the stage and reason of a failure
    conflicts: list[str] = field(default_factory=list)
    setup: str | None = None  # how [workspace] setup ended ("exit 0", "denied: ...")
    commit: str | None = None  # the branch's tip when the agent ended
    diff_base: str | None = None
    commits: int = 0
    committed_rest: bool = False
    added: int = 0
    removed: int = 0
    files: list[FileStat] = field(default_factory=list)
    more_files: int = 0
    patch: str | None = None
    notes: list[str] = field(default_factory=list)


def workspace_opened(e: WorkspaceOpened) -> WorkspaceState:
    return WorkspaceState(
        repo=e.repo,
        head=e.head,
        branch=e.branch,
        git_version=e.git_version,
        asked=e.asked,
        setup=e.setup,
        leftovers=list(e.leftovers),
    )


def workspace_refused(e: WorkspaceRefused) -> WorkspaceState:
    return WorkspaceState(repo=e.repo, refused=e.reason, stopped=e.stopped)


def branches_merged(before: WorkspaceState | None, e: BranchesMerged) -> WorkspaceState:
    w = before if before is not None else WorkspaceState()
    w.merges.append(
        MergeState(
            target=e.target,
            new_branch=e.new_branch,
            previous=e.previous,
            commit=e.commit,
            agents=list(e.agents),
            already=list(e.already),
            files=e.files,
            working_tree_files=e.working_tree_files,
            by=e.by,
            merged_at=e.merged_at,
        )
    )
    return w


def merge_text(m: MergeState | BranchesMerged) -> str:
    """How a merge is told (the log, the headless summary): who into what, and what changed."""
    made = " (a new branch)" if m.new_branch else ""
    files = f"{m.files} file{'s' if m.files != 1 else ''}"
    moved = f", {m.working_tree_files} in the working tree" if m.working_tree_files else ""
    when = f" on {m.merged_at}" if m.merged_at else ""
    return (
        f"merged {', '.join(m.agents)} into {m.target}{made} at {m.commit[:10]} "
        f"({files}{moved}) by {'the app' if m.by == 'app' else 'swarmtui merge'}{when}"
    )


def worktree_created(before: WorktreeState | None, e: WorktreeCreated) -> WorktreeState:
    tree = WorktreeState(
        path=e.path,
        branch=e.branch,
        base=e.base,
        providers=list(e.providers),
        copied=list(e.copied),
    )
    if before is not None and e.reused:  # (a retry: what it committed before is still there)
        tree.commit, tree.diff_base, tree.patch = before.commit, before.diff_base, before.patch
        tree.added, tree.removed, tree.files = before.added, before.removed, before.files
        tree.commits, tree.more_files = before.commits, before.more_files
    return tree


def worktree_failed(before: WorktreeState | None, e: WorktreeFailed) -> WorktreeState:
    tree = before if before is not None else WorktreeState(path="", branch="", base="")
    tree.failed = f"{e.stage}: {e.reason}"
    tree.conflicts = list(e.files)
    return tree


def worktree_setup(before: WorktreeState | None, e: WorktreeSetup) -> WorktreeState | None:
    if before is not None:
        ran = f"exit {e.exit_status}" if e.exit_status is not None else "rehearsed, not run"
        before.setup = e.reason or ran
    return before


def agent_committed(before: WorktreeState | None, e: AgentCommitted) -> WorktreeState:
    tree = before if before is not None else WorktreeState(path="", branch=e.branch, base=e.base)
    tree.commit, tree.diff_base, tree.commits = e.commit, e.base, e.commits
    tree.committed_rest, tree.added, tree.removed = e.committed_rest, e.added, e.removed
    tree.files = [FileStat(f.path, f.added, f.removed, f.binary) for f in e.files]
    tree.more_files, tree.patch, tree.notes = e.more_files, e.patch, list(e.notes)
    return tree


def fold_worktree(
    before: WorktreeState | None,
    e: AgentCommitted | WorktreeCreated | WorktreeFailed | WorktreeSetup,
) -> WorktreeState | None:
    """An agent's worktree after one of its events."""
    match e:
        case WorktreeCreated():
            return worktree_created(before, e)
        case AgentCommitted():
            return agent_committed(before, e)
        case WorktreeFailed():
            return worktree_failed(before, e)
        case WorktreeSetup():
            return worktree_setup(before, e)
        case _:
            assert_never(e)


def workspace_json(w: WorkspaceState | None) -> dict[str, Any] | None:
    if w is None:
        return None
    return {
        "repo": w.repo,
        "head": w.head,
        "branch": w.branch,
        "git_version": w.git_version,
        "asked": w.asked,
        "setup": w.setup,
        "leftovers": list(w.leftovers),
        "refused": w.refused,
        "stopped": w.stopped,
        "merges": [merge_json(m) for m in w.merges],
    }


def merge_json(m: MergeState) -> dict[str, Any]:
    return {
        "target": m.target,
        "new_branch": m.new_branch,
        "previous": m.previous,
        "commit": m.commit,
        "agents": list(m.agents),
        "already": list(m.already),
        "files": m.files,
        "working_tree_files": m.working_tree_files,
        "by": m.by,
        "merged_at": m.merged_at,
    }


def worktree_json(t: WorktreeState | None) -> dict[str, Any] | None:
    if t is None:
        return None
    return {
        "path": t.path,
        "branch": t.branch,
        "base": t.base,
        "providers": list(t.providers),
        "copied": list(t.copied),
        "failed": t.failed,
        "conflicts": list(t.conflicts),
        "setup": t.setup,
        "commit": t.commit,
        "diff_base": t.diff_base,
        "commits": t.commits,
        "committed_rest": t.committed_rest,
        "added": t.added,
        "removed": t.removed,
        "files": [
            {"path": f.path, "added": f.added, "removed": f.removed, "binary": f.binary}
            for f in t.files
        ],
        "more_files": t.more_files,
        "patch": t.patch,
        "notes": list(t.notes),
    }
