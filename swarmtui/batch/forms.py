"""Operations written without JavaScript's call syntax, read from the start of a line.

People paste `TodoWrite { todos: [...] }`, `Bash "npm test"`, `- Task(...)`, `1. Write(...)`,
`mcp__claude-flow__swarm_init` on its own, and command-line style
`mcp__claude-flow__agent_spawn researcher --capabilities="a,b"`. The scanner rewrites such lines,
keeping every column, so that tree-sitter reads them as ordinary calls:

- a list marker (`- `, `* `, `1. `) or a quote's `>` before an operation becomes spaces;
- `Name {...}` becomes `____= {...}`: an assignment the parser knows (by position) to be a call
  of Name with that one argument; so does `Name with {...}`, as claude-flow's command files write
  a call, its `with` blanked;
- a command-line call is blanked and its words are parsed here;
- `Name(key: value, ...)` and `Name(key=value, ...)`, arguments given by name as Claude Code's
  docs and skills write its tool calls (never valid JavaScript), become the object they mean:
  `____={key: value, ...}`, a string running over lines quoted with backquotes.
"""

from __future__ import annotations

import re
import shlex
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from swarmtui.batch.names import (
    AGENT_TOOLS,
    CODEX_SPAWN_RE,
    COORDINATION_TOOLS,
    OPENCODE_TASK_RE,
    is_operation_name,
    reads_as_operation,
)

NAME = r"mcp__[A-Za-z0-9@._-]+?__[A-Za-z0-9_]+|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)?"
_LINE_RE = re.compile(
    r"(?P<indent>[ \t]*)(?P<marker>(?:[-*+•]|\d{1,3}[.)])[ \t]+|>[ \t]*)?(?P<await>await[ \t]+)?"
    rf"(?P<name>{NAME})(?P<gap>[ \t]*)(?P<rest>[^\n]*)"
)
# An MCP tool name whose server is spelt with `-`, `@` or `.`: JavaScript would read
# `mcp__claude-flow__x` as a subtraction, so the copy tree-sitter parses spells it with `_`.
DASHED_MCP_RE = re.compile(r"mcp__[A-Za-z0-9_]*+[-@.][A-Za-z0-9@._-]*?__[A-Za-z0-9_]+")
_NAME_CHARS_RE = re.compile(r"[A-Za-z0-9@._-]*+")
_PATHLIKE_RE = re.compile(r"[\w~-]*[./][\w~-][\w./~-]*|-{1,2}\w+")
# Positional words of command-line MCP calls, by tool.
_POSITIONAL = {
    "swarm_init": ("topology",),
    "agent_spawn": ("type", "name"),
    "memory_usage": ("action", "key", "value"),
    "memory_store": ("key", "value"),
    "memory_retrieve": ("key",),
    "memory_search": ("pattern",),
    "task_orchestrate": ("task",),
}

# `listed`: a bare MCP name followed by a comment (`mcp__claude-flow__memory_store   // Store
# results`), a line of a listing of tools, not a call.
FormKind = Literal["call", "parenless", "bare", "cli", "call-like", "listed"]


@dataclass(slots=True)
class LineForm:
    """What starts a line, when it is an operation (or reads like one)."""

    kind: FormKind
    name: str
    # Character offsets in the text: the name, and (for `cli`) the whole call.
    name_start: int
    name_end: int
    end: int = 0
    # Offsets of a list marker to blank, when there is one.
    marker: tuple[int, int] | None = None
    # Command-line calls: the arguments, read here.
    values: dict[str, Any] = field(default_factory=dict)
    positionals: list[str] = field(default_factory=list)
    # Arguments given by name: the other same-length replacements that make them an object,
    # and the texts no JavaScript string can hold as written (a Python `"""` prompt, a prompt
    # over lines with backquotes in it): by where each starts, read instead of its blank copy.
    rewrites: list[tuple[int, int, str]] = field(default_factory=list)
    literals: list[tuple[int, str]] = field(default_factory=list)
    # The strings of arguments given by name that run over lines, (start, end) offsets: their
    # lines are the string's, not lines of the batch (a fence in a prompt opens no block).
    strings: list[tuple[int, int]] = field(default_factory=list)


