"""Start-up: the main screen is styled once as it is first shown, its tiles drawn blank; what it
skips for the first frame is never missing from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import RenderableType
from textual.dom import DOMNode
from textual.events import ScreenResume
from textual.screen import Screen
from textual.widgets._footer import FooterKey

from swarmtui.ui.screens.main import COMPACT_WIDTH, MainScreen
from swarmtui.ui.widgets.key_bar import KeyBar, KeyBarPlace
from swarmtui.ui.widgets.tiles import Column, Row

from .helpers import SIZE, app_for, settle

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
