"""Real git repositories made in the tests, and sessions run in them with the `command` backend
(small shell scripts as agents that edit files for real, sandboxed)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from swarmtui.engine.events import Event
from swarmtui.engine.session import LiveSession
from swarmtui.engine.settings import RunSettings, WorkspaceSettings
from swarmtui.engine.state import SessionState
from swarmtui.policy.tables import PermissionsConfig, SandboxConfig
from swarmtui.store import new_live_session
from swarmtui.ui.app import SwarmApp, make_app
from tests.ui.helpers import workers_done

CLI = [sys.executable, "-m", "swarmtui"]
TEST_IDENTITY = ("-c", "user.name=Test User", "-c", "user.email=test@example.invalid")
# Lines apart: git merges changes to lines that are not next to each other.
FILE = "one\n.\ntwo\n.\nthree\n.\nfour\n"

# Three coders edit lines of f.txt each; the tester, who waits for all of them, reads it.
DONE_WHEN_BATCH = """\
Task("coder-a", "Capitalise line one.", {type: "coder"})
Task("coder-b", "Capitalise line two.", {type: "coder"})
Task("coder-c", "Capitalise line three.", {type: "coder"})
Task("tester", "Test the coders' work.",
     {type: "tester", dependsOn: ["coder-a", "coder-b", "coder-c"]})
"""
DONE_WHEN_SCRIPT = (
    'case "$SWARM_AGENT" in '
    "coder-a) sed -i s/one/ONE/ f.txt;; "
    "coder-b) sed -i s/two/TWO/ f.txt;; "
    "coder-c) sed -i s/three/THREE/ f.txt;; "
    'tester) cat f.txt; echo "tested: $(grep -c "[A-Z]" f.txt) lines" > test-report.txt;; '
    "esac; echo $SWARM_AGENT finished"
)


class Repo:
    """A git repository in a test, driven with git itself."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def git(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            ["git", *TEST_IDENTITY, "-C", str(self.path), *args],
            capture_output=True,
            text=True,
            check=False,
        )
        if check:
            assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
        return done.stdout.strip()

    def ok(self, *args: str) -> bool:
        done = subprocess.run(
            ["git", "-C", str(self.path), *args], capture_output=True, check=False
        )
        return done.returncode == 0

    def commit(self, files: Mapping[str, str], message: str = "change") -> str:
        for name, text in files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        self.git("add", "--all")
        self.git("commit", "--quiet", "-m", message)
        return self.git("rev-parse", "HEAD")

    def branches(self, prefix: str = "swarm/") -> list[str]:
        out = self.git("for-each-ref", "--format=%(refname:short)", f"refs/heads/{prefix}")
        return sorted(out.splitlines())

    def show(self, revision: str, path: str) -> str:
        return self.git("show", f"{revision}:{path}")

    def tip(self, branch: str) -> str:
        return self.git("rev-parse", f"refs/heads/{branch}")

    def is_ancestor(self, commit: str, of: str) -> bool:
        return self.ok("merge-base", "--is-ancestor", commit, of)

    def status(self) -> str:
        return self.git("status", "--porcelain", "--untracked-files=all")

    def worktrees(self) -> list[str]:
        out = self.git("worktree", "list", "--porcelain")
        return [
            line.removeprefix("worktree ")
            for line in out.splitlines()
            if line.startswith("worktree ")
        ]


def make_repo(folder: Path, files: Mapping[str, str] | None = None) -> Repo:
    """A repository on branch main with one commit holding FILES (f.txt by default)."""
    folder.mkdir(parents=True, exist_ok=True)
    repo = Repo(folder)
    repo.git("init", "--quiet", "--initial-branch=main")
    repo.commit(files if files is not None else {"f.txt": FILE}, "initial")
    return repo


def batch_in(repo: Repo, text: str, name: str = "batch.swarm.js", *, commit: bool = True) -> Path:
    """The batch file in the repository (committed, so the working tree stays clean)."""
    path = repo.path / name
    path.write_text(text, encoding="utf-8")
    if commit:
        repo.git("add", name)
        repo.git("commit", "--quiet", "-m", f"the batch {name}")
    return path


def settings(
    script: str,
    *,
    repo: Path | None = None,
    worktrees: bool | None = None,
    setup: str | None = None,
    allow: tuple[str, ...] = ("Bash",),
    deny: tuple[str, ...] = (),
    writable: tuple[str, ...] = (),
    backend: str = "command",
) -> RunSettings:
    """A run on the command backend with SCRIPT as every agent, sandboxed, headless."""
    return RunSettings(
        backend=backend,
        command_template=script,
        rehearsal_seconds=0.005,
        permissions=PermissionsConfig(allow=allow),
        deny_rules=deny,
        sandbox=SandboxConfig(write=writable),
        approvals="deny",
        headless=True,
        workspace=WorkspaceSettings(repo=repo, worktrees=worktrees, setup=setup),
    )


@dataclass
class Ran:
    session: LiveSession
    state: SessionState
    events: list[Event] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return self.session.path

    def of(self, kind: str, **match: Any) -> list[Any]:
        return [
            e
            for e in self.events
            if e.type == kind and all(getattr(e, k, None) == v for k, v in match.items())
        ]

    def output(self, agent: str) -> str:
        return "".join(e.text for e in self.of("agent_output", agent=agent))

    def branch(self, agent: str) -> str:
        tree = self.state.agents[agent].worktree
        assert tree is not None, f"{agent} had no worktree"
        return tree.branch


async def run_batch(batch: Path, sessions: Path, run_settings: RunSettings) -> Ran:
    """Run the batch file as `swarmtui run` would (its repository found from its path)."""
    session = new_live_session(
        batch.read_text(encoding="utf-8"),
        source_name=str(batch),
        settings=run_settings,
        sessions_dir=sessions,
    )
    events: list[Event] = []
    session.subscribe(events.append)
    async with asyncio.timeout(120):  # (a bound: a hung run fails the test)
        state = await session.run()
    return Ran(session, state, events)


def run_sync(batch: Path, sessions: Path, run_settings: RunSettings) -> Ran:
    return asyncio.run(run_batch(batch, sessions, run_settings))


def cli(
    *args: str, cwd: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
        input=stdin if stdin is not None else "",
        check=False,
    )


def sessions_app(sessions: Path) -> SwarmApp:
    """The app on a batch of its own, browsing SESSIONS (ctrl+l opens the browser)."""
    return make_app(
        text="// mine\n",
        sessions_dir=sessions,
        settings=RunSettings(rehearsal_seconds=0.01),
        freeze_gc=False,
    )


async def press_done(pilot: Pilot[Any], *keys: str) -> None:
    """Press KEYS, then let the workers they started end and the screen repaint."""
    await pilot.press(*keys)
    await workers_done(pilot.app)
    await pilot.pause()
