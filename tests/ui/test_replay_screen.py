"""Replay: each key moves the cursor as it says; playback follows recorded time; clean errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widget import Widget

from swarmtui.engine.state import SessionState, apply
from swarmtui.store import read_events
from swarmtui.ui.screens.agent_detail import AgentDetailScreen
from swarmtui.ui.screens.replay import SPEEDS, ReplayScreen
from swarmtui.ui.widgets.agents_panel import AgentsPanel
from swarmtui.ui.widgets.log_panel import LogPanel
from swarmtui.ui.widgets.status_bar import StatusBar
from swarmtui.ui.widgets.timeline_panel import TimelinePanel

from .helpers import ScreenHost, workers_done
from .recorded_sessions import make_sessions, release_events

TOTAL = len(release_events())


def fold(n: int, path: Path) -> SessionState:
    state = SessionState()
    for event in read_events(path)[:n]:
        state = apply(state, event)
    return state


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    # Read-only for every test here (the replay never writes), so one set serves them all.
    return make_sessions(tmp_path_factory.mktemp("sessions"))


async def opened(pilot: Pilot[None]) -> ReplayScreen:
    await workers_done(pilot.app)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ReplayScreen)
    return screen


def position(screen: ReplayScreen) -> int:
    assert screen.cursor is not None
    return screen.cursor.position


async def test_opens_at_the_end_with_the_final_state(sessions: dict[str, Path]) -> None:
    app = ScreenHost(lambda: ReplayScreen(sessions["release"]))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await opened(pilot)
        assert position(screen) == TOTAL
        assert screen.cursor is not None
        assert screen.cursor.state == fold(TOTAL, sessions["release"])
        assert screen.query_one(AgentsPanel).state.agents["Writer"].status == "done"
        assert len(screen.query_one(LogPanel).events) == TOTAL
        assert f"event {TOTAL}/{TOTAL}" in screen.position_text()


async def test_step_keys_and_home_end(sessions: dict[str, Path]) -> None:
    app = ScreenHost(lambda: ReplayScreen(sessions["release"]))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await opened(pilot)
        await pilot.press("home")
        assert position(screen) == 0
        assert screen.query_one(AgentsPanel).state.agents == {}
        await pilot.press("right", "right", "right")
        assert position(screen) == 3
        await pilot.press("left")
        assert position(screen) == 2
        assert screen.cursor is not None
        assert screen.cursor.state == fold(2, sessions["release"])
        assert len(screen.query_one(LogPanel).events) == 2
        await pilot.press("left", "left", "left")
        assert position(screen) == 0
        await pilot.press("end")
        assert position(screen) == TOTAL
        await pilot.press("right")
        assert position(screen) == TOTAL


async def test_shift_arrows_jump_a_tenth(sessions: dict[str, Path]) -> None:
    app = ScreenHost(lambda: ReplayScreen(sessions["release"]))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await opened(pilot)
        tenth = round(TOTAL * 0.1)
        await pilot.press("home", "shift+right")
        assert position(screen) == tenth
        await pilot.press("shift+right", "shift+right")
        assert position(screen) == 3 * tenth
        await pilot.press("shift+left")
        assert position(screen) == 2 * tenth
        assert screen.cursor is not None
        assert screen.cursor.state == fold(2 * tenth, sessions["release"])
        # The log panel is rebuilt when going back: it shows exactly the events before the cursor.
        log_events = screen.query_one(LogPanel).events
        assert [e.seq for e in log_events] == list(range(1, 2 * tenth + 1))


async def test_plus_and_minus_change_speed_within_bounds(sessions: dict[str, Path]) -> None:
    app = ScreenHost(lambda: ReplayScreen(sessions["release"]))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await opened(pilot)
        assert screen.speed == 1.0
        await pilot.press("plus")
        assert screen.speed == 2.0
        assert "2×" in screen.position_text()
        for _ in range(10):
            await pilot.press("plus")
        assert screen.speed == SPEEDS[-1] == 64.0
        for _ in range(12):
            await pilot.press("minus")
        assert screen.speed == SPEEDS[0] == 0.25
        assert "0.25×" in screen.position_text()


async def test_space_plays_following_recorded_time_and_pauses(
    sessions: dict[str, Path],
) -> None:
    # A frozen clock: the playback timer adds no time by itself; the test moves the playhead.
    app = ScreenHost(lambda: ReplayScreen(sessions["release"], clock=lambda: 0.0))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await opened(pilot)
        events = read_events(sessions["release"])
        await pilot.press("home", "space")
        assert screen.playing
        assert "playing" in screen.position_text()
        # Drive the playhead by hand (the timer does the same with real elapsed time).
        screen.advance(0.0)
        assert screen.cursor is not None
        at_zero = sum(1 for e in events if e.t <= 0.0)
        assert position(screen) == at_zero
        screen.advance(1.0)  # 1 s at 1× → every event recorded by t=1.0
        assert position(screen) == sum(1 for e in events if e.t <= 1.0)
        await pilot.press("plus", "plus")  # 4×
        screen.advance(1.0)  # → t = 5.0
        assert position(screen) == sum(1 for e in events if e.t <= 5.0)
        assert screen.cursor.state == fold(position(screen), sessions["release"])
        assert screen.query_one(TimelinePanel).marker == screen.cursor.time
        await pilot.press("space")
        assert not screen.playing
        before = position(screen)
        screen.advance(100.0)  # paused: nothing moves
        assert position(screen) == before
        await pilot.press("space")
        screen.advance(100.0)  # plays to the end and stops there
        assert position(screen) == TOTAL
        assert not screen.playing


async def test_space_at_the_end_plays_from_the_start(sessions: dict[str, Path]) -> None:
    app = ScreenHost(lambda: ReplayScreen(sessions["release"], clock=lambda: 0.0))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await opened(pilot)
        assert position(screen) == TOTAL
        await pilot.press("space")
        assert screen.playing
        assert screen.cursor is not None
        assert screen.cursor.time == 0.0 and screen.playhead == 0.0
        assert all(e.t == 0.0 for e in screen.cursor.events[: position(screen)])


async def test_the_playback_timer_moves_the_cursor(sessions: dict[str, Path]) -> None:
    app = ScreenHost(lambda: ReplayScreen(sessions["release"]))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await opened(pilot)
        await pilot.press("home")
        for _ in range(4):
            await pilot.press("plus")  # 16×: the 9 s session takes about half a second
        await pilot.press("space")
        # Wait on the outcome (the end), not on a duration.
        for _ in range(2000):
            if not screen.playing:
                break
            await pilot.pause(0.01)
        assert position(screen) == TOTAL


async def test_an_interrupted_session_replays_to_its_last_event(
    sessions: dict[str, Path],
) -> None:
    recorded = read_events(sessions["interrupted"])
    app = ScreenHost(lambda: ReplayScreen(sessions["interrupted"]))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await opened(pilot)
        assert screen.error is None
        # The recorded events, then the end its replay folds: `interrupted`, where it was last
        # seen alive (never before its last event); agents still running stay so.
        assert len(recorded) == TOTAL - 5
        assert position(screen) == len(recorded) + 1
        assert screen.cursor is not None
        state = screen.cursor.state
        assert state.status == "interrupted" and state.t >= recorded[-1].t
        assert any(a.status == "running" for a in state.agents.values())


async def test_a_corrupt_database_shows_one_clean_line(sessions: dict[str, Path]) -> None:
    app = ScreenHost(lambda: ReplayScreen(sessions["broken"]))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await opened(pilot)
        assert screen.cursor is None
        assert screen.error is not None
        assert "\n" not in screen.error
        assert "session.db" in screen.error
        assert "not a swarmtui session database" in screen.position_text()
        await pilot.press("space", "right", "home", "plus")  # keys do nothing, nothing crashes
        assert app.screen is screen


async def test_the_reason_is_read_whole_on_a_narrow_terminal(sessions: dict[str, Path]) -> None:
    app = ScreenHost(lambda: ReplayScreen(sessions["broken"]))
    async with app.run_test(size=(60, 30)) as pilot:
        screen = await opened(pilot)
        await pilot.pause()
        line = screen.query_one("#replay-position")
        assert len(screen.position_text()) > 58  # (longer than the line: it wraps, not cut)
        assert line.size.height > 1


async def test_a_missing_folder_is_a_clean_error(tmp_path: Path) -> None:
    app = ScreenHost(lambda: ReplayScreen(tmp_path / "nope"))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await opened(pilot)
        assert screen.error is not None and "no such session database" in screen.error


async def test_replay_only_reads_the_session(sessions: dict[str, Path]) -> None:
    folder = sessions["release"]
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    app = ScreenHost(lambda: ReplayScreen(folder, clock=lambda: 0.0))
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(pilot)
        await pilot.press("home", "space")
        app.screen.advance(100.0)  # type: ignore[attr-defined]
        await pilot.press("escape")
    after = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    assert after == before


async def test_escape_leaves_the_replay(sessions: dict[str, Path]) -> None:
    app = ScreenHost(lambda: ReplayScreen(sessions["release"]))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await opened(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not screen


async def test_enter_on_an_agent_opens_its_detail_read_only(sessions: dict[str, Path]) -> None:

    app = ScreenHost(lambda: ReplayScreen(sessions["release"], clock=lambda: 0.0))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await opened(pilot)
        screen.query_one(AgentsPanel).focus()
        await pilot.press("enter")
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, AgentDetailScreen)
        assert detail.read_only
        assert detail.agent_name == "Changelog Reader"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_a_real_rehearsal_session_replays_to_the_live_state(tmp_path: Path) -> None:
    from swarmtui.engine.settings import RunSettings
    from swarmtui.store import new_live_session

    batch = """[Single Message - Live then replay]:
