"""A second session run in the same app draws its own bars, and its figures and the status
bar's elapsed time agree (one clock, painted in the same frame)."""

from __future__ import annotations

from pathlib import Path

from swarmtui.ui.screens.replay import ReplayScreen
from swarmtui.ui.widgets.timeline_panel import RUN_CHAR, TimelinePanel

from .helpers import SIZE, app_for, settle, top, wait_for_state
from .test_replay_screen import opened


def _drawn(panel: TimelinePanel) -> list[str]:
    """The rows as painted on screen (not as a fresh render would draw them)."""
    return [
        "".join(segment.text for segment in panel.render_line(y))
        for y in range(panel.header_lines, panel.header_lines + panel.row_count)
    ]


async def test_the_second_session_draws_its_bars(tmp_path: Path) -> None:
    batch = (
        'Task("Alpha", "Say hello.", "general")\n'
        'Task("Beta", "Wait for \'k\' then say hi.", "general", {waits: ["k"]})\n'
        'Task("Gamma", "Store the result in \'k\'.", "general")\n'
    )
    app = app_for(tmp_path, batch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        timeline = screen.query_one(TimelinePanel)
        for run in (1, 2):
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert screen.state.status == "completed", run
            rows = _drawn(timeline)
            assert len(rows) == 3 and all(RUN_CHAR in row for row in rows), (run, rows)
            header = timeline.render_header(0, 100).plain
            elapsed = screen.status_bar.render_status().plain
            wall = header.split()[1]
            assert f"· {wall} " in elapsed, (header, elapsed)


async def test_a_second_batch_draws_its_own_bars_while_it_runs(tmp_path: Path) -> None:
    """Two sessions of different batches in one app: the timeline's rows are the second
    session's agents, with their bars while it is open and once it has ended."""
    first = 'Task("Alpha", "Say hello.", "general")\nTask("Beta", "Say hi.", "general")\n'
    # Epsilon waits for a key nothing stores: skipped, it holds the session open for a retry.
    second = (
        'Task("Gamma", "Store the result in \'g\'.", "general")\n'
        'Task("Delta", "Wait for \'g\' then say hi.", "general", {waits: ["g"]})\n'
        'Task("Epsilon", "Wait for \'never\'.", "general", {waits: ["never"]})\n'
    )
    app = app_for(tmp_path, first)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        timeline = screen.query_one(TimelinePanel)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert screen.state.status == "completed"
        first_session = screen.state.session_id
        assert [row.split()[0] for row in _drawn(timeline)] == ["Alpha", "Beta"]
        screen.document.load(second, None)
        await settle(pilot)
        await pilot.press("ctrl+r")
        state = await wait_for_state(pilot, lambda s: s.held)
        assert state.session_id != first_session and state.status == "running"
        rows = _drawn(timeline)
        assert [row.split()[0] for row in rows] == ["Gamma", "Delta", "Epsilon"], rows
        assert RUN_CHAR in rows[0] and RUN_CHAR in rows[1], rows
        assert RUN_CHAR not in rows[2], rows  # (skipped: it never ran)
        screen.controller.cancel_session()  # (held: this ends it)
        await wait_for_state(pilot, lambda s: s.finished)
        await settle(pilot)
        rows = _drawn(timeline)
        assert [row.split()[0] for row in rows] == ["Gamma", "Delta", "Epsilon"], rows
        assert RUN_CHAR in rows[0] and RUN_CHAR in rows[1], rows


async def test_after_a_failed_run_a_replay_and_a_fork_each_run_draws_its_bars(
    tmp_path: Path,
) -> None:
    """The runs a day brings, one after the other in one app: a run that fails (Waiter waits
    for a key nothing stores; ended by the user), its replay opened and left, a run again,
    then a fork from the replay's start. Each run draws its own bars."""
    batch = (
        'Task("Alpha", "Say hello.", "general")\n'
        'Task("Beta", "Store the result in \'k\'.", "general")\n'
        'Task("Waiter", "Wait for \'never\'.", "general", {waits: ["never"]})\n'
    )
    app = app_for(tmp_path, batch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        timeline = screen.query_one(TimelinePanel)

        async def run_and_check(key: str = "ctrl+r") -> None:
            before = screen.state.session_id
            await pilot.press(key)
            state = await wait_for_state(pilot, lambda s: s.held)
            assert state.session_id != before
            screen.controller.cancel_session()  # (held: this ends it, failed)
            await wait_for_state(pilot, lambda s: s.finished)
            await settle(pilot)
            rows = _drawn(timeline)
            assert [row.split()[0] for row in rows] == ["Alpha", "Beta", "Waiter"], rows
            assert RUN_CHAR in rows[0] and RUN_CHAR in rows[1], rows

        await run_and_check()
        assert screen.state.status == "failed"
        path = screen.controller.session_path
        assert path is not None
        app.push_screen(ReplayScreen(path))
        replay = await opened(pilot)
        await pilot.press("home", "space")
        replay.advance(0.5)
        await pilot.press("escape")
        await pilot.pause()
        assert top(app) is screen
        await run_and_check()
        app.push_screen(ReplayScreen(path))
        replay = await opened(pilot)
        # (from before its message started: a fork from within it does not skip Waiter again)
        await pilot.press("home", "right", "F")
        await settle(pilot)
        assert top(app) is screen and screen.controller.fork is not None
        await run_and_check()
