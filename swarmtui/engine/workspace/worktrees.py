"""One agent's git worktree: made on its branch, handed to its process, committed at its end.

The worktree lives in the session folder (`worktrees/<agent>`), on the branch
`swarm/<session>/<agent>` of the user's repository. The agent's process may commit there
itself, sandboxed, without being able to harm the repository: it reads the repository's git
folder, writes only its worktree's own folder in it, the session's branches and, through
`GIT_OBJECT_DIRECTORY`, an object folder of its own in the session folder (`worktree-objects/`),
never the repository's objects. When it ends, git itself copies its commits' objects into the
repository (`pack-objects | index-pack`, which checks every object), and whatever it left
uncommitted is committed; its diff is kept as a patch.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from swarmtui.engine.events import DIFF_FILES_LIMIT, FileChange
from swarmtui.engine.workspace.git import Git, GitError, identity
from swarmtui.engine.workspace.repo import Repository, WorkspaceProblem

WORKTREES = "worktrees"
OBJECTS = "worktree-objects"
DIFFS = "artifacts/diffs"
BRANCH_PREFIX = "swarm"
# How git is told, in the agent's process, to keep its objects apart and commit as the agent.
_AGENT_GIT_CONFIG = {"gc.auto": "0", "maintenance.auto": "false", "commit.gpgSign": "false"}
_DIFF_OPTIONS = (
    "--no-ext-diff",
    "--no-textconv",
    "--no-color",
    "--no-renames",
    "--src-prefix=a/",
    "--dst-prefix=b/",
)


def branch_name(session_id: str, agent_slug: str) -> str:
    return f"{BRANCH_PREFIX}/{session_id}/{agent_slug}"


@dataclass(frozen=True)
class Placement:
    """Where an agent's process works and what else it may touch: WORKDIR and WRITABLE are
    writable, READABLE readable; ENV are variables it is given."""

    workdir: Path
    writable: tuple[Path, ...] = ()
    readable: tuple[Path, ...] = ()
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Worktree:
    agent: str
    slug: str
    path: Path  # the checkout, in the session folder
    objects: Path  # the object folder its process writes, in the session folder
    branch: str
    base: str = ""  # the commit it was made from
    diff_base: str = ""  # what its diff is against (what it got from its providers, or HEAD)
    copied: list[str] = field(default_factory=list)
    providers: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"refs/heads/{self.branch}"


@dataclass
class Committed:
    """What `finish` found and did."""

    commit: str
    commits: int
    committed_rest: bool
    files: list[FileChange]
    more_files: int
    added: int
    removed: int
    patch: bytes
    notes: list[str] = field(default_factory=list)


def admin_folder(tree: Worktree) -> Path | None:
    """The worktree's own folder in the repository's git folder (`.git/worktrees/<id>`)."""
    try:
        text = (tree.path / ".git").read_text(encoding="utf-8")
    except OSError:
        return None
    if not text.startswith("gitdir:"):
        return None
    return Path(text.removeprefix("gitdir:").strip())


def _fresh_objects(tree: Worktree) -> None:
    shutil.rmtree(tree.objects, ignore_errors=True)
    (tree.objects / "pack").mkdir(parents=True, exist_ok=True)
    (tree.objects / "info").mkdir(parents=True, exist_ok=True)


def create(git: Git, repo: Repository, tree: Worktree, base: str) -> None:
    """Make TREE's worktree on a new branch at BASE."""
    tree.path.parent.mkdir(parents=True, exist_ok=True)
    git.run(["worktree", "add", "--quiet", "-b", tree.branch, str(tree.path), base], cwd=repo.top)
    tree.base = tree.diff_base = base
    _fresh_objects(tree)


def placement(repo: Repository, tree: Worktree, session_id: str) -> Placement:
    """What the agent's process of TREE may touch, and the variables that make its own git
    commits land in its object folder, as the agent."""
    git_dir = repo.git_dir
    writable = [tree.objects]
    admin = admin_folder(tree)
    if admin is not None:
        writable.append(admin)
    for kind in ("refs/heads", "logs/refs/heads"):
        folder = git_dir / kind / BRANCH_PREFIX / session_id
        if folder.is_dir():
            writable.append(folder)
    name = f"swarmtui agent {tree.agent}"
    env = {
        "GIT_OBJECT_DIRECTORY": str(tree.objects),
        "GIT_ALTERNATE_OBJECT_DIRECTORIES": str(git_dir / "objects"),
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": "swarmtui@localhost",
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": "swarmtui@localhost",
        "GIT_CONFIG_COUNT": str(len(_AGENT_GIT_CONFIG)),
        "SWARM_BRANCH": tree.branch,
    }
    for index, (key, value) in enumerate(_AGENT_GIT_CONFIG.items()):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return Placement(tree.path, tuple(writable), (git_dir,), env)


def _has_objects(folder: Path) -> bool:
    return any(files for _root, _dirs, files in os.walk(folder))


def _private(tree: Worktree) -> dict[str, str]:
    return {"GIT_ALTERNATE_OBJECT_DIRECTORIES": str(tree.objects)}


