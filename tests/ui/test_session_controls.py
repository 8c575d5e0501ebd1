"""Running and steering a session from the main screen, against the real engine (rehearsal)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from swarmtui.engine.events import Control
from swarmtui.engine.settings import RunSettings
from swarmtui.store import read_events
from swarmtui.ui.app import make_app
from swarmtui.ui.screens.ask import ConfirmScreen
from swarmtui.ui.screens.main import MainScreen
from swarmtui.ui.screens.memory_form import MemoryFormScreen
from swarmtui.ui.widgets.agents_panel import AgentsPanel
from swarmtui.ui.widgets.todos_panel import TodosPanel

from .helpers import (
    SIZE,
    app_for,
    settle,
    show_session,
    top,
    wait_for_state,
)
from .live_sessions import (
    UNBLOCK_BATCH,
    mid_run_events,
)

WAITING = "waiting for you: r retries, m stores a key, X ends"


def _status_shown(screen: MainScreen) -> str:
    """The status bar as painted."""
    bar = screen.status_bar
    return "".join(strip.text for strip in bar.render_lines(bar.region.reset_offset))


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


@pytest.mark.parametrize("text", ["", "  \n\n", "hello world\n", "foo(\n"])
async def test_a_batch_with_nothing_to_run_makes_no_session(tmp_path: Path, text: str) -> None:
    app = app_for(tmp_path, text)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        screen = app.main_screen
        assert screen.controller.live is None and not screen.controller.running
        assert screen.state.status != "completed"
        sessions = tmp_path / "sessions"
        assert not sessions.exists() or not any(sessions.iterdir())
        said = [n.message for n in app._notifications]
        assert any("Nothing in this batch can run" in m for m in said), said
        assert screen.editor.text == text


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

        # X asks first ("n" keeps it running), then cancels everything; the session ends and
        # the controls are in its events.
        await pilot.press("alt+2")
        await pilot.press("X")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Cancel the whole session?" in app.screen.question
        await pilot.press("n")
        await pilot.pause()
        assert screen.controller.running and top(app) is screen
        await pilot.press("X")
        await pilot.pause()
        await pilot.press("y")
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


async def test_cancelling_the_last_agent_keeps_the_session_open_until_the_user_ends_it(
    tmp_path: Path,
) -> None:
    batch = 'Task("Solo", "Say hello.", "general")\n'
    app = app_for(tmp_path, text=batch, settings=RunSettings(rehearsal_seconds=30))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        screen = app.main_screen
        await wait_for_state(pilot, lambda s: s.agents["Solo"].status == "running")
        await pilot.press("x")
        state = await wait_for_state(pilot, lambda s: s.held)
        # Open for a retry: the worker runs on, the status bar says what the user can do.
        assert state.agents["Solo"].status == "cancelled" and not state.finished
        assert screen.controller.running and screen.controller.held
        assert WAITING in _status_shown(screen)
        await pilot.press("r")  # retried: it runs again, and nothing waits for the user
        state = await wait_for_state(
            pilot, lambda s: s.agents["Solo"].status == "running" and s.agents["Solo"].attempts == 2
        )
        assert not state.held and not screen.controller.held
        assert "· running ·" in _status_shown(screen) and WAITING not in _status_shown(screen)
        await pilot.press("X")  # (it cancels what runs: ending would leave the retry running)
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Cancel the whole session?" in app.screen.question
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("x")
        await wait_for_state(pilot, lambda s: s.held)
        assert WAITING in _status_shown(screen)
        await pilot.press("X")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and "End the session?" in app.screen.question
        await pilot.press("y")
        await settle(pilot)
        assert screen.state.finished and screen.state.status == "failed"
        assert not screen.controller.running


async def test_an_agent_rescued_with_a_key_runs_and_nothing_waits_for_the_user(
    tmp_path: Path,
) -> None:
    batch = 'Task("Reader", "Summarise the plan.", "coder", {waits: ["notes"]})\n'
    app = app_for(tmp_path, text=batch, settings=RunSettings(rehearsal_seconds=30))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        screen = app.main_screen
        await wait_for_state(pilot, lambda s: s.agents["Reader"].status == "skipped" and s.held)
        assert WAITING in _status_shown(screen)
        await pilot.press("m")  # the key it waits for, by hand
        await pilot.pause()
        assert isinstance(app.screen, MemoryFormScreen)
        assert app.screen.query_one("#key", Input).value == "notes"
        await pilot.press(*'"by hand"')
        await pilot.press("enter", "enter")
        state = await wait_for_state(pilot, lambda s: s.agents["Reader"].status == "running")
        assert not state.held
        assert "· running ·" in _status_shown(screen) and WAITING not in _status_shown(screen)
        await pilot.press("X")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Cancel the whole session?" in app.screen.question
        await pilot.press("y")
        await settle(pilot)
        assert screen.state.status == "cancelled"


async def test_the_memory_form_offers_the_key_still_missing(tmp_path: Path) -> None:
    """Writer was skipped at the start for 'extra' (nothing stores it); 'notes' came later
    from Gather: `m` offers 'extra', and storing it lets Writer run to the end."""
    batch = (
        'Task("Gather", "Store the notes in memory under \'notes\'.", "researcher")\n'
        'Task("Writer", "Write it up.", "coder", {waits: ["notes", "extra"]})\n'
    )
    app = app_for(tmp_path, text=batch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        screen = app.main_screen
        await wait_for_state(pilot, lambda s: s.held and s.agents["Gather"].status == "done")
        assert screen.state.agents["Writer"].status == "skipped"
        screen.query_one(AgentsPanel).cursor = 1
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, MemoryFormScreen)
        assert app.screen.query_one("#key", Input).value == "extra"
        await pilot.press(*'"by hand"', "enter", "enter")
        await settle(pilot)
        ended = screen.state
        assert ended.agents["Writer"].status == "done" and ended.status == "completed"


async def test_space_cycles_a_todo_before_and_after_a_session(tmp_path: Path) -> None:
    batch = (
        'Task("Solo", "Say hello.", "general")\n'
        'TodoWrite({ todos: [{id: "a", content: "Say hello", status: "pending"}] })\n'
    )
    app = app_for(tmp_path, text=batch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        todos = screen.query_one(TodosPanel)
        await pilot.press("f4")
        await pilot.press("space")
        await pilot.pause()
        assert todos.selected is not None and todos.selected.status == "in_progress"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert screen.state.status == "completed"
        await pilot.press("f4")
        status = todos.selected.status if todos.selected else None
        await pilot.press("space")
        await pilot.pause()
        assert todos.selected is not None and todos.selected.status != status
