"""Deleting a session from the sessions browser: the question names the worktrees and branches
that go with it and the work merged nowhere else; yes removes them all."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Label

from swarmtui.ui.screens.ask import ConfirmScreen
from swarmtui.ui.screens.sessions import SessionsScreen
from tests.ui.helpers import settle

from .helpers import batch_in, make_repo, press_done, run_batch, sessions_app, settings


async def test_deleting_a_session_in_the_browser_removes_its_worktrees_after_saying_so(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path / "repo")
    batch = batch_in(repo, 'Task("coder", "Work.", {type: "coder"})\n')
    sessions = tmp_path / "sessions"
    ran = await run_batch(batch, sessions, settings("echo new > new.txt; echo ok"))
    branch = ran.branch("coder")
    app = sessions_app(sessions)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await press_done(pilot, "ctrl+l")
        assert isinstance(app.screen, SessionsScreen)
        await press_done(pilot, "f8")
        question = app.screen
        assert isinstance(question, ConfirmScreen)
        detail = str(question.query_one("#detail", Label).render())
        assert f"Its 1 git worktree and branches in {repo.path} go too." in detail
        assert f"Work merged nowhere else is lost: coder ({branch}): 1 commit" in detail
        await press_done(pilot, "y")
    assert not ran.path.exists()
    assert repo.branches() == [] and repo.worktrees() == [str(repo.path)]
