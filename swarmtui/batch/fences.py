"""Markdown code fences in a pasted batch: which blocks are read as the batch, which are shell
(operations read, command lines never run: SW027), and which are not read at all (SW028)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from swarmtui.batch.diagnostics import FRONT_MATTER_NOTE
from swarmtui.batch.forms import read_line
from swarmtui.batch.invoke_xml import may_open, names_tool, opens_invoke
from swarmtui.batch.names import (
    CODEX_SPAWN_RE,
    OPENCODE_TASK_KEY,
    OPENCODE_TASK_RE,
    PI_SUBAGENT_RE,
    reads_as_operation,
)
from swarmtui.batch.yaml_call import opens_yaml_call

if TYPE_CHECKING:
    from swarmtui.batch.diagnostics import Diagnostics
    from swarmtui.batch.scan import LineInfo
    from swarmtui.batch.source import Source

# An opening or closing fence: three or more back-ticks or tildes, then an optional info string
# (a language, perhaps with attributes: ```bash title="x"). Back-ticks cannot follow a back-tick
# fence's info string (CommonMark), which keeps ```x``` (inline code) out. Any indentation: a
# fence in a nested list item is indented as deep as the item's text (CommonMark counts from
# there), and a fence-like line of an indented code block is nothing a batch holds.
FENCE_RE = re.compile(
    r"[ \t]*(?:(?P<ticks>`{3,})[ \t]*(?P<tlang>[^`\s]*)[^`\n]*|(?P<tildes>~{3,})[ \t]*"
    r"(?P<ilang>\S*)[^\n]*)$"
)
# Languages of blocks that hold shell command lines (claude-flow's guides label them ```bash).
SHELL_LANGUAGES = frozenset(
    {
        "bash", "sh", "shell", "zsh", "console", "shell-session", "shellsession", "sh-session",
        "terminal", "fish", "ksh", "csh", "tcsh", "powershell", "pwsh", "ps1", "cmd", "bat", "dos",
    }
)  # fmt: skip
# Languages a batch is written in (it looks like JavaScript; some label it ```ts), and blocks
# without a language: read as the batch, unless no operation is written in them (a listing).
BATCH_LANGUAGES = frozenset(
    {"", "javascript", "js", "jsx", "mjs", "cjs", "node", "typescript", "ts", "tsx", "mts", "cts"}
)
# Claude Code's tools are often shown called in Python's notation (`Task(subagent_type="coder",
# prompt="…")` in a ```python block): such a block is read when each of its statements is an
# operation (`#` comments aside). Any other Python in it makes it a program, not read.
PYTHON_LANGUAGES = frozenset({"python", "py", "python3"})
# wshobson/agents' steps (`Task:` with its arguments as YAML below, see `yaml_call`) are often
# fenced as ```yaml: such a block is read when it holds such calls and nothing else.
YAML_LANGUAGES = frozenset({"yaml", "yml"})
# Claude Code's tool calls in its transcripts' XML (`<invoke name="Task">`, see `invoke_xml`):
# a ```xml block is read when it calls an operation so.
XML_LANGUAGES = frozenset({"xml"})
# `mcp__<server>__<tool>` after its `mcp__`, the server being letters, digits and `@._-`. Its end
# is the first `__` after the server's last `-`, `@` or `.` (an earlier one would leave a tool
# that stops at that character, not at the `(` that must follow): the atomic group tries only
# that one, since a later `__` of the same run gives a tool ending in the same place. Trying
# each in turn made a 20,000-character `mcp__a__a__…` line take seconds (quadratic).
MCP_TAIL = r"(?>(?:[A-Za-z0-9_]*+[@.-])++[A-Za-z0-9_]*?__|[A-Za-z0-9_]+?__)\w+"
# An operation call where a line starts: `Task(`, `- Bash(`, `await Write(`, `LOG=$(Bash(`,
# `const r = Task(`. Anywhere else on a shell line (`echo "Task(x)"`) it is shell.
_CALL_HEAD_RE = re.compile(
    r"[ \t]*(?:(?:[-*+]|\d{1,3}[.)])[ \t]+|>[ \t]*)?(?:(?:const|let|var)[ \t]+)?"
    r"(?:[A-Za-z_$][\w$]*[ \t]*=[ \t]*(?:\$\()?)?(?:await[ \t]+)?"
    rf"(?P<name>mcp__{MCP_TAIL}|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)?)[ \t]*\("
)
# A call anywhere in a line (`[Task(...), Task(...)]`, `Promise.all([Bash(`), not of a method
# (`this.executeTask(`, `orchestrator.assignTask(`) nor a constructor (`new Task({...})` in a
# listing of a class): its name is tested as an operation's.
_CALL_RE = re.compile(
    rf"(?<![\w$.])(?<!new )(?<!new\t)"
    rf"(?P<name>mcp__{MCP_TAIL}|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)?)[ \t]*\("
)
# `task({` or `task(` ending a line, and a Task's argument on one of the lines below it.
_OPENCODE_TASK_OPENS_RE = re.compile(r"\btask[ \t]*\([ \t]*\{?[ \t]*$")
_TASK_KEY_RE = re.compile(rf"[ \t]*{OPENCODE_TASK_KEY}")
# A Claude Code slash command (`/swarm --fast Add a greeting`, `/gsd-progress`): a `/`, a
# command name, then a blank or the line's end. (As code, a regular expression left open.)
# A backslash after it makes the line a drawing (the test pyramid's `/Integr. \`), not a command.
SLASH_COMMAND_RE = re.compile(r"/[A-Za-z][\w:.-]*(?=[ \t]|$)(?![^\n]*\\)")
# A statement calling a capitalised name at the start of a line (`Deploy("prod")`, `Tsak(`): an
# operation swarmtui does not know or a misspelt one, which a batch must hear of (SW009), and
# not an API listing's line (those are indented, or methods, declarations, `await x.y(`).
UNKNOWN_CALL_RE = re.compile(r"(?:await[ \t]+)?[A-Z][\w$]*[ \t]*\(")
# A capitalised word glossed in parentheses, prose and not a call: followed by words
# (`SPARC (Specification, Pseudocode) is a method`), a speaker's or a heading's label ending
# with `:` (`Claude (good):`, `Critical (Blockers):`, `Effort (hours):`), or a heading alone
# after a blank whose parentheses hold what no argument list does (`Development (40-50%)`;
# not `Deploy (prod)`). Quotes in the last two are a call's (`Deploy ("prod"):` is said).
GLOSS_RE = re.compile(
    r"[A-Z][\w$]*(?:[ \t]+\([^()]*\)[ \t]*[A-Za-z]|[ \t]*\([^()\"'`]*\)[ \t]*:"
    r"|[ \t]+\((?![ \t]*[\w$.]*(?:[ \t]*,[ \t]*[\w$.]+)*[ \t]*\))[^()\"'`]*\)[ \t]*$)"
)
# A `#` comment after an operation on a line of a shell block (`Bash("npm test")  # tests`):
# strings are passed over whole, so a `#` in one (`Bash("echo '#1'")`) stays.
_SHELL_COMMENT_RE = re.compile(
    r"""[^"'`#]+|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`"""
)

