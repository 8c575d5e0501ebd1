"""Positions in batch text (tree-sitter byte points to 1-based character ranges, and back), and
the text of a node."""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    from tree_sitter import Node

Range = tuple[int, int, int, int]  # line, column, end_line, end_column (1-based, end exclusive)


class Located(Protocol):
    """A tree-sitter node, or a `Span` kept instead of one."""

    @property
    def start_point(self) -> tuple[int, int]: ...

    @property
    def end_point(self) -> tuple[int, int]: ...


class Span(NamedTuple):
    """Where a node was, kept instead of the node: a node keeps its whole syntax tree alive, and
    a big batch is parsed piece by piece so that each piece's tree can be freed."""

    start_point: tuple[int, int]
    end_point: tuple[int, int]


def span(node: Located) -> Span:
    return Span(node.start_point, node.end_point)


class Source:
    """The batch text (and its blanked copy) with fast position conversions."""

    def __init__(self, text: str, code: str, literals: dict[int, str] | None = None) -> None:
        self.text = text
        self.code = code
        # Texts blanked in the copy (offset → text): a string's value is read here first.
        self.literals = literals or {}
        self.lines = code.split("\n")
        self.code_bytes = code.encode("utf-8")
        self.line_starts: list[int] = []
        offset = 0
        for line in self.lines:
            self.line_starts.append(offset)
            offset += len(line) + 1
        self._ascii = [line.isascii() for line in self.lines]
        self._line_bytes: dict[int, bytes] = {}
        # Byte offset of each row in `code_bytes`: the character offsets while all is ASCII.
        self._byte_starts: list[int] | None = (
            self.line_starts if len(self.code_bytes) == len(code) else None
        )

    # -- the text of a node --------------------------------------------------------------------

    def node_bytes(self, node: Node, row_offset: int = 0) -> bytes:
        """The code tree-sitter read for NODE (placeholders blanked), as UTF-8 bytes, where
        NODE is of the text parsed from row ROW_OFFSET on (the whole code, a piece of it, or a
        part re-parsed alone). Sliced from our own bytes: a tree read through a callback cannot
        be asked for its nodes' text (py-tree-sitter 0.26 may crash: its issue 435)."""
        base = self._byte_start(row_offset) if row_offset else 0
        return self.code_bytes[base + node.start_byte : base + node.end_byte]

    def node_code(self, node: Node, row_offset: int = 0) -> str:
        """`node_bytes` as text."""
        return self.node_bytes(node, row_offset).decode("utf-8", "replace")

    def _byte_start(self, row: int) -> int:
        starts = self._byte_starts
        if starts is None:
            lengths = (
                (len(line) if plain else len(line.encode("utf-8"))) + 1
                for line, plain in zip(self.lines, self._ascii, strict=True)
            )
            starts = self._byte_starts = [0, *accumulate(lengths)]
        return starts[row]

    # -- conversions ---------------------------------------------------------------------------

    def char_column(self, row: int, byte_col: int) -> int:
        """0-based character column of a byte column on a 0-based row."""
        if row >= len(self.lines):
            return len(self.lines[-1])
        if self._ascii[row]:
            return min(byte_col, len(self.lines[row]))
        data = self._line_bytes.get(row)
        if data is None:
            data = self.lines[row].encode("utf-8")
            self._line_bytes[row] = data
        return len(data[:byte_col].decode("utf-8", "ignore"))

    def node_range(self, node: Located, row_offset: int = 0) -> Range:
        sr, sc = node.start_point
        er, ec = node.end_point
        sr += row_offset
        er += row_offset
        return self.clamp(
            (sr + 1, self.char_column(sr, sc) + 1, er + 1, self.char_column(er, ec) + 1)
        )

    def node_start(self, node: Located, row_offset: int = 0) -> int:
        """Character offset of a node's start in the text."""
        sr, sc = node.start_point
        sr += row_offset
        if sr >= len(self.lines):
            return len(self.code)
        return self.line_starts[sr] + self.char_column(sr, sc)

    def node_end(self, node: Located, row_offset: int = 0) -> int:
        er, ec = node.end_point
        er += row_offset
        if er >= len(self.lines):
            return len(self.code)
        return self.line_starts[er] + self.char_column(er, ec)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        offset = max(0, min(offset, len(self.code)))
        row = bisect_right(self.line_starts, offset) - 1
        return row + 1, offset - self.line_starts[row] + 1

    def offsets_range(self, start: int, end: int) -> Range:
        line, col = self.position(start)
        end_line, end_col = self.position(max(start, end))
        return line, col, end_line, end_col

    def line_range(self, row: int) -> Range:
        """The text of a 0-based row (as typed, not blanked), without indentation or line break."""
        row = max(0, min(row, len(self.lines) - 1))
        start = self.line_starts[row]
        line = self.text[start : start + len(self.lines[row])]
        length = len(line) - 1 if line.endswith("\r") else len(line)
        stripped = len(line) - len(line.lstrip())
        start = min(stripped, length)
        return row + 1, start + 1, row + 1, length + 1

    def line_text(self, row: int) -> str:
        """The text of a 0-based row as typed, without indentation or trailing blanks."""
        if not 0 <= row < len(self.lines):
            return ""
        start = self.line_starts[row]
        return self.text[start : start + len(self.lines[row])].strip()

    def clamp(self, rng: Range) -> Range:
        """Force a range inside the text (every diagnostic must point at real text)."""
        nlines = len(self.lines)
        line, col, end_line, end_col = rng
        line = max(1, min(line, nlines))
        col = max(1, min(col, len(self.lines[line - 1]) + 1))
        end_line = max(line, min(end_line, nlines))
        end_col = max(1, min(end_col, len(self.lines[end_line - 1]) + 1))
        if end_line == line and end_col < col:
            end_col = col
        return line, col, end_line, end_col

    def snippet(self, node: Located, limit: int = 40, row_offset: int = 0) -> str:
        """The node's text as the user typed it (placeholders shown as written), shortened."""
        start = self.node_start(node, row_offset)
        end = max(start, self.node_end(node, row_offset))
        if end > start and self.code[end - 1] == ";" and self.text[end - 1] != ";":
            end -= 1  # (the `;` that ends a statement at a note line is not the user's)
        text = " ".join(self.text[start : min(end, start + 4 * limit)].split())
        return text if len(text) <= limit else text[: limit - 1] + "…"
