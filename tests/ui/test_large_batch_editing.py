"""Typing in a large batch stays quick: the editor's tree-sitter tree is parsed again once
typing pauses (not at every keystroke), and the document's height, width and byte offsets are
measured in C, not line by line in Python (a 20,000-line batch took most of a second a key)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import tree_sitter_javascript
from textual.document._document import Document
from textual.document._syntax_aware_document import SyntaxAwareDocument
from textual.document._wrapped_document import WrappedDocument
from tree_sitter import Language

from swarmtui.ui.widgets.batch_editor import BatchEditor
from swarmtui.ui.widgets.glyph_widths import GlyphDocument, GlyphWrappedDocument
from swarmtui.ui.widgets.syntax_document import REPARSE_LATER_LINES, BytesSyntaxDocument

from .helpers import WAIT_TIMEOUT, app_for, settle

LANGUAGE = Language(tree_sitter_javascript.language())


def _batch(lines: int, newline: str = "\n") -> str:
    rows = [f'Task("Agent {i}", "Write part {i} – é", "coder")' for i in range(lines)]
    return newline.join(rows) + newline


def test_a_large_documents_tree_is_parsed_again_only_when_asked() -> None:
    document = BytesSyntaxDocument(_batch(REPARSE_LATER_LINES + 10), LANGUAGE)
    calls = document._syntax_tree.root_node.child_count
    document.replace_range((5, 0), (5, 0), 'Bash("ls")\n')
    # Edited (positions moved), not parsed again: the new call is not in the tree yet.
    assert document.stale and document._syntax_tree.root_node.child_count == calls
    assert document.reparse() and not document.stale and not document.reparse()
    fresh = BytesSyntaxDocument(document.text, LANGUAGE)
    assert str(document._syntax_tree.root_node) == str(fresh._syntax_tree.root_node)
    # A small document is parsed at every edit, as before.
    small = BytesSyntaxDocument(_batch(10), LANGUAGE)
    small.replace_range((5, 0), (5, 0), 'Bash("ls")\n')
    assert not small.stale and small._syntax_tree.root_node.child_count == 11


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_byte_offsets_are_textuals(newline: str) -> None:
    text = _batch(50, newline) + "名前 x"
    ours, textuals = BytesSyntaxDocument(text, LANGUAGE), SyntaxAwareDocument(text, LANGUAGE)
    for location in [(0, 0), (0, 5), (1, 0), (7, 30), (50, 0), (50, 3), (50, 4)]:
        assert ours._location_to_byte_offset(location) == textuals._location_to_byte_offset(
            location
        )


@pytest.mark.parametrize(
    "text",
    ["", "short\nthe longest line here\nmid", "\ttab\n  x", "é名前\nabc", "a\x1bb\nxy"],
    ids=["empty", "ascii", "tabs", "wide", "control"],
)
def test_the_size_is_the_widest_line_as_shown(text: str) -> None:
    expected = Document(text.replace("\x1b", "␛")).get_size(4)
    assert GlyphDocument(text).get_size(4) == expected


def test_the_wrapped_height_follows_edits() -> None:
    document = GlyphDocument(_batch(40))
    wrapped = GlyphWrappedDocument(document, width=17)
    wrapped.wrap(17)
    for start, end, text in [
        ((3, 4), (3, 4), "x" * 50),
        ((10, 0), (20, 0), ""),
        ((0, 0), (0, 0), "a\nb\n"),
    ]:
        result = document.replace_range(start, end, text)
        wrapped.wrap_range(start, end, result.end_location)
        assert wrapped.height == WrappedDocument.height.fget(wrapped)  # type: ignore[attr-defined]
        assert wrapped.height > document.line_count


async def test_typing_in_a_large_batch_highlights_it_once_typing_pauses(tmp_path: Path) -> None:
    app = app_for(tmp_path, _batch(REPARSE_LATER_LINES + 100))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        editor = app.main_screen.query_one(BatchEditor)
        editor.focus()
        await pilot.pause()
        document = editor.document
        assert isinstance(document, BytesSyntaxDocument)
        editor.move_cursor((0, 0))
        await pilot.press(*'Bash("ls")', "enter")
        if document.stale:  # (on a loaded machine it may have paused between two keys already)
            editor.reparsed.clear()
            await asyncio.wait_for(editor.reparsed.wait(), WAIT_TIMEOUT)
        assert not document.stale and document.text.startswith('Bash("ls")\n')
        fresh = BytesSyntaxDocument(document.text, LANGUAGE)
        assert str(document._syntax_tree.root_node) == str(fresh._syntax_tree.root_node)
