"""The batch's file: save, save as, open, unsaved changes asked about once, quit."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Input

from swarmtui.engine.settings import RunSettings
from swarmtui.ui.app import make_app
from swarmtui.ui.examples import example_names, read_example
from swarmtui.ui.screens.confirm_quit import ConfirmQuitScreen
from swarmtui.ui.screens.main import MainScreen
from swarmtui.ui.screens.open_file import OpenFileScreen

from .helpers import (
    SIZE,
    app_for,
    settle,
    top,
)
from .live_sessions import UNBLOCK_BATCH


async def test_starts_with_the_default_example_unmodified(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        assert screen.editor.text == read_example(example_names()[0])
        assert not screen.document.modified
        assert app.focused is screen.editor
        assert "REHEARSAL" in str(screen.status_bar.render_status())


async def test_save_writes_the_file_and_clears_the_mark(tmp_path: Path) -> None:
    path = tmp_path / "mine.swarm.js"
    path.write_text(UNBLOCK_BATCH)
    app = make_app(file=path, sessions_dir=tmp_path / "s", freeze_gc=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        screen.editor.insert("// more\n")
        await pilot.pause()
        assert screen.document.modified and "●" in app.sub_title
        await pilot.press("ctrl+s")
        assert path.read_text() == "// more\n" + UNBLOCK_BATCH
        assert not screen.document.modified and "●" not in app.sub_title


async def test_a_utf16_file_opens_and_is_saved_back_as_utf16(tmp_path: Path) -> None:
    # Windows PowerShell's `>` writes UTF-16 with a byte-order mark: read by it, and saved so.
    path = tmp_path / "mine.swarm.js"
    path.write_bytes(b"\xff\xfe" + UNBLOCK_BATCH.replace("\n", "\r\n").encode("utf-16-le"))
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        screen.document.open_path(path)
        await pilot.pause()
        assert screen.editor.text == UNBLOCK_BATCH
        screen.editor.insert("// more\n")
        await pilot.press("ctrl+s")
        assert path.read_bytes() == b"\xff\xfe" + ("// more\n" + UNBLOCK_BATCH).encode("utf-16-le")
        messages = [n.message for n in app._notifications]
        assert messages[-1] == f"Saved {path} (as UTF-16 LE, the file's encoding)", messages


async def test_saving_the_example_asks_for_a_path(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, OpenFileScreen)
        target = tmp_path / "copy.swarm.js"
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert target.read_text() == app.main_screen.editor.text
        assert app.main_screen.document.path == target


async def test_open_loads_a_file_after_asking_about_unsaved_changes(tmp_path: Path) -> None:
    other = tmp_path / "other.swarm.js"
    other.write_text(UNBLOCK_BATCH)
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.main_screen.editor.insert("// unsaved\n")
        await pilot.pause()
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmQuitScreen)
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, OpenFileScreen)
        app.screen.query_one(Input).value = str(tmp_path / "missing.js")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, OpenFileScreen)  # a bad path keeps the dialog open
        app.screen.query_one(Input).value = str(other)
        await pilot.press("enter")
        await pilot.pause()
        assert app.main_screen.editor.text == UNBLOCK_BATCH
        assert app.main_screen.document.path == other and not app.main_screen.document.modified


async def test_quit_asks_when_there_are_unsaved_changes(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.main_screen.editor.insert("x")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmQuitScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and app.is_running
        assert app.main_screen.editor.text.startswith("x")
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("ctrl+d")
        await pilot.pause()
    assert app.return_code == 0


async def test_letters_typed_after_ctrl_q_never_discard_unsaved_work(tmp_path: Path) -> None:
    """Someone still typing "add" when the dialog opens keeps their batch: no letter means
    "don't save"; ctrl+d (shown on its button) does, and Cancel has the focus."""
    app = app_for(tmp_path, "")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.main_screen.editor.insert('Task("A", "my work", "coder")')
        await pilot.pause()
        await pilot.press("ctrl+q", "a", "d", "d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmQuitScreen) and app.return_code is None
        assert app.main_screen.editor.text == 'Task("A", "my work", "coder")'
        labels = [str(button.label) for button in dialog.query(Button)]
        assert labels == ["Save (s)", "Don't save (^d)", "Cancel (esc)"]
        assert dialog.focused is dialog.query_one("#cancel", Button)
        await pilot.press("ctrl+d")
        await pilot.pause()
    assert app.return_code == 0


async def test_the_unsaved_question_names_a_new_batch_as_the_status_bar_does(
    tmp_path: Path,
) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        example = example_names()[0]
        app.main_screen.editor.insert("// mine\n")
        await pilot.press("ctrl+q")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmQuitScreen)
        assert dialog.detail == f"The batch has unsaved changes (the example {example})."
        await pilot.press("ctrl+d")
        await pilot.pause()
    app = app_for(tmp_path, "")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.main_screen.editor.insert("// mine\n")
        await pilot.press("ctrl+q")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmQuitScreen)
        assert dialog.detail == "The batch has unsaved changes (new batch)."
        assert "new batch" in app.main_screen.document.label


async def test_quit_without_changes_exits_at_once(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_opening_a_binary_file_says_so_and_keeps_the_text(tmp_path: Path) -> None:
    binary = tmp_path / "image.swarm.js"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        before = screen.editor.text
        screen.document.open_path(binary)
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        readable = "UTF-8, or UTF-16 with a byte-order mark"
        assert messages == [f"{binary} is not a text file ({readable})"], messages
        assert screen.editor.text == before and screen.document.path is None


async def test_save_in_the_quit_dialog_saves_an_example_under_a_new_name_then_quits(
    tmp_path: Path,
) -> None:
    app = app_for(tmp_path)
    target = tmp_path / "kept.swarm.js"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.main_screen.editor.insert("// mine\n")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmQuitScreen)
        await pilot.press("s")  # an example has no file yet: where to save it
        await pilot.pause()
        assert isinstance(app.screen, OpenFileScreen)
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
    assert target.read_text().startswith("// mine\n")
    assert app.return_code == 0  # saved, then quit: what the dialog's Save promised


async def test_quit_while_a_session_runs_asks_even_without_changes(tmp_path: Path) -> None:
    app = app_for(tmp_path, settings=RunSettings(rehearsal_seconds=30))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert app.main_screen.controller.running and not app.main_screen.document.modified
        await pilot.press("ctrl+q")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmQuitScreen) and not dialog.can_save
        assert "A session is running" in dialog.detail
        await pilot.press("escape")
        await pilot.pause()
        assert top(app) is app.main_screen and app.is_running
        await pilot.press("X")  # (asks first)
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)


async def test_q_answers_the_quit_question_when_nothing_is_unsaved(tmp_path: Path) -> None:
    app = app_for(tmp_path, settings=RunSettings(rehearsal_seconds=30))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmQuitScreen) and not dialog.can_save
        await pilot.press("d")  # (there is nothing to save: "don't save" is not a choice)
        await pilot.pause()
        assert app.screen is dialog and app.return_code is None
        await pilot.press("q")
        await settle(pilot)
        assert app.return_code == 0  # (set by exit: unset while the app runs)


async def test_a_file_that_does_not_exist_yet_is_said_so_and_saving_creates_it(
    tmp_path: Path,
) -> None:
    new = tmp_path / "new.swarm.js"
    app = app_for(tmp_path, file=new)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert f"{new} does not exist yet: saving creates it." in messages, messages
        app.main_screen.editor.insert('Task("A", "x", "coder")\n')
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert new.read_text() == 'Task("A", "x", "coder")\n'


async def test_a_file_in_a_folder_that_does_not_exist_is_saved_as_another(
    tmp_path: Path,
) -> None:
    gone = tmp_path / "nonexistent" / "x.swarm.js"
    kept = tmp_path / "x.swarm.js"
    app = app_for(tmp_path, file=gone)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("nor its folder" in m and "Save as" in m for m in messages), messages
        app.main_screen.editor.insert("// mine\n")
        await pilot.press("ctrl+s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, OpenFileScreen)  # (not a bare "No such file or directory")
        assert dialog.query_one(Input).value == str(Path.cwd() / "x.swarm.js")
        messages = [n.message for n in app._notifications]
        assert any("does not exist. Save as" in m for m in messages), messages
        dialog.query_one(Input).value = str(kept)
        await pilot.press("enter")
        await pilot.pause()
        assert kept.read_text() == "// mine\n" and app.main_screen.document.path == kept
        assert not gone.parent.exists()
