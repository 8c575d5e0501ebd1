"""Help lists the keys of the screen below it (with tooltips) and the batch cheat-sheet."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, ClassVar

from rich.console import Console
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from swarmtui.batch import parse_batch
from swarmtui.ui.screens.help import CHEAT_SHEET, HelpScreen, binding_rows
from swarmtui.ui.screens.replay import ReplayScreen
from swarmtui.ui.screens.sessions import SessionsScreen

from .helpers import (
    SIZE,
    ScreenHost,
    app_for,
    settle,
    workers_done,
)
from .recorded_sessions import make_sessions


def shown(screen: Screen[Any], selector: str) -> str:
    """The plain text a Static on the screen displays."""
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(screen.query_one(selector, Static).content)
    return console.export_text()


class Pane(Static, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "noop", "Cancel agent", id="pane.cancel", tooltip="Cancel this agent"),
        Binding("r", "noop", "Hidden", show=False),  # hidden, no tooltip: not listed
    ]

    def action_noop(self) -> None:
        pass


class Below(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r,ctrl+enter", "noop", "Run", id="run", tooltip="Run the batch"),
        Binding("f1", "help", "Help", id="help", tooltip="Show the keys"),
    ]

    def compose(self) -> ComposeResult:
        yield Pane("pane")
        yield Footer()

    def action_noop(self) -> None:
        pass

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())


class HelpApp(App[None]):
    def on_mount(self) -> None:
        self.push_screen(Below())


async def test_lists_the_active_bindings_of_the_screen_below_grouped() -> None:
    app = HelpApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        below = app.screen
        below.query_one(Pane).focus()
        await pilot.pause()
        groups = dict(binding_rows(below))
        assert next(iter(groups)) == "Pane"  # the focused widget's keys come first
        assert [(r.keys, r.description) for r in groups["Pane"]] == [(["x"], "Cancel agent")]
        run = next(r for r in groups["This screen"] if r.description == "Run")
        assert len(run.keys) == 2  # both keys of one binding on one row
        assert run.tooltip == "Run the batch"
        assert "Everywhere" in groups

        await pilot.press("f1")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        keys_text = shown(help_screen, "#help-keys")
        assert "Cancel agent" in keys_text and "Cancel this agent" in keys_text
        assert "Run the batch" in keys_text
        assert "Hidden" not in keys_text
        sheet = shown(help_screen, "#help-cheat-sheet")
        assert "TodoWrite" in sheet and "Everything in one message runs" in sheet
        assert "Claude Code's notation" in sheet
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is below


async def test_help_over_the_replay_lists_every_replay_key(tmp_path: Path) -> None:
    paths = make_sessions(tmp_path)
    app = ScreenHost(lambda: ReplayScreen(paths["release"]))
    async with app.run_test(size=(140, 45)) as pilot:
        await workers_done(app)
        await pilot.pause()
        replay = app.screen
        app.push_screen(HelpScreen())
        await pilot.pause()
        keys_text = shown(app.screen, "#help-keys")
        for binding in ReplayScreen.BINDINGS:
            assert isinstance(binding, Binding)
            assert binding.tooltip in keys_text, binding.id
        await pilot.press("f1")
        await pilot.pause()
        assert app.screen is replay


async def test_help_on_the_editor_lists_the_screen_keys_first_in_order(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.focused is app.main_screen.editor
        groups = binding_rows(app.main_screen)
        name, rows = groups[0]
        assert name == "This screen", [g for g, _ in groups]
        descriptions = [row.description for row in rows]
        assert descriptions[:3] == ["Run", "Save", "Open"], descriptions
        for missing in ("Pause", "Store key", "Cancel all", "Focus diagnostics"):
            assert missing in descriptions, missing
        pause = next(row for row in rows if row.description == "Pause")
        assert not pause.enabled  # no session: listed, marked as not available
        assert descriptions.index("Focus editor") < descriptions.index("Focus timeline")


async def test_help_over_the_replay_lists_its_keys_in_order(tmp_path: Path) -> None:
    sessions = make_sessions(tmp_path / "sessions")
    app = ScreenHost(lambda: ReplayScreen(sessions["release"]))
    async with app.run_test(size=(140, 40)) as pilot:
        await workers_done(app)
        await pilot.pause()
        rows = dict(binding_rows(app.screen))["This screen"]
        keys = [row.keys[0] for row in rows]
        assert keys[:7] == ["space", "←", "→", "⇧←", "⇧→", "home", "end"], keys
        footer = {key.description for key in app.screen.query_one(Footer).query(FooterKey)}
        assert {"-10%", "+10%"} <= footer, footer


def test_the_cheat_sheets_example_of_arguments_by_name_is_a_task() -> None:
    (example,) = [form for form, _ in CHEAT_SHEET if form.startswith("Agent(")]
    batch = parse_batch(example.replace("…", "Review the change.") + "\n")
    (task,) = batch.tasks()
    assert (task.agent_type, task.instructions) == ("t", "Review the change.")


async def test_help_over_the_sessions_browser_lists_up_and_down_as_available(
    tmp_path: Path,
) -> None:
    sessions = make_sessions(tmp_path / "sessions")
    app = ScreenHost(lambda: SessionsScreen(tmp_path / "sessions"))
    async with app.run_test(size=(160, 50)) as pilot:
        await workers_done(app)
        await pilot.pause()
        browser = app.screen
        assert isinstance(browser, SessionsScreen) and len(browser.shown) == len(sessions)
        for focus in ("#sessions-filter", "DataTable"):  # (typing a filter, or on the list)
            browser.query_one(focus).focus()
            await pilot.pause()
            rows = dict(binding_rows(browser))["This screen"]
            moves = {row.description: row.enabled for row in rows if row.keys[0] in "↓↑"}
            assert moves == {"Next": True, "Previous": True}, (focus, moves)
