"""Snapshots of the main screen and its detail views: fixed size, no blink, fixed sessions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from swarmtui.engine.settings import RunSettings
from swarmtui.ui.app import SwarmApp, make_app
from swarmtui.ui.widgets.memory_panel import MemoryPanel

from .helpers import show_session, steady
from .live_sessions import DIAGNOSTICS_BATCH, finished_events, mid_run_events

SIZE = (130, 38)


def app_for(tmp_path: Path, text: str | None = None) -> SwarmApp:
    return make_app(
        text=text,
        settings=RunSettings(rehearsal_seconds=0.01),
        sessions_dir=tmp_path,
        freeze_gc=False,
    )


def test_idle_with_diagnostics(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await steady(pilot)
        pilot.app.main_screen.editor.move_cursor((3, 0))  # type: ignore[attr-defined]
        await pilot.pause()

    assert snap_compare(
        app_for(tmp_path, DIAGNOSTICS_BATCH), terminal_size=SIZE, run_before=run_before
    )


def test_session_mid_run(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await steady(pilot)
        await show_session(pilot, mid_run_events())
        await pilot.press("alt+2")

    assert snap_compare(app_for(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_session_finished(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await steady(pilot)
        await show_session(pilot, finished_events())

    assert snap_compare(app_for(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_agent_detail(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await steady(pilot)
        await show_session(pilot, mid_run_events())
        await pilot.press("alt+2", "down", "enter")
        await pilot.pause()

    assert snap_compare(app_for(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_memory_key_history(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await steady(pilot)
        screen = await show_session(pilot, mid_run_events())
        await pilot.press("alt+4")
        screen.query_one(MemoryPanel).select_key("default", "swarm/api/schema")
        await pilot.pause()

    assert snap_compare(app_for(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_small_terminal_shows_the_focused_pane(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await steady(pilot)
        await show_session(pilot, mid_run_events())
        await pilot.press("alt+2")
        await pilot.pause()

    assert snap_compare(app_for(tmp_path), terminal_size=(80, 24), run_before=run_before)
