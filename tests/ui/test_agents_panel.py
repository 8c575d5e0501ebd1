"""The agents panel: usage columns, the status column, cancel and retry only where they apply."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from swarmtui.engine.events import AgentUsage, Event
from swarmtui.engine.settings import RunSettings
from swarmtui.ui.app import SwarmApp
from swarmtui.ui.widgets.agents_panel import AgentsPanel

from .helpers import (
    SIZE,
    app_for,
    settle,
    show_session,
    wait_for_state,
)
from .live_sessions import (
    mid_run_events,
)


def _with_usage(events: list[Event]) -> list[Event]:
    extra: list[Event] = [
        AgentUsage(agent="Backend", tokens_in=10_000, tokens_out=2_300, cost_usd=0.04, t=5.5),
        AgentUsage(agent="Frontend", tokens_in=500, tokens_out=200, cost_usd=0.01, t=5.6),
    ]
    for offset, event in enumerate(extra, start=1):
        event.seq = len(events) + offset
    return events + extra


async def test_tokens_and_cost_show_in_the_agents_panel_and_status_bar(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await show_session(pilot, _with_usage(mid_run_events()))
        panel = screen.query_one(AgentsPanel)
        rows = {panel.render_row(i, 100).plain for i in range(panel.row_count)}
        backend = next(row for row in rows if row[2:].startswith("Backend"))
        assert "12.3k tok" in backend and "$0.04" in backend, backend
        assert "tokens" in panel.render_header(0, 100).plain
        status = str(screen.status_bar.render_status())
        assert "13.0k tok" in status and "$0.05" in status, status


async def test_tokens_and_cost_are_hidden_when_zero(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await show_session(pilot, mid_run_events())
        panel = screen.query_one(AgentsPanel)
        assert "tokens" not in panel.render_header(0, 100).plain
        assert not any("tok" in panel.render_row(i, 100).plain for i in range(panel.row_count))
        status = str(screen.status_bar.render_status())
        assert "tok" not in status and "$" not in status, status


def _binding_ids(app: SwarmApp) -> set[str]:
    return {b.binding.id or "" for b in app.main_screen.active_bindings.values()}


TWO_AGENTS = """[Single Message - Two]:
Task("Alpha", "Build the thing.", "coder")
Task("Gamma", "Build another thing.", "coder")
"""


async def test_cancel_and_retry_show_only_where_they_apply(tmp_path: Path) -> None:
    app = app_for(tmp_path, text=TWO_AGENTS, settings=RunSettings(rehearsal_seconds=30))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await wait_for_state(pilot, lambda s: all(a.status == "running" for a in s.agents.values()))
        agents = app.main_screen.query_one(AgentsPanel)
        assert app.focused is agents and agents.selected == "Alpha"
        ids = _binding_ids(app)
        assert "agent.cancel" in ids and "agent.retry" not in ids, ids
        await pilot.press("x")  # Gamma keeps the session running
        await wait_for_state(pilot, lambda s: s.agents["Alpha"].status == "cancelled")
        ids = _binding_ids(app)
        assert "agent.retry" in ids and "agent.cancel" not in ids, ids
        await pilot.press("X")  # (asks first)
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert not app.main_screen.controller.running
        ids = _binding_ids(app)
        assert "agent.detail" in ids
        assert "agent.cancel" not in ids and "agent.retry" not in ids, ids
        footer = app.main_screen.query_one(Footer)
        shown = {key.description for key in footer.query(FooterKey)}
        assert "Detail" in shown and not shown & {"Cancel", "Retry"}, shown


async def test_the_agents_panel_keeps_the_status_column_at_100_columns(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await show_session(pilot, mid_run_events())
        panel = screen.query_one(AgentsPanel)
        width = panel.scrollable_content_region.width
        assert "status" in panel.render_header(0, width).plain
        rows = [panel.render_row(i, width).plain for i in range(panel.row_count)]
        assert any(" running " in row for row in rows), rows
