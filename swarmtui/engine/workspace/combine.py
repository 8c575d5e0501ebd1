"""Merging commits without a working tree (`git merge-tree --write-tree`): the base of an agent
that waited for others, and every merge swarmtui makes, are computed here; nothing checked out
changes until the result is known to be free of conflicts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from swarmtui.engine.workspace.git import Git, identity


@dataclass
class Combined:
    """The merge of some commits: its commit, or the files that conflict (and between what)."""

    commit: str | None
    conflicts: list[str] = field(default_factory=list)
    # The commit that could not be merged into those before it.
    conflicting: str | None = None


def independent(git: Git, top: Path, commits: list[str]) -> list[str]:
    """COMMITS without those another of them contains (and without repeats), in their order."""
    unique = list(dict.fromkeys(commits))
    if len(unique) < 2:
        return unique
    kept = set(git.text(["merge-base", "--independent", *unique], cwd=top).split())
    return [c for c in unique if c in kept]


def merge_trees(
    git: Git, top: Path, ours: str, theirs: str, env: Mapping[str, str] | None = None
) -> tuple[str | None, list[str]]:
    """(the merged tree, []) or (None, the conflicting files) for merging THEIRS into OURS."""
    done = git.run(
        [
            "merge-tree",
            "--write-tree",
            "--no-messages",
            "--name-only",
            "-z",
            "--allow-unrelated-histories",
            ours,
            theirs,
        ],
        cwd=top,
        env=env,
        check=False,
    )
    if done.returncode not in (0, 1):  # (run again for its error)
        git.run(["merge-tree", "--write-tree", ours, theirs], cwd=top, env=env)
    parts = done.stdout.decode("utf-8", "replace").split("\0")
    if done.returncode == 0:
        return parts[0].strip(), []
    files: list[str] = []
    for part in parts[1:]:
        if not part:
            break
        if part not in files:
            files.append(part)
    return None, files


def commit_tree(
    git: Git,
    top: Path,
    tree: str,
    parents: list[str],
    message: str,
    env: Mapping[str, str] | None = None,
) -> str:
    args = ["commit-tree", tree]
    for parent in parents:
        args += ["-p", parent]
    return git.text([*args, "-m", message], cwd=top, env=env, options=identity("swarmtui"))


def combine(git: Git, top: Path, commits: list[str], message: str) -> Combined:
    """One commit holding all of COMMITS: the one itself when a single commit holds the
    others; else a merge commit whose parents are all of them (merged two at a time)."""
    heads = independent(git, top, commits)
    if not heads:
        return Combined(None)
    if len(heads) == 1:
        return Combined(heads[0])
    merged = heads[0]
    tree: str | None = None
    for index, other in enumerate(heads[1:], start=1):
        tree, conflicts = merge_trees(git, top, merged, other)
        if tree is None:
            return Combined(None, conflicts, other)
        if index < len(heads) - 1:  # the next merge needs a commit to find its merge base
            merged = commit_tree(git, top, tree, [merged, other], message)
    assert tree is not None
    return Combined(commit_tree(git, top, tree, heads, message))


def is_ancestor(
    git: Git, top: Path, commit: str, of: str, env: Mapping[str, str] | None = None
) -> bool:
    return git.ok(["merge-base", "--is-ancestor", commit, of], cwd=top, env=env)
