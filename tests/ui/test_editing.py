"""Writing a batch: diagnostics as you type, the list under the editor, f8, highlighting."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import TextArea

from swarmtui.batch import parse_batch
from swarmtui.ui.app import SwarmApp
from swarmtui.ui.examples import example_names, read_example
from swarmtui.ui.messages import DiagnosticChosen
from swarmtui.ui.widgets import batch_document
from swarmtui.ui.widgets.batch_document import BatchDocument
from swarmtui.ui.widgets.batch_editor import Highlight, LazyHighlights
from swarmtui.ui.widgets.diagnostics_list import MAX_SHOWN, DiagnosticsList

from .helpers import (
    SIZE,
    app_for,
    focused,
    settle,
    workers_done,
)
from .live_sessions import DIAGNOSTICS_BATCH


async def test_diagnostics_as_you_type_and_choosing_one_moves_the_cursor(tmp_path: Path) -> None:
    app = app_for(tmp_path, text="")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        screen.document.lint_delay = 0
        await settle(pilot)
        # An empty batch has nothing to run: said as `swarmtui lint` says it.
        assert [d.code for d in screen.document.diagnostics] == ["SW021"]
        screen.editor.insert(DIAGNOSTICS_BATCH)
        await pilot.pause()
        await settle(pilot)
        codes = {d.code for d in screen.document.diagnostics}
        assert {"SW009", "SW002"} <= codes
        assert screen.editor.diagnostics == screen.document.diagnostics
        listing = screen.query_one(DiagnosticsList)
        assert listing.option_count == len(screen.document.diagnostics)
        assert "error" in str(listing.border_title)
        # Choose the SW002 (line 4) in the list: the editor's cursor moves there.
        target = next(i for i, d in enumerate(listing.diagnostics) if d.code == "SW002")
        listing.focus()
        listing.highlighted = target
        await pilot.press("enter")
        await pilot.pause()
        diagnostic = listing.diagnostics[target]
        assert screen.editor.cursor_location == (diagnostic.line - 1, diagnostic.column - 1)
        assert app.focused is screen.editor
        assert str(screen.editor.border_subtitle).startswith("SW002")


async def test_a_quoted_operation_is_noted_in_the_editor_and_the_list(tmp_path: Path) -> None:
    # An operation pasted from a chat with its `>` runs: the note shows where others do.
    app = app_for(tmp_path, text='Task("A", "Do a.", "coder")\n> Task("B", "Do b.", "coder")\n')
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        listing = screen.query_one(DiagnosticsList)
        assert [(d.code, d.line) for d in listing.diagnostics] == [("SW026", 2)]
        assert listing.option_count == 1
        underlined = [span for span in screen.editor.get_line(1).spans if span.style]
        assert [(span.start, span.end) for span in underlined] == [(0, 29)]
        screen.editor.move_cursor((1, 4))
        await pilot.pause()
        assert str(screen.editor.border_subtitle).startswith("SW026 this line is quoted")


async def test_editor_text_of_every_example_parses_without_errors() -> None:
    from swarmtui.batch import parse_batch

    for name in example_names():
        batch = parse_batch(read_example(name), source_name=name)
        assert not batch.has_errors, (name, batch.diagnostics)
        assert len(batch.tasks()) >= 3, name


def _many_problems(lines: int) -> str:
    body = [f'Task("Agent {i}", "Write part {i}", "coder", {{timeout: -1}})' for i in range(lines)]
    return "[Single Message - Big]:\n" + "\n".join(body) + "\n"


async def test_a_huge_diagnostics_list_shows_the_first_ones_and_a_count(tmp_path: Path) -> None:
    app = app_for(tmp_path, text=_many_problems(300))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        listing = screen.query_one(DiagnosticsList)
        total = len(screen.document.diagnostics)
        assert total > MAX_SHOWN
        assert listing.option_count == MAX_SHOWN + 1
        more = listing.get_option_at_index(MAX_SHOWN)
        assert more.disabled and f"+{total - MAX_SHOWN:,} more" in str(more.prompt)
        assert "errors" in str(listing.border_title)
        # Every problem is still underlined in the editor, the last one included.
        last = max(screen.document.diagnostics, key=lambda d: d.line)
        assert screen.editor._by_line.get(last.line - 1)


async def test_the_editor_highlights_painted_rows_as_textarea_would(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = app.main_screen.editor
        await pilot.press("ctrl+end", "enter", *'Task("x", "`a', "enter", *'b`")')
        lazy = editor._highlights
        assert isinstance(lazy, LazyHighlights)
        rows = editor.document.line_count
        mine = {row: sorted(lazy[row]) for row in range(rows)}
        full: defaultdict[int, list[Highlight]] = defaultdict(list)
        editor._highlights = full
        TextArea._build_highlight_map(editor)  # Textual's own: the whole document at once
        assert any(mine.values())
        assert mine == {row: sorted(full[row]) for row in range(rows)}


@pytest.mark.parametrize("size", [SIZE, (80, 24)])
async def test_f8_reaches_the_diagnostics_from_the_editor(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = app_for(tmp_path, text=DIAGNOSTICS_BATCH)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.main_screen
        assert app.focused is screen.editor
        await pilot.press("f8")
        listing = screen.query_one(DiagnosticsList)
        assert focused(app) is listing and listing.region.height > 0
        await pilot.press("enter")  # the first diagnostic: the cursor moves to it
        first = listing.diagnostics[0]
        assert focused(app) is screen.editor
        assert screen.editor.cursor_location == (first.line - 1, first.column - 1)
        ids = {b.binding.id for b in screen.active_bindings.values()}
        assert "focus.diagnostics" in ids


@pytest.mark.parametrize("size", [(40, 12), (60, 20), (80, 24)])
async def test_in_a_small_terminal_the_editor_keeps_most_of_its_pane(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = app_for(tmp_path, text=DIAGNOSTICS_BATCH * 10)  # (a list longer than the pane)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.main_screen
        listing = screen.query_one(DiagnosticsList)
        editor = screen.editor
        assert len(listing.diagnostics) > 10
        assert editor.region.height >= listing.region.height >= 2  # (its title, one line)
        assert editor.region.height >= screen.document.content_region.height // 2
        await pilot.press("f8")  # focused, the list takes more, the editor keeps a line
        assert listing.region.height > 2 and editor.region.height >= 1


class ListHost(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.chosen: list[DiagnosticChosen] = []

    def compose(self) -> ComposeResult:
        yield DiagnosticsList(id="diagnostics")

    def on_diagnostic_chosen(self, message: DiagnosticChosen) -> None:
        self.chosen.append(message)


async def _linted_now(app: SwarmApp, pilot: Pilot[None]) -> BatchDocument:
    """The main screen's document, once a lint of its text has come back and been shown."""
    document = app.main_screen.document
    document.lint()
    await workers_done(app)
    await pilot.pause()
    return document


