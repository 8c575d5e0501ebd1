"""Start-up: the main screen is styled once as it is first shown, its tiles drawn blank, its empty
diagnostics list and memory tree drawn by stand-ins; what it skips for the first frame is never
missing from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import RenderableType
from textual.dom import DOMNode
from textual.events import ScreenResume
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets._footer import FooterKey

from swarmtui.ui.app import SwarmApp, make_app
from swarmtui.ui.screens.main import MainScreen
from swarmtui.ui.screens.replay import ReplayScreen
from swarmtui.ui.widgets.diagnostics_list import DiagnosticsList
from swarmtui.ui.widgets.key_bar import KeyBar, KeyBarPlace
from swarmtui.ui.widgets.memory_panel import MemoryPanel, MemoryTree
from swarmtui.ui.widgets.stand_in import StandIn
from swarmtui.ui.widgets.tiles import COMPACT_WIDTH, Column, Row

from .helpers import SIZE, app_for, focused, settle, show_session, workers_done
from .recorded_sessions import release_events, write_session

SIZES = [(160, 50), (120, 36), (100, 28), (80, 24)]  # (the last is compact: one pane shown)


def _styles(widgets: list[DOMNode]) -> list[list[str]]:
    return [w.styles.base.css_lines for w in widgets]


@pytest.mark.parametrize("size", SIZES)
async def test_the_first_showing_has_the_styles_of_a_full_restyle(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    # Textual restyles a screen's every widget as it is shown; the main screen's first showing
    # skips that (each widget was styled as it mounted). Nothing is left out by it:
    app = app_for(tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.main_screen
        widgets = list(screen.walk_children(with_self=True))
        shown = _styles(widgets)
        app.stylesheet.update(screen, animate=False)
        assert _styles(widgets) == shown


async def test_only_the_first_showing_skips_the_restyle(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # (shown once: the start)
        again = ScreenResume()  # (a dialog closed over it: restyled as Textual does)
        app.main_screen.on_screen_resume(again)
        assert again.refresh_styles


@pytest.mark.parametrize("size", SIZES)
async def test_the_blank_tiles_hide_nothing(
    tmp_path: Path, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The screen and its rows and columns are drawn as blank lines: the screen looks the same
    # as when Textual draws them in full under their panes.
    app = app_for(tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.main_screen
        screen.editor.cursor_blink = False  # (the same frame twice:
        screen.bridge.flush()  # no blink, no panel's repaint due)
        await pilot.pause()
        blank = app.export_screenshot()
        for tile in (MainScreen, Row, Column):
            monkeypatch.setattr(tile, "BLANK", False)
        for widget in screen.walk_children(with_self=True):
            widget.refresh()
        await pilot.pause()
        assert app.export_screenshot() == blank


@pytest.mark.parametrize("size", [(160, 50), (80, 24)])
async def test_the_first_frame_is_the_whole_screen(
    tmp_path: Path, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # What start-up saves never makes the first frame an unfinished one: the status bar says
    # which batch is in the editor, and a small terminal shows only the focused pane.
    app = app_for(tmp_path)
    first: list[str] = []
    display = app._display

    def record(screen: Screen[object], update: RenderableType | None) -> None:
        if not first and isinstance(screen, MainScreen):
            first.extend(strip.text for strip in screen._compositor.render_strips())
        display(screen, update)

    monkeypatch.setattr(app, "_display", record)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
    assert first, "no frame painted"
    assert "(ctrl+s saves a copy)" in first[-2]  # (the status bar: the example is shown)
    compact = size[0] < COMPACT_WIDTH
    assert ("2 Agents" in first[0]) is not compact, first[0]
    assert "1 Editor" in first[0]


@pytest.mark.parametrize("size", [SIZE, (80, 24)])
async def test_the_key_bar_takes_its_place_after_the_first_frame(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.main_screen
        assert not screen.query(KeyBarPlace)
        bar = screen.query_one(KeyBar)
        assert bar.region.y == size[1] - 1 and bar.region.width == size[0]
        keys = {key.description for key in bar.query(FooterKey)}
        assert {"Run", "Help"} <= keys, keys


FRAME_SIZES = [(160, 50), (200, 60), (120, 36), (100, 28), (99, 40), (80, 24)]


def _first_frame(app: SwarmApp, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[int]]:
    """Records the main screen's first frame (each segment's text and style) and how many
    stand-ins it had."""
    frame: list[str] = []
    stand_ins: list[int] = []
    display = app._display

    def record(screen: Screen[object], update: RenderableType | None) -> None:
        if not frame and isinstance(screen, MainScreen):
            for strip in screen._compositor.render_strips():
                frame.append("".join(f"{s.text}\x00{s.style}\x00" for s in strip))
            stand_ins.append(len(screen.query(StandIn)))
        display(screen, update)

    monkeypatch.setattr(app, "_display", record)
    return frame, stand_ins


@pytest.mark.parametrize("size", FRAME_SIZES)
async def test_the_stand_ins_draw_what_the_empty_widgets_draw(
    tmp_path: Path, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The diagnostics list and the memory tree take their places after the first frame: their
    # stand-ins make that frame the same, text and styles, as the widgets themselves made it.
    app = app_for(tmp_path)
    with_stand_ins, counted = _first_frame(app, monkeypatch)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
    assert counted == [2]  # (the diagnostics list's and the memory tree's)

    def place_at_once(self: StandIn[Widget]) -> None:
        self.place()

    monkeypatch.setattr(StandIn, "on_mount", place_at_once)  # (the widgets in the first frame)
    app = app_for(tmp_path)
    with_widgets, counted = _first_frame(app, monkeypatch)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
    assert counted == [0]
    assert with_stand_ins == with_widgets


@pytest.mark.parametrize("size", [SIZE, (80, 24)])
async def test_the_diagnostics_list_and_the_memory_tree_take_their_places(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = app_for(tmp_path, 'Task("A", "do it", "nope")\nTask("A", "again", "coder")\n')
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.main_screen
        assert not screen.query(StandIn)
        listing = screen.query_one("#editor-pane > DiagnosticsList", DiagnosticsList)
        assert listing is screen.document.diagnostics_list
        assert listing.option_count == len(screen.document.diagnostics) > 0
        tree = screen.query_one("#memory > MemoryTree", MemoryTree)
        assert tree is screen.query_one(MemoryPanel).key_tree
        assert tree.focusable
        screen.focus_pane("memory")
        await pilot.pause()
        assert focused(app) is tree
        await pilot.press("f8")
        assert focused(app) is listing
        assert listing.highlighted == 0  # (enter goes to the first problem)


@pytest.mark.parametrize("size", FRAME_SIZES)
async def test_the_first_memory_event_fills_the_tree(tmp_path: Path, size: tuple[int, int]) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = await show_session(pilot, release_events())
        _assert_release_keys(screen.query_one(MemoryPanel))


@pytest.mark.parametrize("size", FRAME_SIZES)
async def test_a_replay_fills_its_memory_tree(tmp_path: Path, size: tuple[int, int]) -> None:
    folder = write_session(tmp_path, "session-20261129-100000-release", release_events())
    app = make_app(replay=folder, sessions_dir=tmp_path, freeze_gc=False)
    async with app.run_test(size=size) as pilot:
        await workers_done(app)
        await pilot.pause()
        replay = app.screen
        assert isinstance(replay, ReplayScreen)
        assert not replay.query(StandIn)
        _assert_release_keys(replay.query_one(MemoryPanel))


def _assert_release_keys(panel: MemoryPanel) -> None:
    """The four keys the release session stores, under default/swarm/release."""
    (namespace,) = panel.key_tree.root.children
    (swarm,) = namespace.children
    (release,) = swarm.children
    assert str(namespace.label) == "default" and str(release.label) == "release"
    labels = {str(node.label) for node in release.children}
    assert labels == {"changes", "draft", "review", "package"}
    assert panel.query_one("#memory-tree") is panel.key_tree