def _import_objects(git: Git, repo: Repository, tree: Worktree, tip: str, known: str) -> None:
    """Copy the objects of TIP that only the agent's object folder holds into the repository
    (git checks each one as it indexes the pack)."""
    env = _private(tree)
    new = git.text(["rev-list", "--count", tip, f"^{known}"], cwd=repo.top, env=env)
    if new != "0":
        wanted = f"{tip}\n^{known}\n".encode()
        pack = git.run(
            ["pack-objects", "--revs", "--stdout", "-q"], cwd=repo.top, env=env, stdin=wanted
        ).stdout
        git.run(["index-pack", "--stdin"], cwd=repo.top, stdin=pack)
    _fresh_objects(tree)


def _adopt_head(git: Git, repo: Repository, tree: Worktree, notes: list[str]) -> str:
    """The commit the agent's worktree is at, with the agent's branch moved there and checked
    out again when the agent left it (another branch, a detached HEAD)."""
    env = _private(tree)
    head = git.text(["rev-parse", "--verify", "HEAD^{commit}"], cwd=tree.path, env=env)
    on = git.run(["symbolic-ref", "--quiet", "HEAD"], cwd=tree.path, check=False)
    current = on.stdout.decode("utf-8", "replace").strip()
    if current != tree.ref:
        where = current.removeprefix("refs/heads/") or "a detached HEAD"
        notes.append(f"it left its worktree on {where}; its branch {tree.branch} now holds that")
        git.run(["update-ref", tree.ref, head], cwd=tree.path, env=env)
        git.run(["symbolic-ref", "HEAD", tree.ref], cwd=tree.path)
    return head


def _commit_rest(git: Git, tree: Worktree, message: str) -> bool:
    """Commit whatever the agent left in its worktree (not the files .worktreeinclude copied);
    whether there was anything."""
    git.run(["add", "--all"], cwd=tree.path)
    if tree.copied:  # (back to what HEAD has of them: nothing, unless the agent committed one)
        git.run(["reset", "--quiet", "--", *tree.copied], cwd=tree.path)
    if git.ok(["diff", "--cached", "--quiet"], cwd=tree.path):
        return False
    git.run(
        ["commit", "--quiet", "--no-verify", "-m", message],
        cwd=tree.path,
        options=identity(f"swarmtui agent {tree.agent}"),
    )
    return True


def diff_stats(git: Git, top: Path, base: str, tip: str) -> list[FileChange]:
    """Each changed file with its lines added and removed (binary files said so)."""
    out = git.run(["diff", "--numstat", "-z", *_DIFF_OPTIONS, base, tip], cwd=top).stdout
    files: list[FileChange] = []
    for entry in out.decode("utf-8", "replace").split("\0"):
        if not entry:
            continue
        added, removed, path = ([*entry.split("\t", 2), "", ""])[:3]
        binary = added == "-"
        files.append(
            FileChange(
                path=path,
                added=0 if binary else int(added or 0),
                removed=0 if binary else int(removed or 0),
                binary=binary,
            )
        )
    return files


def finish(git: Git, repo: Repository, tree: Worktree, message: str) -> Committed:
    """Keep what the agent did: its commits (their objects brought into the repository) and
    what it left uncommitted (committed with MESSAGE); its diff against its providers' work."""
    notes: list[str] = []
    known = git.text(["rev-parse", "--verify", f"{tree.diff_base}^{{commit}}"], cwd=repo.top)
    head = _adopt_head(git, repo, tree, notes) if tree.path.is_dir() else known
    if _has_objects(tree.objects):
        try:
            _import_objects(git, repo, tree, head, known)
        except GitError as exc:
            # Its own history is unreadable (it damaged it): keep its files on its base.
            notes.append(f"its own commits could not be kept ({exc}); its files are")
            git.run(["update-ref", tree.ref, known], cwd=repo.top)
            git.run(["reset", "--quiet", "--mixed", known], cwd=tree.path)
            _fresh_objects(tree)
    if not tree.path.is_dir():
        raise WorkspaceProblem(f"its worktree {tree.path} is gone")
    committed_rest = _commit_rest(git, tree, message)
    tip = git.text(["rev-parse", "--verify", f"{tree.ref}^{{commit}}"], cwd=repo.top)
    commits = int(git.text(["rev-list", "--count", f"{tree.diff_base}..{tip}"], cwd=repo.top))
    files = diff_stats(git, repo.top, tree.diff_base, tip)
    patch = git.run(["diff", "--binary", *_DIFF_OPTIONS, tree.diff_base, tip], cwd=repo.top)
    return Committed(
        commit=tip,
        commits=commits,
        committed_rest=committed_rest,
        files=files[:DIFF_FILES_LIMIT],
        more_files=max(0, len(files) - DIFF_FILES_LIMIT),
        added=sum(f.added for f in files),
        removed=sum(f.removed for f in files),
        patch=patch.stdout,
        notes=notes,
    )


def tip_of(git: Git, repo: Repository, branch: str) -> str | None:
    done = git.run(
        ["rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}"],
        cwd=repo.top,
        check=False,
    )
    text = done.stdout.decode("utf-8", "replace").strip()
    return text if done.returncode == 0 and text else None


def fast_forward(git: Git, tree: Worktree, commit: str) -> None:
    """Move TREE's branch and files to COMMIT, which contains its tip (its worktree is clean)."""
    git.run(["merge", "--ff-only", "--quiet", commit], cwd=tree.path)
