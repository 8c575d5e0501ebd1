"""Every key of the main screen, driven with Pilot against the real engine (rehearsal backend)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import Input

from swarmtui.engine.events import Control
from swarmtui.engine.settings import RunSettings
from swarmtui.store import read_events
from swarmtui.ui.app import SwarmApp, make_app
from swarmtui.ui.examples import example_names, read_example
from swarmtui.ui.screens.agent_detail import AgentDetailScreen
from swarmtui.ui.screens.confirm_quit import ConfirmQuitScreen
from swarmtui.ui.screens.main import MainScreen
from swarmtui.ui.screens.memory_form import MemoryFormScreen
from swarmtui.ui.screens.open_file import OpenFileScreen
from swarmtui.ui.widgets.agents_panel import AgentsPanel
from swarmtui.ui.widgets.diagnostics_list import DiagnosticsList
from swarmtui.ui.widgets.todos_panel import TodosPanel

from .main_data import (
    DIAGNOSTICS_BATCH,
    UNBLOCK_BATCH,
    mid_run_events,
    settle,
    show_session,
    wait_for_state,
)

SIZE = (140, 42)


def app_for(tmp_path: Path, text: str | None = None, **kwargs: object) -> SwarmApp:
    settings = kwargs.pop("settings", None) or RunSettings(rehearsal_seconds=0.01)
    return make_app(
        text=text,
        settings=settings,  # type: ignore[arg-type]
        sessions_dir=tmp_path / "sessions",
        freeze_gc=False,
        **kwargs,  # type: ignore[arg-type]
    )


async def test_starts_with_the_default_example_unmodified(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        assert screen.editor.text == read_example(example_names()[0])
        assert not screen.document.modified
        assert app.focused is screen.editor
        assert "REHEARSAL" in str(screen.status_bar.render_status())


@pytest.mark.parametrize("key", ["ctrl+r", "ctrl+enter"])
async def test_run_keys_run_the_batch_to_the_end(tmp_path: Path, key: str) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)
        screen = app.main_screen
        assert screen.state.status == "completed"
        assert set(screen.state.agents) >= {"Postgres Scout", "Decision Writer"}
        assert all(agent.status == "done" for agent in screen.state.agents.values())
        folders = list((tmp_path / "sessions").iterdir())
        assert len(folders) == 1 and (folders[0] / "session.db").exists()
        assert screen.query_one(AgentsPanel).row_count == len(screen.state.agents)


async def test_a_crashing_run_reports_and_keeps_the_text(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    app = make_app(
        text=UNBLOCK_BATCH + "// edited\n",
        settings=RunSettings(rehearsal_seconds=0.01),
        sessions_dir=blocker,
        freeze_gc=False,
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        screen = app.main_screen
        assert screen.controller.last_error is not None
        assert not screen.controller.running
        assert screen.editor.text == UNBLOCK_BATCH + "// edited\n"
        assert any("Your batch is unchanged" in n.message for n in app._notifications)


async def test_diagnostics_as_you_type_and_choosing_one_moves_the_cursor(tmp_path: Path) -> None:
    app = app_for(tmp_path, text="")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        screen.document.lint_delay = 0
        await settle(pilot)
        assert screen.document.diagnostics == []
        screen.editor.insert(DIAGNOSTICS_BATCH)
        await pilot.pause()
        await settle(pilot)
        codes = {d.code for d in screen.document.diagnostics}
        assert {"SW009", "SW002"} <= codes
        assert screen.editor.diagnostics == screen.document.diagnostics
        listing = screen.query_one(DiagnosticsList)
        assert listing.option_count == len(screen.document.diagnostics)
        assert "error" in str(listing.border_title)
        # Choose the SW002 (line 4) in the list: the editor's cursor moves there.
        target = next(i for i, d in enumerate(listing.diagnostics) if d.code == "SW002")
        listing.focus()
        listing.highlighted = target
        await pilot.press("enter")
        await pilot.pause()
        diagnostic = listing.diagnostics[target]
        assert screen.editor.cursor_location == (diagnostic.line - 1, diagnostic.column - 1)
        assert app.focused is screen.editor
        assert str(screen.editor.border_subtitle).startswith("SW002")


async def test_focus_keys_reach_every_pane(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        expected = ["editor", "agents", "todos", "memory-tree", "log", "timeline"]
        for number, widget_id in enumerate(expected, start=1):
            await pilot.press(f"alt+{number}")
            assert app.focused is not None and app.focused.id == widget_id, number
        for fkey, widget_id in zip(["f2", "f3", "f4", "f5", "f6", "f7"], expected, strict=True):
            await pilot.press("alt+1")
            await pilot.press(fkey)
            assert app.focused is not None and app.focused.id == widget_id, fkey
        await pilot.press("escape")
        assert app.focused is app.main_screen.editor


async def test_keymap_remaps_a_binding_by_id(tmp_path: Path) -> None:
    app = app_for(tmp_path, keymap={"run": "ctrl+g", "focus.agents": "alt+9"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("alt+9")
        assert app.focused is not None and app.focused.id == "agents"
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert app.main_screen.state.status == "completed"


async def test_save_writes_the_file_and_clears_the_mark(tmp_path: Path) -> None:
    path = tmp_path / "mine.swarm.js"
    path.write_text(UNBLOCK_BATCH)
    app = make_app(file=path, sessions_dir=tmp_path / "s", freeze_gc=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        screen.editor.insert("// more\n")
        await pilot.pause()
        assert screen.document.modified and "●" in app.sub_title
        await pilot.press("ctrl+s")
        assert path.read_text() == "// more\n" + UNBLOCK_BATCH
        assert not screen.document.modified and "●" not in app.sub_title


async def test_saving_the_example_asks_for_a_path(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, OpenFileScreen)
        target = tmp_path / "copy.swarm.js"
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert target.read_text() == app.main_screen.editor.text
        assert app.main_screen.document.path == target


async def test_open_loads_a_file_after_asking_about_unsaved_changes(tmp_path: Path) -> None:
    other = tmp_path / "other.swarm.js"
    other.write_text(UNBLOCK_BATCH)
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.main_screen.editor.insert("// unsaved\n")
        await pilot.pause()
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmQuitScreen)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, OpenFileScreen)
        app.screen.query_one(Input).value = str(tmp_path / "missing.js")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, OpenFileScreen)  # a bad path keeps the dialog open
        app.screen.query_one(Input).value = str(other)
        await pilot.press("enter")
        await pilot.pause()
        assert app.main_screen.editor.text == UNBLOCK_BATCH
        assert app.main_screen.document.path == other and not app.main_screen.document.modified


async def test_quit_asks_when_there_are_unsaved_changes(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.main_screen.editor.insert("x")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmQuitScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and app.is_running
        assert app.main_screen.editor.text.startswith("x")
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
    assert app.return_code == 0


async def test_quit_without_changes_exits_at_once(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_sessions_and_help_keys_push_their_screens(tmp_path: Path) -> None:
    from swarmtui.ui.screens.help import HelpScreen
    from swarmtui.ui.screens.sessions import SessionsScreen

    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, SessionsScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_palette_lists_every_main_screen_action(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = {command.title for command in app.get_system_commands(app.main_screen)}
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


async def test_enter_on_an_agent_opens_its_detail_and_escape_returns(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await show_session(pilot, mid_run_events())
        await pilot.press("alt+2")
        await pilot.press("down")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AgentDetailScreen)
        assert app.screen.agent_name == "Backend"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_controls_without_a_session_do_nothing(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await show_session(pilot, mid_run_events())
        await pilot.press("alt+2")
        for key in ("x", "r", "space", "m"):
            await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert screen.state.agents["Schema Designer"].status == "done"


async def test_run_watch_unblock_cancel_retry_and_cancel_all(tmp_path: Path) -> None:
    """The whole steering path on a live session: every control key, each recorded."""
    app = app_for(tmp_path, text=UNBLOCK_BATCH, settings=RunSettings(rehearsal_seconds=30))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        screen = app.main_screen
        state = await wait_for_state(
            pilot,
            lambda s: (
                s.agents.get("Alpha") is not None
                and s.agents["Alpha"].status == "running"
                and s.agents["Beta"].status == "waiting"
            ),
        )
        assert app.focused is screen.query_one(AgentsPanel)
        agents = screen.query_one(AgentsPanel)
        assert agents.selected == "Alpha"

        # m on the waiting Beta: the form comes with its missing key; storing it unblocks Beta.
        await pilot.press("down")
        assert agents.selected == "Beta"
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, MemoryFormScreen)
        assert app.screen.query_one("#key", Input).value == "swarm/alpha/out"
        await pilot.press(*'"by hand"')
        await pilot.press("enter", "enter")
        state = await wait_for_state(pilot, lambda s: s.agents["Beta"].status == "running")
        entry = state.memory[("default", "swarm/alpha/out")]
        assert entry.value == "by hand" and entry.by == "user"

        # space pauses and resumes the session.
        await pilot.press("space")
        await wait_for_state(pilot, lambda s: s.paused)
        await pilot.press("space")
        await wait_for_state(pilot, lambda s: not s.paused)

        # x cancels Alpha, r retries it.
        await pilot.press("up")
        assert agents.selected == "Alpha"
        await pilot.press("x")
        await wait_for_state(pilot, lambda s: s.agents["Alpha"].status == "cancelled")
        await pilot.press("r")
        await wait_for_state(
            pilot,
            lambda s: s.agents["Alpha"].status == "running" and s.agents["Alpha"].attempts == 2,
        )

        # space on a todo cycles its status.
        await pilot.press("alt+3")
        todos = screen.query_one(TodosPanel)
        todo = todos.selected
        assert todo is not None
        before = todo.status
        await pilot.press("space")
        await wait_for_state(pilot, lambda s: s.todos[todo.id].status != before)

        # X cancels everything; the session ends and the controls are in its events.
        await pilot.press("alt+2")
        await pilot.press("X")
        await settle(pilot)
        assert screen.state.status == "cancelled"
        assert not screen.controller.running
        assert screen.controller.live is not None
        events = read_events(screen.controller.live.path)
        actions = [e.action for e in events if isinstance(e, Control)]
        for action in (
            "store_memory",
            "pause",
            "resume",
            "cancel",
            "retry",
            "todo_status",
            "cancel_session",
        ):
            assert action in actions, action


async def test_editor_text_of_every_example_parses_without_errors() -> None:
    from swarmtui.batch import parse_batch

    for name in example_names():
        batch = parse_batch(read_example(name), source_name=name)
        assert not batch.has_errors, (name, batch.diagnostics)
        assert len(batch.tasks()) >= 3, name


async def test_agent_detail_shows_an_artifact_in_the_pager(tmp_path: Path) -> None:
    from textual.widgets import OptionList, TextArea

    from swarmtui.ui.screens.agent_detail import ArtifactPager

    app = app_for(tmp_path, text='Task("Solo", "Write a short report.", "general")\n')
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        screen = app.main_screen
        solo = screen.state.agents["Solo"]
        assert solo.status == "done" and solo.artifacts
        await pilot.press("alt+2", "enter")
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, AgentDetailScreen)
        artifacts = detail.query_one("#detail-artifacts", OptionList)
        assert app.focused is artifacts and artifacts.option_count == len(solo.artifacts)
        artifacts.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ArtifactPager)
        expected = (screen.controller.live.path / solo.artifacts[0]).read_text()
        assert app.screen.query_one(TextArea).text == expected
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is detail
