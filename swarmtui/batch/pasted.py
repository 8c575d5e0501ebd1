"""What copying and pasting does to batch text, undone before it is read.

Text copied from a web page, Notion or Slack indents with no-break spaces (U+00A0) and carries
zero-width characters (U+200B, U+2060, a U+FEFF inside the text); a CJK input method types
full-width parentheses (`Task（…）`); Claude Code's Read output numbers every line
(`    70→Task(…)`); a blog or a word processor curls quotes (`Task(“Coder”, …)`). Read as typed,
an operation line became a note, and its agent was dropped in silence (curly quotes: errors that
did not say why). `undo_pasting` makes the copy the scanner reads, by same-length replacements,
so that every line and column stays where the user sees it:

- such spaces and invisible characters where a line's code starts (its indentation, after a list
  marker, between a name and its parenthesis) become spaces;
- a Read gutter (`70→`: on lines numbered one after another, or before an operation) becomes
  spaces, wherever it is (it is not part of what was written, not even of a string); so does
  `cat -n`'s (`     1<TAB>`, as Claude Code's Read output was), only when every line that is
  not blank has one, numbered one after another;
- `（` after an operation's name becomes `(` when the call closes (`）` or `)`) and nothing
  but a comment or punctuation follows it; the call's other full-width brackets, commas and
  colons outside its strings become ASCII too. One that does not close is a look-alike, said
  (SW019);
- curly quotes paired on one line, outside strings, where a value goes (after `(`, `{`, `[`,
  `:`, `=` or `,`) become `"` and `'`, so that the rest reads; the parser says they are not
  string quotes (SW001).

Strings keep what was written: the scanner puts back, on lines that start inside a string, what
was replaced there, and the values of strings given by name are read from `kept`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from swarmtui.batch.names import reads_as_operation

# Spaces other than ASCII's, and characters that show nothing, as pages and chats paste them.
# (one by one: 19 `in` tests take a fifth of the time of one search for the class)
_INVISIBLE = (
    "\u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200C))) + "\u202f\u205f\u2060\u3000\ufeff"
)
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]+")
_BLANK = rf"[ \t{_INVISIBLE}]"
# A line's start: indentation, then a list marker or a quote's `>` and the blanks after it.
_LEAD_RE = re.compile(rf"{_BLANK}*(?:(?:[-*+•>]|\d{{1,3}}[.)]){_BLANK}+)?")
# Blanks between a name and its parenthesis or brace (`Task\u00a0(`).
_GAP_RE = re.compile(rf"{_BLANK}*[({{]")
# Claude Code's Read output: the line's number, right-aligned, and an arrow.
_GUTTER_RE = re.compile(r"^[ \t]*(\d{1,6})→", re.MULTILINE)
# `cat -n`'s: the line's number, right-aligned, and a TAB (a line of blanks has none to have).
_CAT_GUTTER_RE = re.compile(r"[ \t]*(\d{1,7})\t")
_BLANK_LINE_RE = re.compile(r"[ \t\r]*$")
_OPERATION_RE = re.compile(r"[ \t]*(mcp__[\w@.-]+?__\w+|[A-Za-z_$][\w$]*)[ \t]*[({]")
# `Task（`: an operation's name and a full-width parenthesis.
_FULL_WIDTH_OPEN_RE = re.compile(r"(?<![\w$@.-])(mcp__[\w@.-]+?__\w+|[A-Za-z_$][\w$.]*)[ \t]*（")
_FULL_WIDTH = {
    "（": "(", "）": ")", "，": ",", "：": ":", "｛": "{", "｝": "}", "［": "[", "］": "]",
}  # fmt: skip
_OPENS, _CLOSES = "(（{｛[［", ")）}｝]］"
# What the first argument of a call starts with (not prose in parentheses: `Task（タスク）を`).
_ARGUMENT_START_RE = re.compile(r"[ \t]*(?:[\"'`{\[）)]|[A-Za-z_$][\w$]*[ \t]*[:=])")
# What may follow a call on its line.
_AFTER_CALL_RE = re.compile(r"[ \t]*(?:[;,)\]}]|//|/\*|\r?$)", re.MULTILINE)
_FULL_WIDTH_CHARS = 20_000  # (a call's arguments are not looked through further)
# Curly quotes paired on one line (nothing in them a string of straight quotes could not hold).
_CURLY_RE = re.compile(r"“[^“”\"\\\n]*”|‘[^‘’'\\\n]*’")
_CODE_BEFORE = frozenset("({[:=,")

LOOKALIKE_PAREN = (
    "`{text}` is written with full-width parentheses （ ）, which are not read: write "
    "{name}(…) with ASCII parentheses; this operation will be skipped"
)

CURLY_QUOTES = (
    "curly quotes are not string quotes: write {shown} as {straight}, with straight quotes"
)


@dataclass(slots=True)
class Undone:
    """The text the scanner reads, and what was replaced in it."""

    text: str
    # The text with only the gutters blanked: what strings are read from.
    kept: str
    # Same-length replacements other than gutters: (start, end, as written), in text order.
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    # Curly-quoted spans read as strings (start, end): each is said where it is.
    quotes: list[tuple[int, int]] = field(default_factory=list)
    # Rows of a call written with full-width parentheses that is not read: its name.
    lookalikes: dict[int, str] = field(default_factory=dict)


def undo_pasting(text: str) -> Undone | None:
    """The copy of TEXT with what pasting did undone (see the module), or None when nothing
    needs undoing (any ASCII text: one fast test)."""
    gutters = _cat_gutters(text) if "\t" in text else []
    if text.isascii() and not gutters:
        return None
    spans: list[tuple[int, int, str]] = []
    quotes: list[tuple[int, int]] = []
    lookalikes: dict[int, str] = {}
    if any(char in text for char in _INVISIBLE):
        _invisible(text, spans)
    if "→" in text and not gutters:
        _gutters(text, gutters)
    if "（" in text:
        _full_width(text, spans, lookalikes)
    if "“" in text or "‘" in text:
        _curly(text, spans, quotes)
    if not spans and not gutters and not lookalikes:
        return None
    kept = _replace(text, [(s, e, " " * (e - s)) for s, e in gutters])
    work = _replace(kept, spans) if spans else kept
    # (`spans` hold what was written; the work copy holds their replacements)
    originals = [(s, e, text[s:e]) for s, e, _ in spans]
    return Undone(work, kept, originals, quotes, lookalikes)


def _replace(text: str, spans: list[tuple[int, int, str]]) -> str:
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for start, end, replacement in sorted(spans):
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(replacement)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _line_start(text: str, at: int) -> int:
    return text.rfind("\n", 0, at) + 1


def _blanked(text: str, start: int, end: int, spans: list[tuple[int, int, str]]) -> None:
    """Each invisible character or non-ASCII space of TEXT[START:END] becomes a space."""
    for m in _INVISIBLE_RE.finditer(text, start, end):
        spans.append((m.start(), m.end(), " " * (m.end() - m.start())))


def _invisible(text: str, spans: list[tuple[int, int, str]]) -> None:
    done_lines: set[int] = set()
    for m in _INVISIBLE_RE.finditer(text):
        at = m.start()
        start = _line_start(text, at)
        if start not in done_lines:
            lead = _LEAD_RE.match(text, start)
            if lead is not None and lead.end() > at:
                done_lines.add(start)
                _blanked(text, start, lead.end(), spans)
                continue
        # `Task\u00a0(`: between a name and its parenthesis, before any string on the line.
        if (
            at > start
            and (text[at - 1].isalnum() or text[at - 1] in "_$")
            and text[at - 1].isascii()
            and _GAP_RE.match(text, at) is not None
            and not any(q in text[start:at] for q in "\"'`")
        ):
            spans.append((m.start(), m.end(), " " * (m.end() - m.start())))


def _gutters(text: str, gutters: list[tuple[int, int]]) -> None:
    """Read gutters: numbers that go on from the line above or below, or one before an
    operation (`70→Task(…)`). Blanked as a whole: `70→` becomes three spaces."""
    found: list[tuple[int, int, int, int]] = []  # row, number, start, end
    row, pos = 0, 0
    for m in _GUTTER_RE.finditer(text):
        row += text.count("\n", pos, m.start())
        pos = m.start()
        found.append((row, int(m.group(1)), m.start(1), m.end()))
    for i, (row, number, start, end) in enumerate(found):
        follows = i > 0 and found[i - 1][:2] == (row - 1, number - 1)
        followed = i + 1 < len(found) and found[i + 1][:2] == (row + 1, number + 1)
        if not (follows or followed):
            call = _OPERATION_RE.match(text, end)
            if call is None or not reads_as_operation(call.group(1)):
                continue
        gutters.append((start, end))


def _cat_gutters(text: str) -> list[tuple[int, int]]:
    """`cat -n` gutters (`     1\tTask(…)`): those of every line that is not blank, when each
    has one and they number the lines one after another; none otherwise (a number and a TAB
    starting a line are then the text's own). Each is blanked from its number to its TAB."""
    found: list[tuple[int, int]] = []
    number = -1
    pos, size = 0, len(text)
    while pos <= size:
        end = text.find("\n", pos)
        end = size if end < 0 else end
        if _BLANK_LINE_RE.match(text, pos, end) is None:
            m = _CAT_GUTTER_RE.match(text, pos, end)
            if m is None or (number >= 0 and int(m.group(1)) != number + 1):
                return []
            number = int(m.group(1))
            found.append((m.start(1), m.end()))
        pos = end + 1
    return found


def _full_width(text: str, spans: list[tuple[int, int, str]], lookalikes: dict[int, str]) -> None:
    for m in _FULL_WIDTH_OPEN_RE.finditer(text):
        name = m.group(1)
        if not reads_as_operation(name):
            continue
        start = _line_start(text, m.start())
        if any(q in text[start : m.start()] for q in "\"'`"):
            continue  # (in a string, or after one: not a call starting its statement)
        open_at = m.end() - 1
        if _ARGUMENT_START_RE.match(text, open_at + 1) is None:
            continue  # (`Task（タスク）ツール`: prose in parentheses)
        found = _full_width_call(text, open_at)
        if found is None:
            lookalikes[text.count("\n", 0, m.start())] = name
            continue
        spans.extend(found)


def _full_width_call(text: str, open_at: int) -> list[tuple[int, int, str]] | None:
    """The replacements that make the call whose `（` is at OPEN_AT an ASCII one: when it closes
    and nothing but punctuation or a comment follows it on its line; else None."""
    found = [(open_at, open_at + 1, "(")]
    depth = 0
    i = open_at + 1
    stop = min(len(text), open_at + _FULL_WIDTH_CHARS)
    while i < stop:
        char = text[i]
        if char in "\"'`":
            end = _string_end(text, i, stop)
            if end < 0:
                return None
            i = end
            continue
        if char in _OPENS:
            depth += 1
        elif char in _CLOSES:
            if depth:
                depth -= 1
            else:
                if char == "）":
                    found.append((i, i + 1, ")"))
                return found if _AFTER_CALL_RE.match(text, i + 1) is not None else None
        if char in _FULL_WIDTH:
            found.append((i, i + 1, _FULL_WIDTH[char]))
        i += 1
    return None


def _string_end(text: str, at: int, stop: int) -> int:
    """After the string opening at AT (a quote's on its line, a template's anywhere), or -1."""
    quote = text[at]
    i = at + 1
    while i < stop:
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == quote:
            return i + 1
        if char == "\n" and quote != "`":
            return -1
        i += 1
    return -1


def _curly(text: str, spans: list[tuple[int, int, str]], quotes: list[tuple[int, int]]) -> None:
    done: set[int] = set()
    for m in re.finditer("[“‘]", text):
        start = _line_start(text, m.start())
        if start in done:
            continue
        done.add(start)
        end = text.find("\n", start)
        line = text[start : len(text) if end < 0 else end]
        last = ""  # (the last character outside strings that is not blank)
        i = 0
        while i < len(line):
            char = line[i]
            if char in "\"'`":
                close = _string_end(line, i, len(line))
                if close < 0:
                    break  # (a string left open: what follows is in it)
                i, last = close, char
                continue
            if char in "“‘":
                curly = _CURLY_RE.match(line, i)
                if curly is None or last not in _CODE_BEFORE:
                    break  # (`he said “go”`: prose)
                at = start + i
                quotes.append((at, start + curly.end()))
                straight = '"' if char == "“" else "'"
                spans.append((at, at + 1, straight))
                spans.append((start + curly.end() - 1, start + curly.end(), straight))
                i, last = curly.end(), straight
                continue
            if char not in " \t":
                last = char
            i += 1


def rows_of(spans: list[tuple[int, int, str]], starts: list[int]) -> list[int]:
    """The 0-based row of each span's start (STARTS: the offset where each row starts)."""
    return [bisect_right(starts, s) - 1 for s, _, _ in spans]
