"""Message headers as people write them (§1): `[Single Message - Deploy]:`, `[BatchTool]:`,
`[BatchTool - Message 2]:`, `[Parallel Agent Execution]:`, `Message 2: [BatchTool]`,
`// Message 2: Verify`, and the `[Wait for completion]` marker."""

from __future__ import annotations

import re
from dataclasses import dataclass

from swarmtui.batch.names import reads_as_operation

# A line that opens a bracketed label (`[Deploy]:`), and `Message 2: [BatchTool - title]`. Where
# the label ends is found by `_bracketed` without a regex: a regex for "the shortest label that
# leaves such an end" retried its end at every `]` and every blank, quadratic on a long line.
_OPEN_RE = re.compile(r"[ \t]*\[")
_PREFIXED_RE = re.compile(r"[ \t]*message[ \t]+(?P<num>\d{1,6})[ \t]*(?::[ \t]*)?\[", re.IGNORECASE)
# A call between brackets (`[run(x)]`, `[f ("a")]`): prose puts a space before a parenthesis
# (`Ops (CI/CD)`). Only code of an unfinished statement is told by it (see `_is_code`).
_CALL_LABEL_RE = re.compile(r"""[^\n]*?(?:[\w$]\(|[\w$][ \t]+\([ \t]*["'`\[{)])""")
# A name called: `Task(`, `Bash(cmd)`, `Task ("A"`, but not `Write (docs)`, which is prose.
# A match starts only where a run of name characters starts (at its first letter): started inside
# a long run, it rescanned the run to its end from every position.
_CALLED_RE = re.compile(
    r"""(?<![\w$.@-])(?:(?![A-Za-z_$])[\w.@-])*"""
    r"""([A-Za-z_$][\w$.@-]*)(?:\(|[ \t]+\([ \t]*["'`\[{)])"""
)
# What reads as JavaScript values: a value first (`["a", b]`, `[{...}]`, `[...xs]`, `[(a)]`) or a
# list (`[a, b]`, `[x, "y"]`). Prose puts its quotes after a word (`Phase 1 "Design"`, `Today's`)
# and may have arrows (`Build => Deploy`).
_VALUES_LABEL_RE = re.compile(
    r"""[ \t]*(?:["'`\[{(]|\.\.\.)
    |[^\n]*?,[ \t]*["'`\[{(]
    |[ \t]*[\w$.]+(?:[ \t]*,[ \t]*[\w$.]+)+[ \t]*$""",
    re.VERBOSE,
)
# `// Message 2`, `// Message 2: Verify`, `/* Message 3 */`, `// [Message 2 - Verify]`: what
# follows the number is read by `_comment_title` (a closing bracket is left out of the title only
# when the comment opened one: `// Message 2: see [x]`).
_COMMENT_RE = re.compile(
    r"[ \t]*(?://+|/\*)[ \t*]*(?:(?P<open>\[)[ \t]*)?message[ \t]+(?P<num>\d{1,6})\b",
    re.IGNORECASE,
)
_WAIT_RE = re.compile(r"[ \t]*wait[ \t]+for[ \t]+completion[ \t]*", re.IGNORECASE)
# Words that name a message without saying what it is for.
_GENERIC_PART_RE = re.compile(
    r"(?:(?:single|one|parallel|concurrent|first|next)[ \t]+)?"
    r"(?:message|batch[ \t]*tool|batch)(?:[ \t]+(?P<num>\d{1,6}))?"
    r"(?:[ \t]+with[ \t]+batch[ \t]*tool)?",
    re.IGNORECASE,
)
_HEADER_WORD_RE = re.compile(r"\b(?:message|batch[ \t]*tool)\b", re.IGNORECASE)
# What separates the parts of a label: a dash between blanks (` - `), an en or em dash, a colon
# before a blank (`Message 2: Deploy`, not `http://x` or `12:30`). A run of blanks is tried only
# from its start (from inside it, each try rescanned it).
_SEPARATOR_RE = re.compile(
    r"""(?<![ \t])[ \t]+[-–—][ \t]+
    |(?<![ \t])[ \t]*(?:[–—]|:(?![^ \t]))[ \t]*
    |^[ \t]*-[ \t]*
    |(?<![ \t])[ \t]*-[ \t]*$""",
    re.VERBOSE,
)
# What surrounds the words of a part without changing what it says: `BatchTool 🚀`, `**Message**`.
_DECORATION_RE = re.compile(r"^[\W_]+|(?<![\W_])[\W_]+$")


@dataclass(slots=True)
class Header:
    """A line that opens a message (or, for `wait`, closes the current one)."""

    number: int | None
    title: str | None
    wait: bool = False


