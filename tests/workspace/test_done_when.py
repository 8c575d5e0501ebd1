"""The issue's "done when": three coders and a tester (who waits for them) on a real repository
end with four branches, the tester's built on the merge of the coders'; four diffs viewable in
the app and in replay; a merge that lands the chosen branches, the user's working tree
untouched until then."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pytest import MonkeyPatch
from textual.pilot import Pilot
from textual.widgets import Static

from swarmtui.ui.messages import AgentChosen
from swarmtui.ui.screens.agent_detail import AgentDetailScreen
from swarmtui.ui.screens.ask import ConfirmScreen
from swarmtui.ui.screens.merge import MergeScreen
from swarmtui.ui.screens.replay import ReplayScreen
from swarmtui.ui.widgets.agents_panel import AgentsPanel
from tests.ui.helpers import (
    SIZE,
    ScreenHost,
    app_for,
    settle,
    top,
    wait_for_state,
    workers_done,
)

from .helpers import (
    DONE_WHEN_BATCH,
    DONE_WHEN_SCRIPT,
    FILE,
    Repo,
    batch_in,
    cli,
    make_repo,
    run_batch,
    settings,
)

CODERS = ("coder-a", "coder-b", "coder-c")
AGENTS = (*CODERS, "tester")
MERGED = FILE.replace("one", "ONE").replace("two", "TWO").replace("three", "THREE")
EXPECTED_LINES = {"coder-a": "+ONE", "coder-b": "+TWO", "coder-c": "+THREE", "tester": "+tested: 3"}


def _check_branches(repo: Repo, session_id: str, base: str) -> None:
    branches = {agent: f"swarm/{session_id}/{agent}" for agent in AGENTS}
    assert repo.branches() == sorted(branches.values())
    tips = {agent: repo.tip(branch) for agent, branch in branches.items()}
    # The tester's first commit is the merge of the three coders' branches.
    merge = repo.git("rev-list", "--parents", "-n", "1", _merge_of(repo, branches["tester"], base))
    assert sorted(merge.split()[1:]) == sorted(tips[c] for c in CODERS)
    assert repo.is_ancestor(merge.split()[0], tips["tester"])
    assert repo.show(branches["tester"], "f.txt") + "\n" == MERGED


def _merge_of(repo: Repo, branch: str, base: str) -> str:
    """The merge commit on BRANCH since BASE (the one with several parents)."""
    merges = repo.git("rev-list", "--merges", f"{base}..{branch}").splitlines()
    assert len(merges) == 1, merges
    return merges[0]


def test_three_coders_and_a_tester_headless_then_replayed(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    batch = batch_in(repo, DONE_WHEN_BATCH)
    base = repo.tip("main")
    sessions = tmp_path / "sessions"
    ran = cli(
        "run", str(batch), "--json", "--backend", "command", "--command", DONE_WHEN_SCRIPT,
        "--allow", "Bash", "--sessions-dir", str(sessions),
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    document = json.loads(ran.stdout)
    summary = document["summary"]
    assert summary["status"] == "completed"
    assert (
        summary["workspace"]["repo"] == str(repo.path) and summary["workspace"]["branch"] == "main"
    )
    folder = Path(summary["path"])
    _check_branches(repo, summary["session_id"], base)
    for agent in summary["agents"]:
        tree = agent["worktree"]
        patch = (folder / tree["patch"]).read_text()
        assert EXPECTED_LINES[agent["name"]] in patch
    assert (repo.path / "f.txt").read_text() == FILE and repo.status() == ""
    # Replay: the same document, read from the recording alone (no git on PATH).
    replayed = cli_without_git(tmp_path, "replay", str(folder), "--json")
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout == ran.stdout
    text = cli_without_git(tmp_path, "replay", str(folder), "--headless").stdout
    assert f"worktrees of {repo.path} on main" in text
    assert "worktree tester: " in text and "+1 -0 in 1 file -> artifacts/diffs/tester.patch" in text


def cli_without_git(tmp_path: Path, *args: str) -> Any:
    import os
    import subprocess
    import sys

    empty = tmp_path / "no-git"
    empty.mkdir(exist_ok=True)
    env = {**os.environ, "PATH": str(empty)}
    return subprocess.run(
        [sys.executable, "-m", "swarmtui", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


async def _diff_of(pilot: Pilot[Any], agent: str) -> str:
    """Open AGENT's detail, show its diff, return the text shown; back again."""
    app = pilot.app
    app.screen.post_message(AgentChosen(agent))
    await pilot.pause()
    detail = app.screen
    assert isinstance(detail, AgentDetailScreen) and detail.agent_name == agent
    stats = str(detail.query_one("#detail-worktree", Static).render())
    assert "f.txt" in stats or "test-report.txt" in stats
    await pilot.press("d")
    await pilot.pause()
    assert detail.query_one("#detail-diff-scroll").display
    shown = str(detail.query_one("#detail-diff", Static).render())
    await pilot.press("escape")
    await pilot.pause()
    return shown