# A statement declaring data: a name given an array, an object, a string or a number.
_DATA_HEAD_RE = re.compile(
    r"(?:export[ \t]+)?(?:const|let|var)[ \t]+(?P<name>[A-Za-z_$][\w$]*)[ \t]*=[ \t]*"
    r"[\[{\"'`0-9-]"
)
# What a line of a block starts with when it does not start a statement: nothing, indentation,
# a closing bracket (of a value written over several lines) or a comment.
_NOT_A_STATEMENT_HEAD = frozenset({"", " ", "\t", "]", "}", ")", "/", "*", "\r", "\n"})

BlockKind = Literal["shell", "other", "listing", "front-matter"]


@dataclass(slots=True)
class Block:
    """A fenced block that is not read as the batch, or not all of it: a shell block (its
    command lines are not run), a block in another language, or a listing (a ```typescript
    block with no operation in it). ROWS are its lines not read (0-based)."""

    language: str
    kind: BlockKind
    row: int  # the opening fence's
    rows: list[int] = field(default_factory=list)


_YAML_KEY_RE = re.compile(r"[A-Za-z_][\w-]*[ \t]*:(?:[ \t]|$)")


def front_matter(lines: list[str]) -> tuple[int, int]:
    """The rows of the `---` lines opening and closing a YAML front matter at the start of the
    text (an agent or command file's `name:`, `description:`, `hooks:`), or (-1, -1) when it has
    none. Blank lines may come before it (a paste often starts with one), and a byte-order mark
    (Windows Notepad saves one; the parser reads it as a space)."""
    start = next((row for row, line in enumerate(lines[:20]) if line.strip()), -1)
    if start < 0 or _FRONT_MATTER_OPEN_RE.fullmatch(lines[start]) is None:
        return -1, -1
    first = next((line for line in lines[start + 1 : start + 3] if line.strip()), "")
    if not _YAML_KEY_RE.match(first):
        return -1, -1
    for row in range(start + 1, min(len(lines), start + 500)):
        if lines[row].rstrip() in ("---", "..."):
            return start, row
    return -1, -1


