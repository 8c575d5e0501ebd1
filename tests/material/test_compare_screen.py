"""The compare screen, driven with the keyboard (Pilot), and one snapshot reviewed as a picture."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList, Static, TabbedContent

from swarmtui.ui.app import SwarmApp, make_app
from swarmtui.ui.screens.compare import CompareScreen, CompareTimeline
from swarmtui.ui.screens.main import MainScreen

from .recorded import write_release_pair
from .sessions import Pair

SIZE = (120, 36)


def app_for(a: Path, b: Path, sessions_dir: Path) -> SwarmApp:
    return make_app(compare=(a, b), sessions_dir=sessions_dir, freeze_gc=False)


async def settle(pilot: Pilot[Any]) -> CompareScreen:
    """The comparison loaded and shown, no blinking cursor."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, CompareScreen)
    for widget in screen.query("*"):
        if hasattr(widget, "cursor_blink"):
            widget.cursor_blink = False
    return screen


def plain(screen: CompareScreen, selector: str) -> str:
    content = screen.query_one(selector, Static).content
    assert isinstance(content, Text)
    return content.plain


def cell(table: DataTable[Any], row: str, column: str) -> str:
    value = table.get_cell(row, column)
    assert isinstance(value, Text)
    return value.plain


async def test_keys_walk_agents_memory_and_artifacts(pair: Pair, tmp_path: Path) -> None:
    app = app_for(pair.a, pair.b, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(pilot)
        summary = plain(screen, "#compare-summary")
        assert summary.splitlines()[0].startswith("A completed · rehearsal · wall ")
        assert "(Planner → Builder → Checker)" in summary
        assert summary.splitlines()[1].startswith("B failed · rehearsal")

        table = screen.query_one("#compare-agents-table", DataTable)
        assert table.has_focus and table.row_count == 3
        assert cell(table, "Builder", "status") == "done → cancelled"
        assert cell(table, "Checker", "status") == "done → failed"
        assert cell(table, "Planner", "status") == "done"
        assert cell(table, "Checker", "attempts") == "1 → 0"
        tabs = screen.query_one(TabbedContent)
        assert str(tabs.get_tab("compare-agents").label) == "Agents (2 differ)"

        await pilot.press("m")
        assert tabs.active == "compare-memory"
        keys = screen.query_one("#compare-memory-list", OptionList)
        assert keys.has_focus and keys.option_count == 4
        assert "swarm/build" in plain(screen, "#compare-memory-diff")
        await pilot.press("down")
        detail = plain(screen, "#compare-memory-diff")
        assert detail.startswith("swarm/config  changed  written by batch → user")
        assert '-  "mode": "fast"\n+  "mode": "safe"' in detail
        await pilot.press("down")
        # The hostile value is shown escaped: no control character reaches the terminal.
        detail = plain(screen, "#compare-memory-diff")
        assert "+\\x1b]0;pwned\\x07\\x1b[2Jhello" in detail and "\x1b" not in detail

        await pilot.press("f")
        assert tabs.active == "compare-artifacts"
        files = screen.query_one("#compare-artifacts-list", OptionList)
        assert files.option_count == 3
        await pilot.press("end")
        detail = plain(screen, "#compare-artifacts-diff")
        assert detail.startswith("artifacts/planner.md  changed, 247 B → 247 B")
        assert "+- simulated duration: 0.030 s" in detail

        await pilot.press("b")
        assert plain(screen, "#compare-batch-diff") == "Both sessions ran the same batch."

        await pilot.press("t")
        assert screen.query_one("#compare-timeline-box").has_focus
        timeline = screen.query_one(CompareTimeline).render().plain.splitlines()
        assert timeline[1].startswith("Planner") and timeline[1].split()[1] == "A"
        assert len(timeline) == 1 + 2 * 3  # the axis, then A and B for each agent

        await pilot.press("escape")  # back to the main screen below
        assert isinstance(pilot.app.screen, MainScreen)


async def test_a_session_that_cannot_be_read_is_said_in_place(pair: Pair, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    app = app_for(pair.a, empty, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(pilot)
        assert plain(screen, "#compare-summary") == (
            f"✗ These sessions cannot be compared: {empty / 'session.db'}: no such session database"
        )
        # Only "back" is left in the footer.
        shown = {b.binding.action for b in screen.active_bindings.values() if b.enabled}
        assert "back" in shown and "tab('compare-memory')" not in shown
        await pilot.press("m")
        assert screen.query_one(TabbedContent).active == "compare-agents"


def test_snapshot_of_two_release_runs(snap_compare: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)  # relative paths: the same picture on every machine
    a, b = write_release_pair(Path("sessions"))

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)

    assert snap_compare(app_for(a, b, Path("sessions")), terminal_size=SIZE, run_before=run_before)
