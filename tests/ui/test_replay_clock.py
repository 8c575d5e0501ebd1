"""Replay as a clock: while playing, the elapsed time, the running agents' times, the figures
and the timeline's playhead move between events; `t` seeks by time; event 0 says no agents yet
(not "ctrl+r runs the batch")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import Static

from swarmtui.ui.screens.ask import AskScreen
from swarmtui.ui.screens.replay import ReplayScreen, parse_time
from swarmtui.ui.widgets.agents_panel import AgentsPanel
from swarmtui.ui.widgets.status_bar import StatusBar
from swarmtui.ui.widgets.timeline_panel import TimelinePanel

from .helpers import ScreenHost, top
from .recorded_sessions import make_sessions
from .test_replay_screen import opened


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_sessions(tmp_path_factory.mktemp("sessions"))


def test_times_are_read_as_seconds_minutes_or_a_share() -> None:
    assert parse_time("12.5", 100) == 12.5
    assert parse_time("12.5s", 100) == 12.5
    assert parse_time("1m30s", 100) == 90
    assert parse_time("2m", 100) == 120
    assert parse_time("40%", 50) == 20
    for bad in ("", "abc", "120%", "1h"):
        assert parse_time(bad, 100) is None, bad


async def test_playing_moves_the_clocks_between_events(sessions: dict[str, Path]) -> None:
    # A stopped clock: the test moves time with `advance`, never by waiting.
    app = ScreenHost(lambda: ReplayScreen(sessions["release"], clock=lambda: 0.0))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await opened(pilot)
        assert screen.cursor is not None and screen.bridge is not None
        await pilot.press("home")
        # At event 0 nothing has happened: no hint about running a batch.
        hint = screen.query_one(AgentsPanel).empty_hint
        assert "ctrl+r" not in hint and "No agents" in hint
        status = screen.query_one(StatusBar).render_status().plain
        assert "no session yet" not in status and "start of the recording" in status
        # Play to the first agent's start, then between two events.
        screen.playing = True
        while not any(a.status == "running" for a in screen.cursor.state.agents.values()):
            screen.advance(0.05)
        running = next(a for a in screen.cursor.state.agents.values() if a.status == "running")
        position = screen.cursor.position
        next_time = screen.cursor.events[position].t if position < screen.cursor.total else 99
        step = (next_time - screen.playhead) / 3
        assert step > 0
        screen.advance(step)
        screen.bridge.flush()
        await pilot.pause()
        assert screen.cursor.position == position  # no new event...
        bar, timeline = screen.query_one(StatusBar), screen.query_one(TimelinePanel)
        before = (bar.render_status().plain, timeline.render_header(0, 100).plain)
        row_before = screen.query_one(AgentsPanel).render_row(running.index, 100).plain
        screen.advance(step)
        screen.bridge.flush()
        await pilot.pause()
        assert screen.cursor.position == position
        after = (bar.render_status().plain, timeline.render_header(0, 100).plain)
        row_after = screen.query_one(AgentsPanel).render_row(running.index, 100).plain
        # ...and still the clocks moved: status bar, timeline figures, the running agent's time.
        assert after[0] != before[0] and after[1] != before[1], (before, after)
        assert row_after != row_before
        assert timeline.marker == pytest.approx(screen.playhead)
        assert f"{screen.playhead:.1f}s" in screen.position_text()


async def test_t_seeks_by_time(sessions: dict[str, Path]) -> None:
    app = ScreenHost(lambda: ReplayScreen(sessions["release"], clock=lambda: 0.0))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await opened(pilot)
        assert screen.cursor is not None
        end = screen.cursor.duration
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, AskScreen)
        await pilot.press(*"50%", "enter")  # (the answer shown is selected: typing replaces it)
        await pilot.pause()
        assert top(app) is screen
        assert screen.playhead == pytest.approx(end / 2, abs=0.11)
        assert screen.cursor.position == screen.cursor.position_at_time(screen.playhead)
        assert screen.cursor.time <= screen.playhead


def _times(screen: ReplayScreen) -> tuple[str, str]:
    """The elapsed time the position line and the status bar show now."""
    line = screen.query_one("#replay-position", Static).content
    assert isinstance(line, Text)
    status = screen.query_one(StatusBar).render_status().plain
    shown = re.search(r"· (\d+\.\ds) / ", line.plain)
    told = re.search(r" · (\d+\.\ds) ", status)
    assert shown is not None and told is not None, (line.plain, status)
    return shown.group(1), told.group(1)


async def test_the_position_line_and_the_status_bar_show_one_time(
    sessions: dict[str, Path],
) -> None:
    """Between events the position line moves in the status bar's frame (it ran ahead of it:
    `1.0s / 15.3s` over a status bar saying 0.8s)."""
    app = ScreenHost(lambda: ReplayScreen(sessions["release"], clock=lambda: 0.0))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await opened(pilot)
        assert screen.cursor is not None and screen.bridge is not None
        await pilot.press("home")
        screen.playing = True
        while not any(a.status == "running" for a in screen.cursor.state.agents.values()):
            screen.advance(0.05)
        screen.bridge.flush()
        await pilot.pause()
        position = screen.cursor.position
        next_time = screen.cursor.events[position].t if position < screen.cursor.total else 99
        for _ in range(3):
            screen.advance((next_time - screen.playhead) / 4)
            assert screen.cursor.position == position  # (between two events)
            shown, told = _times(screen)
            assert shown == told
            screen.bridge.flush()
            shown, told = _times(screen)
            assert shown == told == f"{screen.playhead:.1f}s"
