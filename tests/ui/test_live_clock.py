"""While an agent runs for long with no output (no event comes), the live screen does not go
stale: the status bar's elapsed time, the agent's time in the agents panel and its bar on the
timeline move on by the clock (issue 12: screens that never go stale).

The agent is a real silent command (`sleep`); what is waited for (the screen moving on) is
polled with a deadline, asserting that no event came meanwhile."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from swarmtui.engine.settings import RunSettings
from swarmtui.ui.widgets.agents_panel import AgentsPanel
from swarmtui.ui.widgets.row_list import RowList
from swarmtui.ui.widgets.timeline_panel import TimelinePanel

from .helpers import SIZE, app_for, settle, wait_for_state

DEADLINE = 30.0


def painted(panel: RowList, row: int) -> str:
    """A row as painted on screen now."""
    return "".join(segment.text for segment in panel.render_line(panel.header_lines + row))


async def test_a_silent_agent_keeps_the_clocks_moving(tmp_path: Path) -> None:
    settings = RunSettings(backend="command", command_template="sleep 600")
    app = app_for(tmp_path, 'Task("Quiet", "Think silently.", "general")\n', settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        state = await wait_for_state(pilot, lambda s: s.agents["Quiet"].status == "running")
        screen = app.main_screen
        agents, timeline = screen.query_one(AgentsPanel), screen.query_one(TimelinePanel)
        seq = state.seq
        before = _looks(screen, agents, timeline)
        after = await _changed(pilot, lambda: _looks(screen, agents, timeline), before)
        assert state.seq == seq, "an event came: the test proves nothing"
        assert all(new != old for new, old in zip(after, before, strict=True))
        screen.controller.cancel_session()
        await wait_for_state(pilot, lambda s: s.finished)


def _looks(screen: Any, agents: RowList, timeline: TimelinePanel) -> tuple[str, ...]:
    return (
        screen.status_bar.render_status().plain,
        painted(agents, 0),
        timeline.render_header(0, 100).plain,
        painted(timeline, 0),
    )


async def _changed(pilot: Pilot[Any], look: Any, before: tuple[str, ...]) -> tuple[str, ...]:
    """What the screen shows once every part of it differs from BEFORE (polled: the clock has
    no event to wait on)."""
    deadline = time.monotonic() + DEADLINE
    while True:
        now = look()
        if all(new != old for new, old in zip(now, before, strict=True)):
            return tuple(now)
        assert time.monotonic() < deadline, f"the screen stayed as it was: {now}"
        await pilot.pause(0.1)
