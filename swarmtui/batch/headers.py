"""Message headers as people write them (§1): `[Single Message - Deploy]:`, `[BatchTool]:`,
`[BatchTool - Message 2]:`, `[Parallel Agent Execution]:`, `Message 2: [BatchTool]`,
`// Message 2: Verify`, and the `[Wait for completion]` marker."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A whole line that is one bracketed label, maybe with a colon and a comment after it.
_BRACKET_RE = re.compile(
    r"[ \t]*\[(?P<label>[^\[\]\"'`{}\n]*)\][ \t]*(?P<colon>:?)[ \t]*(?://[^\n]*)?\r?$"
)
# `Message 2: [BatchTool - title]` (the prefix form followed by a bracketed label).
_PREFIXED_RE = re.compile(
    r"[ \t]*message[ \t]+(?P<num>\d{1,6})[ \t]*:?[ \t]*\[(?P<label>[^\[\]\"'`{}\n]*)\]"
    r"[ \t]*:?[ \t]*(?://[^\n]*)?\r?$",
    re.IGNORECASE,
)
# `// Message 2`, `// Message 2: Verify`, `/* Message 3 */`.
_COMMENT_RE = re.compile(
    r"[ \t]*(?://+|/\*)[ \t*]*\[?[ \t]*message[ \t]+(?P<num>\d{1,6})\b[ \t]*"
    r"(?:[-–—:][ \t]*(?P<title>[^\n]*?))?[ \t]*\]?[ \t]*(?:\*/)?[ \t]*\r?$",
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


@dataclass(slots=True)
class Header:
    """A line that opens a message (or, for `wait`, closes the current one)."""

    number: int | None
    title: str | None
    wait: bool = False


def read_header(line: str) -> Header | None:
    """The header on LINE, or None when it is not one. A bracketed label is a header when it
    ends with a colon or names a message; other bracketed words (`[Wait for review]`) are not."""
    first = line.lstrip()[:1]
    if first == "[":
        m = _BRACKET_RE.match(line)
        if m is None:
            return None
        label = m.group("label")
        if _WAIT_RE.fullmatch(label):
            return Header(None, None, wait=True)
        if not m.group("colon") and (not _HEADER_WORD_RE.search(label) or "(" in label):
            return None
        return _from_label(label)
    if first in "Mm":
        m = _PREFIXED_RE.match(line)
        if m is None:
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


def _from_label(label: str) -> Header:
    """`Single Message - Deploy` → title Deploy; `BatchTool - Message 2` → message 2."""
    number: int | None = None
    kept: list[str] = []
    for part in _SEPARATOR_RE.split(label):
        part = part.strip()
        if not part:
            continue
        generic = _GENERIC_PART_RE.fullmatch(part)
        if generic is None:
            kept.append(part)
        elif generic.group("num") and number is None:
            number = int(generic.group("num"))
    return Header(number, " - ".join(kept) or None)