def dashed_mcp_names(text: str) -> Iterator[re.Match[str]]:
    """`DASHED_MCP_RE.finditer(text)`, in work linear in the text: where the name starting at
    one `mcp__` is not one, none starting at a later `mcp__` of the same run of name characters
    is (each would look for its `-` and its `__` in the same places), so the run is skipped."""
    pos = 0
    while (at := text.find("mcp__", pos)) >= 0:
        m = DASHED_MCP_RE.match(text, at)
        if m is None:
            run = _NAME_CHARS_RE.match(text, at)
            pos = run.end() if run is not None else at + 1
            continue
        yield m
        pos = m.end()


def read_line(line: str, line_start: int) -> LineForm | None:
    """The operation form at the start of LINE (its text starts at offset LINE_START)."""
    m = _LINE_RE.match(line)
    if m is None:
        return None
    name, rest, gap = m.group("name"), m.group("rest"), m.group("gap")
    marker = (
        (line_start + m.start("marker"), line_start + m.end("marker"))
        if m.group("marker")
        else None
    )
    start, end = line_start + m.start("name"), line_start + m.end("name")
    rest = rest.rstrip("\r")
    if rest.startswith("("):
        if marker is None and not name.startswith("mcp__"):
            return None  # an ordinary call: nothing to rewrite
        if gap and not reads_as_operation(name):
            return None  # `- Throughput (operations per second)`: a bullet point in prose
        return LineForm("call", name, start, end, marker=marker)
    if (
        m.group("await")
        or not (
            is_operation_name(name)
            # `memory_usage { action: "store", … }`: claude-flow's tools without their server
            or (gap and rest[:1] == "{" and reads_as_operation(name))
        )
    ):
        return None
    mcp = name.startswith("mcp__")
    with_ = _WITH_RE.match(rest) if gap else None
    if with_ is not None:
        # `mcp__claude-flow__swarm_init with {"topology": "mesh"}`, as claude-flow's command
        # files write a call: `with` is blanked, and what follows is the one argument.
        at = line_start + m.start("rest")
        blank = (at, at + with_.end(), " " * with_.end())
        return LineForm("parenless", name, start, end, marker=marker, rewrites=[blank])
    if gap and rest[:1] in ("{", "[", '"', "'", "`"):
        if mcp and rest[:1] in ('"', "'") and " --" in rest:
            # `mcp__x__task_orchestrate "Fix it" --strategy=parallel`: command-line style.
            return _cli(name, rest, start, end, line_start + len(line.rstrip("\r")), marker)
        return LineForm("parenless", name, start, end, marker=marker)
    if mcp and (not rest or rest.startswith(";")):
        return LineForm("bare", name, start, end, marker=marker)
    if mcp and (rest.startswith("//") or (gap and rest.startswith("#"))):
        # `mcp__ruv-swarm__agent_spawn      // Spawn agents`: what a tool is for, said of it
        # in a list of tools (claude-flow's agent files list them so), not a call of it.
        return LineForm("listed", name, start, end, marker=marker)
    if mcp and gap and not rest.startswith(("=", ".", ",", ")", ":")):
        return _cli(name, rest, start, end, line_start + len(line.rstrip("\r")), marker)
    # (not `Read STATE.md before …`: an agent's own tool is not run, whatever the line means)
    if gap and name not in AGENT_TOOLS and _reads_like_a_call(name, rest, marker is not None):
        return LineForm("call-like", name, start, end, marker=marker)
    return None


# `NAME with {...}`: the word before the one argument.
_WITH_RE = re.compile(r"with[ \t]+(?=\{)")

