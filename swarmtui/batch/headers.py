"""Message headers as people write them (§1): `[Single Message - Deploy]:`, `[BatchTool]:`,
`[BatchTool - Message 2]:`, `[Parallel Agent Execution]:`, `Message 2: [BatchTool]`,
`// Message 2: Verify`, and the `[Wait for completion]` marker."""

from __future__ import annotations

import re
from dataclasses import dataclass

from swarmtui.batch.names import reads_as_operation

# A whole line that is one bracketed label, maybe with a colon and a comment after it. The label
# is prose and may hold any character (`[Message 2 - The batch's own]:`, `[Ops (CI/CD) {fast}]:`):
# it is the shortest that leaves such an end, so that brackets inside it (`[Step [b] c]:`) and
# in the comment (`[Message 2]: // see [x]`) both read right. `_is_code` tells code apart.
_BRACKET_RE = re.compile(r"[ \t]*\[(?P<label>[^\n]*?)\][ \t]*(?P<colon>:?)[ \t]*(?://[^\n]*)?\r?$")
# `Message 2: [BatchTool - title]` (the prefix form followed by a bracketed label).
_PREFIXED_RE = re.compile(
    r"[ \t]*message[ \t]+(?P<num>\d{1,6})[ \t]*:?[ \t]*\[(?P<label>[^\n]*?)\]"
    r"[ \t]*:?[ \t]*(?://[^\n]*)?\r?$",
    re.IGNORECASE,
)
# A call between brackets (`[run(x)]`, `[f ("a")]`): prose puts a space before a parenthesis
# (`Ops (CI/CD)`). Only code of an unfinished statement is told by it (see `_is_code`).
_CALL_LABEL_RE = re.compile(r"""[^\n]*?(?:[\w$]\(|[\w$][ \t]+\([ \t]*["'`\[{)])""")
# A name called: `Task(`, `Bash(cmd)`, `Task ("A"`, but not `Write (docs)`, which is prose.
_CALLED_RE = re.compile(r"""([A-Za-z_$][\w$.@-]*)(?:\(|[ \t]+\([ \t]*["'`\[{)])""")
# What reads as JavaScript values: a value first (`["a", b]`, `[{...}]`, `[...xs]`, `[(a)]`) or a
# list (`[a, b]`, `[x, "y"]`). Prose puts its quotes after a word (`Phase 1 "Design"`, `Today's`)
# and may have arrows (`Build => Deploy`).
_VALUES_LABEL_RE = re.compile(
    r"""[ \t]*(?:["'`\[{(]|\.\.\.)
    |[^\n]*?,[ \t]*["'`\[{(]
    |[ \t]*[\w$.]+(?:[ \t]*,[ \t]*[\w$.]+)+[ \t]*$""",
    re.VERBOSE,
)
# `// Message 2`, `// Message 2: Verify`, `/* Message 3 */`, `// [Message 2 - Verify]`: a closing
# bracket is left out of the title only when the comment opened one (`// Message 2: see [x]`).
_COMMENT_RE = re.compile(
    r"[ \t]*(?://+|/\*)[ \t*]*(?P<open>\[)?[ \t]*message[ \t]+(?P<num>\d{1,6})\b[ \t]*"
    r"(?:[-–—:][ \t]*(?P<title>[^\n]*?))?[ \t]*(?(open)\]?)[ \t]*(?:\*/)?[ \t]*\r?$",
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
_SEPARATOR_RE = re.compile(r"[ \t]+[-–—][ \t]+|[ \t]*[:–—][ \t]*|^[ \t]*-[ \t]*|[ \t]*-[ \t]*$")
# What surrounds the words of a part without changing what it says: `BatchTool 🚀`, `**Message**`.
_DECORATION_RE = re.compile(r"^[\W_]+|[\W_]+$")


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
        m = _BRACKET_RE.match(line)
        if m is None:
            return None
        label = m.group("label")
        if _WAIT_RE.fullmatch(label):
            return Header(None, None, wait=True)
        colon = bool(m.group("colon"))
        if _is_code(label, statement=statement, colon=colon):
            return None
        if not colon and not _HEADER_WORD_RE.search(label):
            return None
        return _from_label(label)
    if first in "Mm":
        m = _PREFIXED_RE.match(line)
        if m is None or _is_code(m.group("label"), statement=statement, colon=True):
            return None
        header = _from_label(m.group("label"))
        header.number = int(m.group("num"))
        return header
    if first == "/":
        m = _COMMENT_RE.match(line)
        if m is None:
            return None
        title = (m.group("title") or "").strip() or None
        return Header(int(m.group("num")), title)
    return None


def is_bracketed_note(line: str) -> bool:
    """Whether LINE, where a statement starts, is bracketed words that are not code (`[Wait for
    Bob's review]`): a note."""
    m = _BRACKET_RE.match(line)
    return m is not None and not _is_code(m.group("label"), statement=True)


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
    """`Single Message - Deploy` → title Deploy; `BatchTool - Message 2` → message 2."""
    number: int | None = None
    kept: list[str] = []
    for part in _SEPARATOR_RE.split(label):
        part = part.strip()
        if not part:
            continue
        generic = _GENERIC_PART_RE.fullmatch(_DECORATION_RE.sub("", part))
        if generic is None:
            kept.append(part)
        elif generic.group("num") and number is None:
            number = int(generic.group("num"))
    return Header(number, " - ".join(kept) or None)