async def test_a_pasted_files_error_comes_first_however_much_prose_is_above_it() -> None:
    # Sorted by position, 300 prose notes filled the list's laid-out rows and the error after
    # them was only counted in "+N more".
    text = "".join(f"Prose line {i}.\n" for i in range(300)) + 'Task("A", "Go.", "coder"\n'
    batch = parse_batch(text, source_name="pasted.md")
    app = ListHost()
    async with app.run_test(size=(80, 12)):
        listing = app.query_one(DiagnosticsList)
        listing.show_diagnostics(list(batch.diagnostics))
        assert listing.diagnostics[0].severity.value == "error"
        assert listing.diagnostics[0].line == 301
        assert [d.code for d in listing.diagnostics[1:]] == ["SW015"] * 300


async def test_the_list_says_a_run_of_prose_once_and_the_editor_marks_every_line(
    tmp_path: Path,
) -> None:
    text = "# Pasted\n\nProse one.\nProse two.\n" + 'Task("A", "Go.", "coder")\n'
    app = app_for(tmp_path, text=text)
    async with app.run_test(size=SIZE) as pilot:
        document = await _linted_now(app, pilot)
        listed = app.main_screen.query_one(DiagnosticsList).diagnostics
        assert [(d.line, d.code) for d in listed] == [(1, "SW015")]
        assert listed[0].message.startswith("3 of lines 1–4 are not operations")
        assert [d.line for d in document.diagnostics] == [1, 3, 4]


async def test_diagnostics_arriving_while_the_list_is_focused_highlight_the_first() -> None:
    # f8 pressed before the first lint came back: enter must still pick the first problem
    # (the cause of the f8 test's flakiness at start-up).
    app = ListHost()
    async with app.run_test(size=(80, 12)) as pilot:
        listing = app.query_one(DiagnosticsList)
        listing.focus()
        await pilot.pause()
        assert listing.highlighted is None  # nothing to highlight yet
        diagnostics = parse_batch(DIAGNOSTICS_BATCH, source_name="t.swarm.js").diagnostics
        listing.show_diagnostics(list(diagnostics))
        assert listing.highlighted == 0
        await pilot.press("enter")
        first = listing.diagnostics[0]
        assert [(m.line, m.column) for m in app.chosen] == [(first.line, first.column)]


async def test_a_lint_that_fails_says_so_in_place_and_keeps_the_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_plan(batch: object) -> object:  # fault injection: the lint worker raises
        raise RuntimeError("the planner broke")

    monkeypatch.setattr(batch_document, "planned_state", broken_plan)
    app = app_for(tmp_path, text=DIAGNOSTICS_BATCH)
    async with app.run_test(size=SIZE) as pilot:
        document = await _linted_now(app, pilot)
        title = str(app.main_screen.query_one(DiagnosticsList).border_title)
        assert title == "Diagnostics unavailable: RuntimeError: the planner broke", title
        assert document.text == DIAGNOSTICS_BATCH and not document.modified
        assert not app._notifications  # said in place, not also as a toast