async def test_three_coders_and_a_tester_in_the_app_then_merged(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    batch = batch_in(repo, DONE_WHEN_BATCH)
    base = repo.tip("main")
    run = settings(DONE_WHEN_SCRIPT)
    run.headless = False
    app = app_for(tmp_path, settings=run, file=batch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        state = await wait_for_state(pilot, lambda s: s.finished, timeout=60)
        await workers_done(app)
        assert state.status == "completed", [(a.name, a.reason) for a in state.agents.values()]
        _check_branches(repo, state.session_id, base)
        panel = app.main_screen.query_one(AgentsPanel)
        assert panel.show_diff
        row = str(panel.render_row(list(state.agents).index("coder-a"), 120))
        assert "+1 -1" in row
        for agent in AGENTS:
            assert EXPECTED_LINES[agent] in await _diff_of(pilot, agent)

        # The merge view: the user's working tree is untouched until the merge is confirmed.
        await pilot.press("M")
        await workers_done(app)
        await pilot.pause()
        merge = app.screen
        assert isinstance(merge, MergeScreen) and merge.view is not None
        assert [c.status for c in merge.view.checks] == ["clean"] * 4
        await pilot.press(
            "down", "down", "down", "space"
        )  # the tester's branch holds all four agents' work
        await workers_done(app)
        await pilot.pause()
        assert merge.chosen == ["tester"] and merge.plan is not None
        # The chosen branch is marked on the screen (it showed no mark: "[x]" read as markup).
        assert app.export_screenshot().count("[x]") == 1
        assert sorted(merge.plan.changed_files) == ["f.txt", "test-report.txt"]
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert (repo.path / "f.txt").read_text() == FILE and repo.tip("main") == base
        await pilot.press("y")
        await workers_done(app)
        await pilot.pause()
        assert top(app) is merge
        shown = str(merge.query_one("#merge-result", Static).render())
        assert "Merged tester into main" in shown
    assert (repo.path / "f.txt").read_text() == MERGED
    assert (repo.path / "test-report.txt").read_text() == "tested: 3 lines\n"
    assert repo.tip("main") == repo.tip(f"swarm/{state.session_id}/tester")
    assert repo.status() == ""


async def test_the_four_diffs_in_the_replay(tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "repo")
    batch = batch_in(repo, DONE_WHEN_BATCH)
    ran = await run_batch(batch, tmp_path / "sessions", settings(DONE_WHEN_SCRIPT))
    assert ran.state.status == "completed"
    # Without git: the replay reads the patches kept in the session.
    nothing = tmp_path / "no-programs"
    nothing.mkdir()
    monkeypatch.setenv("PATH", str(nothing))
    app = ScreenHost(lambda: ReplayScreen(ran.path))
    async with app.run_test(size=SIZE) as pilot:
        await workers_done(app)
        await pilot.pause()
        replay = app.screen
        assert isinstance(replay, ReplayScreen) and replay.has_worktrees
        for agent in AGENTS:
            assert EXPECTED_LINES[agent] in await _diff_of(pilot, agent)
            assert app.screen is replay
