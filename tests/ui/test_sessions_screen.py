"""The sessions browser: lists, filters, opens a replay, survives broken folders."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input
from textual.widgets.data_table import ColumnKey

from swarmtui.ui.screens.help import HelpScreen
from swarmtui.ui.screens.replay import ReplayScreen
from swarmtui.ui.screens.sessions import COLUMNS, SessionsScreen

from .helpers import ScreenHost, top
from .recorded_sessions import make_sessions, release_events, write_session


def titles(screen: SessionsScreen) -> list[str]:
    return [info.title or info.path.name for info in screen.shown]


async def test_lists_sessions_newest_first_with_broken_ones_marked(tmp_path: Path) -> None:
    make_sessions(tmp_path)
    app = ScreenHost(lambda: SessionsScreen(tmp_path))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SessionsScreen)
        assert titles(screen) == [
            "Migration",
            "Release notes",
            "Data pipeline",
            "session-20261127-080000-broken",
        ]
        table = screen.query_one(DataTable)
        assert table.row_count == 4
        row = [str(cell) for cell in table.get_row_at(1)]
        assert row[0] == "Release notes"
        assert row[1] == "2026-11-29 10:00:00"  # with seconds
        assert row[2] == "session-A"  # the id
        assert row[3] == "completed"
        assert row[4] == "4"
        assert row[5] == "9.0s"
        assert row[6] == "1.6×"
        assert str(table.get_row_at(0)[3]) == "interrupted"
        assert "unreadable" in str(table.get_row_at(3)[3])


async def test_typing_filters_and_enter_opens_the_replay(tmp_path: Path) -> None:
    paths = make_sessions(tmp_path)
    app = ScreenHost(lambda: SessionsScreen(tmp_path))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SessionsScreen)
        assert app.focused is screen.query_one(Input)
        await pilot.press(*"release")
        assert titles(screen) == ["Release notes"]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReplayScreen)
        assert app.screen.session_path == paths["release"]
        await pilot.press("escape")
        await pilot.pause()
        assert top(app) is screen


async def test_arrow_keys_move_the_highlight_while_typing(tmp_path: Path) -> None:
    paths = make_sessions(tmp_path)
    app = ScreenHost(lambda: SessionsScreen(tmp_path))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SessionsScreen)
        await pilot.press("down", "down")
        highlighted = screen.highlighted
        assert highlighted is not None and highlighted.path == paths["older"]
        await pilot.press("up")
        highlighted = screen.highlighted
        assert highlighted is not None and highlighted.path == paths["release"]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReplayScreen)
        assert app.screen.session_path == paths["release"]


async def test_a_filter_matching_nothing_says_so(tmp_path: Path) -> None:
    make_sessions(tmp_path)
    app = ScreenHost(lambda: SessionsScreen(tmp_path))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press(*"zzz")
        screen = app.screen
        assert isinstance(screen, SessionsScreen)
        assert screen.shown == []
        detail = str(screen.query_one("#sessions-detail").render())
        assert "No session matches" in detail
        await pilot.press("enter")  # nothing to open: nothing happens
        assert app.screen is screen


async def test_enter_on_a_broken_session_explains_instead_of_crashing(tmp_path: Path) -> None:
    make_sessions(tmp_path)
    app = ScreenHost(lambda: SessionsScreen(tmp_path))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press(*"broken")
        screen = app.screen
        assert isinstance(screen, SessionsScreen)
        assert len(screen.shown) == 1
        detail = str(screen.query_one("#sessions-detail").render())
        assert "not a swarmtui session database" in detail
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert any("not a swarmtui session database" in n.message for n in app._notifications)


async def test_an_empty_or_missing_folder(tmp_path: Path) -> None:
    app = ScreenHost(lambda: SessionsScreen(tmp_path / "missing"))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SessionsScreen)
        assert screen.shown == []
        assert "No sessions recorded" in str(screen.query_one("#sessions-detail").render())


async def test_every_binding_has_an_id_and_a_tooltip() -> None:
    for cls in (SessionsScreen, ReplayScreen, HelpScreen):
        for binding in cls.BINDINGS:
            assert not isinstance(binding, tuple)
            assert binding.id and binding.tooltip, (cls.__name__, binding.key)


async def test_coming_back_reads_the_folder_again(tmp_path: Path) -> None:
    paths = make_sessions(tmp_path)
    app = ScreenHost(lambda: SessionsScreen(tmp_path))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SessionsScreen)
        app.push_screen(ReplayScreen(paths["release"]))
        await pilot.pause()
        write_session(tmp_path, "session-20261130-080000-new", release_events("Brand new", "N"))
        await pilot.press("escape")
        await pilot.pause()
        assert "Brand new" in titles(screen)
        assert top(app) is screen


async def test_columns_follow_the_terminal_width(tmp_path: Path) -> None:
    make_sessions(tmp_path)
    app = ScreenHost(lambda: SessionsScreen(tmp_path))
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SessionsScreen)
        table = screen.query_one(DataTable)

        def widths() -> int:
            return sum(column.get_render_width(table) for column in table.columns.values())

        wide = widths()
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        # Every column still fits: the status, agents, wall and speed-up stay in view, and
        # the ids are cut again to their narrower column (a terminal keeps the old cells).
        assert widths() < wide and widths() <= 100
        id_column = table.columns[next(k for k in table.columns if k.value == "id")]
        ids = [str(table.get_row_at(row)[2]) for row in range(table.row_count)]
        assert max(map(len, ids)) <= id_column.width < len("session-20261127-080000-broken")
        # What is cut is the start (the date, in the Started column): the ends tell them apart.
        assert ids[-1] == "…" + "session-20261127-080000-broken"[-(id_column.width - 1) :]
        await pilot.resize_terminal(160, 30)
        await pilot.pause()
        assert widths() == wide


@pytest.mark.parametrize("size", [(40, 12), (60, 20), (80, 24), (100, 30)])
async def test_the_status_stays_in_view_other_columns_give_way_first(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    make_sessions(tmp_path)
    app = ScreenHost(lambda: SessionsScreen(tmp_path))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SessionsScreen)
        table = screen.query_one(DataTable)
        keys = [key.value for key in table.columns]
        assert keys[0] == "title" and "status" in keys
        assert sum(column.get_render_width(table) for column in table.columns.values()) < size[0]
        status = table.get_column_index("status")
        shown = [str(table.get_row_at(row)[status]) for row in range(table.row_count)]
        assert "completed" in shown and "⚠ unreadable" in shown  # (whole, not cut)
        assert table.columns[ColumnKey("status")].width >= len("⚠ unreadable")
    if size[0] >= 100:
        assert keys == list(COLUMNS)  # (room for every column: none dropped)
