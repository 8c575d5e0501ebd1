"""A screen's repainting ends with the screen: quitting while a session runs never paints
panels that have left the DOM (it raised NoScreen now and then), and a replay left behind
stops repainting."""

from __future__ import annotations

from pathlib import Path

from swarmtui.engine.settings import RunSettings
from swarmtui.ui.bridge import PANELS
from swarmtui.ui.screens.main import MainScreen
from swarmtui.ui.screens.replay import ReplayScreen

from .helpers import SIZE, app_for, settle, top, wait_for_state
from .recorded_sessions import make_sessions
from .test_replay_screen import opened

# Agents that outlive the test: the session is still running when the main screen closes.
LONG = RunSettings(rehearsal_seconds=60)
BATCH = 'Task("Alpha", "Say hello.", "general")\nTask("Beta", "Say hi.", "general")\n'


async def test_the_main_screen_stops_repainting_when_it_closes(tmp_path: Path) -> None:
    app = app_for(tmp_path, BATCH, settings=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        await pilot.press("ctrl+r")
        await wait_for_state(pilot, lambda s: any(a.status == "running" for a in s.agents.values()))
        bridge = screen.bridge
        assert bridge.repainting
        bridge.mark_dirty(*PANELS)  # (what a running session's events and clock always do)
        # The screen closes with the session running, as it does when the app quits: the
        # repaint timer is the screen's and ends before its panels are taken out of the DOM.
        await app.pop_screen()
        await pilot.pause()
        assert not isinstance(top(app), MainScreen)
        assert not bridge.repainting
        live = screen.controller.live
        assert live is not None
        live.cancel_session()


async def test_a_replay_left_stops_repainting(tmp_path: Path) -> None:
    sessions = make_sessions(tmp_path / "sessions")
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ReplayScreen(sessions["release"]))
        replay = await opened(pilot)
        bridge = replay.bridge
        assert bridge is not None and bridge.repainting
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(top(app), MainScreen)
        assert not bridge.repainting
