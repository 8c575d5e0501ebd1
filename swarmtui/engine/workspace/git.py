"""How swarmtui runs git: one place for the options every call gets and the errors it raises.

Every call runs no hook of the repository's (`core.hooksPath=/dev/null`: hooks are programs,
and swarmtui's own git commands run outside any sandbox), starts no background maintenance,
signs nothing, asks nothing on the terminal, and ignores the variables that would point git at
another repository (`GIT_DIR`, `GIT_INDEX_FILE`...). Commits name their author on the command
line (`-c user.name=... -c user.email=...`), so they never depend on the user's configuration.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# `git merge-tree --write-tree` (merging without a working tree) came with git 2.38.
GIT_MIN_VERSION = (2, 38)
SAFE_OPTIONS = (
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.fsmonitor=false",
    "-c", "gc.auto=0",
    "-c", "maintenance.auto=false",
    "-c", "commit.gpgSign=false",
    "-c", "core.quotePath=false",
    "-c", "advice.detachedHead=false",
)  # fmt: skip
# Variables that would make git work on another repository, index or object store than the
# one it is pointed at.
_REDIRECTING = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
)
# One call may not take longer than this (seconds): a hung git must not hang a session.
GIT_TIMEOUT = 300.0
SWARMTUI_EMAIL = "swarmtui@localhost"


class GitError(Exception):
    """A git command failed; `str(error)` is one line saying which and why."""


def identity(who: str) -> tuple[str, ...]:
    """The options naming WHO as author and committer of what a command commits."""
    name = re.sub(r"[<>\n\r\x00]", "", who).strip() or "swarmtui"
    return ("-c", f"user.name={name}", "-c", f"user.email={SWARMTUI_EMAIL}")


def _first_line(text: bytes) -> str:
    lines = [line.strip() for line in text.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line and not line.startswith("hint:")]
    return lines[0] if lines else ""


def parse_version(text: str) -> tuple[int, ...]:
    """(2, 39, 5) from `git version 2.39.5` (and from vendors' `2.39.5.windows.1`)."""
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if match is None:
        return ()
    return tuple(int(part) for part in match.groups() if part is not None)


@dataclass(frozen=True)
class Git:
    """The git program and its version; `run` calls it with the safe options."""

    executable: str
    version: tuple[int, ...]

    @property
    def version_text(self) -> str:
        return ".".join(str(part) for part in self.version)

    def too_old(self) -> str | None:
        """Why this git cannot merge branches without a working tree, else None."""
        if self.version >= GIT_MIN_VERSION:
            return None
        wanted = ".".join(str(part) for part in GIT_MIN_VERSION)
        return (
            f"git {self.version_text or '(unknown version)'} is too old: the agents' branches "
            f"are merged with `git merge-tree --write-tree`, which needs git {wanted} or newer"
        )

    def environment(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _REDIRECTING}
        env.update({"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"})
        env.update(extra or {})
        return env

    def run(
        self,
        args: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
        check: bool = True,
        options: Sequence[str] = (),
    ) -> subprocess.CompletedProcess[bytes]:
        """`git -C CWD OPTIONS ARGS`; `GitError` (its first line of error) when it fails and
        CHECK, or when it cannot be run at all."""
        argv = [self.executable, *SAFE_OPTIONS, *options, "-C", str(cwd), *args]
        try:
            done = subprocess.run(
                argv,
                input=stdin,
                capture_output=True,
                env=self.environment(env),
                timeout=GIT_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise GitError(f"git {args[0]} took longer than {GIT_TIMEOUT:g} s") from None
        except OSError as exc:
            raise GitError(f"git could not be run ({exc.strerror or exc})") from None
        if check and done.returncode != 0:
            why = _first_line(done.stderr) or _first_line(done.stdout)
            raise GitError(f"git {args[0]} failed: {why or f'exit status {done.returncode}'}")
        return done

    def text(
        self,
        args: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str] | None = None,
        options: Sequence[str] = (),
    ) -> str:
        """What `run` printed, decoded, without its last line break."""
        out = self.run(args, cwd=cwd, env=env, options=options).stdout
        return out.decode("utf-8", "replace").rstrip("\n")

    def ok(self, args: Sequence[str], *, cwd: Path, env: Mapping[str, str] | None = None) -> bool:
        """Whether the command exits with status 0."""
        return self.run(args, cwd=cwd, env=env, check=False).returncode == 0


def find_git(executable: str | None = None) -> Git:
    """The git on PATH (or EXECUTABLE) and its version; `GitError` when there is none."""
    found = shutil.which(executable or "git")
    if found is None:
        raise GitError("git was not found on PATH (install git to give agents worktrees)")
    try:
        done = subprocess.run(
            [found, "--version"], capture_output=True, timeout=30, check=False, stdin=None
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"{found} could not be run ({exc})") from None
    return Git(found, parse_version(done.stdout.decode("utf-8", "replace")))
