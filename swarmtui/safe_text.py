"""Text from outside swarmtui made safe to show: every control character written visibly.

Agent output, failure reasons, agent names, memory keys and values, Bash output, server error
bodies and file names can hold terminal escape sequences (a window title set by OSC 0, the
clipboard written by OSC 52, the screen cleared by `ESC[2J`) or characters that reorder or hide
what is shown (bidi overrides such as U+202E, zero-width characters). Whatever prints or renders
such text goes through here, in every layer:

- `visible(text)`: one line; every C0 and C1 control (ESC, CR, LF, TAB and NUL included), DEL,
  every format character (Unicode category Cf: bidi embeddings, overrides and isolates,
  zero-width characters, the BOM...), the line and paragraph separators and lone surrogates
  (undecodable bytes of a file name) are written as `\\x1b`, `\\n`, `\\u202e`, `\\udcff`...
- `visible_lines(text)`: the same but line breaks and tabs are kept (CR LF becomes LF; a lone CR,
  which would let a line overwrite itself, is escaped), and so are zero-width joiners (they
  only join emoji).
- `safe_text`, `safe_lines` and `ansi_text`: the same as Rich `Text` for Textual and Rich, never
  markup; `ansi_text` shows SGR colour codes as colours (parsed into styles, never passed on)
  and every other escape sequence visibly.
- All of them show a character that is narrow by itself but asks for emoji presentation
  (U+FE0F after it: `⚠️`, `🛠️`, `⚙️`, common in pasted Markdown) in text presentation (U+FE0E,
  the same length): Rich counts the emoji form two cells wide and many terminals (tmux 3.3,
  xterm, older VTE) draw it in one, which shifted the rest of its row, borders and the panel
  beside it included, by a cell. In text presentation every terminal and Rich agree on one.
- `glyphs(text)`: for an editor, where a character must stay one character (its columns are
  the document's): each control becomes one visible glyph (`␛` for ESC, `␀`..`␟` for C0, `␡`,
  `�` for the rest), tabs kept.
- `escape_json(document)`: JSON text with the same characters outside ASCII's controls written as
  `\\uXXXX` (still the same JSON values).

Rich is imported by the functions that return `Text`, not by this module: `lint` and the other
quick commands import this without paying for Rich.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.style import Style
    from rich.text import Text

# Every character of the categories Cc, Cf, Cs, Zl and Zp (Unicode 15; tests check it against
# the running Python's unicodedata): what can drive a terminal, reorder text or hide it.
_CONTROLS = (
    "\x00-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"
)
_ONE_LINE = f"[{_CONTROLS}]"
# Multi-line text keeps LF, TAB and ZWJ (CR LF is made LF first).
_LINES = (
    "["
    + _CONTROLS.replace("\x00-\x1f", "\x00-\x08\x0b-\x1f").replace(
        "\u200b-\u200f", "\u200b\u200c\u200e\u200f"
    )
    + "]"
)
# What ends a line in multi-line text (CR LF shown as LF).
_CRLF = "\r\n"
# An escape sequence: CSI (parameters, intermediates, final byte), OSC / DCS / SOS / PM / APC
# strings up to BEL or ST, or a two-character escape. SGR is CSI ending in `m`.
_ESCAPE = (
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[ -~]?"
)
_SGR = r"\x1b\[[0-9;:]*m\Z"
# JSON: the characters above that JSON leaves raw (it escapes C0 itself).
_JSON_RAW = f"[{_CONTROLS.replace(chr(0) + '-' + chr(0x1F), '')}]"


@cache
def _compiled(source: str) -> re.Pattern[str]:
    """One of the expressions above, compiled on first use: each large character class takes
    ~0.5 ms to compile, at every start of the app, and its first frame needs none of them."""
    return re.compile(source)


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible(text: str) -> str:
    """TEXT on one line with every control and format character written visibly (`\\x1b`)."""
    if text.isprintable():  # (the common case; Python's test is a superset of ours)
        return text_presentation(text)
    return text_presentation(_compiled(_ONE_LINE).sub(_escape, text))


def visible_lines(text: str) -> str:
    """TEXT with its line breaks and tabs kept and every other control written visibly."""
    if _CRLF in text:
        text = text.replace(_CRLF, "\n")
    return text_presentation(_compiled(_LINES).sub(_escape, text))


_EMOJI_STYLE = "\ufe0f"  # VARIATION SELECTOR-16: emoji presentation
_TEXT_STYLE = "\ufe0e"  # VARIATION SELECTOR-15: text presentation


def text_presentation(text: str) -> str:
    """TEXT with each emoji presentation selector after a character that is narrow by itself
    made a text presentation selector (the same length; see the module's notes)."""
    if _EMOJI_STYLE not in text:
        return text
    return _compiled(r"(?s)(.)\ufe0f").sub(_as_text, text)


def _as_text(match: re.Match[str]) -> str:
    base = match.group(1)
    if unicodedata.east_asian_width(base) in ("W", "F"):
        return match.group()  # (wide by itself: two cells for everyone)
    return base + _TEXT_STYLE


def shown_as_is(text: str) -> bool:
    """Whether `glyphs(TEXT)` is TEXT (the common case, told by a scan in C)."""
    return text.isprintable() and _EMOJI_STYLE not in text


# C0 (but TAB) and DEL as their Control Pictures; everything else dangerous as U+FFFD.
_PICTURES = {code: 0x2400 + code for code in range(0x20) if code != 0x09} | {0x7F: 0x2421}
_GLYPH = _JSON_RAW  # (the same characters)


def glyphs(text: str) -> str:
    """TEXT with each control or format character replaced by one visible glyph (the same
    length, tabs kept): for a text editor, whose columns are the characters of the document."""
    if text.isprintable():
        return text_presentation(text)
    return text_presentation(_compiled(_GLYPH).sub("\ufffd", text.translate(_PICTURES)))


def safe_text(text: str, style: str | Style = "") -> Text:
    """`visible(TEXT)` as a Rich `Text` (never read as markup)."""
    from rich.text import Text

    return Text(visible(text), style=style, end="")


def safe_lines(text: str, style: str | Style = "") -> Text:
    """`visible_lines(TEXT)` as a Rich `Text` (never read as markup)."""
    from rich.text import Text

    return Text(visible_lines(text), style=style, end="")


def ansi_text(text: str, style: str | Style = "") -> Text:
    """TEXT (lines kept) as a Rich `Text` whose SGR codes became styles; every other escape
    sequence and control is written visibly, and nothing else of the codes reaches the screen
    (no link, no cursor motion, no title)."""
    from rich.text import Text

    if "\x1b" not in text:
        return safe_lines(text, style)
    from rich.ansi import AnsiDecoder

    decoder = AnsiDecoder()  # keeps the SGR state from one code to the next
    out = Text(style=style, end="")
    position = 0
    for match in _compiled(_ESCAPE).finditer(text):
        start, end = match.span()
        if start > position:
            out.append(visible_lines(text[position:start]), decoder.style or None)
        sequence = match.group()
        if _compiled(_SGR).match(sequence):
            decoder.decode_line(sequence.replace(":", ";"))
        else:
            out.append(visible_lines(sequence), decoder.style or None)
        position = end
    if position < len(text):
        out.append(visible_lines(text[position:]), decoder.style or None)
    return out


def escape_json(document: str) -> str:
    """JSON text with the C1 controls, DEL and format characters it holds raw written as
    `\\uXXXX` escapes: the same values, but nothing that drives or reorders a terminal."""
    if document.isascii():
        return document.replace("\x7f", "\\u007f")
    return _compiled(_JSON_RAW).sub(_json_escape, document)


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # a surrogate pair, as JSON writes characters beyond the BMP
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