# (a byte-order mark is a space by the time the scanner reads the text, or still the mark)
_FRONT_MATTER_OPEN_RE = re.compile("[ \ufeff]?---[ \t]*\r?")


def fence_language(line: str) -> str | None:
    """The info string's first word (lower case, `""` for none) when LINE is a fence line."""
    parts = fence_parts(line)
    return None if parts is None else parts[2]


def fence_parts(line: str) -> tuple[str, int, str] | None:
    """A fence line's character (` or ~), its length and its language (lower case, or `""`)."""
    m = FENCE_RE.match(line.rstrip("\r"))
    if m is None:
        return None
    if m.group("ticks"):
        return "`", len(m.group("ticks")), m.group("tlang").lower()
    return "~", len(m.group("tildes")), (m.group("ilang") or "").lower()


def _used_later(names: list[str], lines: list[str], end: int) -> bool:
    """Whether an operation after row END, or a loop over items, uses one of NAMES."""
    used = re.compile(r"(?<![\w$.])(?:" + "|".join(map(re.escape, names)) + r")(?![\w$])")
    for text in lines[end + 1 :]:
        found = used.search(text)
        if found is not None and (
            writes_operation(text)
            or _LOOP_RE.match(text, found.end()) is not None
            or _OF_RE.search(text, 0, found.start()) is not None
        ):
            return True
    return False


# What follows a name looped over (`team.forEach(`, `team.map(`, `team.flatMap(`).
_LOOP_RE = re.compile(r"[ \t]*\.[ \t]*(?:forEach|map|flatMap)\b")
# What precedes a name looped over by `for (const m of team)` (in the loop's parentheses: the
# `of` of a sentence, "the keeper of brand integrity", loops over nothing).
_OF_RE = re.compile(r"\bfor[ \t]*(?:await[ \t]*)?\([^()]*[ \t]of[ \t]+$")


def _in_a_tree(lines: list[str], row: int, fence: int) -> bool:
    """Whether the `/word` line at ROW (in the block opened at FENCE) is an entry of a
    directory tree written with leading slashes (`/brand-assets`, then `  /logos` under it),
    not a slash command: the next line is a `/word` indented deeper, or the nearest line above
    indented less is one."""
    line = lines[row]
    indent = len(line) - len(line.lstrip(" \t"))
    below = next((text for text in lines[row + 1 : row + 4] if text.strip()), "")
    depth = len(below) - len(below.lstrip(" \t"))
    if depth > indent and SLASH_COMMAND_RE.match(below.strip()):
        return True
    for above in reversed(lines[max(fence + 1, row - 50) : row]):
        depth = len(above) - len(above.lstrip(" \t"))
        if above.strip() and depth < indent:
            return SLASH_COMMAND_RE.match(above.strip()) is not None
    return False


def _only_operations(row: int, lines: list[str]) -> bool:
    """Whether the block opened at ROW holds operations and nothing else: each line starting a
    statement (unindented) writes one, or is a `#` comment. (Indented lines go on with a call's
    arguments; in a Python program they would be a body under a `def` or an `if`.)"""
    found = False
    quote = ""  # the triple quote of a string left open above
    for i in range(row + 1, len(lines)):
        text = lines[i]
        if quote:
            quote = "" if text.count(quote) % 2 else quote
            continue
        if text.lstrip(" \t")[:1] in ("`", "~") and fence_parts(text) is not None:
            break
        head = text[:1]
        if head not in ("", " ", "\t", "#", ")", "]", "}", "\r"):
            # (opencode's `task(` with its arguments by name on the lines below)
            opens_task = _OPENCODE_TASK_OPENS_RE.search(text) is not None and any(
                _TASK_KEY_RE.match(below) for below in lines[i + 1 : i + 4]
            )
            if not (opens_task or writes_operation(text)):
                return False
            found = True
        quote = next((q for q in ('"""', "'''") if text.count(q) % 2), "")
    return found


