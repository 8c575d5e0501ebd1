"""Snapshots (reviewed as pictures): the sessions browser, a replay mid-way, help over a replay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from swarmtui import locations
from swarmtui.ui.screens.help import HelpScreen
from swarmtui.ui.screens.replay import ReplayScreen
from swarmtui.ui.screens.sessions import SessionsScreen

from .helpers import ScreenHost, workers_done
from .recorded_sessions import make_sessions

SIZE = (120, 36)


@pytest.fixture
def sessions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    # Relative paths, so the folder shown on screen is the same on every run.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(locations.ENV_CONFIG_DIR, str(tmp_path / "config"))
    return make_sessions(Path("sessions"))


async def settle(pilot: Pilot[Any]) -> None:
    """Everything loaded, no blinking cursor."""
    await workers_done(pilot.app)
    await pilot.pause()
    for widget in pilot.app.screen.query("*"):
        if hasattr(widget, "cursor_blink"):
            widget.cursor_blink = False
    await pilot.pause()


def test_sessions_browser(snap_compare: Any, sessions: dict[str, Path]) -> None:
    app = ScreenHost(lambda: SessionsScreen(Path("sessions")))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_sessions_browser_filtered_to_a_broken_session(
    snap_compare: Any, sessions: dict[str, Path]
) -> None:
    app = ScreenHost(lambda: SessionsScreen(Path("sessions")))
    assert snap_compare(app, terminal_size=SIZE, press=list("broken"), run_before=settle)


def test_replay_mid_way(snap_compare: Any, sessions: dict[str, Path]) -> None:
    app = ScreenHost(lambda: ReplayScreen(sessions["release"], clock=lambda: 0.0))

    async def midway(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("home", *["right"] * 25)

    assert snap_compare(app, terminal_size=SIZE, run_before=midway)


def test_replay_of_a_corrupt_session(snap_compare: Any, sessions: dict[str, Path]) -> None:
    app = ScreenHost(lambda: ReplayScreen(sessions["broken"], clock=lambda: 0.0))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_help_over_the_replay(snap_compare: Any, sessions: dict[str, Path]) -> None:
    app = ScreenHost(lambda: ReplayScreen(sessions["release"], clock=lambda: 0.0))

    async def open_help(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.push_screen(HelpScreen())
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=open_help)
