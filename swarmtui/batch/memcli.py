"""claude-flow's memory commands, as written in instructions and `Bash` calls (§4).

`npx claude-flow@alpha memory store KEY VALUE --namespace NS` stores NS:KEY;
`memory get KEY`, `memory retrieve --key K --namespace NS` read it (a wait only when the batch
stores it: otherwise it reads what memory already holds); `while ! npx claude-flow memory read …;
do sleep 5; done` waits for it; `hooks post-edit --memory-key K` stores K. A key in the default
namespace is written plainly, any other as `NS:KEY`. A command goes on over a backslash at the
end of its line, as in the shell (`memory store \\` then `--key K` on the next line).
"""

from __future__ import annotations

import re
import shlex
from contextlib import suppress
from dataclasses import dataclass
from typing import Literal

_PROGRAM = (
    r"(?:(?:npx|pnpm\s+dlx|bunx)\s+)?"
    r"(?:@claude-flow/cli|claude-flow|\./claude-flow|ruv-swarm|ruflo)"
    r"(?:@[\w.-]+)?\s+"
)
# (it starts with a plain `[Mm]` and checks the word boundary after it, so that `re` skips
# quickly from one `m` to the next instead of trying the pattern at every character)
_COMMAND_RE = re.compile(
    r"[Mm](?<!\w[Mm])(?i:[Ee][Mm][Oo][Rr][Yy][ \t]+"
    r"(?P<verb>store|set|save|get|read|retrieve|query)\b)"
    r"(?P<args>(?:[^\n;|&)`.]|\.(?=\S))*)"
)
# The program before `memory`: `npx claude-flow@alpha`, `./claude-flow`, `npx @claude-flow/cli`,
# and `npx ruflo@latest` (claude-flow v3's new name).
_PROGRAM_RE = re.compile(rf"{_PROGRAM}$", re.IGNORECASE)
_LOOP_RE = re.compile(r"\b(?:while\s+!|until)\s+[^;\n]*$", re.IGNORECASE)
_HOOK_KEY_RE = re.compile(
    r"\bhooks?\b[^\n]*?--memory-key[= ]+(?P<q>[\"']?)(?P<key>[^\s\"']+)(?P=q)", re.IGNORECASE
)
_KEYISH_RE = re.compile(r"[\w.-]+(?:[/:][\w.*-]+)+")
# What may surround a memory read that is a whole command: the program before it, a wait loop
# around it (`while ! ...; do sleep 5; done`, or over lines as a script writes it), its output
# thrown away.
_WHOLE_READ_BEFORE = re.compile(rf"\s*(?:(?:while\s+!|until)\s+)?{_PROGRAM}$", re.IGNORECASE)
_WHOLE_READ_AFTER = re.compile(
    r"(?:&1)?\s*(?:[12]?>\s*/dev/null\s*(?:2>&1\s*)?)?"
    r"(?:[;\n]\s*do\s+sleep\s+[\d.]+[smh]?\s*[;\n]\s*done\s*;?\s*)?$",
    re.IGNORECASE,
)
# A backslash ending a line continues the command on the next, as in the shell. It is read as
# blanks of the same length, so that every position found still points into the text as written.
_CONTINUATION_RE = re.compile(r"\\\r?\n")
_STORE_VERBS = frozenset({"store", "set", "save"})
_DEFAULT_NAMESPACES = frozenset({"", "default"})

CommandKind = Literal["store", "read", "wait"]


@dataclass(frozen=True, slots=True)
class MemoryCommand:
    """One memory command found in a text: what it does to which key, and where it is."""

    kind: CommandKind
    key: str  # NS:KEY, or KEY in the default namespace
    start: int
    end: int
    value: str | None = None
    namespace: str = "default"
    # The key as written, without its namespace.
    bare_key: str = ""


def qualified(key: str, namespace: str) -> str:
    return key if namespace in _DEFAULT_NAMESPACES else f"{namespace}:{key}"


def memory_commands(text: str, *, calls: bool = False) -> list[MemoryCommand]:
    """Every claude-flow memory command in TEXT, in order; with CALLS, its memory tools called
    too (`mcp__claude-flow__memory_usage({action: "store", key, value})`), as claude-flow's
    prompts tell each agent to (an agent's instructions, not a shell command)."""
    text = _joined(text)
    found: list[MemoryCommand] = []
    for m in _COMMAND_RE.finditer(text):
        command = _read(m, text)
        if command is not None:
            found.append(command)
    if calls and "memory_" in text:
        found.extend(_tool_calls(text))
        found.sort(key=lambda c: c.start)
    if "-memory-key" not in text:
        return found
    for m in _HOOK_KEY_RE.finditer(text):
        key = m.group("key")
        if _literal(key):
            found.append(MemoryCommand("store", key, m.start("key"), m.end("key"), bare_key=key))
    found.sort(key=lambda c: c.start)
    return found


# claude-flow's memory tools called in a text: `mcp__claude-flow__memory_usage({`, `memory_store({`,
# `mcp__claude-flow__memory_usage {` (the server may be left out), up to the object's brace.
_TOOL_CALL_RE = re.compile(
    r"(?<![\w-])(?:mcp__[\w@.-]+?__)?memory_(?P<tool>usage|store|retrieve|get)\b[ \t]*\(?[ \t]*\{"
)
# A field of the object: `key: "x"`, `"action": 'store'` (only literal strings are read).
_FIELD_RE = re.compile(
    r"""["']?(?P<name>action|key|namespace|value|data)["']?[ \t]*:[ \t]*"""
    r"""(?:"(?P<dq>[^"\\\n]*)"|'(?P<sq>[^'\\\n]*)'|`(?P<bq>[^`$\\]*)`|(?P<other>[{\[\w]))"""
)
# How far an object is looked through for its closing brace.
_OBJECT_CHARS = 4000