def _only_yaml_calls(row: int, lines: list[str]) -> bool:
    """Whether the block opened at ROW holds operations with their arguments as YAML below
    their names (`Task:` then its keys indented under it, or `<Task>` … `</Task>`) and nothing
    else but `#` comments: a YAML document of other keys is not a batch."""
    found = False
    closing = ""  # the `</Task>` of a call open above
    under = -1  # the indentation of the `Task:` of a call open above
    for i in range(row + 1, len(lines)):
        text = lines[i]
        if closing:
            closing = "" if text.strip() == closing else closing
            continue
        if text.lstrip(" \t")[:1] in ("`", "~") and fence_parts(text) is not None:
            break
        stripped = text.strip()
        indent = len(text) - len(text.lstrip(" \t"))
        if not stripped or (under >= 0 and indent > under):
            continue  # (a line of the call's arguments)
        under = -1
        if stripped.startswith("#"):
            continue
        name = opens_yaml_call(text, lines[i + 1] if i + 1 < len(lines) else "")
        if name is None:
            return False
        found = True
        if stripped.startswith("<"):
            closing = f"</{name}>"
        else:
            under = indent
    return found and not closing


def _invokes_operation(row: int, lines: list[str]) -> bool:
    """Whether the block opened at ROW calls an operation in XML (`<invoke name="Task">`)."""
    for text in lines[row + 1 :]:
        if text.lstrip(" \t")[:1] in ("`", "~") and fence_parts(text) is not None:
            return False
        if "<" in text and _invokes(text):
            return True
    return False


def _invokes(line: str) -> bool:
    """Whether LINE opens a call of an operation in XML, or names one (`<tool_name>`)."""
    if may_open(line):
        name = opens_invoke(line)
    elif "<tool_name>" in line:
        name = names_tool(line)
    else:
        return False
    return name is not None and reads_as_operation(name)


def writes_operation(line: str) -> bool:
    """Whether LINE writes an operation: a call of one (at its start or inside brackets), or a
    form read from the start of a line (`TodoWrite {`, `mcp__x__agent_spawn researcher`)."""
    if "(" in line:
        if any(reads_as_operation(m.group("name")) for m in _CALL_RE.finditer(line)):
            return True
        if "task" in line and OPENCODE_TASK_RE.search(line):
            return True
        if "spawn_agent" in line and CODEX_SPAWN_RE.search(line):
            return True
        if "subagent" in line and PI_SUBAGENT_RE.search(line):
            return True
        head = _CALL_HEAD_RE.match(line)
        if head is not None and reads_as_operation(head.group("name")):
            return True
    if "<" in line and _invokes(line):
        return True
    form = read_line(line, 0)
    return form is not None and form.kind in ("parenless", "bare", "cli")


def shell_comment(line: str) -> int:
    """Where a `#` comment starts on a code line of a shell block (after a blank), or -1."""
    pos = 0
    end = len(line)
    while pos < end:
        if line[pos] == "#":
            return pos if pos and line[pos - 1] in " \t" else -1
        m = _SHELL_COMMENT_RE.match(line, pos)
        if m is None:
            return -1  # (a string left open: it goes on over the next line)
        pos = m.end()
    return -1