# (after what may wrap the call in pseudo-code: `x = `, `await `, `[`, `Promise.all([`)
_NAMED_CALL_RE = re.compile(
    rf"[ \t]*(?P<marker>(?:[-*+•]|\d{{1,3}}[.)])[ \t]+|>[ \t]*)?"
    r"(?:(?:(?:const|let|var)[ \t]+)?[A-Za-z_$][\w$]*[ \t]*=(?![=>])[ \t]*)?(?:await[ \t]+)?"
    r"(?:(?:Promise\.all[ \t]*\()?\[[ \t]*)?"
    rf"(?P<name>{NAME})[ \t]*\("
)
# An argument given by name: `subagent_type: `, `description=`.
_KEY_RE = re.compile(r"[A-Za-z_$][\w$]*[ \t]*(?P<sep>:(?!:)|=(?![=>]))")
# Past this many characters an argument list is not looked through (it is read as written).
_NAMED_SCAN_CHARS = 50_000


def named_call(
    text: str, start: int, end: int, budget: int, written: str | None = None
) -> tuple[LineForm | None, int]:
    """`Task(subagent_type: "coder", prompt: "...")` starting the line TEXT[START:END] (or
    after a list marker): the form that reads it as `Task({subagent_type: "coder", ...})`, and
    how many characters were looked at (no more than BUDGET: the caller's share of the text,
    so that many calls that never close cannot make the scan quadratic). The strings' texts
    are taken from WRITTEN when given (TEXT as written, where TEXT is what `pasted` undid)."""
    m = _NAMED_CALL_RE.match(text, start, end)
    name = m.group("name") if m is not None else ""
    # (`swarm_init(topology: "mesh")` and `task_orchestrate(task: "x")`, as claude-flow's
    # command files write its tools, without their server)
    if m is None or not (
        reads_as_operation(name)
        or name in COORDINATION_TOOLS
        or (name == "task" and OPENCODE_TASK_RE.match(text, m.start("name"), end + 200))
        or (name == "spawn_agent" and CODEX_SPAWN_RE.match(text, m.start("name"), end))
    ):
        return None, 0
    literals: list[tuple[int, str]] = []
    strings: list[tuple[int, int]] = []
    typed = _TYPED_PROMPT_RE.match(text, m.start("name"), end) if name in _POSITIONAL_KEY else None
    if typed is not None:
        rewrites, looked = _typed_prompt(text, typed, budget, literals, strings, written or text)
    else:
        rewrites, looked = _named_arguments(
            text,
            m.end() - 1,
            min(budget, _NAMED_SCAN_CHARS),
            literals,
            strings,
            written or text,
            _POSITIONAL_KEY.get(name),
        )
    if rewrites is None:
        return None, looked
    marker = (m.start("marker"), m.end("marker")) if m.group("marker") else None
    # (every argument given by position: the call stays one, only its strings are rewritten)
    positional = typed is None and all(start != m.end() - 1 for start, _, _ in rewrites)
    form = LineForm(
        "call" if positional else "parenless",
        name,
        m.start("name"),
        m.end("name"),
        marker=marker,
        rewrites=rewrites,
        literals=literals,
        strings=strings,
    )
    return form, looked


# `Task(Explore): "Find all API routes…"`, `Task(general-purpose): "Research …` (the prompt may
# run over lines), `Task(Explore, "How is routing handled?")`: how Claude Code's skills and
# CLAUDE.md files write "a Task of this type, told this". Never JavaScript that runs (a call,
# then `:`; a variable that nothing defines).
_TYPED_PROMPT_RE = re.compile(
    r"(?:Task|Agent)\((?P<type>[A-Za-z][\w-]*(?: [A-Za-z][\w-]*)*)(?P<sep>\):|,)[ \t]*"
    r"(?P<quote>[\"'])"
)
# Claude Code's own subagent types: in `Task(Explore, "…")`, never a variable's name.
_CLAUDE_CODE_TYPES = frozenset({"Explore", "Plan", "Bash", "general"})
# The quote that ends a prompt after `Task(TYPE): `: the first that ends a line.
_PROMPT_LINE_END_RE = {q: re.compile(rf"(?<!\\){q}(?=[ \t\r]*(?:\n|$))") for q in ('"', "'")}
# What `(TYPE): "PROMPT"` becomes, around two templates whose texts are read from `literals`.
_TYPED_OPEN, _TYPED_MIDDLE, _TYPED_CLOSE = "({type:", ",task:", "})"


