"""Reaching every pane: F-keys, alt+digit (typed in the editor), remapped keys, the wide layout;
the pane holding the focus is marked."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual._ansi_sequences import ANSI_SEQUENCES_KEYS
from textual.color import Color

from swarmtui.ui.screens.main import MainScreen

from .helpers import (
    SIZE,
    app_for,
    settle,
    type_in_terminal,
)


async def test_focus_keys_reach_every_pane(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        expected = ["editor", "agents", "todos", "memory-tree", "log", "timeline"]
        for number, widget_id in enumerate(expected, start=1):
            await pilot.press(f"alt+{number}")
            assert app.focused is not None and app.focused.id == widget_id, number
        for fkey, widget_id in zip(["f2", "f3", "f4", "f5", "f6", "f7"], expected, strict=True):
            await pilot.press("alt+1")
            await pilot.press(fkey)
            assert app.focused is not None and app.focused.id == widget_id, fkey
        await pilot.press("escape")
        assert app.focused is app.main_screen.editor


async def test_keymap_remaps_a_binding_by_id(tmp_path: Path) -> None:
    app = app_for(tmp_path, keymap={"run": "f10", "focus.agents": "alt+9"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("alt+9")
        assert app.focused is not None and app.focused.id == "agents"
        await pilot.press("f10")
        await settle(pilot)
        assert app.main_screen.state.status == "completed"


async def test_alt_digit_characters_focus_the_panes_outside_the_editor(tmp_path: Path) -> None:
    # What a terminal's alt+1…6 (ESC+digit) becomes once Textual has read it.
    characters = [ANSI_SEQUENCES_KEYS[f"\x1b{n}"] for n in range(1, 7)]
    assert characters == ["¡", "™", "£", "¢", "∞", "§"]
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        expected = ["editor", "agents", "todos", "memory-tree", "log", "timeline"]
        for number, widget_id in enumerate(expected, start=1):
            await pilot.press("f6")  # from the log pane
            await type_in_terminal(pilot, f"\x1b{number}")
            assert app.focused is not None and app.focused.id == widget_id, number
        editor = app.main_screen.editor
        await pilot.press("f2")
        assert app.focused is editor
        before = editor.text
        await type_in_terminal(pilot, "\x1b2")  # the editor types it: focus stays
        assert app.focused is editor and editor.text != before and "™" in editor.text


async def test_the_editor_gets_half_a_wide_screen(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        editor = app.main_screen.editor
        assert editor.size.width >= 0.45 * 160, editor.size  # was 62 of 160


def _marked_and_focus_within(screen: MainScreen) -> tuple[list[str], list[str]]:
    panes = list(screen.query(".pane"))
    marked = [str(pane.id) for pane in panes if pane.has_class("-focused")]
    return marked, [str(pane.id) for pane in panes if pane.has_focus_within]


@pytest.mark.parametrize("size", [SIZE, (80, 24)])
async def test_the_pane_holding_the_focus_is_marked(tmp_path: Path, size: tuple[int, int]) -> None:
    # `.pane.-focused` draws the focused pane's border, as `:focus-within` did: always the
    # pane the focus is in, from the start, through dialogs, and none while the app is blurred.
    app = app_for(tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.main_screen
        assert _marked_and_focus_within(screen) == (["editor-pane"], ["editor-pane"])
        pane_ids = ["editor-pane", "agents", "todos", "memory", "log", "timeline"]
        for number, pane_id in enumerate(pane_ids, start=1):
            await pilot.press(f"alt+{number}")
            assert _marked_and_focus_within(screen) == ([pane_id], [pane_id]), number
        await pilot.press("f8")  # the diagnostics list: in the editor's pane
        assert _marked_and_focus_within(screen) == (["editor-pane"], ["editor-pane"])
        await pilot.press("f1")  # a screen over it: the focus stays in the pane beneath
        await pilot.press("escape")
        assert _marked_and_focus_within(screen) == (["editor-pane"], ["editor-pane"])
        app.app_focus = False
        await pilot.pause()
        assert _marked_and_focus_within(screen) == ([], [])
        app.app_focus = True
        await pilot.pause()
        assert _marked_and_focus_within(screen) == (["editor-pane"], ["editor-pane"])
        focused, other = (
            screen.document.styles.border_top,
            screen.query_one("#log").styles.border_top,
        )
        assert focused == ("round", Color.parse(app.theme_variables["border"]))
        assert other == ("round", Color.parse(app.theme_variables["border-blurred"]))
