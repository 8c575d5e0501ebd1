"""The status bar says a session waits for the user only while nothing of it is under way: an
agent retried or rescued runs, and the bar says so (the real engine, rehearsal)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App
from textual.widgets import Input

from swarmtui.engine.settings import RunSettings
from swarmtui.ui.screens.ask import ConfirmScreen
from swarmtui.ui.screens.main import MainScreen
from swarmtui.ui.screens.memory_form import MemoryFormScreen

from .helpers import SIZE, app_for, settle, top, wait_for_state

WAITING = "waiting for you: r retries, m stores a key, X ends"


def _shown(screen: MainScreen) -> str:
    """The status bar as painted."""
    bar = screen.status_bar
    return "".join(strip.text for strip in bar.render_lines(bar.region.reset_offset))


def _question(app: App[Any]) -> str:
    """What the dialog on top asks."""
    dialog = top(app)
    assert isinstance(dialog, ConfirmScreen)
    return dialog.question


async def test_a_retried_agent_runs_and_the_status_bar_no_longer_waits_for_you(
    tmp_path: Path,
) -> None:
    batch = 'Task("Only", "do it", "coder")\n'
    app = app_for(tmp_path, text=batch, settings=RunSettings(rehearsal_seconds=30))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        screen = app.main_screen
        await wait_for_state(pilot, lambda s: s.agents["Only"].status == "running")
        assert "· running ·" in _shown(screen) and WAITING not in _shown(screen)
        await pilot.press("x")
        await wait_for_state(pilot, lambda s: s.agents["Only"].status == "cancelled")
        assert WAITING in _shown(screen)
        await pilot.press("r")
        state = await wait_for_state(
            pilot, lambda s: s.agents["Only"].status == "running" and s.agents["Only"].attempts == 2
        )
        assert not state.held and not screen.controller.held
        assert "· running ·" in _shown(screen) and WAITING not in _shown(screen)
        # X stops what runs (it would only have ended the session, the retry running on).
        await pilot.press("X")
        await pilot.pause()
        assert "Cancel the whole session?" in _question(app)
        await pilot.press("n")
        await pilot.pause()
        # Cancelled again: waiting for the user once more, and X ends the session.
        await pilot.press("x")
        await wait_for_state(pilot, lambda s: s.agents["Only"].status == "cancelled")
        assert WAITING in _shown(screen)
        await pilot.press("X")
        await pilot.pause()
        assert "End the session?" in _question(app)
        await pilot.press("y")
        await settle(pilot)
        assert screen.state.finished and not screen.controller.running


async def test_an_agent_rescued_with_a_key_runs_and_the_status_bar_no_longer_waits_for_you(
    tmp_path: Path,
) -> None:
    batch = 'Task("Reader", "Summarise the plan.", "coder", {waits: ["notes"]})\n'
    app = app_for(tmp_path, text=batch, settings=RunSettings(rehearsal_seconds=30))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        screen = app.main_screen
        await wait_for_state(pilot, lambda s: s.agents["Reader"].status == "skipped" and s.held)
        assert WAITING in _shown(screen)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(top(app), MemoryFormScreen)
        assert app.screen.query_one("#key", Input).value == "notes"
        await pilot.press(*'"by hand"')
        await pilot.press("enter", "enter")
        state = await wait_for_state(pilot, lambda s: s.agents["Reader"].status == "running")
        assert not state.held
        assert "· running ·" in _shown(screen) and WAITING not in _shown(screen)
        await pilot.press("X")
        await pilot.pause()
        assert "Cancel the whole session?" in _question(app)
        await pilot.press("y")
        await settle(pilot)
        assert screen.state.status == "cancelled"