def read_header(line: str, *, statement: bool) -> Header | None:
    """The header on LINE, or None when it is not one. A bracketed label is a header when it
    ends with a colon or names a message; other bracketed words (`[Wait for review]`) are not.
    STATEMENT: the line stands where a statement may start (outside brackets, not continuing an
    expression)."""
    first = line.lstrip()[:1]
    if first == "[":
        found = _bracketed(line, _OPEN_RE.match(line))
        if found is None:
            return None
        label, colon = found
        if _WAIT_RE.fullmatch(label):
            return Header(None, None, wait=True)
        if _is_code(label, statement=statement, colon=colon):
            return None
        if not colon and not _HEADER_WORD_RE.search(label):
            return None
        return _from_label(label)
    if first in "Mm":
        m = _PREFIXED_RE.match(line)
        found = _bracketed(line, m)
        if m is None or found is None or _is_code(found[0], statement=statement, colon=True):
            return None
        header = _from_label(found[0])
        header.number = int(m.group("num"))
        return header
    if first == "/":
        m = _COMMENT_RE.match(line)
        if m is None:
            return None
        title = _comment_title(line[m.end() :], opened=m.group("open") is not None)
        if title is None:
            return None
        return Header(int(m.group("num")), title or None)
    return None


def is_bracketed_note(line: str) -> bool:
    """Whether LINE, where a statement starts, is bracketed words that are not code (`[Wait for
    Bob's review]`): a note."""
    found = _bracketed(line, _OPEN_RE.match(line))
    return found is not None and not _is_code(found[0], statement=True)


def _bracketed(line: str, opened: re.Match[str] | None) -> tuple[str, bool] | None:
    """The label of a line whose `[` OPENED matched, and whether a colon follows it: the shortest
    label after which only blanks, a colon and a `//` comment end the line, so that brackets
    inside it (`[Step [b] c]:`) and in the comment (`[Message 2]: // see [x]`) both read right.
    None when no `]` ends the line so. Each `]` is looked at once, with the blanks after it."""
    if opened is None:
        return None
    start = opened.end()
    close = line.find("]", start)
    while close >= 0:
        rest = line[close + 1 :].lstrip(" \t")
        colon = rest.startswith(":")
        if colon:
            rest = rest[1:].lstrip(" \t")
        if rest in ("", "\r") or rest.startswith("//"):
            return line[start:close], colon
        close = line.find("]", close + 1)
    return None


def _comment_title(rest: str, *, opened: bool) -> str | None:
    """What follows `// Message 2` (REST): the title after a dash or a colon, "" for none, None
    when something else follows (`// Message 2 was slow`). A closing `*/`, and a `]` when the
    comment OPENED a bracket, are not part of it."""
    rest = rest.removesuffix("\r").rstrip(" \t")
    rest = rest.removesuffix("*/").rstrip(" \t")
    if opened:
        rest = rest.removesuffix("]").rstrip(" \t")
    rest = rest.lstrip(" \t")
    if not rest:
        return ""
    if rest[0] not in "-–—:":
        return None
    return rest[1:].strip()


def _is_code(label: str, *, statement: bool, colon: bool = False) -> bool:
    """Whether a bracketed LABEL is JavaScript. An operation in it always says so (`[Task("A",
    …)]` is not a title). Where a STATEMENT starts, the line ending with a COLON or following
    `Message N:` (which no statement does), nothing else does: `["Design" phase]:` is a header.
    There, values still say so (`["a", b]`); inside brackets or an expression, any call too."""
    if any(reads_as_operation(m.group(1)) for m in _CALLED_RE.finditer(label)):
        return True
    if statement and colon:
        return False
    if _VALUES_LABEL_RE.match(label):
        return True
    return not statement and _CALL_LABEL_RE.match(label) is not None


def _from_label(label: str) -> Header:
    """`Single Message - Deploy` → title Deploy; `BatchTool - Message 2` → message 2. The title
    is the label as written less its generic parts (`see [docs](http://x)`, `Phase 1: Design`);
    parts that a generic one came between are joined with ` - `."""
    number: int | None = None
    runs: list[tuple[int, int]] = []  # the spans of kept parts with no generic part between
    joined = False  # whether the last part kept continues the last run
    pos = 0
    for sep in [*_SEPARATOR_RE.finditer(label), None]:
        end = len(label) if sep is None else sep.start()
        part = label[pos:end]
        next_pos = end if sep is None else sep.end()
        stripped = part.strip()
        if stripped:
            generic = _GENERIC_PART_RE.fullmatch(_DECORATION_RE.sub("", stripped))
            if generic is None:
                first = pos + (len(part) - len(part.lstrip()))
                last = first + len(stripped)
                if joined:
                    runs[-1] = (runs[-1][0], last)
                else:
                    runs.append((first, last))
                joined = True
            else:
                joined = False
                if generic.group("num") and number is None:
                    number = int(generic.group("num"))
        pos = next_pos
    return Header(number, " - ".join(label[a:b] for a, b in runs) or None)
