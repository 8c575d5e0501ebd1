"""First pass over batch text: find headers, `Message N:` prefixes, notes and placeholders by line.

The result is a copy of the text of exactly the same length in characters, in which everything that
is not code (headers, prefixes, notes) is blanked with spaces and placeholders are replaced with `$`
identifiers, so tree-sitter can parse the rest and every column stays where the user typed it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

LineKind = Literal["code", "blank", "header", "note", "wait", "prefix"]

_HEADER_RE = re.compile(
    r"[ \t]*\[[ \t]*(?:(?:single|one|parallel)[ \t]+)?message(?:[ \t]+(?P<num>\d{1,6}))?"
    r"(?:[ \t]*[-–—:][ \t]*(?P<title>[^\]\n]*?))?[ \t]*\][ \t]*:?[ \t]*(?://[^\n]*)?\r?$",
    re.IGNORECASE,
)
_WAIT_RE = re.compile(
    r"[ \t]*\[[ \t]*wait[ \t]+for[ \t]+completion[ \t]*\][ \t]*:?[ \t]*\r?$", re.IGNORECASE
)
_PREFIX_RE = re.compile(r"[ \t]*message[ \t]+(?P<num>\d{1,6})[ \t]*:[ \t]*", re.IGNORECASE)
# A bracketed line of plain words (`[Wait for review]`) is a note, not an array.
_BRACKET_NOTE_RE = re.compile(r"[ \t]*\[[^\[\]\"'`,{}()\n]*\][ \t]*:?[ \t]*\r?$")
_CALL_START_RE = re.compile(
    r"[ \t]*(?:await[ \t]+)?[A-Za-z_$][\w$]*(?:[ \t]*\.[ \t]*[A-Za-z_$][\w$]*)*[ \t]*\("
)
# Operation calls that start a new statement even where an earlier call was left unclosed.
_KNOWN_CALL_RE = re.compile(
    r"(?:Task|TodoWrite|Bash|Write|memory\.\w+|\w*(?:memory_usage|swarm_init|agent_spawn))[ \t]*\("
)
# An operation name followed by an argument but no `(`: `Task 'E'`, `Bash "ls"` (not prose).
_CALL_LIKE_RE = re.compile(
    r"[ \t]*(?:await[ \t]+)?(?P<name>Task|TodoWrite|Bash|Write|memory\.\w+"
    r"|\w*(?:memory_usage|swarm_init|agent_spawn))[ \t]*[\"'`{\[]"
)
_DECL_RE = re.compile(r"[ \t]*(?:const|let|var)[ \t]+[A-Za-z_$]")
_FENCE_RE = re.compile(r"[ \t]*(?:```|~~~)[\w+-]*[ \t]*\r?$")
_COMMENT_START_RE = re.compile(r"[ \t]*(?://|/\*)")
_CONTINUATION_START = set("+.)]},?:&|\"'`*/%=<>-")
_CONTINUATION_END = set("+-*/%,([{=.?:&|<>!")

# Tokens that matter for bracket depth; strings and comments are skipped whole. The leading
# lookahead lets the regex engine pass over ordinary characters without trying each branch.
_TOKEN_RE = re.compile(
    r"""(?=[\n/"'`{.()\[\]}])
    (?:(?P<nl>\n)
    |(?P<lc>//[^\n]*)
    |(?P<bc>/\*[\s\S]*?(?:\*/|\Z))
    |(?P<s>"[^"\\\n]*(?:\\[\s\S][^"\\\n]*)*"?|'[^'\\\n]*(?:\\[\s\S][^'\\\n]*)*'?)
    |(?P<t>`[^`\\]*(?:\\[\s\S][^`\\]*)*`?)
    |(?P<ph>\{[ \t]*\.\.\.[^{}\n]*\}|\.\.\.)
    |(?P<open>[(\[{])
    |(?P<close>[)\]}]))""",
    re.VERBOSE,
)

PLACEHOLDER_CHAR = "$"


@dataclass(slots=True)
class LineInfo:
    kind: LineKind
    # For headers and prefixes: the message number given, if any; for headers, the title.
    number: int | None = None
    title: str | None = None
    # The text of a note (stripped).
    text: str = ""
    # A code line whose statement starts with `name(`: an operation should start on it.
    call_start: bool = False
    # A line that reads like a call but is not one (`Task 'E'`): the operation name, else "".
    call_like: str = ""


@dataclass(slots=True)
class Placeholder:
    start: int  # character offsets in the text
    end: int
    text: str


@dataclass(slots=True)
class ScanResult:
    code: str
    lines: list[LineInfo] = field(default_factory=list)
    placeholders: list[Placeholder] = field(default_factory=list)
    # Lines (0-based) where a new statement surely starts: used to re-parse broken regions.
    statement_starts: list[int] = field(default_factory=list)


def scan(text: str) -> ScanResult:
    """Classify every line of `text` and build the blanked copy tree-sitter will parse."""
    raw_lines = text.split("\n")
    starts: list[int] = []
    offset = 0
    for line in raw_lines:
        starts.append(offset)
        offset += len(line) + 1

    infos: list[LineInfo] = []
    placeholders: list[Placeholder] = []
    statement_starts: list[int] = []
    blank_spans: list[tuple[int, int]] = []
    depth = 0
    last_code_char = ""
    # Inside a multi-line string or comment: the next lines are code until it closes.
    carry_until = -1  # character offset where the multi-line token ends
    search = _TOKEN_RE.search  # the loop runs once per line of possibly huge batches
    add_info = infos.append
    n = len(raw_lines)
    for i in range(n):
        line = raw_lines[i]
        line_start = starts[i]
        line_end = line_start + len(line)
        if carry_until > line_start:
            info = LineInfo("code")
            add_info(info)
            if carry_until > line_end:
                continue
            pos = carry_until
        else:
            info, pos, depth = _classify(line, line_start, depth, last_code_char)
            add_info(info)
            line_kind = info.kind
            if line_kind != "code":
                if line_kind == "prefix":
                    blank_spans.append((line_start, pos))
                else:
                    if line_kind != "blank":  # header, note, wait
                        blank_spans.append((line_start, line_end))
                        depth = 0
                    continue
            if info.call_start and depth == 0:
                statement_starts.append(i)
        # Tokenise the code part of this line (and of any multi-line token it opens).
        comment_at = line_end
        carry_until = -1
        kind = ""
        while True:
            m = search(text, pos, line_end + 1)
            if m is None:
                break
            kind = m.lastgroup or ""
            if kind == "nl":
                break
            pos = m.end()
            if kind == "open":
                depth += 1
            elif kind == "close":
                if depth:
                    depth -= 1
            elif kind == "ph":
                placeholders.append(Placeholder(m.start(), pos, m.group()))
            elif kind == "lc":
                comment_at = m.start()
            elif kind == "bc" and pos <= line_end and not text[pos:line_end].strip():
                # A block comment ending the line: not the line's last code character.
                comment_at = min(comment_at, m.start())
            if pos > line_end:
                # A string, template or comment running over the line end: re-match it whole.
                full = _TOKEN_RE.match(text, m.start())
                if full is not None and full.end() > line_end:
                    carry_until = full.end()
                    if kind == "bc":
                        comment_at = min(comment_at, m.start())
                break
        if carry_until > line_end:
            if kind in ("s", "t"):
                last_code_char = "+"
        else:
            tail = (
                line[: comment_at - line_start].rstrip() if comment_at < line_end else line.rstrip()
            )
            if tail:
                last_code_char = tail[-1]

    code = _blank(text, blank_spans, placeholders)
    return ScanResult(code, infos, placeholders, statement_starts)


def _classify(
    line: str, line_start: int, depth: int, last_code_char: str
) -> tuple[LineInfo, int, int]:
    """Decide what a line that starts outside any string or comment is."""
    stripped = line.strip()
    if not stripped:
        return LineInfo("blank"), line_start, depth
    first = stripped[0]
    if first == "`" and _FENCE_RE.match(line):
        # A Markdown code fence around a pasted batch: not code, and not a template string.
        return LineInfo("note", text=stripped), line_start, 0
    if first == "[":
        m = _HEADER_RE.match(line)
        if m:
            num = m.group("num")
            title = (m.group("title") or "").strip() or None
            return LineInfo("header", int(num) if num else None, title), line_start, 0
        if _WAIT_RE.match(line):
            return LineInfo("wait", text=stripped), line_start, 0
    m = _PREFIX_RE.match(line) if first in "Mm" else None
    if m:
        rest = line[m.end() :]
        info = LineInfo("prefix", int(m.group("num")))
        info.call_start = bool(_CALL_START_RE.match(rest))
        return info, line_start + m.end(), 0
    if depth > 0:
        if line[:1] not in (" ", "\t") and _KNOWN_CALL_RE.match(line):
            # An earlier call was left open; this line clearly starts a new operation.
            return LineInfo("code", call_start=True), line_start, 0
        return LineInfo("code"), line_start, depth
    if _COMMENT_START_RE.match(line) or _DECL_RE.match(line):
        return LineInfo("code"), line_start, depth
    if _CALL_START_RE.match(line):
        continuing = last_code_char in _CONTINUATION_END
        return LineInfo("code", call_start=not continuing), line_start, depth
    m = _CALL_LIKE_RE.match(line) if last_code_char not in _CONTINUATION_END else None
    if m:
        return LineInfo("note", text=stripped, call_like=m.group("name")), line_start, depth
    if last_code_char in _CONTINUATION_END or stripped[0] in _CONTINUATION_START:
        if stripped[0] in "-*" and last_code_char not in _CONTINUATION_END:
            # `- item` / `* item`: a bullet point in prose, not arithmetic.
            return LineInfo("note", text=stripped), line_start, depth
        return LineInfo("code"), line_start, depth
    if _BRACKET_NOTE_RE.match(line):
        return LineInfo("note", text=stripped), line_start, depth
    if stripped[0] in "[{(":
        return LineInfo("code"), line_start, depth
    return LineInfo("note", text=stripped), line_start, depth


def _blank(text: str, spans: list[tuple[int, int]], placeholders: list[Placeholder]) -> str:
    if not spans and not placeholders:
        return text
    edits = [(s, e, " ") for s, e in spans] + [
        (p.start, p.end, PLACEHOLDER_CHAR) for p in placeholders
    ]
    edits.sort()
    out: list[str] = []
    pos = 0
    for s, e, ch in edits:
        if s < pos:
            continue
        out.append(text[pos:s])
        out.append(ch * (e - s))
        pos = e
    out.append(text[pos:])
    return "".join(out)
