"""A scrolling list of one-line rows drawn on demand (line API), with an optional cursor.

Panels with many rows (1,000 agents, a bounded event log) derive from it: only visible rows
are formatted, so repainting costs the same whatever the number of rows.
"""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip


class RowList(ScrollView, can_focus=True):
    """Rows from `render_row`, a fixed header from `render_header`, a cursor row when focused."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
    ]

    COMPONENT_CLASSES = {"row-list--cursor", "row-list--header"}

    DEFAULT_CSS = """
    RowList { height: 1fr; overflow-x: hidden; }
    RowList > .row-list--cursor { background: $boost; }
    RowList:focus > .row-list--cursor { background: $primary 30%; text-style: bold; }
    RowList > .row-list--header { color: $text-muted; text-style: bold; }
    """

    cursor: reactive[int] = reactive(0, repaint=True)
    show_row_cursor = True
    header_lines = 0
    empty_hint = ""  # shown on the first row when there are no rows

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._row_count = 0

    # Subclasses override these two.
    def render_row(self, index: int, width: int) -> Text:
        return Text("")

    def render_header(self, line: int, width: int) -> Text:
        return Text("")

    @property
    def row_count(self) -> int:
        return self._row_count

    def set_row_count(self, count: int) -> None:
        """Tell the list how many rows there are now (cheap; call on every repaint)."""
        if count != self._row_count:
            self._row_count = count
            self.virtual_size = Size(self.size.width, count + self.header_lines)
            if self.cursor >= count:
                self.cursor = max(0, count - 1)
        self.refresh()

    @property
    def visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - self.header_lines)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y < self.header_lines:
            text = self.render_header(y, width)
            style = self.get_component_rich_style("row-list--header", partial=True)
            return self._strip(text, width, base + style)
        index = int(self.scroll_offset.y) + y - self.header_lines
        if index >= self._row_count or index < 0:
            if index == 0 and self.empty_hint:
                hint = self.get_component_rich_style("row-list--header", partial=True)
                return self._strip(Text(self.empty_hint, style="italic"), width, base + hint)
            return Strip.blank(width, base)
        text = self.render_row(index, width)
        style = base
        if self.show_row_cursor and index == self.cursor:
            style = base + self.get_component_rich_style("row-list--cursor", partial=True)
        return self._strip(text, width, style)

    def _strip(self, text: Text, width: int, style: Style) -> Strip:
        text.no_wrap = True
        text.overflow = "ellipsis"
        text.end = ""
        segments = list(text.render(self.app.console))
        strip = Strip(segments).crop_extend(0, width, None)
        return strip.apply_style(style) if style else strip

    # Keep the cursor on screen below the fixed header.
    def _scroll_to_cursor(self) -> None:
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + self.visible_rows:
            self.scroll_to(y=self.cursor - self.visible_rows + 1, animate=False)

    def watch_cursor(self) -> None:
        self._scroll_to_cursor()

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, self._row_count - 1)) if self._row_count else 0

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_page_up(self) -> None:
        self.cursor -= self.visible_rows

    def action_page_down(self) -> None:
        self.cursor += self.visible_rows

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = self._row_count - 1

    def on_click(self, event: events.Click) -> None:
        row = int(self.scroll_offset.y) + event.y - self.header_lines
        if 0 <= row < self._row_count and event.y >= self.header_lines:
            self.cursor = row

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, self._row_count + self.header_lines)
