"""The real app opens the sessions browser (ctrl+l), a replay from it, help (f1), and
`make_app(replay=...)` opens a replay directly."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from swarmtui import locations
from swarmtui.engine.settings import RunSettings
from swarmtui.ui.app import make_app
from swarmtui.ui.screens.help import HelpScreen, binding_rows
from swarmtui.ui.screens.replay import ReplayScreen
from swarmtui.ui.screens.sessions import SessionsScreen

from .helpers import settle, top, workers_done
from .recorded_sessions import make_sessions


@pytest.fixture
def sessions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    monkeypatch.setenv(locations.ENV_CONFIG_DIR, str(tmp_path / "config"))
    return make_sessions(tmp_path / "sessions")


async def test_ctrl_l_then_enter_replays_and_escape_comes_back(
    sessions: dict[str, Path], tmp_path: Path
) -> None:
    app = make_app(
        text="", sessions_dir=tmp_path / "sessions", project_dir=tmp_path, freeze_gc=False
    )
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        main = app.screen
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, SessionsScreen)
        await pilot.press(*"release", "enter")
        await workers_done(app)
        await pilot.pause()
        replay = app.screen
        assert isinstance(replay, ReplayScreen)
        assert replay.cursor is not None and replay.cursor.at_end
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert app.screen is main


async def test_f1_lists_the_main_screen_keys(sessions: dict[str, Path], tmp_path: Path) -> None:
    app = make_app(text="", sessions_dir=tmp_path, project_dir=tmp_path, freeze_gc=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        main = app.screen
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        descriptions = {row.description for _, rows in binding_rows(main) for row in rows}
        assert {"Sessions", "Help"} <= descriptions
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is main


async def test_make_app_replay_opens_the_session(sessions: dict[str, Path], tmp_path: Path) -> None:
    app = make_app(replay=sessions["release"], project_dir=tmp_path, freeze_gc=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await workers_done(app)
        await pilot.pause()
        assert isinstance(app.screen, ReplayScreen)
        assert app.screen.session_path == sessions["release"]


async def test_replay_keys_are_commands_in_the_palette(
    sessions: dict[str, Path], tmp_path: Path
) -> None:
    app = make_app(replay=sessions["release"], project_dir=tmp_path, freeze_gc=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await workers_done(app)
        await pilot.pause()
        replay = app.screen
        assert isinstance(replay, ReplayScreen)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Faster")
        await pilot.pause()
        await workers_done(app)  # the palette searches in a worker
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert top(app) is replay
        assert isinstance(replay, ReplayScreen) and replay.speed == 2.0


async def test_watching_the_apps_own_running_session_says_this_app_records_it(
    tmp_path: Path,
) -> None:
    app = make_app(
        text='Task("A", "x", "coder")\n',
        sessions_dir=tmp_path / "sessions",
        project_dir=tmp_path,
        settings=RunSettings(rehearsal_seconds=30),
        freeze_gc=False,
    )
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        own = app.main_screen.controller.session_path
        assert own is not None and app.main_screen.controller.running
        app.push_screen(ReplayScreen(own))  # (as ctrl+l, enter on it)
        async with asyncio.timeout(15):
            while not (isinstance(replay := top(app), ReplayScreen) and replay.cursor):
                await pilot.pause()
        assert replay.live and replay.following
        line = replay.position_text()
        assert "recorded by this app" in line and "another process" not in line, line
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("X")  # (end it: asks first)
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