def _typed_prompt(
    text: str,
    typed: re.Match[str],
    budget: int,
    literals: list[tuple[int, str]],
    strings: list[tuple[int, int]],
    written: str,
) -> tuple[list[tuple[int, int, str]] | None, int]:
    """The one replacement that reads `Task(TYPE): "PROMPT"` as `Task({type, task})`: as long
    as what it replaces, with the prompt's line ends kept (the lines below stay where they are),
    and the type's and prompt's texts in LITERALS. None when the prompt's quote does not close."""
    kind = typed.group("type")
    if typed.group("sep") == "," and "-" not in kind and kind not in _CLAUDE_CODE_TYPES:
        return None, 0  # (`Task(name, "…")`: a variable of the batch's, maybe)
    quote = typed.start("quote")
    stop = min(len(text), quote + min(budget, _NAMED_SCAN_CHARS))
    if typed.group("sep") == ",":
        close = _argument_string_end(text, quote, stop)
    else:  # (the prompt ends its line: a quote inside it is the prompt's own)
        ends = _PROMPT_LINE_END_RE[text[quote]].search(text, quote + 1, stop)
        close = -1 if ends is None else ends.start()
    if close < 0:
        return None, stop - typed.start()
    end = close + 1
    if typed.group("sep") == ",":  # (the call's own `)` closes it)
        while end < stop and text[end] in " \t":
            end += 1
        if text[end : end + 1] != ")":
            return None, end - typed.start()
        end += 1
    at = typed.start("type") - 1  # (the `(`)
    width = end - at
    lines = text.count("\n", quote, close)
    fixed = len(_TYPED_OPEN) + 2 + len(_TYPED_MIDDLE) + 2 + len(_TYPED_CLOSE)
    if width - fixed < lines:  # (too short to hold them: `Task(a):"x"` is read as written)
        return None, end - typed.start()
    type_at = at + len(_TYPED_OPEN)
    prompt_at = type_at + 2 + len(_TYPED_MIDDLE)
    inside = " " * (width - fixed - lines) + "\n" * lines
    replacement = f"{_TYPED_OPEN}``{_TYPED_MIDDLE}`{inside}`{_TYPED_CLOSE}"
    literals.append((type_at, kind))
    literals.append((prompt_at, written[quote + 1 : close]))
    if lines:
        strings.append((quote, close + 1))
    return [(at, end, replacement)], end - typed.start()


# The key a first argument given by position stands for when the others are given by name
# (`Task("Fix x.test.ts failures", model: "haiku")`, obra/superpowers' skills): its text.
_POSITIONAL_KEY = {"Task": "prompt", "Agent": "prompt", "Bash": "command"}
# A string given by position, then the next argument's name.
_POSITIONAL_RE = re.compile(
    r"""(?:"(?P<dq>[^"\\\n]*)"|'(?P<sq>[^'\\\n]*)')"""
    r"[ \t]*,[ \t\r\n]*[A-Za-z_$][\w$]*[ \t]*(?::(?!:)|=(?![=>]))"
)
# What the argument scan stops at: quotes, comments, brackets, commas (the rest is skipped).
_ARGUMENT_TOKEN_RE = re.compile(r"[\"'`()\[\]{},]|//|/\*|(?<=[ \t])#")


