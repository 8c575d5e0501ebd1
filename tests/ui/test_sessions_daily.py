"""The sessions browser as a daily tool: opened once, seconds and ids shown, sorted, a session
deleted after asking, its batch edited or run again; the footer shows the replay key."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Footer
from textual.widgets._footer import FooterKey

from swarmtui import locations
from swarmtui.engine.settings import RunSettings
from swarmtui.ui.app import SwarmApp, make_app
from swarmtui.ui.screens.ask import ConfirmScreen
from swarmtui.ui.screens.sessions import SessionsScreen

from .helpers import settle, type_at_once, workers_done
from .recorded_sessions import make_sessions


@pytest.fixture
def sessions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    monkeypatch.setenv(locations.ENV_CONFIG_DIR, str(tmp_path / "config"))
    return make_sessions(tmp_path / "sessions")


def _app(tmp_path: Path) -> SwarmApp:
    return make_app(
        text="// mine\n",
        sessions_dir=tmp_path / "sessions",
        settings=RunSettings(rehearsal_seconds=0.01),
        freeze_gc=False,
    )


async def _browser(pilot: object, app: SwarmApp) -> SessionsScreen:
    await pilot.press("ctrl+l")  # type: ignore[attr-defined]
    await workers_done(app)
    await pilot.pause()  # type: ignore[attr-defined]
    screen = app.screen
    assert isinstance(screen, SessionsScreen)
    return screen


def _column(screen: SessionsScreen, key: str) -> list[str]:
    table = screen.query_one(DataTable)
    column = table.get_column_index(key)
    return [str(table.get_cell_at(Coordinate(row, column))) for row in range(table.row_count)]


async def test_ctrl_l_opens_the_browser_once(sessions: dict[str, Path], tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await _browser(pilot, app)
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert sum(isinstance(s, SessionsScreen) for s in app.screen_stack) == 1
        # From a replay opened in it, ctrl+l comes back to the same browser.
        await pilot.press("enter")
        await workers_done(app)
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, SessionsScreen)
        assert sum(isinstance(s, SessionsScreen) for s in app.screen_stack) == 1


async def test_seconds_ids_sorting_and_the_replay_key(
    sessions: dict[str, Path], tmp_path: Path
) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        screen = await _browser(pilot, app)
        started = _column(screen, "started")
        assert started[0] == "2026-11-29 11:30:00", started  # seconds shown
        assert any(cell.startswith("session-") for cell in _column(screen, "id"))
        await pilot.press("f4")  # oldest first
        await pilot.pause()
        assert _column(screen, "started") == sorted(_column(screen, "started"))
        await pilot.press("f4")  # by title
        await pilot.pause()
        titles = _column(screen, "title")
        assert titles == sorted(titles, key=str.lower)
        footer = screen.query_one(Footer)
        shown = {key.description for key in footer.query(FooterKey)}
        assert {"Replay", "Delete", "Sort", "Edit batch", "Run again"} <= shown, shown


async def test_f8_deletes_a_session_after_asking(sessions: dict[str, Path], tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        screen = await _browser(pilot, app)
        await pilot.press(*"release")
        await pilot.pause()
        assert screen.highlighted is not None
        doomed = screen.highlighted.path
        await pilot.press("f8")
        await pilot.pause()
        first = app.screen
        assert isinstance(first, ConfirmScreen)
        await pilot.press("n")  # kept
        # (the first question must be gone before the second is asked: under a full run's load
        # its dismissal may take a few turns, and the `y` below once answered it, not the next)
        async with asyncio.timeout(15):
            while app.screen is first:
                await pilot.pause()
        assert doomed.exists()
        await pilot.press("f8")
        # (the question must be up before its answer: a `y` pressed too early went to the
        # list's filter under a full run's load, and the question then waited for ever)
        async with asyncio.timeout(15):
            while not isinstance(app.screen, ConfirmScreen):
                await pilot.pause()
        await pilot.press("y")
        # (the confirmation's answer starts the delete a turn or two later, and the delete the
        # listing: waited for by what they do, under a deadline)
        async with asyncio.timeout(15):
            while doomed.exists() or any(info.path == doomed for info in screen.sessions):
                await workers_done(app)
                await pilot.pause()
        assert not doomed.exists()
        assert all(info.path != doomed for info in screen.sessions)


async def test_an_older_listing_is_not_shown_over_a_newer_one(
    sessions: dict[str, Path], tmp_path: Path
) -> None:
    # Two readings of the folder in flight (one started just before a delete): whichever ends
    # last, the screen keeps the newer one.
    app = _app(tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        screen = await _browser(pilot, app)
        newest = screen.listings + 2
        stale = list(screen.sessions)
        assert stale  # (the folder's sessions, as the first reading found them)
        screen._listed(SessionsScreen.Listed([], newest))  # (the handler, as the message is
        screen._listed(SessionsScreen.Listed(stale, newest - 1))  # handled, in this order)
        assert screen.shown_listing == newest
        assert screen.sessions == []


async def test_f2_edits_and_f3_runs_a_sessions_batch_again(tmp_path: Path) -> None:
    app = _app(tmp_path)
    batch = 'Task("Solo", "Say hello.", "general")\n'
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        main = app.main_screen
        main.document.load(batch, None)
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        main.document.load("// something else\n", None)
        main.document.saved_text = main.document.text  # (nothing unsaved to ask about)
        await _browser(pilot, app)
        await pilot.press("f2")
        await settle(pilot)
        assert app.screen is main and main.document.text == batch
        assert main.document.path is None  # a new batch: saving never writes the session's copy
        await _browser(pilot, app)
        await pilot.press("f3")
        await settle(pilot)
        assert app.screen is main
        assert len(list((tmp_path / "sessions").iterdir())) == 2
        assert main.state.status == "completed"


async def test_f6_down_f7_typed_at_once_compares_the_two_sessions_in_key_order(
    sessions: dict[str, Path], tmp_path: Path
) -> None:
    from swarmtui.ui.screens.compare import CompareScreen

    app = _app(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        screen = await _browser(pilot, app)
        first, second = screen.shown[0].path, screen.shown[1].path
        type_at_once(pilot, "\x1b[17~\x1b[B\x1b[18~")  # f6, down, f7
        async with asyncio.timeout(15):  # (a key order broken again fails here, not hangs)
            while not isinstance(app.screen, CompareScreen) and not app._notifications:
                await pilot.pause()
        compare = app.screen
        assert isinstance(compare, CompareScreen), [n.message for n in app._notifications]
        assert (compare.a_path, compare.b_path) == (first, second)
