"""The editor's document size: only the lines holding a control or format character are
measured again through their glyphs (a tab is not one: Textual expands it itself)."""

from __future__ import annotations

import pytest
from textual.document._document import Document

from swarmtui.safe_text import glyphs
from swarmtui.ui.widgets import glyph_widths
from swarmtui.ui.widgets.glyph_widths import GlyphDocument

LINES = 3000


def _text(indent: str, *, control: str = "", at: int = LINES // 2) -> str:
    lines = [f'{indent}Task("Agent {i}", "Write part {i}", "coder")' for i in range(LINES)]
    if control:
        lines[at] = lines[at].replace("Agent", f"Ag{control}ent")
    return "\n".join(lines) + "\n"


@pytest.fixture
def measured(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The lines `get_size` measures again through their glyphs (the real `glyphs`, watched)."""
    seen: list[str] = []

    def watched(text: str) -> str:
        seen.append(text)
        return glyphs(text)

    monkeypatch.setattr(glyph_widths, "glyphs", watched)
    return seen


@pytest.mark.parametrize("indent", ["\t", "    ", "\t\t", ""])
@pytest.mark.parametrize("other", ["", "é", "名前", "\U0001f600"])
def test_no_line_is_measured_again_without_a_control_character(
    measured: list[str], indent: str, other: str
) -> None:
    text = _text(indent).replace("Write", f"Write{other}")
    document = GlyphDocument(text)
    assert document.get_size(4) == Document.get_size(document, 4)  # (Textual's)
    assert measured == []


@pytest.mark.parametrize("indent", ["\t", "    "])
@pytest.mark.parametrize("control", ["\x1b", "\x07\x08", "\x01", "\x7f", "\x9b", "\u202e"])
def test_only_the_line_with_a_control_character_is_measured_again(
    measured: list[str], indent: str, control: str
) -> None:
    # The widest line holds the control characters: each is drawn as one cell.
    document = GlyphDocument(_text(indent, control=control, at=LINES - 1))
    size = document.get_size(4)
    assert len(measured) == 1 and control in measured[0]
    widest = len(f'Task("Agent {LINES - 1}", "Write part {LINES - 1}", "coder")')
    assert size.width == (4 if indent == "\t" else len(indent)) + widest + len(control)
    assert size.height == LINES + 1
