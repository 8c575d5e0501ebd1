"""The one function that makes outside text safe to show: nothing that drives or reorders a
terminal survives it, and everything else is left as it was."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from swarmtui.safe_text import (
    ansi_text,
    escape_json,
    glyphs,
    safe_lines,
    safe_text,
    visible,
    visible_lines,
)

# What must never reach a terminal raw: C0 but LF and TAB, DEL, C1, format characters (bidi
# controls, zero-width ones), line/paragraph separators, lone surrogates.
DANGEROUS_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
HOSTILE = (
    "\x1b]0;PWNED\x07"  # window title (OSC 0, BEL)
    "\x1b]52;c;aGFja2Vk\x1b\\"  # clipboard (OSC 52, ST)
    "\x1b[2J\x1b[H"  # clear the screen, home
    "\x9b2J"  # the same with an 8-bit CSI
    "\u202egnp.exe"  # right-to-left override
    "\x00\x08\r\x7f"
)

# Text biased towards controls and escape sequences.
hostile_chars = st.one_of(
    st.characters(codec=None),
    st.sampled_from(list("\x1b\x07\x9b\x9d\r\n\t\u200d" + BIDI)),
    st.sampled_from(["\x1b[", "\x1b]", "\x1b\\", "]0;", "]52;c;", "[2J", "[31m", "[0m", "m"]),
)
hostile_text = st.lists(hostile_chars, max_size=60).map("".join)


def _dangerous(char: str, *, lines: bool) -> bool:
    if lines and char in "\n\t\u200d":
        return False
    return unicodedata.category(char) in DANGEROUS_CATEGORIES


def test_the_class_covers_every_dangerous_character_of_this_python() -> None:
    # Checked against the interpreter's own Unicode database, whatever its version.
    for code in range(0x110000):
        char = chr(code)
        if unicodedata.category(char) in DANGEROUS_CATEGORIES:
            assert visible(char) != char, f"U+{code:04X} passes"


@given(hostile_text)
def test_visible_leaves_no_control_and_no_line_break(text: str) -> None:
    shown = visible(text)
    assert not any(_dangerous(c, lines=False) for c in shown)
    assert "\x1b" not in shown and "\n" not in shown


@given(hostile_text)
def test_visible_lines_keeps_lines_and_nothing_else(text: str) -> None:
    shown = visible_lines(text)
    assert not any(_dangerous(c, lines=True) for c in shown)
    assert shown.count("\n") == text.replace("\r\n", "\n").count("\n")


@given(hostile_text)
def test_ansi_text_has_no_control_and_no_link(text: str) -> None:
    rendered = ansi_text(text)
    assert not any(_dangerous(c, lines=True) for c in rendered.plain)
    for span in rendered.spans:
        style = span.style
        assert not isinstance(style, str)
        assert style.link is None


@given(hostile_text)
def test_glyphs_keep_the_length_and_show_every_control(text: str) -> None:
    shown = glyphs(text)
    assert len(shown) == len(text)  # an editor's columns stay the document's
    assert not any(_dangerous(c, lines=False) and c != "\t" for c in shown)
    assert glyphs("a\x1b]0;x\x07\tb\u202ec\x7f") == "a␛]0;x␇\tb\ufffdc␡"


@given(st.text())
def test_printable_text_is_left_alone(text: str) -> None:
    clean = "".join(c for c in text if not _dangerous(c, lines=False) and c != "\ufe0f")
    assert visible(clean) == clean
    assert visible_lines(clean) == clean


@pytest.mark.parametrize(
    ("text", "shown", "cells"),
    [
        ("⚠️ careful", "⚠\ufe0e careful", 1),  # a narrow sign: one cell in every terminal
        ("🛠️ ⚙️ ♾️", "🛠\ufe0e ⚙\ufe0e ♾\ufe0e", 1),
        ("1️⃣ first", "1\ufe0e\u20e3 first", 1),
        ("✅️ 🎯️ done", "✅️ 🎯️ done", 2),  # wide by themselves: two cells for everyone, kept
        ("\ufe0f alone", "\ufe0f alone", 0),
    ],
)
def test_emoji_presentation_after_a_narrow_character_is_shown_as_text(
    text: str, shown: str, cells: int
) -> None:
    assert visible(text) == visible_lines(text) == glyphs(text) == shown
    assert cell_len(shown.split(" ")[0]) == cells  # (what Rich counts, and terminals draw)
    assert safe_text(text + "\x1b").plain == shown + "\\x1b"


def test_hostile_sequences_are_shown_not_obeyed() -> None:
    shown = visible(HOSTILE)
    assert shown == (
        "\\x1b]0;PWNED\\x07\\x1b]52;c;aGFja2Vk\\x1b\\\\x1b[2J\\x1b[H\\x9b2J\\u202egnp.exe"
        "\\x00\\x08\\r\\x7f"
    )
    assert visible("agent\nname\t") == "agent\\nname\\t"
    assert visible("file-\udcff") == "file-\\udcff"  # an undecodable byte of a file name
    assert visible("\U000e0041") == "\\U000e0041"  # a tag character


def test_lines_keep_their_breaks_but_a_lone_carriage_return_is_shown() -> None:
    assert visible_lines("one\r\ntwo\n\tthree\rfour") == "one\ntwo\n\tthree\\rfour"
    assert visible_lines("👨\u200d👩") == "👨\u200d👩"  # an emoji sequence stays one


def test_text_variants_are_never_markup() -> None:
    assert safe_text("[bold]x[/bold]\x1b").plain == "[bold]x[/bold]\\x1b"
    assert safe_text("[bold]x").spans == []
    assert safe_lines("[red]a\nb").plain == "[red]a\nb"


def test_colour_codes_become_styles_and_other_sequences_are_shown() -> None:
    text = ansi_text("\x1b[1;31mred\x1b[0m plain\x1b]0;title\x07 \x1b[2Jend\x1b]8;;http://x\x1b\\l")
    assert text.plain == "red plain\\x1b]0;title\\x07 \\x1b[2Jend\\x1b]8;;http://x\\x1b\\l"
    (span,) = text.spans
    assert (span.start, span.end) == (0, 3)
    assert not isinstance(span.style, str)
    assert span.style.bold and span.style.color is not None
    assert span.style.color.number == 1


@given(st.dictionaries(hostile_text, hostile_text, max_size=5))
def test_escaped_json_is_the_same_json_without_raw_controls(value: dict[str, str]) -> None:
    document = json.dumps(value, ensure_ascii=False)
    escaped = escape_json(document)
    assert json.loads(escaped) == value
    assert not any(_dangerous(c, lines=True) for c in escaped)


def test_importing_it_loads_neither_rich_nor_textual() -> None:
    code = (
        "import sys, swarmtui.safe_text\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'textual', 'click')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
