"""A session that never recorded its end has a wall time in the sessions list: a killed one,
the one its replay shows, up to its last sign of life (it used to show none, `-`, then only the
time its events span: `0.00s` for agents killed while they ran silently); a running one, how
far its clock has gone by now."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from textual.widgets import DataTable

from swarmtui.engine.folders import BATCH_FILE
from swarmtui.engine.metrics import figures
from swarmtui.store import list_sessions, read_events
from swarmtui.store.eventlog import EventLog
from swarmtui.store.replay import replay_state
from swarmtui.ui.screens.sessions import SessionsScreen

from ..store.test_interrupted_end import _killed_session
from .helpers import ScreenHost
from .recorded_sessions import make_sessions


def test_the_list_and_the_command_give_an_interrupted_session_its_wall_time(
    tmp_path: Path,
) -> None:
    paths = make_sessions(tmp_path)
    events = read_events(paths["interrupted"])
    span = events[-1].t - events[0].t
    assert span > 0
    infos = {info.path: info for info in list_sessions(tmp_path)}
    interrupted = infos[paths["interrupted"]]
    assert interrupted.status == "interrupted"
    assert interrupted.wall_seconds == span
    assert infos[paths["release"]].wall_seconds == 9.0  # (a finished one: its row's figure)
    line = _listed(tmp_path, "interrupted")
    assert f" {span:.2f}s " in line, line


async def test_the_sessions_browser_shows_it(tmp_path: Path) -> None:
    paths = make_sessions(tmp_path)
    span = read_events(paths["interrupted"])[-1].t
    app = ScreenHost(lambda: SessionsScreen(tmp_path))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        row = [str(cell) for cell in table.get_row_at(0)]
        assert row[3] == "interrupted" and row[5] == f"{span:.1f}s", row


async def test_a_session_killed_while_its_agents_ran_silently_shows_the_time_they_ran(
    tmp_path: Path,
) -> None:
    """Its events span 2 ms; its writer was seen alive 4 s in: the list, the command and the
    browser say 4 s, as its replay does."""
    folder = _killed_session(tmp_path / "session-20261130-120000-silent")
    assert figures(replay_state(folder)).wall_seconds == 4.0
    [info] = list_sessions(tmp_path)
    assert info.status == "interrupted" and info.wall_seconds == 4.0
    line = _listed(tmp_path, "interrupted")
    assert " 4.00s " in line, line
    app = ScreenHost(lambda: SessionsScreen(tmp_path))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        row = [str(cell) for cell in app.screen.query_one(DataTable).get_row_at(0)]
        assert row[3] == "interrupted" and row[5] == "4.0s", row


async def test_a_running_session_shows_how_long_it_has_run(tmp_path: Path) -> None:
    """Its two agents started at once and have been silent since: its events span 2 ms, its
    batch was written 30 s ago. The list and the browser say 30 s (they said 0.0s), as its
    live replay does."""
    folder = _killed_session(tmp_path / "session-20261130-120000-silent")
    log = EventLog(folder)  # (a writer again: the session is running)
    try:
        ago = time.time() - 30.0
        os.utime(folder / BATCH_FILE, (ago, ago))
        [info] = list_sessions(tmp_path)
        assert info.status == "running"
        assert info.wall_seconds is not None and 30.0 <= info.wall_seconds < 60.0
        app = ScreenHost(lambda: SessionsScreen(tmp_path))
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            row = [str(cell) for cell in app.screen.query_one(DataTable).get_row_at(0)]
            assert row[3] == "running" and float(row[5].rstrip("s")) >= 30.0, row
    finally:
        log.close()


def _listed(sessions_dir: Path, status: str) -> str:
    """The line `swarmtui sessions` prints for the one session of STATUS."""
    listed = subprocess.run(
        [sys.executable, "-m", "swarmtui", "sessions", "--sessions-dir", str(sessions_dir)],
        capture_output=True,
        text=True,
        check=True,
    )
    [line] = [line for line in listed.stdout.splitlines() if status in line]
    return line
