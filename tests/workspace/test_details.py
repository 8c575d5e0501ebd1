"""The rest of the workspace: `--repo` from anywhere, what a headless run says at once, openai
agents' file blocks landing in their worktree, retries in the same worktree, and how the diff,
the log and the summary show outside text."""

from __future__ import annotations

from pathlib import Path

from rich.style import Style

from swarmtui.config import load_config
from swarmtui.engine.events import AgentCommitted, FileChange, WorktreeFailed
from swarmtui.engine.settings import RunSettings, WorkspaceSettings
from swarmtui.engine.worktree_state import WorktreeState
from swarmtui.policy.tables import PermissionsConfig
from swarmtui.ui.diff_text import patch_text, stats_text
from swarmtui.ui.widgets.log_panel import describe
from tests.backends.fake_openai_server import FakeOpenAIServer, stream_reply

from .helpers import batch_in, cli, make_repo, run_batch, settings

ONE_AGENT = 'Task("coder", "Work.", {type: "coder"})\n'


def test_repo_names_the_repository_for_a_batch_kept_elsewhere(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    batch = tmp_path / "elsewhere" / "batch.swarm.js"
    batch.parent.mkdir()
    batch.write_text(ONE_AGENT)
    sessions = str(tmp_path / "sessions")
    common = ["--backend", "command", "--command", "echo hi > hi.txt; echo ok"]
    ran = cli(
        "run",
        str(batch),
        "--headless",
        *common,
        "--sessions-dir",
        sessions,
        "--repo",
        str(repo.path),
    )
    assert ran.returncode == 0, ran.stderr
    assert f"worktrees of {repo.path} on main" in ran.stdout
    assert "worktree coder: swarm/" in ran.stdout and "+1 -0 in 1 file" in ran.stdout
    [branch] = repo.branches()
    assert repo.show(branch, "hi.txt") == "hi"


def test_a_headless_run_says_at_once_why_there_are_no_worktrees(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    batch = batch_in(repo, ONE_AGENT)
    (repo.path / "f.txt").write_text("dirty\n")
    sessions = str(tmp_path / "sessions")
    common = ["--backend", "command", "--command", "echo ok"]
    ran = cli("run", str(batch), "--headless", *common, "--sessions-dir", sessions)
    assert ran.returncode == 0, ran.stderr
    assert "swarmtui: no worktrees (agents work in the session folder):" in ran.stderr
    assert "uncommitted changes (f.txt)" in ran.stderr
    stopped = cli(
        "run",
        str(batch),
        "--headless",
        *common,
        "--sessions-dir",
        sessions,
        "--repo",
        str(repo.path),
    )
    assert stopped.returncode == 1
    assert "swarmtui: no worktrees (no agent will start):" in stopped.stderr
    assert "failed:" in stopped.stdout


def test_the_workspace_table_of_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "swarmtui.toml").write_text(
        '[workspace]\nrepo = "../code"\nsetup = "npm ci"\nworktrees = true\n'
    )
    loaded = load_config(tmp_path / "swarmtui.toml")
    assert loaded.config.workspace.repo == tmp_path / ".." / "code"
    assert loaded.config.workspace.setup == "npm ci"


async def test_an_openai_agents_file_blocks_land_in_its_worktree(tmp_path: Path) -> None:
    from swarmtui.config import Backends, OpenAIOptions

    repo = make_repo(tmp_path / "repo")
    batch = batch_in(repo, ONE_AGENT)
    server = FakeOpenAIServer(
        default=stream_reply(["Done:\n```python path=src/app.py\nprint('hi')\n```\n"])
    )
    server.start()
    try:
        run = RunSettings(
            backend="openai",
            base_url=server.base_url,
            model="fake-model",
            backends=Backends(openai=OpenAIOptions(max_retries=0)),
            permissions=PermissionsConfig(allow=("Bash",)),
            approvals="deny",
            workspace=WorkspaceSettings(),
        )
        ran = await run_batch(batch, tmp_path / "sessions", run)
    finally:
        server.stop()
    assert ran.state.status == "completed", ran.state.agents["coder"].reason
    [chat] = [r for r in server.requests if r.path.endswith("/chat/completions")]
    prompt = chat.json()["messages"][-1]["content"]
    assert "You work in a git worktree of the project" in prompt
    branch = ran.branch("coder")
    assert repo.show(branch, "src/app.py") == "print('hi')"
    assert "worktrees/coder/src/app.py" in ran.state.agents["coder"].artifacts


async def test_a_retry_goes_on_in_the_same_worktree(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    batch = batch_in(repo, 'Task("coder", "Work.", {type: "coder", retries: 1})\n')
    script = (
        "if [ -f first.txt ]; then echo second > second.txt; echo ok; "
        "else echo first > first.txt; exit 1; fi"
    )
    ran = await run_batch(batch, tmp_path / "sessions", settings(script))
    assert ran.state.status == "completed"
    assert ran.state.agents["coder"].attempts == 2
    branch = ran.branch("coder")
    assert repo.show(branch, "first.txt") == "first" and repo.show(branch, "second.txt") == "second"
    assert len(ran.of("worktree_created", agent="coder")) == 1


def test_the_diff_shows_outside_text_plainly() -> None:
    added, removed, hunk = Style(color="green"), Style(color="red"), Style(color="cyan")
    hostile = "diff --git a/\x1b]0;pwned\x07x b/x\n@@ -1 +1 @@\n-old\n+\x1b[2Jnew\u202e\n"
    shown = patch_text(hostile, added, removed, hunk)
    assert "\x1b" not in shown.plain and "\u202e" not in shown.plain
    assert "\\x1b[2Jnew\\u202e" in shown.plain
    assert [span.style for span in shown.spans if span.style in (added, removed)] == [
        removed,
        added,
    ]
    binary = (
        "diff --git a/b.bin b/b.bin\nGIT binary patch\nliteral 3\nKcmZ?\n\nliteral 0\nHcmV?\n\n"
    )
    assert "(binary patch, 2 lines)" in patch_text(binary, added, removed, hunk).plain
    tree = WorktreeState(path="worktrees/a", branch="swarm/s/a", base="b" * 40)
    tree.commit, tree.added, tree.removed = "c" * 40, 3, 1
    tree.files = []
    text = stats_text(tree, added, removed).plain
    assert "swarm/s/a" in text and "+3" in text and "-1" in text


def test_the_log_describes_the_workspace_events() -> None:
    committed = AgentCommitted(
        agent="coder",
        branch="swarm/s/coder",
        commit="a" * 40,
        base="b" * 40,
        added=5,
        removed=2,
        files=[FileChange(path="f.txt", added=5, removed=2)],
    )
    assert describe(committed) == (
        "coder",
        f"committed on swarm/s/coder: +5 -2 in 1 file ({'a' * 10})",
    )
    failed = WorktreeFailed(agent="t", stage="merge", reason="conflict", files=["f.txt"])
    assert describe(failed) == ("t", "worktree merge failed: conflict [f.txt]")