def _tool_calls(text: str) -> list[MemoryCommand]:
    """The stores and reads of claude-flow's memory tools called in TEXT."""
    found: list[MemoryCommand] = []
    for m in _TOOL_CALL_RE.finditer(text):
        end = _object_end(text, m.end() - 1)
        if end < 0:
            continue
        fields: dict[str, str | None] = {}
        for f in _FIELD_RE.finditer(text, m.end(), end):
            literal = f.group("dq")
            if literal is None:
                literal = f.group("sq") if f.group("sq") is not None else f.group("bq")
            fields.setdefault(f.group("name"), literal)
        tool = m.group("tool")
        action = fields.get("action") if tool == "usage" else tool
        key, namespace = fields.get("key"), fields.get("namespace") or "default"
        if action not in ("store", "retrieve", "get") or not key or not _literal(key):
            continue
        if not _literal(namespace):
            continue
        kind: CommandKind = "store" if action == "store" else "read"
        value = fields.get("value") if "value" in fields else fields.get("data")
        found.append(
            MemoryCommand(
                kind,
                qualified(key, namespace),
                m.start(),
                end + 1,
                value=value,
                namespace=namespace,
                bare_key=key,
            )
        )
    return found


def _object_end(text: str, at: int) -> int:
    """Where the object whose `{` is at AT closes (strings passed over), or -1."""
    depth = 0
    quote = ""
    stop = min(len(text), at + _OBJECT_CHARS)
    i = at
    while i < stop:
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'`":
            quote = c
        elif c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
            if not depth:
                return i
        i += 1
    return -1


def whole_command(command: str) -> MemoryCommand | None:
    """The claude-flow memory command that is all of COMMAND (a store, a read, or a wait loop
    on a read), else None."""
    command = _joined(command)
    found = memory_commands(command)
    if len(found) != 1:
        return None
    one = found[0]
    if one.kind == "store":
        before = _PROGRAM_RE.search(command, 0, one.start)
        whole = one.start <= 40 and not command[one.end :].strip()
        return one if whole and (before is not None or not command[: one.start].strip()) else None
    if not _WHOLE_READ_BEFORE.fullmatch(command, 0, one.start):
        return None
    after = command[one.end :]
    if not _WHOLE_READ_AFTER.fullmatch(after):
        return None
    if one.kind == "read" and "done" in after:
        return None
    return one


def _joined(text: str) -> str:
    """TEXT with its line continuations (a backslash ending a line) made blanks."""
    if "\\\n" not in text and "\\\r\n" not in text:
        return text
    return _CONTINUATION_RE.sub(lambda m: " " * len(m.group()), text)


def _read(m: re.Match[str], text: str) -> MemoryCommand | None:
    verb = m.group("verb").lower()
    words = _shell_words(m.group("args"))
    key = value = None
    namespace = "default"
    positionals: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        flag, eq, inline = word.partition("=")
        if flag in ("--namespace", "--ns", "-n", "--key", "-k", "--value", "-v"):
            arg = inline if eq else (words[i] if i < len(words) else "")
            i += 0 if eq else 1
            if flag in ("--namespace", "--ns", "-n"):
                namespace = arg
            elif flag in ("--key", "-k"):
                key = arg
            else:
                value = arg
        elif word.startswith("-"):
            if not eq and i < len(words) and not words[i].startswith("-"):
                i += 1  # a flag with a value this module does not need
        else:
            positionals.append(word)
    if key is None and positionals:
        key = positionals.pop(0)
    if key is not None:
        key = key.rstrip(".,;:")  # (a key ending a sentence)
    if value is None and positionals and verb in _STORE_VERBS:
        value = positionals[0]
    if not key or not _literal(key) or not _literal(namespace):
        return None
    program = _PROGRAM_RE.search(text, max(0, m.start() - 60), m.start()) is not None
    if not program and (verb in _STORE_VERBS or not _KEYISH_RE.fullmatch(key)):
        # Prose such as "the memory read path" is not a command: without the program, only a
        # read of a key that looks like one (`memory get reports/daily`) is.
        return None
    kind: CommandKind = "store" if verb in _STORE_VERBS else "read"
    line_start = text.rfind("\n", 0, m.start()) + 1
    if kind == "read" and _LOOP_RE.search(text, line_start, m.start()):
        kind = "wait"
    return MemoryCommand(
        kind,
        qualified(key, namespace),
        m.start(),
        m.end(),
        value=value,
        namespace=namespace or "default",
        bare_key=key,
    )


def _shell_words(args: str) -> list[str]:
    """ARGS split as the shell would; a quote left open (`--value "$(cat x.md)"` cut at its `)`)
    ends the words, so those before it are still read without their quotes."""
    lexer = shlex.shlex(args, posix=True)
    lexer.whitespace_split = True
    words: list[str] = []
    with suppress(ValueError):
        words.extend(lexer)
    return words


def _literal(key: str) -> bool:
    """A key written out, not a shell variable, a `[placeholder]` or a stray backslash."""
    return bool(key) and not any(c in key for c in "$[]{}<>`\\")
