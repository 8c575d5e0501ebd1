"""The command palette: every action of the screen below, each once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.command import CommandPalette
from textual.screen import Screen

from .helpers import (
    SIZE,
    app_for,
    settle,
)


async def test_palette_lists_every_main_screen_action(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main: Screen[Any] = app.main_screen
        titles = {command.title for command in app.get_system_commands(main)}
        for title in ("Run", "Save", "Open", "Sessions", "Help", "Quit", "Save as…"):
            assert title in titles, title
        assert {f"Focus {pane}" for pane in ("editor", "agents", "log")} <= titles
        assert any(t.startswith("Open example") for t in titles)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Run")
        await pilot.press("enter")
        await settle(pilot)
        assert app.main_screen.state.status == "completed"


async def test_palette_lists_each_focus_command_once(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main: Screen[Any] = app.main_screen
        titles = [command.title for command in app.get_system_commands(main)]
        focus = [title for title in titles if "agents" in title.lower()]
        assert focus == ["Focus agents"], focus
        assert "Agents" not in titles
