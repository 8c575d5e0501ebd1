"""`.worktreeinclude`: files a new worktree gets copied from the user's working tree.

A worktree holds only what is committed; files a project needs but never commits (`.env`, a
local configuration) are named in `.worktreeinclude` at the repository's top, in .gitignore's
syntax, as Claude Code reads it. Files not tracked by git that match are copied (links as
links), never over a file that is there, never through a link out of the worktree.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from swarmtui.engine.workspace.git import Git

INCLUDE_FILE = ".worktreeinclude"


def included_files(git: Git, top: Path) -> list[str]:
    """The untracked files of the working tree at TOP that `.worktreeinclude` names."""
    listing = top / INCLUDE_FILE
    if not listing.is_file():
        return []
    out = git.run(
        ["ls-files", "-z", "--others", "--ignored", f"--exclude-from={listing}"], cwd=top
    ).stdout
    return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]


def _no_link_on_the_way(root: Path, relative: str) -> bool:
    folder = root
    for part in Path(relative).parts[:-1]:
        folder = folder / part
        if folder.is_symlink():
            return False
    return True


def copy_included(git: Git, top: Path, worktree: Path) -> list[str]:
    """Copy the files `.worktreeinclude` names from TOP into WORKTREE; those copied."""
    copied: list[str] = []
    for relative in included_files(git, top):
        source = top / relative
        target = worktree / relative
        if ".." in Path(relative).parts or os.path.lexists(target):
            continue
        if not _no_link_on_the_way(worktree, relative):
            continue  # (it would lead out of the worktree)
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
        elif source.is_file():
            shutil.copy2(source, target, follow_symlinks=False)
        else:
            continue
        copied.append(relative)
    return copied
