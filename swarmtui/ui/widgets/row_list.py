"""A scrolling list of one-line rows drawn on demand (line API), with an optional cursor.

Panels with many rows (1,000 agents, a bounded event log) derive from it: only visible rows
are formatted, so repainting costs the same whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.color import Color, ColorParseError
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

ROW_CACHE_SIZE = 2000


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
    RowList:focus > .row-list--cursor { background: $boost; text-style: bold; }
    RowList > .row-list--header { color: $text-muted; text-style: bold; }
    """

    cursor: reactive[int] = reactive(0, repaint=True)
    show_row_cursor = True
    header_lines = 0
    empty_hint = ""  # shown on the first row when there are no rows

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._row_count = 0
        self._base_style = Style()
        self._header_style = Style()
        self._cursor_style = Style()
        self._width = 0
        self._styles_ready = False
        self._row_cache: dict[Hashable, Strip] = {}

    def _row_cursor(self) -> Style:
        """The focused cursor's background: the theme's `$row-cursor` (chosen to keep every
        status colour readable on it), when the app's themes define one."""
        variable = self.app.theme_variables.get("row-cursor")
        if not self.has_focus or not variable:
            return Style()
        try:
            colour = self.background_colors[1] + Color.parse(variable)
        except ColorParseError:
            return Style()
        return Style(bgcolor=colour.rich_color)

    # Subclasses override these two.
    def render_row(self, index: int, width: int) -> Text:
        return Text("")

    def render_header(self, line: int, width: int) -> Text:
        return Text("")

    @property
    def row_count(self) -> int:
        return self._row_count

    def set_row_count(self, count: int, *, rows: Iterable[int] | None = None) -> None:
        """Tell the list how many rows there are now and repaint: all of it, or only `rows`."""
        if count != self._row_count:
            self._row_count = count
            self._set_virtual_height(count + self.header_lines)
            if self.cursor >= count:
                self.cursor = max(0, count - 1)
            rows = None
        if rows is None:
            self.refresh()
            return
        top = int(self.scroll_offset.y)
        width = self.size.width
        visible = self.visible_rows
        header = self.header_lines
        for y in sorted({index - top for index in rows if 0 <= index - top < visible}):
            self.refresh(Region(0, y + header, width, 1))

    def _set_virtual_height(self, height: int) -> None:
        size = Size(self.size.width, height)
        scrollbar = height > self.container_size.height
        if self.is_mounted and scrollbar and self.show_vertical_scrollbar:
            # Only the scrollbar's thumb moves: no layout of the screen (setting `virtual_size`
            # asks for one, 5-17 ms at 160x50, on every new row of a growing log).
            self.set_reactive(ScrollView.virtual_size, size)
            self.vertical_scrollbar.window_virtual_size = height
            self.vertical_scrollbar.refresh()
            self.scroll_y = self.validate_scroll_y(self.scroll_y)
        else:
            self.virtual_size = size

    @property
    def visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - self.header_lines)

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, _theme: object) -> None:
        """Another theme: every row is drawn again in its colours (none kept from the last)."""
        self._styles_ready = False
        self._row_cache.clear()
        self.restyle()
        self.refresh()

    def restyle(self) -> None:
        """Look up the colours a subclass keeps (status styles...) again."""

    def notify_style_update(self) -> None:
        self._styles_ready = False
        self._row_cache.clear()
        super().notify_style_update()

    def render_lines(self, crop: Region) -> list[Strip]:
        # Styles are looked up when they change (theme, focus), not per line or per frame:
        # the lookup costs more than formatting the rows.
        if not self._styles_ready:
            base = self.rich_style
            self._base_style = base
            header = self.get_component_rich_style("row-list--header", partial=True)
            cursor = self.get_component_rich_style("row-list--cursor", partial=True)
            self._header_style = base + header
            self._cursor_style = base + cursor + self._row_cursor()
            self._styles_ready = True
        self._width = self.scrollable_content_region.width
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self._width
        if y < self.header_lines:
            return self._strip(self.render_header(y, width), width, self._header_style)
        index = int(self.scroll_offset.y) + y - self.header_lines
        if index >= self._row_count or index < 0:
            if index == 0 and self.empty_hint:
                return self._strip(Text(self.empty_hint, style="italic"), width, self._header_style)
            return Strip.blank(width, self._base_style)
        on_cursor = self.show_row_cursor and index == self.cursor
        style = self._cursor_style if on_cursor else self._base_style
        key = self.row_key(index)
        if key is None:
            return self._strip(self.render_row(index, width), width, style)
        full_key = (key, width, on_cursor)
        strip = self._row_cache.get(full_key)
        if strip is None:
            if len(self._row_cache) > ROW_CACHE_SIZE:
                self._row_cache.clear()
            strip = self._strip(self.render_row(index, width), width, style)
            self._row_cache[full_key] = strip
        return strip

    def row_key(self, index: int) -> Hashable | None:
        """What a row's look depends on, to reuse its last drawing (None: always redraw)."""
        return None

    def _strip(self, text: Text, width: int, style: Style) -> Strip:
        text.no_wrap = True
        text.overflow = "ellipsis"
        text.end = ""
        if text.cell_len > width:
            text.truncate(width)
        strip = Strip(text.render(self.app.console), text.cell_len)
        return strip.extend_cell_length(width).apply_style(style)

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
