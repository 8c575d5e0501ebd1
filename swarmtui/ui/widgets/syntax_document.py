"""The editor's syntax-aware document: its tree parsed from the text's bytes, never a callback.

Textual's `SyntaxAwareDocument` hands tree-sitter a read callback that returns the rest of the
line. A highlight query's predicates (`#match?`, `#eq?`) read each captured node's text, and
py-tree-sitter 0.26 reads that text from a callback's chunk after it has released the chunk: a
chunk larger than the C library's mmap threshold (128 KiB, so a batch with a line that long)
is unmapped by then, and the interpreter crashes. Parsed from bytes, a node's text is a slice
of those bytes (no callback, nothing freed, and no re-encoding of the whole line per captured
node, which made highlighting a long line slow).
"""

from __future__ import annotations

from typing import Any

from textual.document._document import Document, EditResult, Location
from textual.document._syntax_aware_document import SyntaxAwareDocument
from tree_sitter import Parser

from swarmtui.ui.widgets.glyph_widths import GlyphWidths

# Past this many lines an edit does not re-parse the tree at once (a 20,000-line batch took a
# quarter of a second a keystroke): the tree is edited, so the highlights of the lines around
# stay in place, and the editor re-parses once typing pauses (`reparse`).
REPARSE_LATER_LINES = 2_000


class BytesSyntaxDocument(GlyphWidths, SyntaxAwareDocument):
    """A `SyntaxAwareDocument` whose tree-sitter tree always comes from the text's bytes (and
    whose lines are measured as the editor shows them)."""

    def __init__(self, text: str, language: Any) -> None:
        Document.__init__(self, text)  # (not SyntaxAwareDocument's: it parses from a callback)
        self.language = language
        self._parser = Parser(language)
        self._syntax_tree = self._parser.parse(self._source())
        self.stale = False  # edited since the tree was last parsed (a large text)

    def _source(self) -> bytes:
        # The text as tree-sitter's byte offsets and points see it (the document's newlines).
        return self.text.encode("utf-8")

    def reparse(self) -> bool:
        """Parse the tree again if edits were made since; whether it was."""
        if not self.stale:
            return False
        self._syntax_tree = self._parser.parse(self._source(), self._syntax_tree)
        self.stale = False
        return True

    def _location_to_byte_offset(self, location: Location) -> int:
        # (Textual's encodes each line above in a Python loop, twice an edit: the lines above
        # joined and encoded at once are the same bytes)
        row, column = location
        lines = self._lines
        newline = self.newline
        above = len(newline.join(lines[:row]).encode("utf-8")) + len(newline) if row else 0
        return above + (len(lines[row][:column].encode("utf-8")) if row < len(lines) else 0)

    def replace_range(self, start: Location, end: Location, text: str) -> EditResult:
        top, bottom = sorted((start, end))
        start_byte = self._location_to_byte_offset(top)
        start_point = self._location_to_point(top)
        old_end_byte = self._location_to_byte_offset(bottom)
        old_end_point = self._location_to_point(bottom)
        result = Document.replace_range(self, start, end, text)
        self._syntax_tree.edit(
            start_byte=start_byte,
            old_end_byte=old_end_byte,
            new_end_byte=start_byte + len(text.encode("utf-8")),
            start_point=start_point,
            old_end_point=old_end_point,
            new_end_point=self._location_to_point(result.end_location),
        )
        self.stale = True
        if len(self._lines) <= REPARSE_LATER_LINES:
            self.reparse()
        return result