def _named_arguments(
    text: str,
    open_at: int,
    limit: int,
    literals: list[tuple[int, str]],
    strings: list[tuple[int, int]],
    written: str,
    positional_key: str | None = None,
) -> tuple[list[tuple[int, int, str]] | None, int]:
    """The replacements that make the argument list opening at OPEN_AT an object (`(` `)` →
    `{` `}`, `key=` → `key:`, a string over several lines → a template, one no template can
    hold → a blank template and its text in LITERALS), when its arguments are given by name
    (None when they are not, or the list does not close within LIMIT characters), and how
    far it looked."""
    stop = min(len(text), open_at + limit)
    i = open_at + 1
    while i < stop and text[i] in " \t\r\n":
        i += 1
    edits = [(open_at, open_at + 1, "{")]
    as_object = True
    if _KEY_RE.match(text, i, stop) is None:  # (the first argument is not given by name)
        positional = _POSITIONAL_RE.match(text, i, stop) if positional_key else None
        label = f"{positional_key}:"
        body = "dq" if positional is not None and positional.group("dq") is not None else "sq"
        if positional is None and positional_key == "prompt":
            # `Task("Architect", "` then the prompt's lines, then `", "system-architect")`:
            # every argument given by position, a quoted one running over lines (a template).
            # (Looked through only when a quote is left open on the call's line: most are not.)
            newline = text.find("\n", i, stop)
            first_line = text[i : newline if newline >= 0 else stop]
            if not (first_line.count('"') % 2 or first_line.count("'") % 2):
                return None, 0
            as_object, edits = False, []
        elif positional is None or positional.end(body) + 1 - i < len(label) + 2:
            return None, 0
        else:
            # `"Fix it", model: "x"` → `prompt:`, a blank template as long as the rest, and
            # the text (read from `literals`), then the arguments given by name.
            assert positional is not None
            end = positional.end(body) + 1
            edits.append((i, end, label + _blank_template(text[i + len(label) : end])))
            literals.append(
                (i + len(label), written[positional.start(body) : positional.end(body)])
            )
            i = end
    depth = 0
    while True:
        if not depth and as_object:  # (after `(` or `,`: a key may come, `key:` or `key=`)
            while i < stop and text[i] in " \t\r\n#":
                if text[i] == "#":  # (a Python comment ending the line: `="general",  # or …`)
                    newline = text.find("\n", i, stop)
                    i = stop if newline < 0 else newline
                    continue
                i += 1
            key = _KEY_RE.match(text, i, stop)
            if key is not None:
                if key.group("sep") == "=":
                    edits.append((key.end() - 1, key.end(), ":"))
                i = key.end()
        while True:
            token = _ARGUMENT_TOKEN_RE.search(text, i, stop)
            if token is None:
                return None, stop - open_at
            t, at = token.group(), token.start()
            i = token.end()
            if t in ('"', "'") and text.startswith(t * 3, at):
                # Python's `"""` (a prompt over many lines, as Claude Code's skills write it).
                close = text.find(t * 3, at + 3, stop)
                if close < 0:
                    return None, stop - open_at
                i = close + 3
                body = written[at + 3 : close]
                literals.append((at, textwrap.dedent(body).strip("\n")))
                edits.append((at, i, _blank_template(text[at:i])))
                strings.append((at, i))
            elif t in ('"', "'", "`"):
                close = (
                    _argument_string_end(text, at, stop)
                    if t != "`"
                    else _string_end(text, at, stop)
                )
                if close < 0:
                    return None, stop - open_at
                i = close + 1
                if t != "`" and "\n" in text[at:close]:
                    strings.append((at, i))
                    body = written[at + 1 : close]
                    if "`" in body or "${" in body:  # (no template can hold it as written)
                        literals.append((at, body))
                        edits.append((at, i, _blank_template(text[at:i])))
                    else:  # (one edit over the whole string: nothing in it is masked)
                        edits.append((at, close + 1, "`" + body + "`"))
            elif t in ("//", "#"):  # (`#`: a Python comment, after a blank)
                newline = text.find("\n", i, stop)
                i = stop if newline < 0 else newline
            elif t == "/*":
                close = text.find("*/", i, stop)
                i = stop if close < 0 else close + 2
            elif t in "([{":
                depth += 1
            elif t in ")]}":
                if depth:
                    depth -= 1
                    continue
                if t != ")":
                    return None, i - open_at
                if not as_object:  # (nothing to read differently: the call as written)
                    return (edits or None), i - open_at
                edits.append((at, at + 1, "}"))
                return edits, i - open_at
            elif not depth:  # `,` between arguments
                break


def _blank_template(written: str) -> str:
    """A template literal as long as WRITTEN, on the same lines, holding nothing."""
    inside = "".join("\n" if c == "\n" else " " for c in written[1:-1])
    return "`" + inside + "`"


_STRING_BODY = {q: re.compile(rf"(?:[^{q}\\]|\\.)*{q}", re.DOTALL) for q in "\"'`"}


