"""Control characters in a pasted batch show in the editor as one glyph each, so the highlighting
of the rest of the line stays on the characters it belongs to."""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len

from swarmtui.ui.widgets.batch_editor import BatchEditor

from .helpers import app_for, settle

# Rich's `Text` drops BEL and BS by itself (the editor's lines break at VT, FF and CR); it keeps
# ESC, SOH and the rest (C1 controls, bidi overrides: one glyph of another length in bytes).
LINE = 'Task("a\x07b\x08c\x01d\x1bf\x9b\u202e", "Build it.", "coder")'
NAME = '"a␇b␈c␁d␛f\ufffd\ufffd"'


async def test_every_control_character_is_one_glyph_and_the_highlighting_stays(
    tmp_path: Path,
) -> None:
    app = app_for(tmp_path, text=LINE + "\n")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        editor = app.main_screen.query_one(BatchEditor)
        assert editor.get_line(0).plain == f'Task({NAME}, "Build it.", "coder")'
        # The name's string is one highlighted span, up to and including its closing quote.
        strip = editor.render_line(0)
        shown = "".join(segment.text for segment in strip)
        start = shown.index(NAME)
        colours = []
        for segment in strip:
            colour = segment.style.color if segment.style else None
            colours += [colour] * len(segment.text)
        name = colours[start : start + len(NAME)]
        assert len(set(name)) == 1, name
        assert colours[start + len(NAME)] != name[0]  # the comma after it


async def test_a_click_lands_on_the_character_drawn_there_after_control_characters(
    tmp_path: Path,
) -> None:
    # Textual counts a control character as zero cells; the editor draws it as one glyph:
    # a click landed one column further left per control character before it.
    wide = LINE + "  // the longest line"
    app = app_for(tmp_path, text=f'{wide}\nTask("plain", "Another line.", "coder")\n')
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        editor = app.main_screen.query_one(BatchEditor)
        left = editor.gutter.left + editor.gutter_width
        column = wide.index("f\x9b")  # the `f` drawn after `␇`, `␈`, `␁` and `␛`
        assert editor.get_line(0).plain[column] == "f"
        await pilot.click(BatchEditor, offset=(left + column, editor.gutter.top))
        assert editor.cursor_location == (0, column)
        # The cursor is drawn on it, and down and up keep it in its screen column.
        assert editor.cursor_screen_offset.x == editor.region.x + left + column
        await pilot.press("down")
        assert editor.cursor_location == (1, column)
        await pilot.press("up")
        assert editor.cursor_location == (0, column)
        # The whole of the longest line can be scrolled to (with a cell for the cursor).
        assert editor.virtual_size.width == editor.gutter_width + len(wide) + 1


def _drawn(editor: BatchEditor, row: int) -> str:
    """Row ROW of the text as the editor draws it, from the text's first cell."""
    shown = "".join(segment.text for segment in editor.render_line(row))
    return shown[editor.gutter_width :]


async def test_clicks_the_cursor_and_up_down_on_lines_with_bel_and_bs(tmp_path: Path) -> None:
    # Rich drops BEL and BS from a `Text`: a line's sections measured through one were two
    # characters short, so a click, the drawn cursor and the up and down keys drifted.
    lines = ['Task("ab\x07\x08cd")', 'Task("a\x07\tb")', 'Task("abcdefghijk")']
    app = app_for(tmp_path, text="\n".join(lines) + "\n")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        editor = app.main_screen.query_one(BatchEditor)
        left = editor.gutter.left + editor.gutter_width
        top = editor.gutter.top
        assert _drawn(editor, 0).startswith('Task("ab␇␈cd")')
        # A click past the end of a line lands at its end, and the cursor is drawn there.
        await pilot.click(BatchEditor, offset=(left + 40, top))
        assert editor.cursor_location == (0, len(lines[0]))
        assert editor.cursor_screen_offset.x == editor.region.x + left + len(lines[0])
        # A click on the `b` drawn after `␇` and a tab lands on it.
        b_cell = _drawn(editor, 1).index("b")
        await pilot.click(BatchEditor, offset=(left + b_cell, top + 1))
        assert editor.cursor_location == (1, lines[1].index("b"))
        assert editor.cursor_screen_offset.x == editor.region.x + left + b_cell
        # Up from the cell under that `b` on the line below lands on the `b`, and down goes back.
        await pilot.click(BatchEditor, offset=(left + b_cell, top + 2))
        assert editor.cursor_location == (2, b_cell)
        await pilot.press("up")
        assert editor.cursor_location == (1, lines[1].index("b"))
        await pilot.press("down")
        assert editor.cursor_location == (2, b_cell)
        # The cursor at each column of the first line is drawn on the character of that column.
        for column in range(len(lines[0]) + 1):
            editor.cursor_location = (0, column)
            assert editor.cursor_screen_offset.x == editor.region.x + left + column


async def test_an_emoji_asking_for_emoji_presentation_is_drawn_in_one_cell(
    tmp_path: Path,
) -> None:
    # `⚠️` (a narrow sign, then U+FE0F): Rich counts two cells, tmux 3.3 and xterm draw one, so
    # the rest of the row (the pane's border, the panel beside it) was drawn a cell off. Drawn
    # in text presentation (U+FE0E, one cell everywhere), a click after it lands where it should.
    lines = ["### ⚠️ Key Principle: 🛠️ tools", 'Task("plain", "Another line.", "coder")']
    app = app_for(tmp_path, text="\n".join(lines) + "\n")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        editor = app.main_screen.query_one(BatchEditor)
        drawn = _drawn(editor, 0)
        assert "\ufe0f" not in drawn
        assert drawn.startswith("### ⚠\ufe0e Key Principle: 🛠\ufe0e tools")
        assert editor.text.splitlines() == lines  # (only the drawing changes, never the text)
        left = editor.gutter.left + editor.gutter_width
        k_cell = cell_len(drawn[: drawn.index("K")])
        assert k_cell == 6  # `###`, a space, one cell for the sign, a space
        await pilot.click(BatchEditor, offset=(left + k_cell, editor.gutter.top))
        assert editor.cursor_location == (0, lines[0].index("K"))
        assert editor.cursor_screen_offset.x == editor.region.x + left + k_cell