class Fences:
    """Follows the fences of a text line by line (told only of lines outside any string or
    comment): which block is open, and whether its lines are read.

    A fence with a language opens a block (a closing fence left out above it is forgiven), but
    not inside a block opened with a longer fence or the other character (````markdown around a
    ```bash example); a bare fence as long as the open block's closes it, or opens a block
    without a language. A block in a batch language is read as the rest of the batch is, unless
    nothing in it is an operation (then it is a listing, not read); a shell block keeps its
    operations and its command lines are not run; any other language is not read."""

    __slots__ = ("blocks", "char", "inside", "length", "python", "shell", "unread")

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.inside = False
        self.char = ""
        self.length = 0
        self.shell: Block | None = None  # the open shell block
        self.unread: Block | None = None  # the open block that is not read at all
        # A ```python block read as the batch is open: `#` starts a comment there.
        self.python = False

    def fence(self, line: str, row: int, lines: list[str]) -> bool:
        """Follow the fence line at ROW of LINES; False when it is not one, or is a line of the
        open block (a shorter fence, or one of the other character)."""
        parts = fence_parts(line)
        if parts is None:
            return False
        char, length, language = parts
        if self.inside and (char != self.char or length < self.length):
            return False
        self.shell = self.unread = None
        self.python = False
        if language or not self.inside:
            self.inside = True
            self.char, self.length = char, length
            kind = self._kind(language, row, lines)
            self.python = kind is None and language in PYTHON_LANGUAGES
            if kind is not None:
                block = Block(language, kind, row)
                self.blocks.append(block)
                if kind == "shell":
                    self.shell = block
                else:
                    self.unread = block
        else:
            self.inside = False
        return True

    def _kind(self, language: str, row: int, lines: list[str]) -> BlockKind | None:
        if language in SHELL_LANGUAGES:
            return "shell"
        if language in PYTHON_LANGUAGES:
            return None if _only_operations(row, lines) else "other"
        if language in XML_LANGUAGES:
            return None if _invokes_operation(row, lines) else "other"
        if language in YAML_LANGUAGES:
            return None if _only_yaml_calls(row, lines) else "other"
        if language not in BATCH_LANGUAGES:
            return "other"
        # A ```typescript block of API signatures (`async createTask(config: TaskConfig):
        # Promise<Task>`) is not a batch that failed to parse: what is not an operation is
        # not read. One operation anywhere in it makes it all read, errors and all. So for a
        # block without a language: a diagram (`(Agent #1)`) or a transcript is not a batch.
        names: list[str] = []  # declared by statements that all declare data, so far
        data = True
        end = len(lines)
        for i in range(row + 1, len(lines)):
            text = lines[i]
            if text.lstrip(" \t")[:1] in ("`", "~") and fence_parts(text) is not None:
                end = i
                break
            if writes_operation(text) or (
                UNKNOWN_CALL_RE.match(text) and not GLOSS_RE.match(text.rstrip("\r"))
            ):
                return None
            if text[-1:] in (":", ">", "\r", " ") and opens_yaml_call(
                text, lines[i + 1] if i + 1 < len(lines) else ""
            ):
                return None  # (`Task:` with its arguments as YAML below, see `yaml_call`)
            if _OPENCODE_TASK_OPENS_RE.search(text) and any(
                _TASK_KEY_RE.match(below) for below in lines[i + 1 : i + 4]
            ):
                return None  # (opencode's `task({` with its `subagent_type:` below)
            if (
                not language
                and SLASH_COMMAND_RE.match(text.strip())
                and not _in_a_tree(lines, i, row)
            ):
                return None  # (read, so that its slash commands are said not run, SW027)
            if text[:1] not in _NOT_A_STATEMENT_HEAD and data:
                head = _DATA_HEAD_RE.match(text)
                data = head is not None
                if head is not None:
                    names.append(head.group("name"))
        # Data the batch goes on to use (`const team = [{ … }]`, in a block of its own before
        # the one whose operations loop over it) is read, though no operation is written in it.
        if data and names and _used_later(names, lines, end):
            return None
        return "listing"

    def ends_unread(self, line: str, row: int, lines: list[str]) -> bool:
        """Inside a block that is not read: whether LINE is the fence that ends it (followed)."""
        if line.lstrip(" \t")[:1] not in ("`", "~"):
            return False
        return self.fence(line, row, lines)

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
        block.rows.append(row)
        return True


def report(blocks: list[Block], source: Source, diags: Diagnostics) -> None:
    """Once per block: SW027 for the command lines of a shell block, at the first of them;
    SW028 for a block not read, at its fence."""
    for block in blocks:
        rows = block.rows
        if block.kind == "shell":
            if rows:
                diags.add("SW027", _shell_message(block, source), source.line_range(rows[0]))
            continue
        fence = source.line_range(block.row)
        lines = "1 line is" if len(rows) == 1 else f"{len(rows)} lines are"
        if block.kind == "front-matter":
            message = (
                f"{FRONT_MATTER_NOTE} (name, description, hooks), not a batch: its {lines} not read"
            )
        elif block.kind == "listing":
            message = (
                f"a ```{block.language} block without any operation (Task, Bash, Write, …): "
                f"a listing, not a batch; its {lines} not read"
            )
        else:
            message = f"a ```{block.language} block is not a batch: its {lines} not read"
            written = next((r for r in rows if writes_operation(source.line_text(r))), None)
            where = "a batch is written in ```javascript"
            if written is None and block.language in YAML_LANGUAGES:
                written = next(
                    (
                        r
                        for n, r in enumerate(rows[:-1])
                        if source.line_text(r)[-1:] in (":", ">")
                        and opens_yaml_call(_typed(source, r), _typed(source, rows[n + 1]))
                    ),
                    None,
                )
                where = "a ```yaml block is read when it holds only such calls, `#` comments aside"
            if written is not None:
                message += f", not even the operation at line {written + 1} ({where})"
        diags.add("SW028", message, fence)


def _typed(source: Source, row: int) -> str:
    """The 0-based ROW as typed, indentation and all."""
    start = source.line_starts[row]
    return source.text[start : start + len(source.lines[row])]


def _shell_message(block: Block, source: Source) -> str:
    rows = block.rows
    first = source.line_text(rows[0])
    shown = first if len(first) <= 50 else first[:49] + "…"
    more = f" (and {len(rows) - 1} more)" if len(rows) > 1 else ""
    return (
        f"`{shown}`{more}: command lines of a ```{block.language} block are not run; "
        'to run one, write it as Bash("...")'
    )
