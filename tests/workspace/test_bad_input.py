"""A repository that cannot be used: one clear line each, and the run either stops before any
agent starts (the repository was asked for) or runs without worktrees, saying so (it was the
batch's own). Rehearsals make no worktrees unless asked."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from swarmtui.engine.events import Event
from swarmtui.engine.settings import WorkspaceSettings
from swarmtui.engine.workspace.git import parse_version
from swarmtui.engine.workspace.session_workspace import SessionWorkspace, WorkspaceStop

from .helpers import Repo, batch_in, make_repo, run_batch, settings

SCRIPT = "echo edited >> f.txt; echo done"
ONE_AGENT = 'Task("coder", "Edit.", {type: "coder"})\n'


async def _stopped(repo_path: Path, tmp_path: Path, batch: Path | None = None) -> str:
    """Run with REPO_PATH asked for; the reason the session gave for stopping."""
    if batch is None:
        batch = tmp_path / "batch.swarm.js"
        batch.write_text(ONE_AGENT, encoding="utf-8")
    ran = await run_batch(batch, tmp_path / "sessions", settings(SCRIPT, repo=repo_path))
    assert ran.state.status == "failed"
    assert not ran.of("agent_started"), "an agent started"
    refused = ran.of("workspace_refused")
    assert len(refused) == 1 and refused[0].stopped
    assert ran.state.reason == f"no agent started: {refused[0].reason}"
    return str(refused[0].reason)


async def test_a_folder_that_is_no_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    assert await _stopped(plain, tmp_path) == f"{plain}: not a git repository"
    assert "no such folder" in await _stopped(tmp_path / "missing", tmp_path)


async def test_a_dirty_working_tree_stops_an_asked_run(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo.path / "f.txt").write_text("changed\n")
    reason = await _stopped(repo.path, tmp_path)
    assert "1 file with uncommitted changes (f.txt)" in reason and "commit or stash" in reason


async def test_a_dirty_tree_of_the_batchs_own_repository_means_no_worktrees(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path / "repo")
    batch = batch_in(repo, ONE_AGENT)
    (repo.path / "f.txt").write_text("changed\n")
    ran = await run_batch(batch, tmp_path / "sessions", settings(SCRIPT))
    assert ran.state.status == "completed"
    refused = ran.of("workspace_refused")
    assert len(refused) == 1 and not refused[0].stopped and "uncommitted" in refused[0].reason
    assert not ran.of("worktree_created") and repo.branches() == []
    assert (ran.path / "f.txt").read_text() == "edited\n"  # it worked in the session folder
    assert (repo.path / "f.txt").read_text() == "changed\n"


async def test_a_detached_head(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    repo.git("checkout", "--quiet", "--detach")
    reason = await _stopped(repo.path, tmp_path)
    assert "HEAD is detached" in reason and "check out a branch" in reason


async def test_a_shallow_clone(tmp_path: Path) -> None:
    origin = make_repo(tmp_path / "origin")
    origin.commit({"f.txt": "second\n"}, "second")
    clone = tmp_path / "clone"
    Repo(tmp_path).git("clone", "--quiet", "--depth", "1", f"file://{origin.path}", str(clone))
    reason = await _stopped(clone, tmp_path)
    assert "shallow clone" in reason and "--unshallow" in reason


async def test_submodules(tmp_path: Path) -> None:
    library = make_repo(tmp_path / "library")
    repo = make_repo(tmp_path / "repo")
    repo.git(
        "-c", "protocol.file.allow=always", "submodule", "add", "--quiet", str(library.path), "lib"
    )
    repo.git("commit", "--quiet", "-m", "a submodule")
    assert "submodules" in await _stopped(repo.path, tmp_path)


async def test_a_repository_without_a_commit(tmp_path: Path) -> None:
    empty = Repo(tmp_path / "empty")
    empty.path.mkdir()
    empty.git("init", "--quiet")
    assert "has no commit yet" in await _stopped(empty.path, tmp_path)


def _open(repo: Repo, tmp_path: Path, *, asked: bool = True) -> tuple[list[Event], object]:
    events: list[Event] = []
    batch = repo.path / "batch.swarm.js"
    batch.write_text(ONE_AGENT)

    async def opening() -> object:
        return await SessionWorkspace.open(
            WorkspaceSettings(repo=repo.path if asked else None),
            source=batch,
            session_id="s1",
            session_dir=tmp_path / "sessions" / "s1",
            agents={"coder": "command"},
            rehearsal=False,
            emit=events.append,
        )

    try:
        return events, asyncio.run(opening())
    except WorkspaceStop as exc:
        return events, exc


def test_a_branch_name_taken(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    repo.git("branch", "swarm/s1/coder")
    events, result = _open(repo, tmp_path)
    assert isinstance(result, WorkspaceStop)
    assert "branch swarm/s1/coder already exists" in str(result)
    assert [e.type for e in events] == ["workspace_refused"]


def test_git_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "repo")
    nowhere = tmp_path / "no-programs"
    nowhere.mkdir()
    monkeypatch.setenv("PATH", str(nowhere))
    _, result = _open(repo, tmp_path)
    assert isinstance(result, WorkspaceStop) and "git was not found" in str(result)
    # The batch's own repository (found without git): no worktrees, said so; the run goes on.
    events, result = _open(repo, tmp_path, asked=False)
    assert result is None
    assert [e.type for e in events] == ["workspace_refused"]
    assert "git was not found" in getattr(events[0], "reason", "")


def test_a_git_too_old(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in `git` that says it is 2.30 (this machine's git is newer)."""
    repo = make_repo(tmp_path / "repo")
    bin_dir = tmp_path / "old-git"
    bin_dir.mkdir()
    stand_in = bin_dir / "git"
    stand_in.write_text('#!/bin/sh\necho "git version 2.30.1"\n')
    stand_in.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    _, result = _open(repo, tmp_path)
    assert isinstance(result, WorkspaceStop)
    assert "git 2.30.1 is too old" in str(result) and "2.38" in str(result)
    assert parse_version("git version 2.39.5.windows.1") == (2, 39, 5)


async def test_no_worktrees_outside_a_repository_or_when_turned_off(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    batch = outside / "batch.swarm.js"
    batch.write_text(ONE_AGENT)
    ran = await run_batch(batch, tmp_path / "sessions", settings(SCRIPT))
    assert ran.state.status == "completed" and ran.state.workspace is None
    repo = make_repo(tmp_path / "repo")
    inside = batch_in(repo, ONE_AGENT)
    ran = await run_batch(inside, tmp_path / "s2", settings(SCRIPT, worktrees=False))
    assert ran.state.workspace is None and repo.branches() == []


async def test_a_rehearsal_makes_worktrees_only_when_asked(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    # Its own backend edits files: a rehearsal records what it would have run, and where.
    batch = batch_in(repo, 'Task("coder", "Edit.", {type: "coder", backend: "command"})\n')
    ran = await run_batch(batch, tmp_path / "s1", settings(SCRIPT, backend="rehearsal"))
    assert ran.state.workspace is None and repo.branches() == []
    asked = settings(SCRIPT, backend="rehearsal", repo=repo.path)
    ran = await run_batch(batch, tmp_path / "s2", asked)
    assert ran.state.status == "completed"
    assert repo.branches() == [ran.branch("coder")]
    rehearsed = ran.of("agent_rehearsed", agent="coder")
    assert rehearsed and rehearsed[0].cwd == "worktrees/coder"
    assert not ran.of("agent_output", agent="coder", stream="stdout")  # nothing ran
    assert repo.tip(ran.branch("coder")) == repo.tip("main")  # nothing changed
