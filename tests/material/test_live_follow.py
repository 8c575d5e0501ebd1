"""The live view: a session recorded by another process (a real headless run) is followed in the
replay as its writer commits events, its clock moving; the viewer runs nothing, writes nothing."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from swarmtui.store import read_events, replay_state
from swarmtui.ui.app import make_app
from swarmtui.ui.look import format_seconds
from swarmtui.ui.screens.replay import ReplayScreen
from swarmtui.ui.screens.sessions import SessionsScreen
from swarmtui.ui.widgets.status_bar import StatusBar

from ..engine.helpers import start_command_run, wait_for_events
from ..ui.helpers import ScreenHost, top, workers_done
from .forks import COMMAND, PIPELINE
from .serving import serving

# The planner holds until the test drops a file in the session folder (its working folder: the
# sandbox shows it nothing else of the test's).
HELD = (
    'if [ "$SWARM_AGENT" = Planner ]; then while [ ! -e go ]; do sleep 0.05; done; fi; ' + COMMAND
)


@pytest.fixture
def held_run(tmp_path: Path) -> Any:
    """A headless run in another process, its planner held; (folder, process)."""
    batch = tmp_path / "release.swarm.js"
    batch.write_text(PIPELINE)
    sessions = tmp_path / "sessions"
    proc = start_command_run(batch, sessions, HELD, new_session=True)
    try:
        folder = wait_for_events(sessions, proc, "type = 'agent_started' AND agent = 'Planner'")
        yield folder, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=60)


async def _loaded(app: Any) -> None:
    """Wait for the replay's load (not for its follower: that one runs while the writer does)."""
    await asyncio.gather(
        *(worker.wait() for worker in list(app.workers) if worker.group != "replay-follow"),
        return_exceptions=True,
    )


async def _followed_to_the_end(screen: ReplayScreen) -> None:
    """Wait for the events the screen follows until the writer has stopped recording."""
    while screen.live:
        screen.followed.clear()
        await asyncio.wait_for(screen.followed.wait(), 60)


async def test_the_replay_follows_another_process_live(held_run: Any) -> None:
    folder, proc = held_run
    # As if the run had started a minute ago: its clock is read from when its batch file was
    # written, not from its last event (the planner has been running all that time).
    batch = folder / "batch.swarm.js"
    started = batch.stat().st_mtime - 60.0
    os.utime(batch, (started, started))
    now = [1000.0]
    app = ScreenHost(lambda: ReplayScreen(folder, clock=lambda: now[0]))
    async with app.run_test(size=(140, 40)) as pilot:
        await _loaded(app)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReplayScreen) and screen.live and screen.following
        cursor = screen.cursor
        assert cursor is not None and cursor.at_end
        assert screen.position_text().startswith(f"● live · event {cursor.total} · ")
        assert cursor.state.agents["Planner"].status == "running"

        assert cursor.time < 60.0 <= screen.playhead
        assert screen.bridge is not None
        screen.bridge.flush()
        assert screen.query_one(StatusBar).now == pytest.approx(screen.playhead)

        # Between events the clock moves on, as the recording session's does.
        before = screen.playhead
        now[0] += 5.0
        screen.tick_live()
        assert screen.playhead == pytest.approx(before + 5.0)
        screen.bridge.flush()
        assert screen.query_one(StatusBar).now == pytest.approx(before + 5.0)

        # Released: what the writer commits arrives, to its end.
        (folder / "go").touch()
        await _followed_to_the_end(screen)
        assert proc.wait(timeout=60) == 0
        assert not screen.live and cursor.at_end and not screen.interrupted
        assert [e.seq for e in cursor.events] == [e.seq for e in read_events(folder)]
        assert cursor.state.status == "completed"
        assert cursor.state.to_json() == replay_state(folder).to_json()
        assert not screen.position_text().startswith("●")


async def test_browsing_a_running_session_and_serving_it_read_only(held_run: Any) -> None:
    folder, proc = held_run
    sessions = folder.parent
    app = make_app(sessions_dir=sessions, read_only=True, freeze_gc=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("ctrl+l")
        await workers_done(app)
        await pilot.pause()
        listed = app.screen
        assert isinstance(listed, SessionsScreen)
        browser: SessionsScreen = listed
        assert [info.status for info in browser.shown] == ["running"]
        await pilot.press("enter")
        await _loaded(app)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReplayScreen) and screen.live
        assert screen.check_action("fork", ()) is False  # (served read-only)
        before = screen.cursor.total if screen.cursor else 0
        (folder / "go").touch()
        await _followed_to_the_end(screen)
        assert proc.wait(timeout=60) == 0
        assert screen.cursor is not None and screen.cursor.total > before
        assert screen.cursor.state.status == "completed"
        await pilot.press("escape")
        await pilot.pause()
        # Back in the browser: while a session is recorded it reads the folder again itself.
        assert top(app) is browser
        browser._refresh_while_recording()
        await workers_done(app)
        await pilot.pause()
        assert [info.status for info in browser.shown] == ["completed"]


async def test_a_followed_session_killed_ends_as_interrupted(held_run: Any) -> None:
    folder, proc = held_run
    now = [1000.0]
    app = ScreenHost(lambda: ReplayScreen(folder, clock=lambda: now[0]))
    async with app.run_test(size=(140, 40)) as pilot:
        await _loaded(app)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReplayScreen) and screen.live
        # The viewer's clock runs on ahead of the recording's last sign of life.
        now[0] += 600.0
        screen.tick_live()
        assert screen.playhead > 600.0
        proc.kill()  # (SIGKILL: nothing records its end)
        proc.wait(timeout=60)
        await _followed_to_the_end(screen)
        assert screen.interrupted and screen.cursor is not None
        assert screen.cursor.state.status == "interrupted"
        assert screen.query_one(StatusBar).status_label == "interrupted"
        # It ends where it was last seen alive, not where the viewer's clock had got to (it
        # read "12.0s / 11.8s").
        end = screen.cursor.duration
        assert end < 600.0 and screen.playhead == pytest.approx(end)
        assert f"{format_seconds(end)} / {format_seconds(end)}" in screen.position_text()


# What a terminal frame holds besides its text: control sequences (CSI, OSC) and other escapes.
_CONTROLS = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b.")


class _Screen:
    """The text an app served over textual-serve's websocket has painted so far."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.text = ""

    async def until(self, wanted: str) -> None:
        """Read frames until WANTED has been painted (a deadline, not a synchronisation)."""
        async with asyncio.timeout(60):
            while wanted not in self.text:
                message = await self.ws.receive()
                assert message.type == aiohttp.WSMsgType.BINARY, message
                painted = _CONTROLS.sub(b"", message.data).decode("utf-8", "replace")
                self.text += painted


async def test_serve_read_only_follows_a_session_being_recorded(held_run: Any) -> None:
    """`swarmtui serve --read-only --replay SESSION` of a session another process records:
    the browser's app opens it live and follows it to its end."""
    folder, proc = held_run
    sessions = folder.parent
    args = ["--read-only", "--replay", folder.name, "--sessions-dir", str(sessions)]
    with serving(*args, cwd=sessions.parent) as served:
        url = f"ws://127.0.0.1:{served.port}/ws?width=140&height=40"
        async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
            screen = _Screen(ws)
            await screen.until("● live")
            assert "recorded by another process as you watch" in screen.text
            (folder / "go").touch()
            assert proc.wait(timeout=60) == 0
            total = len(read_events(folder))
            # Every event followed, to the end: the position line says so once it stops.
            await screen.until(f"event {total}/{total}")