def _string_end(text: str, at: int, stop: int) -> int:
    """Where the string opening at AT closes (its quote may be on a later line, as people
    write prompts), or -1."""
    m = _STRING_BODY[text[at]].match(text, at + 1, stop)
    return -1 if m is None else m.end() - 1


# What may follow the quote that ends an argument's string: another argument, the list's end.
_AFTER_ARGUMENT_RE = re.compile(r"[ \t\r\n]*(?:[,)}\]+]|//|/\*|$)")
# A quote followed by the end of the argument list, or by `,` and the next argument's name.
_ARGUMENT_QUOTE_RE = {
    q: re.compile(rf"(?<!\\){q}(?=[ \t\r\n]*(?:\)|,[ \t\r\n]*(?:\)|[A-Za-z_$][\w$]*[ \t]*[:=])))")
    for q in ('"', "'")
}


def _argument_string_end(text: str, at: int, stop: int) -> int:
    """Where the quoted argument opening at AT closes. A prompt written over lines may quote
    words with its own quote (`if [ "$(git rev-parse HEAD)" != "x" ]`, in a GSD workflow), as
    an agent reading it would take it: when the first quote of the same kind is not followed by
    what ends an argument, the string runs on to the first that is, if any."""
    close = _string_end(text, at, stop)
    if close < 0 or _AFTER_ARGUMENT_RE.match(text, close + 1, stop) is not None:
        return close
    if "\n" not in text[at:close]:
        return close  # (on one line: a comma missing, said as such)
    later = _ARGUMENT_QUOTE_RE[text[at]].search(text, close + 1, stop)
    return close if later is None else later.start()


def _reads_like_a_call(name: str, rest: str, listed: bool) -> bool:
    """`Write file1.js`, `- Bash mkdir -p x`: an operation word followed by what it would act
    on. Prose that merely starts with such a word (`Write the docs`) is not."""
    words = rest.split()
    if not words or len(words) > 8:
        return False
    if _PATHLIKE_RE.fullmatch(words[0]):
        return True
    return name == "Bash" and listed and not _about_bash(words)


# Words that make `- Bash …` a list item about Bash (`- Bash commands and system operations`,
# claude-flow v3's list of what Claude Code does) rather than a command written without quotes.
_ABOUT_BASH = frozenset(
    {
        "command", "commands", "operation", "operations", "script", "scripts", "tool", "tools",
        "usage", "execution", "calls", "access", "and", "or", "the", "a", "an", "of", "for",
        "with", "to", "in", "on",
    }
)  # fmt: skip


def _about_bash(words: list[str]) -> bool:
    """Whether WORDS read as prose about Bash: one of those words, and nothing of a shell."""
    plain = all(w.strip(",;()").isalpha() for w in words)
    return plain and any(w.strip(",;()").lower() in _ABOUT_BASH for w in words)


def _cli(
    name: str, rest: str, start: int, end: int, line_end: int, marker: tuple[int, int] | None
) -> LineForm | None:
    text = rest.split("//", 1)[0] if "//" in rest and '"' not in rest else rest
    try:
        words = shlex.split(text, comments=True)
    except ValueError:
        return LineForm("call-like", name, start, end, marker=marker)
    values: dict[str, Any] = {}
    positionals: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word.startswith("--") and len(word) > 2:
            key, eq, value = word[2:].partition("=")
            if not eq:
                if i < len(words) and not words[i].startswith("--"):
                    value, i = words[i], i + 1
                else:
                    value = "true"
            values[_camel(key)] = _scalar(value)
        else:
            positionals.append(word)
    tool = name.rsplit("__", 1)[-1]
    for key, value in zip(_POSITIONAL.get(tool, ()), positionals, strict=False):
        values.setdefault(key, _scalar(value))
    return LineForm(
        "cli", name, start, end, end=line_end, marker=marker, values=values, positionals=positionals
    )


def _camel(key: str) -> str:
    head, *tail = key.replace("_", "-").split("-")
    return head + "".join(part[:1].upper() + part[1:] for part in tail)


def _scalar(text: str) -> Any:
    if re.fullmatch(r"-?\d{1,12}", text):
        return int(text)
    if text in ("true", "false"):
        return text == "true"
    return text
