"""Setting up a new worktree: `.worktreeinclude` copies the files a project needs but never
commits; `[workspace] setup` runs in it through the permission rules, sandboxed."""

from __future__ import annotations

from pathlib import Path

import pytest

from swarmtui.engine.workspace import session_workspace

from .helpers import batch_in, make_repo, run_batch, settings

ONE_AGENT = 'Task("coder", "Work.", {type: "coder"})\n'


async def test_worktreeinclude_copies_ignored_files_which_are_never_committed(
    tmp_path: Path,
) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {
            "f.txt": "x\n",
            ".gitignore": ".env\nbuild/\n",
            ".worktreeinclude": ".env\nconf/*.local\n",
        },
    )
    (repo.path / ".env").write_text("TOKEN=from-the-user\n")
    (repo.path / "conf").mkdir()
    (repo.path / "conf" / "app.local").write_text("local setting\n")
    (repo.path / "build").mkdir()
    (repo.path / "build" / "out.bin").write_text("not listed\n")
    batch = batch_in(repo, ONE_AGENT)
    script = "cat .env conf/app.local; ls build 2>&1; echo changed >> f.txt"
    ran = await run_batch(batch, tmp_path / "sessions", settings(script))
    assert ran.state.status == "completed"
    output = ran.output("coder")
    assert "TOKEN=from-the-user" in output and "local setting" in output
    assert "No such file" in output  # build/ is not listed in .worktreeinclude
    created = ran.of("worktree_created", agent="coder")[0]
    assert sorted(created.copied) == [".env", "conf/app.local"]
    # conf/app.local is not ignored, yet it is not committed: copied files never are.
    tree = repo.git("ls-tree", "-r", "--name-only", ran.branch("coder")).splitlines()
    assert ".env" not in tree and "conf/app.local" not in tree
    assert [f.path for f in ran.state.agents["coder"].worktree.files] == ["f.txt"]  # type: ignore[union-attr]


async def test_setup_runs_in_each_new_worktree_by_the_rules(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    batch = batch_in(repo, ONE_AGENT)
    setup = "echo installed > setup-done.txt"
    run = settings("cat setup-done.txt; echo ok", setup=setup, allow=("Bash(echo *)",))
    ran = await run_batch(batch, tmp_path / "sessions", run)
    assert ran.state.status == "completed", ran.state.agents["coder"].reason
    assert "installed" in ran.output("coder")
    done = ran.of("worktree_setup", agent="coder")
    assert len(done) == 1 and done[0].exit_status == 0 and done[0].reason is None
    decided = [a for a in ran.state.approvals if a.subject == setup]
    assert decided and decided[0].status == "allowed" and decided[0].agent == "coder"
    assert ran.state.agents["coder"].worktree.setup == "exit 0"  # type: ignore[union-attr]


async def test_a_setup_the_rules_refuse_fails_the_agent_before_it_runs(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    batch = batch_in(repo, ONE_AGENT)
    run = settings("echo AGENT RAN", setup="npm ci", deny=("Bash(npm ci)",))
    ran = await run_batch(batch, tmp_path / "sessions", run)
    coder = ran.state.agents["coder"]
    assert coder.status == "failed" and "[workspace] setup 'npm ci': not run" in (
        coder.reason or ""
    )
    assert "AGENT RAN" not in ran.output("coder")
    failed = ran.of("worktree_failed", agent="coder")
    assert failed and failed[0].stage == "setup"


async def test_a_failing_setup_fails_the_agent(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    batch = batch_in(repo, ONE_AGENT)
    run = settings("echo AGENT RAN", setup="exit 3")
    ran = await run_batch(batch, tmp_path / "sessions", run)
    coder = ran.state.agents["coder"]
    assert coder.status == "failed" and "exit status 3" in (coder.reason or "")
    assert "AGENT RAN" not in ran.output("coder")


async def test_setup_is_sandboxed_in_the_worktree(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    batch = batch_in(repo, ONE_AGENT)
    outside = tmp_path / "outside.txt"
    setup = f"echo escaped > {outside} 2>/dev/null; echo inside > here.txt"
    ran = await run_batch(batch, tmp_path / "sessions", settings("cat here.txt", setup=setup))
    assert ran.state.status == "completed"
    assert not outside.exists()
    assert "inside" in ran.output("coder")


async def test_swarmtuis_own_examples_take_no_branches_of_the_repository_around_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # From a clone or an editable install the built-in examples sit inside swarmtui's own
    # repository: running one must not make worktrees and branches there.
    repo = make_repo(tmp_path / "repo")
    examples = repo.path / "swarmtui" / "examples"
    examples.mkdir(parents=True)
    monkeypatch.setattr(session_workspace, "builtin_examples_dir", lambda: examples)
    example = batch_in(repo, ONE_AGENT, "swarmtui/examples/one.swarm.js")
    ran = await run_batch(example, tmp_path / "sessions", settings("echo ran"))
    assert ran.state.status == "completed" and not ran.of("worktree_created")
    assert repo.git("branch", "--list", "swarm/*") == ""
    # The same batch elsewhere in that repository works in a worktree, as issue 14 says.
    mine = batch_in(repo, ONE_AGENT, "mine.swarm.js")
    ran = await run_batch(mine, tmp_path / "sessions", settings("echo ran"))
    assert ran.of("worktree_created", agent="coder")
