"""Start-up: the main screen is the app's first screen, styled once, its tiles drawn blank; what
it skips for the first frame is never missing from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.dom import DOMNode
from textual.events import ScreenResume

from swarmtui.ui.screens.main import MainScreen
from swarmtui.ui.widgets.tiles import Column, Row

from .helpers import SIZE, app_for, settle

SIZES = [(160, 50), (120, 36), (100, 28), (80, 24)]  # (the last is compact: one pane shown)


async def test_the_main_screen_is_the_one_screen_at_start(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # (Textual's blank default screen is never made, styled or laid out under it)
        assert app.screen_stack == [app.main_screen]


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
