"""The editor's lines measured as they are shown: each control character is a one-cell glyph.

A batch from elsewhere may hold terminal escapes; the editor shows each control or format
character as one visible glyph (`\\x1b` as `␛`, `swarmtui.safe_text.glyphs`), while Textual
measures the document's own characters, counting such a character as zero cells wide (and
cutting a line into sections through a Rich `Text`, which drops BEL and BS altogether). Unless
every measure of a line goes through the glyphs, a mouse click lands one column further left
for each control character before it, and the cursor, the up and down keys and the horizontal
scroll drift the same way. Glyphs keep a line's length, so a column is the same in both.
(The editor does not wrap lines; Textual's soft wrapping would still measure the raw text.)
"""

from __future__ import annotations

from itertools import filterfalse, pairwise

from rich.cells import cell_len
from textual.document._document import Document, Location
from textual.document._wrapped_document import WrappedDocument
from textual.geometry import Offset, Size

from swarmtui.safe_text import glyphs, shown_as_is

# What an ASCII line may hold that Textual measures as it is shown (a tab it expands itself).
_SHOWN_ASCII = bytes(range(0x20, 0x7F)) + b"\t"


class GlyphWidths:
    """For a document class: its size as its lines are shown (the widest line's glyphs)."""

    _lines: list[str]

    def get_size(self, tab_width: int) -> Size:
        # (after every edit: only the lines with a control character are measured again, a tab
        # not being one, and looking for them is a few passes in C over the whole text)
        text = "".join(self._lines)
        if text.isascii() and not text.encode("ascii").translate(None, _SHOWN_ASCII):
            if "\t" not in text:  # (each character one cell: the longest line, in C)
                return Size(max(map(len, self._lines), default=0), len(self._lines))
            return super().get_size(tab_width)  # type: ignore[misc,no-any-return]
        size: Size = super().get_size(tab_width)  # type: ignore[misc]
        if not text.isascii() and text.replace("\t", "").isprintable():
            return size
        shown = [
            glyphs(line)
            for line in filterfalse(str.isprintable, self._lines)
            if not line.replace("\t", "").isprintable()
        ]
        widest = max((cell_len(line.expandtabs(tab_width)) for line in shown), default=0)
        return Size(max(size.width, widest), size.height)


class GlyphDocument(GlyphWidths, Document):
    """A plain-text document (no highlighting) measured as shown."""


class GlyphWrappedDocument(WrappedDocument):
    """Textual's map between the screen's cells and a line's columns, through its glyphs."""

    @property
    def height(self) -> int:
        # (Textual sums the sections of every line, and asks once for each line it draws: in a
        # 20,000-line batch that was most of a second per keystroke. One entry per section is
        # kept already, by `wrap` and `wrap_range`.)
        return len(self._offset_to_line_info)

    def get_sections(self, line_index: int) -> list[str]:
        # (where the cursor is drawn, and where the up and down keys keep it; cut from the
        # glyphs themselves, never through a Rich `Text`, so each keeps its length)
        line = glyphs(self.document[line_index])
        ends = pairwise([0, *self.get_offsets(line_index), len(line)])
        return [line[start:end] for start, end in ends]

    def offset_to_location(self, offset: Offset) -> Location:
        # (where a click lands: a line in several sections finds its column through them;
        # a line of one section, unwrapped, through the document's own line)
        row, column = super().offset_to_location(offset)
        if self.get_offsets(row) or shown_as_is(self.document[row]):
            return row, column
        return row, self.get_target_document_column(row, max(0, offset.x), 0)
