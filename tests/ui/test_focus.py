"""Reaching every pane: F-keys, alt+digit (typed in the editor), remapped keys, the wide layout."""

from __future__ import annotations

from pathlib import Path

from textual._ansi_sequences import ANSI_SEQUENCES_KEYS

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
