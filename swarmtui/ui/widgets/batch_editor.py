"""The batch editor: a code-editor TextArea, batch language highlighted, diagnostics underlined."""

from __future__ import annotations

import asyncio
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import textual
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import TextArea
from textual.widgets.text_area import Selection

from swarmtui.safe_text import glyphs, safe_text, shown_as_is, visible

if TYPE_CHECKING:
    # The batch package is imported by the lint worker, off the start-up path.
    from swarmtui.batch.models import Diagnostic

LANGUAGE = "swarm"

# py-tree-sitter 0.26 crashes the interpreter when a Query is compiled after another one was
# freed (reproduced: create and delete one in a loop): the highlight query is compiled once per
# language and kept for the life of the process, shared by every document.
_QUERIES: dict[int, tuple[Any, Any]] = {}  # id(language) -> (language, its compiled query)


def _compiled_query(language: Any, source: str) -> Any:
    kept = _QUERIES.get(id(language))
    if kept is None or kept[0] is not language:
        from tree_sitter import Query

        kept = _QUERIES[id(language)] = (language, Query(language, source))
    return kept[1]


@cache
def highlight_query() -> str:
    """Textual's JavaScript highlight query: the batch language is a JavaScript-like surface."""
    try:
        # A plain path: importlib.resources costs ~15 ms on the start-up path.
        path = Path(textual.__file__).parent / "tree-sitter" / "highlights" / "javascript.scm"
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


@cache
def _language() -> Any:
    """The grammar, one object for the process (its compiled query is kept with it)."""
    try:
        import tree_sitter_javascript
        from tree_sitter import Language
    except ImportError:  # highlighting is a nicety; the editor works without it
        return None
    return Language(tree_sitter_javascript.language())


# Rows highlighted per tree-sitter query: TextArea rebuilds the highlights of the whole document
# after every edit (~0.25 s per key at 3,000 lines); the editor only needs the rows it paints.
HIGHLIGHT_CHUNK = 128
# A large text's tree is parsed again once typing has paused this long (see syntax_document).
REPARSE_PAUSE = 0.3

Highlight = tuple[int, "int | None", str]


class LazyHighlights(dict[int, list[Highlight]]):
    """Row -> highlights, computed a chunk of rows at a time when a row is first painted."""

    def __init__(self, editor: BatchEditor) -> None:
        super().__init__()
        self._editor = editor
        self._done: set[int] = set()
        self.enabled = False

    def reset(self, enabled: bool) -> None:
        self.clear()
        self._done.clear()
        self.enabled = enabled

    def __bool__(self) -> bool:
        # TextArea skips highlighting when the map is empty: here empty means "not yet".
        return self.enabled

    def __missing__(self, row: int) -> list[Highlight]:
        chunk = row // HIGHLIGHT_CHUNK
        if chunk not in self._done:
            self._done.add(chunk)
            start = chunk * HIGHLIGHT_CHUNK
            self._editor.highlight_rows(self, start, start + HIGHLIGHT_CHUNK)
            if dict.__contains__(self, row):
                return dict.__getitem__(self, row)
        value: list[Highlight] = []
        self[row] = value
        return value


def _onto_glyphs(line: str, spans: list[Highlight]) -> list[Highlight]:
    """SPANS (tree-sitter's byte columns of LINE) as columns of the line as shown, where each
    control character is a glyph (`\x1b`, one byte, is `␛`, three): TextArea maps the columns
    through the shown line's bytes."""
    columns: dict[int, int] = {}
    before = after = 0
    for char, glyph in zip(line, glyphs(line), strict=True):
        columns[before] = after
        before += len(char.encode("utf-8", "surrogatepass"))
        after += len(glyph.encode("utf-8", "surrogatepass"))
    columns[before] = after
    return [
        (columns.get(first, first), None if last is None else columns.get(last, last), name)
        for first, last, name in spans
    ]


def find_next(text: str, needle: str, after: tuple[int, int]) -> tuple[int, int] | None:
    """(row, column) of the first NEEDLE (case-insensitive) after the location AFTER, wrapping
    round to the top; None when the text has none."""
    if not needle:
        return None
    lines = text.split("\n")
    row, column = after
    wanted = needle.lower()
    for step in range(len(lines) + 1):
        r = (row + step) % len(lines)
        start = column if step == 0 else 0
        found = lines[r].lower().find(wanted, start)
        if found >= 0 and (step or found >= start):
            return r, found
    return None


