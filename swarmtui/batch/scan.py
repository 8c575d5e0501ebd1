"""First pass over batch text: headers, prefixes, notes, placeholders and operation forms by line.

The result is a copy of the text of exactly the same length in characters, in which everything that
is not code (headers, prefixes, notes, list markers, command-line calls) is blanked with spaces,
placeholders are replaced with `$` identifiers, `mcp__claude-flow__x` is spelt `mcp__claude_flow__x`
and `Name {...}` becomes `____= {...}` (see `forms`), so tree-sitter can parse the rest and every
column stays where the user typed it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from typing import Literal

from swarmtui.batch.fences import (
    GLOSS_RE,
    MCP_TAIL,
    SLASH_COMMAND_RE,
    UNKNOWN_CALL_RE,
    Block,
    Fences,
    fence_language,
    front_matter,
    shell_comment,
    writes_operation,
)
from swarmtui.batch.forms import LineForm, dashed_mcp_names, named_call, read_line
from swarmtui.batch.headers import is_bracketed_note, read_header
from swarmtui.batch.invoke_xml import invoke_call, may_open, opens_invoke
from swarmtui.batch.names import AGENT_TOOLS, reads_as_operation
from swarmtui.batch.pasted import LOOKALIKE_PAREN, Undone, rows_of, undo_pasting
from swarmtui.batch.yaml_call import opens_yaml_call, yaml_call

# `unread`: a line of a fenced block that is not read (the command lines of a shell block, the
# lines of a block in another language or of a listing), said once per block.
LineKind = Literal["code", "blank", "header", "note", "wait", "prefix", "cli", "unread"]

_PREFIX_RE = re.compile(r"[ \t]*message[ \t]+(?P<num>\d{1,6})[ \t]*:[ \t]*", re.IGNORECASE)
# Any other `Word N:` label before an operation (`Step 2: Task(…)`, claude-flow's guide in
# Portuguese: `Mensagem 3: Bash(…)`): the operation is read. The word for a message in another
# language numbers the message, as `Message N:` does; any other label (a step, a phase, an
# agent's number) is the text's, and the operation stays in the message it is in.
_LABEL_RE = re.compile(r"[ \t]*(?P<word>[^\W\d_]{2,24})[ \t]+(?P<num>\d{1,6})[ \t]*:[ \t]*")
_MESSAGE_WORDS = frozenset(
    {
        "mensagem", "mensaje", "messaggio", "nachricht", "сообщение", "повідомлення", "wiadomość",
        "bericht", "mesaj", "消息", "メッセージ", "메시지",
    }
)  # fmt: skip
_MCP = r"mcp__" + MCP_TAIL
# The same, found anywhere in a line: only the first `mcp__` of a run of name characters is
# tried, since any later one that would match means the first matches too.
_MCP_ANYWHERE = r"(?<![A-Za-z0-9@._-])(?>[A-Za-z0-9@._-]*?mcp__)" + MCP_TAIL
_CALL_START_RE = re.compile(
    rf"[ \t]*(?:await[ \t]+)?(?:{_MCP}|[A-Za-z_$][\w$]*(?:[ \t]*\.[ \t]*[A-Za-z_$][\w$]*)*)"
    r"[ \t]*\("
)
_TOOLS = (
    r"Task|Agent|TodoWrite|TaskCreate|Bash|Write|Read|Edit|MultiEdit|Glob|Grep|LS|WebSearch"
    r"|WebFetch|NotebookEdit|[Mm]emory\.\w+"
)
_FLOW_TOOLS = r"(?:memory_usage|swarm_init|agent_spawn)"
# Operation calls that start a new statement even where an earlier call was left unclosed.
_KNOWN_CALL_RE = re.compile(rf"(?:{_TOOLS}|{_MCP}|\w*{_FLOW_TOOLS})[ \t]*\(")
# `Task(`, `Bash(`: a line opening with an operation's call (most lines that start a statement
# in a batch), code without looking further for prose.
_OPERATION_OPENS_RE = re.compile(rf"(?:{_TOOLS}|{_MCP})\(")
# An operation glossed in words, as an outline of messages writes it (claude-flow's CLAUDE.md
# "NEVER DO THIS": `Message 4: TodoWrite (single todo)`, `agent_spawn (just one agent)`): two
# words or more in parentheses after a space are no arguments. (One word is a call:
# `agent_spawn (researcher)` names the type.)
_GLOSSED_OP_RE = re.compile(
    rf"[ \t]*(?:{_TOOLS}|{_MCP}|\w*{_FLOW_TOOLS})[ \t]+\([ \t]*[A-Za-z][\w'-]*"
    r"(?:[ \t]+[A-Za-z0-9][\w'-]*)+[ \t]*\)[ \t]*(?://.*)?"
)
# Whether a line calls an operation anywhere (the `\w*` before a claude-flow tool changes nothing
# there, and retried from every position it made long words quadratic).
_KNOWN_CALL_ANYWHERE_RE = re.compile(rf"(?:{_TOOLS}|{_MCP_ANYWHERE}|{_FLOW_TOOLS})[ \t]*\(")
# `X = ...Task(...)`, `ARCH=$(Bash(...))`: an assignment wrapping an operation.
_ASSIGN_RE = re.compile(r"[ \t]*[A-Za-z_$][\w$]*[ \t]*=(?!=)")
# A declaration (`const x = …`, `const [a, b] = await Promise.all([...])`) is code.
_DECL_RE = re.compile(r"[ \t]*(?:const|let|var)[ \t]+[A-Za-z_$[{]")
# A Claude Code transcript's tags around tool calls and what they returned.
_TRANSCRIPT_TAGS = frozenset({"<function_calls>", "</function_results>"})
_COMMENT_START_RE = re.compile(r"[ \t]*(?://|/\*)")
# A Markdown link reference definition (`[1]: https://arxiv.org/abs/… "Title"`), under a
# document's References: never code (as code, `[1]` then `:` is a syntax error).
_LINK_DEFINITION_RE = re.compile(
    r"\[[^\[\]\n]+\]:[ \t]+(?:<[^<>\s]+>|[a-z][\w+.-]*://\S+|\.{0,2}/\S*|#\S*)"
    r"(?:[ \t]+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?[ \t]*"
)
_CONTINUATION_START = set("+.)]},?:&|\"'`*/%=<>-")
_CONTINUATION_END = set("+-*/%,([{=.?:&|<>!")
_ENDS_STATEMENT = frozenset({"note", "cli", "unread"})
# How a line opening an operation's YAML arguments ends (`Task:`, `<Task>`): a cheap test first.
_YAML_OPEN_ENDS = frozenset({":", ">", "\r", " ", "\t"})
# A Markdown link or image starting a line: `[text](`, `![alt](`, `[![alt](`. (An image's
# text and address hold no brackets: each character is looked at a bounded number of times.)
_MARKDOWN_LINK_RE = re.compile(r"!?\[(?:!\[[^\][\n]*\]\([^()\n]*\)|[^\]\n])*\]\(")
# A Markdown horizontal rule: three or more `-`, `*` or `_` (spaces between allowed).
_RULE_RE = re.compile(r"([-*_])(?:[ \t]*\1){2,}")
# (`<ClaudeFlowContext.Provider value={x}>`: JSX names may be dotted.)
_HTML_RE = re.compile(r"</?[A-Za-z][\w-]*(?:\.[A-Za-z][\w-]*)*(?:[\s/>]|$)|<!--")

# Tokens that matter for bracket depth; strings and comments are skipped whole. The leading
# lookahead lets the regex engine pass over ordinary characters without trying each branch.
# `ph` also takes words in brackets (`[5-10 todos with all statuses]`) or angle brackets
# (`prompt: <agent content>`): prose standing for a value to fill in, never valid JavaScript.
_TOKEN_RE = re.compile(
    r"""(?=[\n/"'`{.()\[\]}<])
    (?:(?P<nl>\n)
    |(?P<lc>//[^\n]*)
    |(?P<bc>/\*[\s\S]*?(?:\*/|\Z))
    |(?P<s>"[^"\\\n]*(?:\\[\s\S][^"\\\n]*)*"?|'[^'\\\n]*(?:\\[\s\S][^'\\\n]*)*'?)
    |(?P<t>`[^`\\]*(?:\\[\s\S][^`\\]*)*`?)
    |(?P<ph>\{[ \t]*\.\.\.[^{}\n]*\}|\.\.\.(?![A-Za-z_$(\[])
      |<[A-Za-z]\w*(?:[ \t-]\w+)+>
      |\[(?![ \t]*(?:await|typeof|void|delete|yield|new)\b)[^\[\]{}()"'`:;=\n]*?
        [A-Za-z0-9_]+[ \t]+[A-Za-z0-9_]+[^\[\]{}()"'`:;=\n]*\])
    |(?P<open>[(\[{])
    |(?P<close>[)\]}]))""",
    re.VERBOSE,
)

PLACEHOLDER_CHAR = "$"
# Tree-sitter keeps a whole syntax tree in memory, about 130 bytes per character of broken text:
# a big batch is parsed in pieces of this size so that memory stays bounded.
CHUNK_CHARS = 640 * 1024
# Text that never closes its brackets (a hostile or garbled paste) is cut anyway this far on, at a
# line outside any string: one statement spanning more than a megabyte is not a batch.
FORCED_CUT_CHARS = 2 * CHUNK_CHARS


@dataclass(frozen=True, slots=True)
class LineInfo:
    kind: LineKind
    # For headers and prefixes: the message number given, if any; for headers, the title.
    number: int | None = None
    title: str | None = None
    # The text of a note (stripped).
    text: str = ""
    # A code line whose statement starts with `name(`: an operation should start on it.
    call_start: bool = False
    # A line that reads like a call but is not one (`Write file1.js`): the operation name.
    call_like: str = ""
    # The operation form the line starts with, when it needed rewriting (see `forms`).
    form: LineForm | None = None
    # A bare MCP name with its arguments written below it as `key: value` lines (claude-flow's
    # CLAUDE.md does): their names, for the warning (those lines are notes, not read).
    args_below: tuple[str, ...] = ()
    # A line starting with an operation call inside the statement the line above left open
    # (after `x =`, or a line ending with `.`): no statement starts there, but the operation
    # must be read or said.
    continued: bool = False
    # A Claude Code slash command on a line of its own (`/swarm Add a greeting`): its name.
    command: str = ""
    # A line that reads like an operation but is not read, and why (SW019: see `pasted`, YAML
    # arguments not read as such).
    lookalike: str = ""


# The common kinds of line, shared (most lines of a big batch are one of these).
_CODE = LineInfo("code")
_CALL = LineInfo("code", call_start=True)
_BLANK = LineInfo("blank")
_CONTINUED_CALL = LineInfo("code", continued=True)


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
    # Lines at which a large text can be cut into pieces parsed one at a time (no bracket,
    # string or expression open across them), about every CHUNK_CHARS characters.
    cuts: list[int] = field(default_factory=list)
    # Fenced blocks not read, or not all of it: shell blocks (their command lines are not
    # run), blocks in other languages and listings (see `fences`).
    blocks: list[Block] = field(default_factory=list)
    # Texts blanked in the copy because no JavaScript string holds them as written, by the
    # offset where each starts (see `forms.named_call`).
    literals: dict[int, str] = field(default_factory=dict)
    # Curly-quoted spans read as strings (start, end offsets): said where they are (`pasted`).
    quotes: list[tuple[int, int]] = field(default_factory=list)
    # MCP names Prettier split at their dash (`mcp__claude - flow__x`), by where the copy's
    # name starts: the name they are.
    names: dict[int, str] = field(default_factory=dict)


@dataclass(slots=True)
class _Edits:
    """Same-length replacements to make in the copy tree-sitter parses."""

    spans: list[tuple[int, int, str]] = field(default_factory=list)
    literals: dict[int, str] = field(default_factory=dict)

    def blank(self, start: int, end: int) -> None:
        if end > start:
            self.spans.append((start, end, " " * (end - start)))

    def form(self, form: LineForm) -> None:
        if form.marker is not None:
            self.blank(*form.marker)
        if form.kind == "parenless":
            # `Name {` → `____= {`: tree-sitter reads an assignment whose value is the argument.
            width = form.name_end - form.name_start
            self.spans.append((form.name_start, form.name_end, "_" * (width - 1) + "="))
        if form.kind in ("parenless", "call"):  # (a call's strings running over lines)
            self.spans.extend(form.rewrites)
            self.literals.update(form.literals)


def scan(text: str) -> ScanResult:
    """Classify every line of `text` and build the blanked copy tree-sitter will parse."""
    written = text
    undone = undo_pasting(text)
    if undone is not None:  # (what pasting did to the text, undone: see `pasted`)
        text = undone.text
    inside: list[int] = []  # rows that start inside a string or comment, when undone
    names: dict[int, str] = {}
    if " -" in text and "mcp__" in text:
        text = _join_split_names(text, names)
    raw_lines = text.split("\n")
    starts: list[int] = []
    offset = 0
    for line in raw_lines:
        starts.append(offset)
        offset += len(line) + 1

    infos: list[LineInfo] = []
    placeholders: list[Placeholder] = []
    statement_starts: list[int] = []
    edits = _Edits()
    # Strings and comments, kept only when some MCP name needs its dashes replaced (in code).
    dashed = list(dashed_mcp_names(text))
    noncode: list[tuple[int, int]] | None = [] if dashed else None
    depth = 0
    last_code_char = ""
    # After a header inside an unfinished statement: the depth and last code character before it.
    held: tuple[int, str] | None = None
    # Inside a multi-line string or comment: the next lines are code until it closes.
    carry_until = -1  # character offset where the multi-line token ends
    search = _TOKEN_RE.search  # the loop runs once per line of possibly huge batches
    add_info = infos.append
    cuts: list[int] = []
    next_cut = CHUNK_CHARS
    fences = Fences()
    in_shell = False  # (fences.shell is not None, read once per line)
    unread: Block | None = None  # the open block that is not read (fences.unread)
    code_end = -1  # where a `#` comment starts a code line's end, in a shell block
    arguments_end = -1  # the last line of arguments written under a bare name (see below)
    invoke_end = -1  # the `</invoke>` line of a call written in Claude Code's XML
    # Quoted arguments given by name that run over lines, by their start: to their end.
    strings: dict[int, int] = {}
    results_seen = False  # (a transcript's `</function_results>`, just above)
    named_budget = 2 * len(text) + 100_000  # (characters calls with arguments by name may read)
    n = len(raw_lines)
    front_start, front_end = front_matter(raw_lines)
    if front_end > 0:
        fences.blocks.append(Block("yaml", "front-matter", front_start))
    for i in range(n):
        line = raw_lines[i]
        line_start = starts[i]
        line_end = line_start + len(line)
        if i <= front_end:  # (an agent file's metadata: its hooks are shell, never run)
            stripped = line.strip()
            if front_start < i < front_end and stripped:
                fences.blocks[0].rows.append(i)
            add_info(LineInfo("unread", text=stripped) if stripped else _BLANK)
            edits.blank(line_start, line_end)
            continue
        if i <= invoke_end:  # (rewritten with the `<invoke>` line that opens it)
            add_info(_CODE)
            continue
        if line_start >= next_cut and carry_until <= line_start and i:
            safe = depth == 0 and last_code_char not in _CONTINUATION_END
            if safe or line_start >= next_cut + FORCED_CUT_CHARS - CHUNK_CHARS:
                cuts.append(i)
                next_cut = line_start + CHUNK_CHARS
        if i <= arguments_end:  # (the argument lines under a bare name: notes, not read)
            stripped = line.strip()
            add_info(LineInfo("note", text=stripped) if stripped else _BLANK)
            edits.blank(line_start, line_end)
            continue
        if carry_until > line_start:
            add_info(_CODE)
            if undone is not None:
                inside.append(i)
            if carry_until > line_end:
                continue
            pos = carry_until
        else:
            followed = False  # (the fence line that ends a block not read, followed)
            if unread is not None:
                if not fences.ends_unread(line, i, raw_lines):
                    stripped = line.strip()
                    if stripped:
                        unread.rows.append(i)
                        add_info(LineInfo("unread", text=stripped))
                        edits.blank(line_start, line_end)
                    else:
                        add_info(_BLANK)
                    continue
                followed = True
                in_shell, unread = fences.shell is not None, fences.unread
            if (
                "<" in line
                and may_open(line)
                and not depth
                and last_code_char not in _CONTINUATION_END
            ):
                invoked = invoke_call(text, raw_lines, starts, i, undone.kept if undone else None)
                if invoked is not None:  # `<invoke name="Task">`, Claude Code's XML
                    form, invoke_end = invoked
                    add_info(LineInfo("code", call_start=True, form=form))
                    edits.form(form)
                    statement_starts.append(i)
                    last_code_char = "}"
                    continue
                name = opens_invoke(line, raw_lines[i + 1] if i + 1 < n else "")
                if name is not None and reads_as_operation(name):  # (said: SW019)
                    add_info(LineInfo("note", text=line.strip(), call_like=name))
                    edits.blank(line_start, line_end)
                    continue
            if (
                line[-1:] in _YAML_OPEN_ENDS
                and line
                and not depth
                and last_code_char not in _CONTINUATION_END
                and (name := opens_yaml_call(line, raw_lines[i + 1] if i + 1 < n else ""))
            ):
                # `Task:` or `<Task>` with its arguments as YAML below (wshobson/agents)
                yamled, last_row, why = yaml_call(text, raw_lines, starts, i)
                if yamled is not None:
                    add_info(LineInfo("code", call_start=True, form=yamled))
                    edits.form(yamled)
                    statement_starts.append(i)
                    last_code_char = "}"
                    invoke_end = last_row
                    continue
                shown = line.strip()
                message = (
                    f"`{shown[:40]}` with its arguments as YAML below it is not read ({why}); "
                    "this operation will be skipped"
                )
                add_info(LineInfo("note", text=shown, call_like=name, lookalike=message))
                edits.blank(line_start, line_end)
                arguments_end = last_row  # (its lines are notes)
                continue
            open_depth = depth
            info, pos, depth = _classify(line, line_start, depth, last_code_char)
            if info.kind == "note" and info.text in _TRANSCRIPT_TAGS:
                # A transcript's turns: the calls made after the results of others came back
                # are a later message (the assistant saw those results first).
                if info.text == "<function_calls>" and results_seen:
                    info = LineInfo("header", None, None)
                results_seen = info.text == "</function_results>"
            if held is not None and info.kind != "blank":
                if not info.call_start and info.kind in ("code", "note"):
                    # The header stood inside a call or expression, and this line goes on
                    # with it (`type: "coder"})`), where no statement starts: it continues.
                    info, pos, depth = _classify(line, line_start, *held)
                held = None
            if (
                # (a call in pseudo-code's wrappers, `x = Task(`, `[Task(`, or on a line of an
                # array left open above, is looked at too)
                (info.call_start or (info.kind == "code" and "(" in line))
                and (info.form is None or info.form.kind == "call")
                and named_budget > 0
            ):
                named, looked = named_call(
                    text, pos, line_end, named_budget, undone.kept if undone else None
                )
                named_budget -= looked
                if named is not None:  # `Task(subagent_type: "coder", prompt: "...")`
                    info = replace(info, form=named)
                    strings.update(named.strings)
            if info.form is not None and info.form.kind in ("bare", "listed"):
                below, last = arguments_below(raw_lines, i)
                if below:
                    info = LineInfo(
                        "note", text=line.strip(), call_like=info.form.name, args_below=below
                    )
                    arguments_end = last
            if in_shell and fences.command(
                i, info, line, open_depth > 0 or last_code_char in _CONTINUATION_END
            ):
                info = LineInfo("unread", text=line.strip())
            add_info(info)
            line_kind = info.kind
            if info.form is not None and line_kind != "note":
                edits.form(info.form)
            if line_kind != "code":
                if line_kind == "prefix":
                    edits.blank(line_start, pos)
                else:
                    if line_kind != "blank":  # header, note, wait, cli, unread
                        ended = not open_depth and last_code_char not in _CONTINUATION_END
                        if (
                            line_kind == "note"
                            and info.text[:1] in "`~"
                            and (followed or fences.fence(line, i, raw_lines))
                        ):
                            last_code_char = ""  # (what a fence closes does not go on after it)
                            if fences.unread is not None or (followed and not fences.inside):
                                # The fences of a block not read are said with it (SW028).
                                info = infos[-1] = LineInfo("unread", text=info.text)
                                line_kind = "unread"
                            in_shell, unread = fences.shell is not None, fences.unread
                        if ended and line_kind in _ENDS_STATEMENT:
                            # A line of prose ends the statement above it: tree-sitter must not
                            # read `Task(...)`, a note, then `+ x` as one expression.
                            edits.spans.append((line_start, line_end, ";".ljust(len(line))))
                        else:
                            edits.blank(line_start, line_end)
                        depth = 0
                        if line_kind in ("header", "wait"):
                            # A new message: nothing before it goes on after it (`xs = [1,`),
                            # unless the next line is the rest of it (see `held`).
                            if open_depth or last_code_char in _CONTINUATION_END:
                                held = (open_depth, last_code_char)
                            last_code_char = ""
                    continue
            if info.call_start and depth == 0:
                statement_starts.append(i)
            if "#" in line and (in_shell or fences.python):
                # `Bash("npm test")  # tests`: in a shell block, a comment as in the shell (and
                # in a Python one, `subagent_type="general",  # or "explore"`).
                hash_at = shell_comment(line)
                if hash_at >= 0:
                    code_end = line_start + hash_at
                    edits.blank(code_end, line_end)
        # Tokenise the code part of this line (and of any multi-line token it opens).
        comment_at = line_end
        stop = line_end + 1
        if code_end >= 0:
            comment_at = stop = code_end
            code_end = -1
        carry_until = -1
        kind = ""
        while True:
            m = search(text, pos, stop)
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
            elif kind == "s" and strings and m.start() in strings:
                # A quoted argument given by name running over lines (a prompt): its lines
                # are the string's, down to its end (where the call goes on).
                carry_until = strings[m.start()]
                if noncode is not None:
                    noncode.append((m.start(), carry_until))
                break
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
                    if noncode is not None:
                        noncode.append((m.start(), carry_until))
                break
            if noncode is not None and kind in ("s", "t", "lc", "bc"):
                noncode.append((m.start(), pos))
        if carry_until > line_end:
            if kind in ("s", "t"):
                last_code_char = "+"
        else:
            tail = (
                line[: comment_at - line_start].rstrip() if comment_at < line_end else line.rstrip()
            )
            if tail:
                last_code_char = tail[-1]

    if noncode is not None:
        _rename_dashed(dashed, noncode, edits)
    quotes: list[tuple[int, int]] = []
    if undone is not None:
        quotes = _as_written(written, undone, infos, starts, inside, edits)
    code = _apply(text, edits.spans, placeholders)
    return ScanResult(
        code,
        infos,
        placeholders,
        statement_starts,
        cuts,
        fences.blocks,
        edits.literals,
        quotes,
        names,
    )


def _as_written(
    written: str,
    undone: Undone,
    infos: list[LineInfo],
    starts: list[int],
    inside: list[int],
    edits: _Edits,
) -> list[tuple[int, int]]:
    """What `pasted` replaced, put back where it is not code: on lines that start inside a
    string or comment (its text is the string's), and in the text of notes (shown as typed).
    A full-width call not read is said at its line (SW019). The curly-quoted spans read, to say."""
    in_string = set(inside)
    rows = rows_of(undone.spans, starts)
    restored: set[int] = set()
    for (start, end, original), row in zip(undone.spans, rows, strict=True):
        if row in in_string:
            edits.spans.append((start, end, original))
            restored.add(start)
    for row in set(rows):
        info = infos[row]
        if info.text:
            end = written.find("\n", starts[row])
            line = written[starts[row] : end if end >= 0 else len(written)]
            infos[row] = replace(info, text=line.strip())
    for row, name in undone.lookalikes.items():
        info = infos[row]
        if info.kind == "note" and not info.call_like:
            shown = info.text if len(info.text) <= 40 else info.text[:39] + "…"
            message = LOOKALIKE_PAREN.format(text=shown, name=name)
            infos[row] = replace(info, call_like=name, lookalike=message)
    return [q for q in undone.quotes if q[0] not in restored]


# An MCP name Prettier split at its dash, taking it for a subtraction: `mcp__claude - flow__x`,
# or `mcp__claude -` at a line's end and `flow__x(` on the next.
_SPLIT_NAME_RE = re.compile(
    r"mcp__(?P<server>[A-Za-z0-9_]+)[ \t]+-(?:[ \t]+|[ \t]*(?P<nl>\r?\n)[ \t]*)"
    r"(?P<rest>[A-Za-z0-9_]+?__[A-Za-z0-9_]+)\b"
)


def _join_split_names(text: str, names: dict[int, str]) -> str:
    """TEXT with each MCP name Prettier split read as the one name it is (the same length,
    every line where it was): on one line, the name as written before (`mcp__claude-flow__x`,
    then blanks); over two, blanks where it starts and its tool's part (`flow__x`) below. NAMES
    gets the whole name by where the copy's name starts, for the parser to call it by."""
    parts: list[str] = []
    pos = 0
    for m in _SPLIT_NAME_RE.finditer(text):
        name = f"mcp__{m.group('server')}-{m.group('rest')}"
        parts.append(text[pos : m.start()])
        if m.group("nl") is None:
            parts.append(name.ljust(m.end() - m.start()))
            names[m.start()] = name
        else:
            split = text[m.start() : m.start("rest")]
            parts.append("".join(c if c == "\n" else " " for c in split))
            parts.append(m.group("rest"))
            names[m.start("rest")] = name
        pos = m.end()
    if not parts:
        return text
    parts.append(text[pos:])
    return "".join(parts)


def _classify(
    line: str, line_start: int, depth: int, last_code_char: str
) -> tuple[LineInfo, int, int]:
    """Decide what a line that starts outside any string or comment is."""
    info, pos, new_depth = _classify_line(line, line_start, depth, last_code_char)
    if (
        info.kind == "code"
        and not depth
        and not info.continued
        and last_code_char not in _CONTINUATION_END
    ):
        prose = _prose(line, line_start, info)
        if prose is not None:
            return prose, line_start, depth
    return info, pos, new_depth


def _classify_line(
    line: str, line_start: int, depth: int, last_code_char: str
) -> tuple[LineInfo, int, int]:
    stripped = line.strip()
    if not stripped:
        return _BLANK, line_start, depth
    first = stripped[0]
    if first in "`~" and fence_language(line) is not None:
        # A Markdown code fence around a pasted batch: not code, and not a template string.
        return LineInfo("note", text=stripped), line_start, 0
    if first in "[Mm/":
        header = read_header(line, statement=depth == 0 and last_code_char not in _CONTINUATION_END)
        if header is not None:
            if header.wait:
                return LineInfo("wait", text=stripped), line_start, 0
            return LineInfo("header", header.number, header.title), line_start, 0
    m = _PREFIX_RE.match(line) if first in "Mm" else None
    if m:
        rest = line[m.end() :]
        number = int(m.group("num"))
        if _outline_entry(rest, line_start + m.end()):
            return LineInfo("note", text=stripped), line_start, 0
        form = read_line(rest, line_start + m.end())
        if form is not None and form.kind == "listed":
            form = replace(form, kind="bare")  # (`Message 3: mcp__x__swarm_status  // check`)
        if form is not None and form.kind in ("call", "parenless", "bare"):
            info = LineInfo("prefix", number, call_start=True, form=form)
        else:
            info = LineInfo("prefix", number, call_start=bool(_CALL_START_RE.match(rest)))
        return info, line_start + m.end(), 0
    if (
        not depth
        and first.isalpha()
        and ":" in stripped
        and (label := _LABEL_RE.match(line)) is not None
    ):
        rest = line[label.end() :]
        word = label.group("word").lower()
        if not rest.strip() and word in _MESSAGE_WORDS:  # (`Mensagem 2:`, `消息 2:` alone)
            return LineInfo("prefix", int(label.group("num"))), line_start + label.end(), 0
        form = read_line(rest, line_start + label.end())
        if (form is not None and form.kind in ("call", "parenless", "bare")) or (
            form is None and _OPERATION_OPENS_RE.match(rest)
        ):
            numbered = int(label.group("num")) if word in _MESSAGE_WORDS else None
            info = LineInfo("prefix", numbered, call_start=True, form=form)
            return info, line_start + label.end(), 0
    if depth > 0:
        if line[:1] not in (" ", "\t") and _KNOWN_CALL_RE.match(line):
            # An earlier call was left open; this line clearly starts a new operation.
            return _CALL, line_start, 0
        return _CODE, line_start, depth
    if _COMMENT_START_RE.match(line) or _DECL_RE.match(line):
        return _CODE, line_start, depth
    continuing = last_code_char in _CONTINUATION_END
    if _CALL_START_RE.match(line):
        # (`Name(` needs no rewriting: dashed MCP names are respelt wherever they are.)
        if not continuing:
            return _CALL, line_start, depth
        if _KNOWN_CALL_RE.match(stripped):
            # An operation on a line the line above goes on into (`Task(...)` under a line of
            # prose read as code that ends with `.`): if it is not read, that is said at its
            # line, never lost inside the error of the line above.
            return _CONTINUED_CALL, line_start, depth
        return _CODE, line_start, depth
    if not continuing:
        form = read_line(line, line_start)
        if form is not None:
            return _form_line(form, stripped), line_start, depth
    if not continuing and _ASSIGN_RE.match(line) and _KNOWN_CALL_ANYWHERE_RE.search(line):
        return _CALL, line_start, depth
    if first == "<" and not continuing and _HTML_RE.match(stripped):
        # `<div align="center">`, `</details>`, `<!-- x -->` in pasted Markdown: tree-sitter
        # would read JSX and swallow the prose after it.
        return LineInfo("note", text=stripped), line_start, depth
    if first == "|" and not continuing and stripped[-1] == "|" and stripped[:2] != "||":
        # `| Metric | Before |`, `|---|---|`: a row of a Markdown table (no statement starts
        # with `|`, and its last `|` would take the next line in).
        return LineInfo("note", text=stripped), line_start, depth
    if continuing or stripped[0] in _CONTINUATION_START:
        if stripped[0] in "-*>" and not continuing:
            # `- item` / `* item`: a bullet point in prose, not arithmetic; `> text`: a quote.
            return LineInfo("note", text=stripped), line_start, depth
        return _CODE, line_start, depth
    if first in "[!" and not continuing and _MARKDOWN_LINK_RE.match(stripped):
        # `[![npm](badge.svg)](https://…)`, `[Guide](guide.md) · [API](api.md)`: Markdown
        # links and images (JavaScript has no `[…](…)` worth writing); read as code, a row
        # of badges took the prose after it into one broken expression.
        return LineInfo("note", text=stripped), line_start, depth
    if first in "-*_" and not continuing and _RULE_RE.fullmatch(stripped):
        # `---`, `***`: a Markdown horizontal rule (as code, `---` went on into the next line).
        return LineInfo("note", text=stripped), line_start, depth
    if first == "[" and is_bracketed_note(line):
        # A bracketed line of words (`[Wait for review]`) is a note, not an array.
        return LineInfo("note", text=stripped), line_start, depth
    if stripped[0] in "[{(":
        return _CODE, line_start, depth
    return LineInfo("note", text=stripped), line_start, depth


# Words after which another word may follow in JavaScript (and TypeScript) on one line:
# `typeof x`, `new Date`, `x in y`, `async function f`, `interface Foo`. Two other words in a
# row, or a number and a word, are never code: `(rejects paths it cannot verify)`,
# `{first 10 lines of failure output}`, `.planning/ already exists`.
_JOINING = """abstract accessor as async await break case class const continue declare default
    delete do else enum export extends from function get implements import in infer instanceof
    interface is keyof let module namespace new of override private protected public readonly
    return satisfies set static throw type typeof unique var void while with yield"""
_JOINING_WORDS = frozenset(_JOINING.split())
# (the second word is looked ahead at, so that each word is also tried as the first of a pair:
# in `is a method`, `is a` may be code, `a method` is not)
_TWO_WORDS_RE = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*|\d+)[ \t]+(?=([A-Za-z_$][\w$]*))")
# A word after a closing parenthesis (`SPARC (Specification, Pseudocode) methodology.`).
_WORD_AFTER_PAREN_RE = re.compile(r"\)[ \t]+([A-Za-z_$][\w$]*)")
# Where the comment ending a line starts (`#` too: pseudo-code in a guide is not prose).
_LINE_COMMENT_RE = re.compile(r"//|/\*|(?<=\s)#")


def _outline_entry(rest: str, start: int) -> bool:
    """Whether what follows `Message N:` describes the message in words rather than calling an
    operation (`Message 1: Initialize swarm`, `Message 4: TodoWrite (single todo)`): an outline
    of messages, a note, not a failed call in message N."""
    if _GLOSSED_OP_RE.fullmatch(rest.rstrip()):
        return True
    if not rest.strip() or _CALL_START_RE.match(rest) or read_line(rest, start) is not None:
        return False
    prose = _prose(rest, start, _CODE)
    return prose is not None and not prose.command and not prose.call_like


def _prose(line: str, line_start: int, info: LineInfo) -> LineInfo | None:
    """A line read as code that starts a statement and is prose (Markdown) all the same: a
    note, or a look-alike (SW019) when it starts with an operation and its argument. None when
    it is code: it may hold an operation, or be JavaScript not understood (an error)."""
    stripped = line.strip()
    if _OPERATION_OPENS_RE.match(stripped):
        return None
    first = stripped[0]
    if first == "[" and _LINK_DEFINITION_RE.fullmatch(stripped):
        return LineInfo("note", text=stripped)
    if first == "/" and (command := SLASH_COMMAND_RE.match(stripped)) is not None:
        return LineInfo("note", text=stripped, command=command.group())
    if stripped.startswith("=="):  # (`===== Plan =====`, a Markdown heading's underline)
        return LineInfo("note", text=stripped)
    if first in "`\"'":
        return LineInfo("note", text=stripped) if _quoted_prose(stripped) else None
    form = info.form
    if form is not None and form.kind == "parenless":
        # `- Write `STACK.md` — Languages, runtime`, `- Read `$X` and validate it`: prose
        # after the operation's quoted argument.
        rest = line[form.name_end - line_start :].lstrip()
        end = quoted_end(rest, 0) if rest[:1] in "`\"'" else -1
        if end < 0 or not (_reads_as_prose(rest[end:]) or _ends_a_sentence(rest[end:])):
            return None
        if form.name in AGENT_TOOLS:  # (an agent's own tool: nothing that would run is lost)
            return LineInfo("note", text=stripped)
        return LineInfo("note", text=stripped, call_like=form.name)
    if (
        # (What goes on with an expression, `| grep x`, `, more`, and a command line,
        # `./claude-flow start`, are code out of place: errors at their line. A list item,
        # `- O(n) complexity for x`, and a path, `.planning/ already exists`, are prose.)
        (first in _CONTINUATION_START and first not in ".-+*>")
        or stripped.startswith(("./", "../"))
        or _COMMENT_START_RE.match(line)
        or _DECL_RE.match(line)
        # (a gloss, `SPARC (…) is a method`, `Claude (good):`, is prose: see GLOSS_RE)
        or not (_reads_as_prose(stripped) or (first.isupper() and GLOSS_RE.match(stripped)))
        or writes_operation(line)
        # (an operation not known must be said)
        or (UNKNOWN_CALL_RE.match(stripped) and not GLOSS_RE.match(stripped))
    ):
        return None
    return LineInfo("note", text=stripped)


def _reads_as_prose(stripped: str) -> bool:
    """Whether the code of a line (outside its quotes and comments) holds what JavaScript never
    does: two words in a row (`and validate`, `10 lines`), or a character no code is made of
    (`—`, `→`, `…`, `✓`)."""
    code = _outside_quotes(stripped)
    comment = _LINE_COMMENT_RE.search(code)
    if comment is not None:
        code = code[: comment.start()]
    for m in _TWO_WORDS_RE.finditer(code):
        if m.group(1) not in _JOINING_WORDS and m.group(2) not in _JOINING_WORDS:
            return True
    if any(m.group(1) not in _JOINING_WORDS for m in _WORD_AFTER_PAREN_RE.finditer(code)):
        return True
    if code.isascii():
        return False
    return any(
        not char.isascii() and not char.isspace() and not ("a" + char).isidentifier()
        for char in code
    )


# A word right after an argument (`and`, `first`; not `in`, `as`: JavaScript's operators).
_WORD_RE = re.compile(r"[ \t]*([A-Za-z_$][\w$]*)")


def _ends_a_sentence(tail: str) -> bool:
    """Whether what follows an operation's quoted argument is a sentence's (`Read `a.md` and
    `b.md`.`, `Read `a.md`, `b.md`, and `c.md`.`, `Edit `config.json`:`): a word right after
    it, or a `.` or `:` ending the line, which as code would take the next line in."""
    code = _outside_quotes(tail).rstrip()
    if not code:
        return False
    word = _WORD_RE.match(code)
    if word is not None and word.group(1) not in _JOINING_WORDS:
        return True
    return code[-1] in ".:" and not writes_operation(code)


def _quoted_prose(stripped: str) -> bool:
    """A line starting a statement with inline code or a quotation (`` `npm test` runs the
    suite ``, `` `coder`, `reviewer` ``, `"Plan the work.` left open): Markdown prose, since
    a statement that starts with a string or template holds no operation. A back-quote that
    does not close on its line opens a template running over lines, and stays code; so does a
    line with an operation written outside its quotes (`` `a`, Task(...) ``)."""
    end = quoted_end(stripped, 0)
    if end < 0 and (stripped[0] == "`" or stripped.endswith("\\")):
        return False  # (a JavaScript string continued on the next line)
    return not writes_operation(_outside_quotes(stripped))


def quoted_end(line: str, at: int) -> int:
    """Where the quoted span opening at AT ends (after its closing quote), or -1 when it does
    not close on LINE. Back-quotes close as Markdown's inline code does (a run of as many),
    quotes as JavaScript's strings do (a backslash escapes)."""
    quote = line[at]
    size = len(line)
    if quote == "`":
        run = at
        while run < size and line[run] == "`":
            run += 1
        ticks = run - at
        while (found := line.find("`", run)) >= 0:
            run = found
            while run < size and line[run] == "`":
                run += 1
            if run - found == ticks:
                return run
        return -1
    i = at + 1
    while i < size:
        char = line[i]
        if char == "\\":
            i += 2
            continue
        if char == quote:
            return i + 1
        i += 1
    return -1


def _outside_quotes(line: str) -> str:
    """LINE with its quoted spans blanked (one left open blanks the rest of the line)."""
    parts: list[str] = []
    pos = 0
    while (m := _QUOTE_RE.search(line, pos)) is not None:
        end = quoted_end(line, m.start())
        if end < 0:
            end = len(line)
        parts.append(line[pos : m.start()])
        parts.append(" " * (end - m.start()))
        pos = end
    parts.append(line[pos:])
    return "".join(parts)


_QUOTE_RE = re.compile(r"[`\"']")
_ARGUMENT_LINE_RE = re.compile(r"([ \t]+)([A-Za-z_$][\w$]*)[ \t]*:(?!:)[ \t]*\S")


def arguments_below(lines: list[str], row: int) -> tuple[tuple[str, ...], int]:
    """The names of the `name: value` lines indented under line ROW (`  action: "store"`,
    `  key: "x"`), as YAML would write a call's arguments, and the last line indented under it
    (a value may take several); ((), ROW) when the next line is not such an argument."""
    line = lines[row]
    indent = len(line) - len(line.lstrip(" \t"))
    names: list[str] = []
    width = -1
    last = row
    for at in range(row + 1, min(len(lines), row + 200)):
        below = lines[at]
        if not below.strip():
            continue
        depth = len(below) - len(below.lstrip(" \t"))
        if depth <= indent or fence_language(below) is not None:
            break  # (a fence, however indented, is the scanner's to read)
        m = _ARGUMENT_LINE_RE.match(below)
        if width < 0 and m is None:
            break  # (something else is indented under it: not an argument block)
        if m is not None and (width < 0 or depth == width):
            width = depth
            names.append(m.group(2))
        last = at
    return (tuple(names), last) if names else ((), row)


def _form_line(form: LineForm, stripped: str) -> LineInfo:
    if form.kind == "call-like":
        return LineInfo("note", text=stripped, call_like=form.name)
    if form.kind == "cli":
        return LineInfo("cli", text=stripped, form=form)
    if form.kind == "listed":
        # (its form kept for the arguments that may be written below it, see `scan`)
        return LineInfo("note", text=stripped, form=form)
    return LineInfo("code", call_start=True, form=form)


def _rename_dashed(
    dashed: list[re.Match[str]], noncode: list[tuple[int, int]], edits: _Edits
) -> None:
    """`mcp__claude-flow__x` → `mcp__claude_flow__x` wherever it is code (not in a string)."""
    noncode.sort()
    starts = [s for s, _ in noncode]
    for m in dashed:
        at = bisect_right(starts, m.start()) - 1
        if at >= 0 and m.start() < noncode[at][1]:
            continue
        name = m.group()
        edits.spans.append((m.start(), m.end(), re.sub(r"[-@.]", "_", name)))


def _apply(text: str, spans: list[tuple[int, int, str]], placeholders: list[Placeholder]) -> str:
    if not spans and not placeholders:
        return text
    edits = spans + [(p.start, p.end, PLACEHOLDER_CHAR * (p.end - p.start)) for p in placeholders]
    edits.sort(key=lambda e: (e[0], -e[1]))
    out: list[str] = []
    pos = 0
    for s, e, replacement in edits:
        if s < pos:
            continue
        out.append(text[pos:s])
        out.append(replacement)
        pos = e
    out.append(text[pos:])
    return "".join(out)