Task("Planner", "Plan it. Store the plan in memory under 'swarm/plan'.", "planner")
Task("Builder", "Read the plan from memory 'swarm/plan'. Build it.", "coder")
Task("Checker", "Check the build.", "tester")
"""
    live = new_live_session(
        batch,
        source_name="live.swarm.js",
        settings=RunSettings(rehearsal_seconds=0.01),
        sessions_dir=tmp_path,
        project_dir=tmp_path,
    )
    final = await live.run()
    assert {a.status for a in final.agents.values()} == {"done"}

    app = ScreenHost(lambda: ReplayScreen(live.path, clock=lambda: 0.0))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await opened(pilot)
        assert screen.cursor is not None
        assert screen.cursor.state.to_json() == final.to_json()
        await pilot.press("home", "shift+right", "shift+right", "left", "end")
        assert screen.cursor.state.to_json() == final.to_json()


async def test_timeline_axis_spans_the_recording_wherever_the_cursor_is(
    sessions: dict[str, Path],
) -> None:
    app = ScreenHost(lambda: ReplayScreen(sessions["release"]))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await opened(pilot)
        assert screen.cursor is not None
        duration = screen.cursor.duration
        timeline = screen.query_one(TimelinePanel)
        await pilot.press("home", "right", "right")
        await pilot.pause()
        # The right edge stays at the recording's end while the marker moves, so bars keep
        # their place instead of being rescaled to the first milliseconds.
        assert timeline.axis_end == duration
        header = timeline.render_header(1, 80).plain
        assert header.rstrip().endswith(f"{duration:.1f}s")


async def test_controls_that_change_a_session_are_hidden_in_replay(
    sessions: dict[str, Path],
) -> None:
    app = ScreenHost(lambda: ReplayScreen(sessions["release"]))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await opened(pilot)
        screen.query_one(AgentsPanel).focus()
        await pilot.pause()
        shown = {b.binding.action for b in screen.active_bindings.values()}
        assert "detail" in shown
        assert not {"cancel", "retry"} & shown


async def test_replaying_an_interrupted_session_says_interrupted(tmp_path: Path) -> None:
    sessions = make_sessions(tmp_path / "sessions")
    app = ScreenHost(lambda: ReplayScreen(sessions["interrupted"]))
    async with app.run_test(size=(140, 40)) as pilot:
        await workers_done(app)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReplayScreen) and screen.cursor is not None
        status = str(screen.query_one(StatusBar).render_status())
        assert "· interrupted ·" in status and "running" not in status, status
        await pilot.press("left")  # one event earlier the session was still running
        assert "· running ·" in str(screen.query_one(StatusBar).render_status())
    finished = ScreenHost(lambda: ReplayScreen(sessions["release"]))
    async with finished.run_test(size=(140, 40)) as pilot:
        await workers_done(finished)
        await pilot.pause()
        assert "interrupted" not in str(finished.screen.query_one(StatusBar).render_status())


def shown(screen: ReplayScreen) -> Widget | None:
    """The one pane shown (a function: a check of one pane does not narrow the next)."""
    return screen.maximized


@pytest.mark.parametrize("size", [(60, 20), (40, 12), (80, 24)])
async def test_a_small_terminal_shows_one_pane_as_the_main_screen_does(
    sessions: dict[str, Path], size: tuple[int, int]
) -> None:
    app = ScreenHost(lambda: ReplayScreen(sessions["release"]))
    async with app.run_test(size=size) as pilot:
        screen = await opened(pilot)
        agents = screen.query_one(AgentsPanel)
        assert screen.has_class("-compact") and shown(screen) is agents
        assert agents.region.width == size[0]  # (the whole width: no letter per line)
        assert screen.query_one("#replay-position").region.height == 1
        assert screen.query_one(StatusBar).region.height == 1
        await pilot.press("f6")  # the main screen's pane keys: the log, shown alone
        await pilot.pause()
        log = screen.query_one(LogPanel)
        assert shown(screen) is log and screen.focused is log
        assert log.region.width == size[0] and agents.region.area == 0
        await pilot.press("f5")  # the memory pane: its tree focused
        await pilot.pause()
        assert shown(screen) is screen.query_one("#replay-memory")
        await pilot.press("right")  # the playback keys still drive the playhead
        assert position(screen) == TOTAL
        await pilot.press("left")
        assert position(screen) == TOTAL - 1
        await pilot.resize_terminal(140, 40)  # big enough again: every pane
        await pilot.pause()
        assert screen.maximized is None and not screen.has_class("-compact")
        assert screen.query_one(TimelinePanel).region.width > 0