class BatchEditor(TextArea):
    """Edits the batch text; `set_diagnostics` underlines the problems found in it."""

    # Every editor's keys; none of them is a pane key (F2-F8, alt+digit): f7 would select all
    # in a TextArea, but here it focuses the timeline, so select all is ctrl+a.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+a",
            "select_all",
            "Select all",
            id="editor.select_all",
            tooltip="Select all",
            show=False,
        ),
        Binding(
            "ctrl+f",
            "find",
            "Find",
            id="editor.find",
            tooltip="Find text (again: the next one)",
        ),
        Binding(
            "ctrl+g", "go_to_line", "Go to line", id="editor.go_to_line", tooltip="Go to a line"
        ),
        # TextArea's own undo and redo, given ids: listed in help and the palette, and keymappable.
        Binding(
            "ctrl+z,super+z",
            "undo",
            "Undo",
            id="editor.undo",
            tooltip="Undo the last change",
            show=False,
        ),
        Binding(
            "ctrl+y,super+y",
            "redo",
            "Redo",
            id="editor.redo",
            tooltip="Redo what was undone",
            show=False,
        ),
        Binding(
            "ctrl+home",
            "document_start",
            "Start",
            id="editor.start",
            tooltip="Go to the start of the batch",
            show=False,
        ),
        Binding(
            "ctrl+end",
            "document_end",
            "End",
            id="editor.end",
            tooltip="Go to the end of the batch",
            show=False,
        ),
    ]

    ALLOW_MAXIMIZE = False
    last_search = ""
    # Class-level defaults: TextArea's constructor moves the cursor before ours has run.
    diagnostics: list[Diagnostic] = []  # always replaced, never mutated
    _by_line: dict[int, list[Diagnostic]] = {}

    def __init__(
        self, text: str = "", *, id: str | None = None, classes: str | None = None
    ) -> None:
        # Set each time a large text's tree is parsed again after typing paused.
        self.reparsed = asyncio.Event()
        super().__init__(
            text,
            language=None,
            theme="css",
            soft_wrap=False,
            tab_behavior="indent",
            show_line_numbers=True,
            id=id,
            classes=classes,
        )

    def action_document_start(self) -> None:
        self.move_cursor((0, 0))

    def action_document_end(self) -> None:
        self.move_cursor(self.document.end)

    def action_find(self) -> None:
        from swarmtui.ui.screens.ask import AskScreen

        def chosen(needle: str | None) -> None:
            if needle:
                BatchEditor.last_search = needle
                self.find(needle)

        self.app.push_screen(
            AskScreen("Find (enter: the next one, from the cursor)", initial=self.last_search),
            chosen,
        )

    def find(self, needle: str) -> bool:
        """Select the next NEEDLE after the cursor (wrapping); False (said) when there is none."""
        found = find_next(self.text, needle, self.selection.end)
        if found is None:
            self.notify(f"Not found: {visible(needle)}", severity="warning", markup=False)
            return False
        row, column = found
        self.selection = Selection((row, column), (row, column + len(needle)))
        self.scroll_cursor_visible(center=True)
        return True

    def action_go_to_line(self) -> None:
        from swarmtui.ui.screens.ask import AskScreen

        lines = self.document.line_count

        def check(text: str) -> str | None:
            ok = text.strip().isdigit() and 1 <= int(text) <= lines
            return None if ok else f"A line number from 1 to {lines}."

        def chosen(answer: str | None) -> None:
            if answer:
                self.go_to_line(int(answer))

        row = self.cursor_location[0] + 1
        self.app.push_screen(
            AskScreen(f"Go to line (1–{lines})", initial=str(row), check=check), chosen
        )

    def go_to_line(self, line: int) -> None:
        self.move_cursor((max(0, min(line, self.document.line_count) - 1), 0), center=True)

    def on_mount(self) -> None:
        # After the first frame: the grammar's import and query cost ~20 ms of start-up, and
        # the first frame shows the text either way (highlighted one frame later).
        self.call_after_refresh(self._highlight_language)

    def _highlight_language(self) -> None:
        language = _language()
        if language is None or self.language == LANGUAGE:
            return
        selection = self.selection  # setting the language rebuilds the document
        self.register_language(LANGUAGE, language, highlight_query())
        self.language = LANGUAGE
        if self.selection != selection:
            self.selection = selection

    def on_text_area_changed(self, _event: TextArea.Changed) -> None:
        # (edits, undo and redo alike; the message goes on to the screen)
        self._changes += 1
        if getattr(self.document, "stale", False):
            changes = self._changes
            self.set_timer(REPARSE_PAUSE, lambda: self._reparse_after_pause(changes))

    _changes = 0

    def _reparse_after_pause(self, changes: int) -> None:
        if changes != self._changes:
            return  # (typed since: a later timer does it)
        reparse = getattr(self.document, "reparse", None)
        if reparse is not None and reparse():
            self._build_highlight_map()
            self.refresh()
            self.reparsed.set()

    def _build_highlight_map(self) -> None:
        self._line_cache.clear()
        highlights = self._highlights
        if not isinstance(highlights, LazyHighlights):
            highlights = LazyHighlights(self)
            self._highlights = highlights
        highlights.reset(enabled=self._highlight_query is not None)

    def highlight_rows(self, highlights: dict[int, list[Highlight]], start: int, end: int) -> None:
        """Add the highlights of rows start..end-1 (what TextArea does for the whole text)."""
        query = self._highlight_query
        if query is None:
            return
        captures = self.document.query_syntax_tree(query, (start, 0), (end, 0))
        for name, nodes in captures.items():
            for node in nodes:
                first_row, first_column = node.start_point
                last_row, last_column = node.end_point
                if first_row == last_row:
                    if start <= first_row < end:
                        highlights.setdefault(first_row, []).append(
                            (first_column, last_column, name)
                        )
                    continue
                for row in range(max(first_row, start), min(last_row, end - 1) + 1):
                    if row == first_row:
                        span: Highlight = (first_column, None, name)
                    elif row == last_row:
                        span = (0, last_column, name)
                    else:
                        span = (0, None, name)
                    highlights.setdefault(row, []).append(span)
        for row in range(start, min(end, self.document.line_count)):
            line = self.document.get_line(row)
            if row in highlights and not line.isprintable():
                highlights[row] = _onto_glyphs(line, highlights[row])

    def _set_document(self, text: str, language: str | None) -> None:
        # Every document is measured as shown, each control character a one-cell glyph
        # (Textual counts it as zero cells wide: clicks after one landed a column off).
        from textual.document._document_navigator import DocumentNavigator

        from swarmtui.ui.widgets.glyph_widths import GlyphDocument, GlyphWrappedDocument

        registered = self._languages.get(language or "")
        # (Textual's own first: it places the cursor and finds its matching bracket in TEXT)
        super()._set_document(text, None)
        if registered is None or registered.language is None:
            self.document = GlyphDocument(text)
        else:
            # Textual's syntax-aware document parses from a callback, which crashes
            # highlighting of a long line (see syntax_document): the same, parsed from bytes.
            from swarmtui.ui.widgets.syntax_document import BytesSyntaxDocument

            self.document = BytesSyntaxDocument(text, registered.language)
            query = _compiled_query(registered.language, registered.highlight_query)
            self._highlight_query = query
        self.wrapped_document = GlyphWrappedDocument(self.document, tab_width=self.indent_width)
        self.navigator = DocumentNavigator(self.wrapped_document)
        self._build_highlight_map()
        self._rewrap_and_refresh_virtual_size()

    def get_column_width(self, row: int, column: int) -> int:
        """The cells before COLUMN of ROW as shown (each control character a glyph)."""
        from rich.cells import cell_len
        from textual.expand_tabs import expand_tabs_inline

        shown = glyphs(self.document[row][:column])
        return cell_len(expand_tabs_inline(shown, self.indent_width))

    def set_diagnostics(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        by_line: dict[int, list[Diagnostic]] = {}
        for diagnostic in self.diagnostics:
            for line in range(diagnostic.line, max(diagnostic.line, diagnostic.end_line) + 1):
                by_line.setdefault(line - 1, []).append(diagnostic)
        self._by_line = by_line
        self._line_cache.clear()
        self.refresh()
        self._update_subtitle()

    def diagnostics_at_cursor(self) -> list[Diagnostic]:
        row, _column = self.cursor_location
        return [d for d in self.diagnostics if d.line - 1 <= row <= max(d.line, d.end_line) - 1]

    def _update_subtitle(self) -> None:
        here = self.diagnostics_at_cursor()
        # (a message quotes the batch: given as text, never read as markup, controls visible)
        subtitle = safe_text("")
        if here:
            worst = min(here, key=lambda d: ("error", "warning", "info").index(d.severity.value))
            subtitle = safe_text(f"{worst.code} {worst.message}")
        self.border_subtitle = subtitle
        # The editor is drawn without a border inside its pane: the pane shows the message.
        if self.parent is not None and self.is_mounted:
            self.parent.border_subtitle = subtitle  # type: ignore[attr-defined]

    def _watch_selection(self, previous_selection: Any, selection: Any) -> None:
        super()._watch_selection(previous_selection, selection)
        self._update_subtitle()

    def get_line(self, line_index: int) -> Text:
        plain = self.document.get_line(line_index)
        if not shown_as_is(plain):  # a batch from elsewhere may hold terminal escapes
            # (before Rich sees it: `Text` drops BEL, BS, VT, FF and CR, which would shift the
            # highlighting of the rest of the line by one column each; and `⚠️` in text
            # presentation, one cell in every terminal)
            plain = glyphs(plain)
        line = Text(plain, end="", no_wrap=True)
        diagnostics = self._by_line.get(line_index)
        if not diagnostics:
            return line
        variables = self.app.theme_variables
        length = len(line.plain)
        for diagnostic in diagnostics:
            color = variables.get(
                diagnostic.severity.value if diagnostic.severity.value != "info" else "accent"
            )
            style = (
                Style(underline=True, color=color)
                if diagnostic.severity.value != "info"
                else Style(underline=True)
            )
            start = diagnostic.column - 1 if diagnostic.line - 1 == line_index else 0
            end = diagnostic.end_column - 1 if diagnostic.end_line - 1 == line_index else length
            if end <= start:  # an empty range: mark the character under it, or the whole line
                end = start + 1 if start < length else length
                start = min(start, max(0, length - 1))
            line.stylize(style, max(0, start), max(0, min(end, length)))
        return line
