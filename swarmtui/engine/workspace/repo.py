"""The user's repository: find it, and say in one line why agents cannot work in it.

`inspect_repository` refuses what would surprise: no git or too old a git, not a repository, a
bare one, one without a commit, a detached HEAD (the agents' work merges back into a branch), a
shallow clone (merging needs history), submodules (worktrees leave them empty), and a working
tree with uncommitted changes (agents start from HEAD and would not see them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from swarmtui.engine.workspace.git import Git, GitError

# How many changed files a "dirty working tree" line names.
NAMED_FILES = 3


class WorkspaceProblem(Exception):
    """Agents cannot work in the repository (or an agent cannot work in its worktree); `str`
    is the one line to show; `files` names the files concerned (a merge's conflicts)."""

    def __init__(self, message: str, files: list[str] | None = None) -> None:
        super().__init__(message)
        self.files = files or []


@dataclass(frozen=True)
class Repository:
    top: Path  # the folder of its main working tree
    git_dir: Path  # the common git folder (objects, refs, worktrees/)
    head: str  # the commit checked out there
    branch: str | None  # the branch checked out there (None: detached)


def named(paths: list[str], limit: int = NAMED_FILES) -> str:
    """`a.py, b.py, c.py and 2 more`."""
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


def repository_of(git: Git, folder: Path) -> Path | None:
    """The top folder of the working tree FOLDER is in, or None when it is in none."""
    if not folder.is_dir():
        return None
    done = git.run(["rev-parse", "--show-toplevel"], cwd=folder, check=False)
    text = done.stdout.decode("utf-8", "replace").strip()
    return Path(text) if done.returncode == 0 and text else None


def _z(output: bytes) -> list[str]:
    return [p for p in output.decode("utf-8", "replace").split("\0") if p]


def uncommitted_files(
    git: Git, folder: Path, *, untracked: bool = False, env: Mapping[str, str] | None = None
) -> list[str]:
    """Files of the working tree at FOLDER with changes not committed (UNTRACKED: new files
    too, else only tracked ones)."""
    mode = "--untracked-files=all" if untracked else "--untracked-files=no"
    args = ["status", "--porcelain=v1", "-z", mode, "--no-renames"]
    out = git.run(args, cwd=folder, env=env).stdout
    return [entry[3:] for entry in _z(out) if len(entry) > 3]


def inspect_repository(git: Git, path: Path, *, resuming: bool = False) -> Repository:
    """The repository at PATH if agents can work in it; `WorkspaceProblem` saying why not.

    RESUMING: the session already has its base commit and branches; only git and the
    repository itself are checked."""
    old = git.too_old()
    if old is not None:
        raise WorkspaceProblem(old)
    where = str(path)
    if not path.exists():
        raise WorkspaceProblem(f"{where}: no such folder")
    if not path.is_dir():
        raise WorkspaceProblem(f"{where}: not a folder")
    bare = git.run(["rev-parse", "--is-bare-repository"], cwd=path, check=False)
    if bare.returncode != 0:
        raise WorkspaceProblem(f"{where}: not a git repository")
    if bare.stdout.strip() == b"true":
        raise WorkspaceProblem(f"{where}: a bare repository has no working tree to start from")
    top = Path(git.text(["rev-parse", "--show-toplevel"], cwd=path))
    git_dir = Path(git.text(["rev-parse", "--path-format=absolute", "--git-common-dir"], cwd=top))
    try:
        head = git.text(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], cwd=top)
    except GitError:
        raise WorkspaceProblem(f"{top}: has no commit yet; agents start from one") from None
    branch_out = git.run(["symbolic-ref", "--quiet", "--short", "HEAD"], cwd=top, check=False)
    branch = branch_out.stdout.decode("utf-8", "replace").strip() or None
    repo = Repository(top=top, git_dir=git_dir, head=head, branch=branch)
    if resuming:
        return repo
    if branch is None:
        raise WorkspaceProblem(
            f"{top}: HEAD is detached (at {head[:10]}); check out a branch first, since the "
            "agents' work is merged back into one"
        )
    if git.text(["rev-parse", "--is-shallow-repository"], cwd=top) == "true":
        raise WorkspaceProblem(
            f"{top}: a shallow clone; merging the agents' branches needs their history "
            "(git fetch --unshallow)"
        )
    if git.ok(["cat-file", "-e", "HEAD:.gitmodules"], cwd=top):
        raise WorkspaceProblem(
            f"{top}: has submodules, which git worktrees do not check out (agents would find "
            "them empty)"
        )
    changed = uncommitted_files(git, top)
    if changed:
        count = f"{len(changed)} file{'s' if len(changed) != 1 else ''}"
        raise WorkspaceProblem(
            f"{top}: {count} with uncommitted changes ({named(changed)}); agents start from "
            "HEAD and would not see them: commit or stash them first",
            changed,
        )
    return repo


def taken_branches(git: Git, repo: Repository, branches: list[str]) -> list[str]:
    """Those of BRANCHES that exist in REPO already."""
    if not branches:
        return []
    prefixes = sorted({b.rsplit("/", 1)[0] for b in branches})
    out = git.text(
        ["for-each-ref", "--format=%(refname:short)", *(f"refs/heads/{p}/" for p in prefixes)],
        cwd=repo.top,
    )
    existing = set(out.splitlines())
    return [b for b in branches if b in existing]
