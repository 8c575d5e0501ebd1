"""Markdown code fences in a pasted batch: which blocks are shell, and which of their lines are
operations (read) or command lines (never run: SW027)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from swarmtui.batch.names import reads_as_operation

if TYPE_CHECKING:
    from swarmtui.batch.diagnostics import Diagnostics
    from swarmtui.batch.scan import LineInfo
    from swarmtui.batch.source import Source

# An opening or closing fence: three or more back-ticks or tildes, then an optional info string
# (a language, perhaps with attributes: ```bash title="x"). Back-ticks cannot follow a back-tick
# fence's info string (CommonMark), which keeps ```x``` (inline code) out.
FENCE_RE = re.compile(
    r"[ \t]{0,3}(?:(?P<ticks>`{3,})[ \t]*(?P<tlang>[^`\s]*)[^`\n]*|(?P<tildes>~{3,})[ \t]*"
    r"(?P<ilang>\S*)[^\n]*)$"
)
# Languages of blocks that hold shell command lines (claude-flow's guides label them ```bash).
SHELL_LANGUAGES = frozenset(
    {
        "bash", "sh", "shell", "zsh", "console", "shell-session", "shellsession", "sh-session",
        "terminal", "fish", "ksh", "csh", "tcsh", "powershell", "pwsh", "ps1", "cmd", "bat", "dos",
    }
)  # fmt: skip
# An operation call where a line of a shell block starts: `Task(`, `- Bash(`, `await Write(`,
# `LOG=$(Bash(`, `const r = Task(`. Anywhere else on the line (`echo "Task(x)"`) it is shell.
_CALL_HEAD_RE = re.compile(
    r"[ \t]*(?:(?:[-*+]|\d{1,3}[.)])[ \t]+|>[ \t]*)?(?:(?:const|let|var)[ \t]+)?"
    r"(?:[A-Za-z_$][\w$]*[ \t]*=[ \t]*(?:\$\()?)?(?:await[ \t]+)?"
    r"(?P<name>mcp__[A-Za-z0-9@._-]+?__\w+|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)?)[ \t]*\("
)


@dataclass(slots=True)
class ShellBlock:
    """A shell fence: its language and its command lines (0-based rows)."""

    language: str
    command_rows: list[int] = field(default_factory=list)


def fence_language(line: str) -> str | None:
    """The info string's first word (lower case, `""` for none) when LINE is a fence line."""
    m = FENCE_RE.match(line.rstrip("\r"))
    if m is None:
        return None
    return (m.group("tlang") if m.group("ticks") else m.group("ilang") or "").lower()


class Fences:
    """Follows the fences of a text line by line (told only of lines outside any string or
    comment) and turns the command lines of shell blocks into `shell` lines.

    A fence with a language always opens a block (a closing fence left out above it is
    forgiven); a bare fence closes the open block, or opens one without a language. Only a shell
    block changes anything: elsewhere lines are read as the rest of the batch is."""

    __slots__ = ("blocks", "inside", "shell")

    def __init__(self) -> None:
        self.blocks: list[ShellBlock] = []
        self.inside = False
        self.shell: ShellBlock | None = None

    def fence(self, line: str) -> bool:
        """Follow a fence line; False when LINE is not one."""
        language = fence_language(line)
        if language is None:
            return False
        if language or not self.inside:
            self.inside = True
            self.shell = None
            if language in SHELL_LANGUAGES:
                self.shell = ShellBlock(language)
                self.blocks.append(self.shell)
        else:
            self.inside = False
            self.shell = None
        return True

    def command(self, row: int, info: LineInfo, line: str, continues: bool) -> bool:
        """Whether a line inside a shell block is a command line (recorded as one). Operations,
        the lines that go on with one left unfinished above (CONTINUES), headers and `#`
        comments are read as anywhere else."""
        block = self.shell
        if block is None or continues:
            return False
        kind = info.kind
        if kind == "code":
            m = _CALL_HEAD_RE.match(line)
            if info.form is not None or (m is not None and reads_as_operation(m.group("name"))):
                return False
        elif kind != "note" or info.call_like or info.text.startswith("#"):
            return False
        elif info.text[:1] in "`~" and fence_language(line) is not None:
            return False  # (the fence that closes the block)
        block.command_rows.append(row)
        return True


def report(blocks: list[ShellBlock], source: Source, diags: Diagnostics) -> None:
    """SW027 once per shell block with command lines, at the first of them."""
    for block in blocks:
        rows = block.command_rows
        if not rows:
            continue
        rng = source.line_range(rows[0])
        first = source.line_text(rows[0])
        shown = first if len(first) <= 50 else first[:49] + "…"
        more = f" (and {len(rows) - 1} more)" if len(rows) > 1 else ""
        diags.add(
            "SW027",
            f"`{shown}`{more}: command lines of a ```{block.language} block are not run; "
            'to run one, write it as Bash("...")',
            rng,
        )
