"""Control characters in a pasted batch show in the editor as one glyph each, so the highlighting
of the rest of the line stays on the characters it belongs to."""

from __future__ import annotations

from pathlib import Path

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
