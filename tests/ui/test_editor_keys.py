"""The editor as one lives in it: a new empty batch, select all, find, go to line, document
start and end (none of them a pane key), undo and redo, and save-as that asks before replacing
a file."""

from __future__ import annotations

from pathlib import Path

from swarmtui.ui.screens.ask import AskScreen, ConfirmScreen
from swarmtui.ui.screens.confirm_quit import ConfirmQuitScreen
from swarmtui.ui.screens.help import binding_rows
from swarmtui.ui.screens.open_file import OpenFileScreen
from swarmtui.ui.widgets.batch_editor import find_next

from .helpers import SIZE, app_for, settle

TEXT = "\n".join(f'Task("A{i}", "Do step {i}.", "coder")' for i in range(1, 31)) + "\n"


async def test_select_all_document_ends_go_to_line_and_find(tmp_path: Path) -> None:
    app = app_for(tmp_path, TEXT)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = app.main_screen.editor
        editor.focus()
        await pilot.press("ctrl+a")
        assert editor.selected_text == TEXT
        await pilot.press("ctrl+end")
        assert editor.cursor_location == editor.document.end
        await pilot.press("ctrl+home")
        assert editor.cursor_location == (0, 0)
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, AskScreen)
        await pilot.press(*"99", "enter")  # out of range: said, not taken
        await pilot.pause()
        assert isinstance(app.screen, AskScreen)
        await pilot.press("end", "backspace", "backspace", *"17", "enter")
        await pilot.pause()
        assert editor.cursor_location == (16, 0)
        await pilot.press("ctrl+f")
        await pilot.pause()
        await pilot.press(*"step 2", "enter")
        await pilot.pause()
        assert editor.selected_text == "step 2"
        assert editor.selection.start[0] == 19  # the next "step 2…" after line 17: "step 20"
        assert app.focused is editor  # (still typing in the editor)


def test_find_wraps_round_and_ignores_case() -> None:
    text = "alpha\nBeta beta\ngamma"
    assert find_next(text, "BETA", (0, 0)) == (1, 0)
    assert find_next(text, "beta", (1, 4)) == (1, 5)
    assert find_next(text, "alpha", (2, 0)) == (0, 0)
    assert find_next(text, "delta", (0, 0)) is None


async def test_ctrl_n_starts_an_empty_batch_after_asking(tmp_path: Path) -> None:
    app = app_for(tmp_path, TEXT)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.main_screen
        main.editor.focus()
        await pilot.press("x")  # an unsaved change
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmQuitScreen)
        await pilot.press("ctrl+d")  # don't save
        await settle(pilot)
        assert main.document.text == "" and main.document.path is None
        assert "new batch" in main.document.label


async def _type_path(pilot: object, app: object, path: Path) -> None:
    from textual.widgets import Input

    field = app.screen.query_one(Input)  # type: ignore[attr-defined]
    field.value = str(path)
    await pilot.press("enter")  # type: ignore[attr-defined]


async def test_save_as_asks_before_replacing_a_file(tmp_path: Path) -> None:
    existing = tmp_path / "kept.swarm.js"
    existing.write_text("// mine\n")
    app = app_for(tmp_path)  # the example: its first save asks for a path
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, OpenFileScreen)
        await _type_path(pilot, app, existing)
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and str(existing) in app.screen.question
        await pilot.press("n")
        await pilot.pause()
        assert existing.read_text() == "// mine\n"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await _type_path(pilot, app, existing)
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert existing.read_text() == app.main_screen.document.text
        assert app.main_screen.document.path == existing


async def test_undo_and_redo_are_keys_listed_in_help(tmp_path: Path) -> None:
    app = app_for(tmp_path, TEXT)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = app.main_screen.editor
        editor.focus()
        await pilot.press("ctrl+end", *"Bash")
        assert editor.text == TEXT + "Bash"
        await pilot.press("ctrl+z")
        assert editor.text == TEXT
        await pilot.press("ctrl+y")
        assert editor.text == TEXT + "Bash"
        rows = {
            row.description: row.keys
            for _group, group_rows in binding_rows(app.screen)
            for row in group_rows
        }
        assert rows["Undo"][0] == "^z" and rows["Redo"][0] == "^y", rows
