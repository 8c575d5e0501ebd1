"""Forks, families and comparisons in the app (Pilot): F in a replay, the memory form, the run;
the sessions browser's families, marks and compare key; a served read-only replay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Button, DataTable, Input, Label, Static
from textual.widgets._footer import FooterKey

from swarmtui.engine.settings import RunSettings
from swarmtui.store.compare import compare_sessions
from swarmtui.ui.app import SwarmApp, make_app
from swarmtui.ui.screens.compare import CompareScreen
from swarmtui.ui.screens.main import FORK_WAITING, MainScreen
from swarmtui.ui.screens.memory_form import MemoryFormScreen
from swarmtui.ui.screens.replay import ReplayScreen
from swarmtui.ui.screens.sessions import SessionsScreen
from swarmtui.ui.widgets.memory_panel import MemoryPanel

from ..ui.helpers import settle, top, wait_for_state, workers_done
from .forks import (
    AGENTS,
    PIPELINE,
    command_settings,
    done_by,
    events,
    interrupted_run,
    record,
    rehearsal_settings,
    started_after_fork,
)
from .recorded import write_release_family
from .sessions import damaged_copy

SIZE = (140, 42)


async def _replaying(tmp_path: Path, settings: RunSettings) -> tuple[Path, SwarmApp]:
    """A session recorded under TMP_PATH/sessions with SETTINGS, and the app replaying it."""
    sessions = tmp_path / "sessions"
    original = await record(sessions, settings)
    app = make_app(replay=original, settings=settings, sessions_dir=sessions, freeze_gc=False)
    return original, app


async def _replay(pilot: Pilot[Any]) -> ReplayScreen:
    await workers_done(pilot.app)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ReplayScreen)
    return screen


async def _forked(pilot: Pilot[Any]) -> MainScreen:
    """F at the end of the replay the app opened with: the fork prepared in the main screen."""
    await _replay(pilot)
    await pilot.press("F")
    await pilot.pause()
    app = pilot.app
    assert isinstance(app, SwarmApp)
    return app.main_screen


async def _run_noted_fork(pilot: Pilot[Any], main: MainScreen, note: str) -> Path:
    """Start the fork prepared (its source cut short, said by NOTE) and run it to its end:
    it completes, recording the note; its folder."""
    await pilot.press("ctrl+r")
    state = await wait_for_state(pilot, lambda s: s.finished)
    assert state.status == "completed"
    assert state.forked_from is not None and state.forked_from.note == note
    live = main.controller.live
    assert live is not None
    return live.path


async def test_fork_from_the_replay_with_one_memory_value_changed(tmp_path: Path) -> None:
    """The done-when in the app: F at the midpoint of a replay, the value changed in the memory
    form, the run key: only the agents after the point run, and the comparison shows exactly
    what the value reached."""
    original, app = await _replaying(tmp_path, command_settings())
    async with app.run_test(size=SIZE) as pilot:
        replay = await _replay(pilot)
        await pilot.press("home", *["shift+right"] * 5)
        assert replay.cursor is not None
        midpoint = replay.cursor.position
        assert abs(midpoint - replay.cursor.total / 2) <= 3
        done = done_by(original, midpoint)
        assert done and "Shipper" not in done

        await pilot.press("F")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        main = app.main_screen
        assert top(app) is main
        fork = main.controller.fork
        assert fork is not None and fork.point.events == midpoint
        assert main.document.text == PIPELINE and main.document.path is None
        assert main.status_bar.status_label == FORK_WAITING
        # The panels show where the fork starts: what was done stays done, the rest waits.
        statuses = {name: main.state.agents[name].status for name in AGENTS}
        assert statuses == {name: "done" if name in done else "pending" for name in AGENTS}

        await pilot.press("f5")  # the memory pane (the editor would type the m)
        main.query_one(MemoryPanel).select_key("default", "swarm/config")
        await pilot.press("m")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, MemoryFormScreen)
        assert form.query_one("#key", Input).value == "swarm/config"
        assert form.query_one("#value", Input).value == '{"mode": "fast"}'
        form.query_one("#value", Input).value = '{"mode": "safe"}'
        await pilot.press("enter", "enter")
        await pilot.pause()
        assert top(app) is main
        assert main.state.memory[("default", "swarm/config")].value == {"mode": "safe"}

        await pilot.press("ctrl+r")
        state = await wait_for_state(pilot, lambda s: s.finished)
        assert state.status == "completed" and main.controller.fork is None
        assert main.status_bar.status_label is None
        live = main.controller.live
        assert live is not None
        forked = live.path

    assert started_after_fork(forked) == [name for name in AGENTS if name not in done]
    c = compare_sessions(original, forked)
    assert {(m.key, m.change) for m in c.memory} == {
        ("swarm/config", "changed"),
        ("swarm/release", "changed"),  # the shipper read the configuration
    }
    assert [a.name for a in c.agents if a.change != "same"] == []
    assert c.notes == () and c.artifacts == ()


async def test_a_fork_being_prepared_is_dropped_by_another_batch(tmp_path: Path) -> None:
    _, app = await _replaying(tmp_path, rehearsal_settings())
    async with app.run_test(size=SIZE) as pilot:
        main = await _forked(pilot)
        assert main.controller.fork is not None
        # (every agent was done at the end: the preview has them all done)
        assert all(main.state.agents[name].status == "done" for name in AGENTS)
        assert top(app) is main
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert "Drop the fork" in commands
        main.drop_fork()
        await pilot.pause()
        assert main.controller.fork is None and main.status_bar.status_label is None
        assert main.state.status == "running"  # the batch's plan again, not the fork's state
        assert not main.state.session_id


async def test_served_read_only_a_replay_cannot_fork(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    original = await record(sessions, rehearsal_settings())
    app = make_app(replay=original, sessions_dir=sessions, read_only=True, freeze_gc=False)
    async with app.run_test(size=SIZE) as pilot:
        replay = await _replay(pilot)
        assert replay.check_action("fork", ()) is False
        await pilot.press("F")
        await pilot.pause()
        assert app.screen is replay
        assert app.main_screen.controller.fork is None


def _app(sessions: Path) -> SwarmApp:
    return make_app(
        text="// mine\n", sessions_dir=sessions, settings=rehearsal_settings(), freeze_gc=False
    )


async def _browser(pilot: Pilot[Any]) -> SessionsScreen:
    await settle(pilot)
    await pilot.press("ctrl+l")
    await workers_done(pilot.app)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, SessionsScreen)
    return screen


def _titles(screen: SessionsScreen) -> list[str]:
    table = screen.query_one(DataTable)
    return [str(table.get_row_at(row)[0]) for row in range(table.row_count)]


async def test_the_browser_shows_each_fork_under_its_source(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    source, fork, grandchild = write_release_family(sessions)
    async with _app(sessions).run_test(size=SIZE) as pilot:
        screen = await _browser(pilot)
        # Newest first, but each fork right under what it was forked from, indented.
        assert [info.path for info in screen.shown] == [source, fork, grandchild]
        assert _titles(screen) == [
            "Release notes",
            "└ Release notes (fork)",
            "  └ Release notes (fork of the fork)",
        ]
        await pilot.press("down")
        detail = str(screen.query_one("#sessions-detail").render())
        assert f"forked from {source.name} at event 9" in detail
        # Filtered to the forks only: each still says where it came from.
        await pilot.press(*"fork")
        await pilot.pause()
        # (its source filtered out: not indented under it, but marked as a fork all the same)
        assert _titles(screen) == [
            "↳ Release notes (fork)",
            "└ Release notes (fork of the fork)",
        ]


async def test_marks_and_f7_open_the_comparison(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    source, fork, grandchild = write_release_family(sessions)
    app = _app(sessions)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _browser(pilot)
        await pilot.press("f7")  # nothing marked, the source highlighted: said how
        await pilot.pause()
        assert app.screen is screen
        assert any("Mark two sessions" in n.message for n in app._notifications)

        await pilot.press("f6", "down", "down", "f6")
        await pilot.pause()
        assert screen.marked == [source, grandchild]
        assert _titles(screen)[0] == "[A] Release notes"
        assert _titles(screen)[2] == "[B]   └ Release notes (fork of the fork)"
        await pilot.press("f7")
        await workers_done(app)
        await pilot.pause()
        compare = app.screen
        assert isinstance(compare, CompareScreen)
        assert (compare.a_path, compare.b_path) == (source, grandchild)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen

        # One marked: with the highlighted one; f6 again unmarks.
        await pilot.press("f6")  # (the grandchild is highlighted: unmarked)
        assert screen.marked == [source]
        await pilot.press("up", "f7")
        await workers_done(app)
        await pilot.pause()
        compare = app.screen
        assert isinstance(compare, CompareScreen)
        assert (compare.a_path, compare.b_path) == (source, fork)
        await pilot.press("escape", "f6")  # (the fork is highlighted: A is the source still)
        await pilot.pause()
        assert screen.marked == [source, fork]
        await pilot.press("f6", "up", "f6")  # none marked now
        assert screen.marked == []

        # Nothing marked on a fork: it is compared with its source.
        await pilot.press("down", "f7")
        await workers_done(app)
        await pilot.pause()
        compare = app.screen
        assert isinstance(compare, CompareScreen)
        assert (compare.a_path, compare.b_path) == (source, fork)


async def test_an_interrupted_session_forked_from_its_replay(tmp_path: Path) -> None:
    """F at the end of a killed session's replay: the fork takes up what was recorded (the
    end the replay adds is not part of it), says so, and runs the rest."""
    sessions, folder = interrupted_run(tmp_path)
    recorded = len(events(folder))
    app = make_app(
        replay=folder, settings=command_settings(), sessions_dir=sessions, freeze_gc=False
    )
    async with app.run_test(size=SIZE) as pilot:
        replay = await _replay(pilot)
        assert replay.interrupted and replay.cursor is not None
        assert replay.cursor.total == recorded + 1  # (the end the replay adds)
        await pilot.press("F")
        await pilot.pause()
        main = app.main_screen
        assert top(app) is main
        fork = main.controller.fork
        assert fork is not None and fork.point.events == recorded
        assert fork.note is not None
        assert fork.note.startswith(f"{folder.name}: interrupted, its recording stops at event")
        assert any(n.message == fork.note for n in app._notifications)
        forked = await _run_noted_fork(pilot, main, fork.note)
    assert started_after_fork(forked) == ["Checker", "Shipper"]


async def test_a_damaged_log_is_forked_from_the_app_up_to_its_last_readable_event(
    tmp_path: Path,
) -> None:
    """A log that cannot be replayed: the replay says so and F still forks it, up to its last
    readable event, saying so; the fork runs to its end."""
    sessions = tmp_path / "sessions"
    original = await record(sessions, command_settings())
    damaged = damaged_copy(original, sessions / "session-20261130-000000-damaged", 21)
    app = make_app(
        replay=damaged, settings=command_settings(), sessions_dir=sessions, freeze_gc=False
    )
    async with app.run_test(size=SIZE) as pilot:
        replay = await _replay(pilot)
        await workers_done(app)
        await pilot.pause()
        assert replay.error is not None and replay.cursor is None
        said = str(replay.query_one("#replay-error", Static).render())
        assert "F forks it up to its last readable event (#20)" in said
        await pilot.press("F")
        await pilot.pause()
        main = app.main_screen
        assert top(app) is main
        fork = main.controller.fork
        assert fork is not None and fork.point.events == 20
        assert fork.note is not None and fork.note.startswith(
            f"{damaged.name}: damaged log, read up to its last readable event (event #20, "
        )
        assert any(n.message == fork.note for n in app._notifications)
        # One short line: the unknown type named, not every event type it is not.
        assert fork.note.endswith("(Input tag 'nonsense' found using 'type' matches no event type)")
        forked = await _run_noted_fork(pilot, main, fork.note)
    carried = done_by(original, 20)
    assert carried and len(carried) < len(AGENTS)
    assert started_after_fork(forked) == [name for name in AGENTS if name not in carried]


def _footer(screen: Screen[Any]) -> list[str]:
    return [key.description for key in screen.query(FooterKey)]


async def test_the_memory_key_is_worded_for_the_fork_being_prepared(tmp_path: Path) -> None:
    """While a fork waits to start, `m` sets the memory it starts with: the footer and the form
    say so ("Set memory", "Set"), not "Store key"; dropped, the key is gone with it."""
    _, app = await _replaying(tmp_path, rehearsal_settings())
    async with app.run_test(size=SIZE) as pilot:
        main = await _forked(pilot)
        await pilot.press("f5")  # the memory pane (the editor would type the m)
        await pilot.pause()
        footer = _footer(main)
        assert "Set memory" in footer and "Store key" not in footer, footer
        await pilot.press("m")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, MemoryFormScreen)
        assert str(form.query_one("#store", Button).label) == "Set"
        assert str(form.query_one("#question", Label).render()).startswith(
            "Set a memory value the fork starts with"
        )
        await pilot.press("escape")
        await pilot.pause()
        main.drop_fork()
        await pilot.pause()
        assert "Set memory" not in _footer(main)
