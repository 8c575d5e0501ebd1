"""Small things that read wrong: plurals, reads claimed for an agent that never ran, text cut
without an ellipsis (status bar at 80 columns, a new batch typed into, help entries), the
status glyphs' legend."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets._toast import Toast

from swarmtui.engine.events import (
    AgentFinished,
    AgentPlan,
    AgentStarted,
    Event,
    MemoryStored,
    SessionStarted,
)
from swarmtui.engine.state import fold
from swarmtui.ui.look import STATUS_GLYPH, plural
from swarmtui.ui.screens.agent_detail import read_entries
from swarmtui.ui.screens.help import HelpScreen
from swarmtui.ui.widgets.diagnostics_list import DiagnosticsList
from swarmtui.ui.widgets.status_bar import HELD, HELD_SHORT

from .helpers import app_for, settle, show_session, wait_for_state
from .live_sessions import mid_run_events


def test_plurals() -> None:
    assert [plural(n, "note") for n in (0, 1, 2)] == ["0 notes", "1 note", "2 notes"]


async def test_the_diagnostics_title_counts_in_the_singular(tmp_path: Path) -> None:
    # One SW013 note (a wait resolved by matching), no error, no warning.
    batch = (
        'Task("W", "Write notes. Store them in memory under \'swarm/notes\'.", "coder")\n'
        'Task("R", "Read \'swarm/*\' from memory and sum up.", "coder")\n'
    )
    app = app_for(tmp_path, batch)
    async with app.run_test(size=(140, 42)) as pilot:
        await settle(pilot)
        title = str(app.main_screen.query_one(DiagnosticsList).border_title)
        assert "1 note" in title and "1 notes" not in title, title


def _events() -> list[Event]:
    events: list[Event] = [
        SessionStarted(
            session_id="s",
            title="t",
            backend="rehearsal",
            started_at="2026-01-01T00:00:00Z",
            agents=[AgentPlan(name="W", stores=["k"]), AgentPlan(name="R", waits=["k"])],
        ),
        AgentStarted(agent="W", t=0.0),
        MemoryStored(key="k", value=1, by="W", t=1.0),
        AgentFinished(agent="W", status="done", t=1.0),
        AgentFinished(agent="R", status="skipped", reason="SW004", t=1.0),
    ]
    for seq, event in enumerate(events, start=1):
        event.seq = seq
    return events


def test_an_agent_that_never_ran_read_nothing() -> None:
    state = fold(_events())
    assert read_entries(state, state.agents["R"]) == []
    started = [*_events(), AgentStarted(agent="R", seq=6, t=2.0)]
    state = fold(started)
    assert [e.key for e in read_entries(state, state.agents["R"])] == ["k"]


async def test_the_status_bar_ends_in_an_ellipsis_at_80_columns(tmp_path: Path) -> None:
    app = app_for(tmp_path, file=tmp_path / "a-rather-long-folder-name" / "batch.swarm.js")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await show_session(pilot, mid_run_events())
        bar = screen.status_bar
        text = bar.render()
        assert text.cell_len <= 80
        plain = text.plain
        assert plain.rstrip().endswith(("…", ".js")), plain
        assert "…" in plain  # something had to give, and says so
        assert "· running · " in plain and "▶2" in plain  # (the pane keys' hint gives way)


async def test_a_new_batch_typed_into_reads_whole_at_80_columns(tmp_path: Path) -> None:
    """No "…h (not saved yet) ● unsaved": the unsaved mark says what the label said."""
    app = app_for(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        bar = app.main_screen.status_bar
        assert bar.render().plain.rstrip().endswith("new batch (not saved yet)")
        await pilot.press(*"Task")
        await settle(pilot)
        plain = bar.render().plain
        assert plain.rstrip().endswith("yet  new batch ● unsaved"), plain


async def test_a_held_session_keeps_its_time_and_counts_at_100_columns(tmp_path: Path) -> None:
    """Held open for the user, the bar says what to do in a few words rather than cut the
    elapsed time in two (`· 5.…`) and drop the counts."""
    batch = (
        'Task("Alpha", "Say hello.", "general")\n'
        'Task("Beta", "Wait for \'never\'.", "general", {waits: ["never"]})\n'
    )
    app = app_for(tmp_path, batch)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await wait_for_state(pilot, lambda s: s.held)
        bar = app.main_screen.status_bar
        plain = bar.render().plain
        assert f"· {HELD_SHORT} · " in plain and "✓1 –1" in plain, plain
        assert bar.render().cell_len <= 100
        app.main_screen.controller.cancel_session()  # (held: this ends it)
        await settle(pilot)
    app = app_for(tmp_path, batch)
    async with app.run_test(size=(160, 30)) as pilot:  # (room for the whole sentence)
        await settle(pilot)
        await pilot.press("ctrl+r")
        await wait_for_state(pilot, lambda s: s.held)
        assert f"· {HELD} · " in app.main_screen.status_bar.render().plain
        app.main_screen.controller.cancel_session()
        await settle(pilot)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_toasts_never_cover_the_status_bar_or_the_keys(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        for n in range(4):  # (more than the screen holds, long ones wrapping)
            app.notify(f"Toast {n}: " + "something to say " * 6, timeout=30)
        for _ in range(3):
            await pilot.pause()
        toasts = list(app.screen.query(Toast))
        assert len(toasts) == 4
        status = app.main_screen.status_bar.region
        # What is drawn of each: its region as the rack clips it.
        seen = []
        for toast in toasts:
            geometry = app.screen.find_widget(toast)
            seen.append(geometry.region.intersection(geometry.clip))
        assert all(region.bottom <= status.y for region in seen), (seen, status)


async def test_help_has_a_legend_of_status_glyphs(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        legend = app.screen._legend()
        from rich.console import Console

        console = Console(width=100, record=True)
        console.print(legend)
        shown = console.export_text()
        for status, glyph in STATUS_GLYPH.items():
            assert f"{glyph} {status}" in shown, status
