"""Permission rules in Claude Code's syntax: parsing, checking, and matching one request.

    Bash                  every command            Write(docs/**)    a write under docs/
    Bash(*)               every command            Edit(src/*.py)    same kind as Write
    Bash(npm test)        exactly that command     Read(~/.ssh/**)   a read (Claude Code's tools)
    Bash(git status:*)    that command, any args   WebFetch(domain:example.com)
    Bash(npm run *)       a glob over the words    WebSearch, mcp__server, mcp__server__tool

Bash rules are matched against one simple command at a time (see `shell.py`): `Bash(git
status:*)` matches `git status --short` but not `git statusx`, and a compound line needs every
one of its commands allowed. `:*` and a trailing ` *` also match the bare command. Path patterns
are globs where `*` stays within a folder and `**` crosses folders; a pattern without `/` matches
a file name at any depth (as in .gitignore); patterns starting with `/` or `~/` are absolute,
others are relative to the working folder (the session folder). `Write` and `Edit` rules are one
kind: each matches both.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Literal

from swarmtui.policy.shell import SimpleCommand, split_commands

RuleKind = Literal["Bash", "Read", "Write", "Edit", "WebFetch", "WebSearch", "mcp"]
_PATH_KINDS = frozenset({"Read", "Write", "Edit"})
_KNOWN = ("Bash", "Read", "Write", "Edit", "WebFetch", "WebSearch")
_RULE = re.compile(r"^(?P<kind>[A-Za-z_][A-Za-z0-9_]*)(?:\((?P<pattern>.*)\))?$", re.DOTALL)
_MCP = re.compile(r"^mcp__[A-Za-z0-9_-]+(?:__(?:[A-Za-z0-9_-]+|\*))?$")
_DOMAIN = re.compile(r"^(?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*$")


class RuleError(ValueError):
    """A rule that cannot be used; `str()` is one line naming where it came from and the rule."""

    def __init__(self, rule: str, problem: str, source: str = "") -> None:
        self.rule, self.problem, self.source = rule, problem, source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}rule {rule!r}: {problem}")


@dataclass(frozen=True)
class Rule:
    """One parsed rule. PATTERN is None for a rule that matches every request of its kind."""

    text: str
    kind: RuleKind
    pattern: str | None = None
    tool: str = ""  # for mcp rules: the server or server__tool name
    # Where the rule was written (a file, `--allow`, `session`): shown with every decision.
    source: str = field(default="", compare=False)
    _words: tuple[str, ...] = field(default=(), repr=False)
    _prefix: bool = field(default=False, repr=False)
    _regex: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

    def __str__(self) -> str:
        return self.text

    @property
    def matches_everything(self) -> bool:
        return self.pattern is None

    def matches_command(self, command: SimpleCommand) -> bool:
        """Whether this Bash rule matches one simple command."""
        if self.kind != "Bash":
            return False
        if self.pattern is None:
            return True
        if self._regex is not None:
            return bool(self._regex.match(command.normalised))
        words = command.matching_words
        if self._prefix:
            return words[: len(self._words)] == self._words
        return words == self._words

    def matches_path(self, relative: str | None, absolute: str | None, home: str) -> bool:
        """Whether this path rule matches a path known relative to the working folder and/or
        as an absolute path (either may be unknown); HOME is what `~/` stands for."""
        if self.pattern is None:
            return True
        assert self._regex is not None
        if self.pattern.startswith("~/"):
            home = home.rstrip("/")
            if absolute is None or not absolute.startswith(home + "/"):
                return False
            return bool(self._regex.match("~" + absolute[len(home) :]))
        if self.pattern.startswith("/"):
            return absolute is not None and bool(self._regex.match(absolute))
        return relative is not None and bool(self._regex.match(relative))

    def matches_domain(self, domain: str) -> bool:
        if self.pattern is None:
            return True
        return fnmatch.fnmatchcase(domain.lower(), self.pattern.lower())

    def matches_tool(self, tool: str) -> bool:
        if self.tool.endswith("__*"):
            return tool.startswith(self.tool[:-1])
        return tool == self.tool or tool.startswith(self.tool + "__")


def _words_of(rule: str, pattern: str, source: str) -> tuple[str, ...]:
    line = split_commands(pattern)
    if line.opaque or len(line.commands) != 1:
        raise RuleError(
            rule,
            "can never match: rules are matched against one command at a time "
            "(write one rule per command of a `&&`, `;` or `|` line)"
            if len(line.commands) > 1
            else f"can never match: the pattern {line.opaque or 'holds no command'}",
            source,
        )
    return line.commands[0].matching_words


def _bash(text: str, pattern: str, source: str) -> Rule:
    if pattern.strip() in ("", "*", ":*"):
        if pattern.strip() == "":
            raise RuleError(text, "empty pattern: write Bash or Bash(*) for every command", source)
        return Rule(text, "Bash", None, source=source)
    if pattern.endswith(":*"):
        head = pattern[:-2]
        if "*" in head:
            raise RuleError(text, "':*' ends a prefix; use either it or '*' globs", source)
        return Rule(
            text, "Bash", pattern, source=source, _words=_words_of(text, head, source), _prefix=True
        )
    if ":*" in pattern:
        raise RuleError(text, "':*' may only end the pattern (`Bash(git status:*)`)", source)
    if "*" in pattern:
        # The glob sees the command's words joined by single spaces.
        pieces = [" ".join(piece.split()) for piece in pattern.split("*")]
        _words_of(text, "x".join(pieces), source)  # the operators check
        body = ".*".join(re.escape(piece) for piece in pieces)
        if pattern.rstrip().endswith(" *") and len(pieces) == 2:
            body = re.escape(pieces[0].rstrip()) + "(?: .*)?"
        return Rule(text, "Bash", pattern, source=source, _regex=re.compile(f"^{body}$", re.S))
    return Rule(text, "Bash", pattern, source=source, _words=_words_of(text, pattern, source))


def _path_regex(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            out.append(".*")
            index += 2
        elif pattern[index] == "*":
            out.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            out.append("[^/]")
            index += 1
        else:
            out.append(re.escape(pattern[index]))
            index += 1
    body = "".join(out)
    if "/" not in pattern.rstrip("/"):
        body = "(?:.*/)?" + body  # a bare name matches at any depth
    return re.compile(f"^{body}(?:/.*)?$", re.S)


def _path(text: str, kind: RuleKind, pattern: str, source: str) -> Rule:
    if pattern.strip() in ("", "*", "**"):
        if pattern.strip() == "":
            raise RuleError(text, f"empty pattern: write {kind} for every path", source)
        return Rule(text, kind, None, source=source)
    if "\x00" in pattern:
        raise RuleError(text, "a path cannot hold a NUL character", source)
    stripped = pattern[1:] if pattern.startswith("//") else pattern
    parts = stripped.split("/")
    if ".." in parts or "." in parts[1:]:
        raise RuleError(
            text, "can never match: paths are compared normalised (no '.' or '..')", source
        )
    if stripped.startswith("~") and not stripped.startswith("~/"):
        raise RuleError(text, "only '~/' (your own home folder) is understood", source)
    return Rule(text, kind, stripped, source=source, _regex=_path_regex(stripped))


def parse_rule(text: str, source: str = "") -> Rule:
    """Parse one rule; raises `RuleError` naming SOURCE and the rule when it cannot be used."""
    stripped = text.strip()
    found = _RULE.match(stripped)
    if not found:
        raise RuleError(text, "expected Kind or Kind(pattern), such as Bash(npm test)", source)
    kind, pattern = found.group("kind"), found.group("pattern")
    if kind.startswith("mcp__"):
        if pattern is not None or not _MCP.match(kind):
            raise RuleError(text, "an MCP rule is mcp__server or mcp__server__tool", source)
        return Rule(stripped, "mcp", None, tool=kind, source=source)
    if kind not in _KNOWN:
        near = [k for k in _KNOWN if k.lower() == kind.lower()]
        hint = f" (did you mean {near[0]}?)" if near else f" (known: {', '.join(_KNOWN)}, mcp__…)"
        raise RuleError(text, f"unknown rule kind {kind!r}{hint}", source)
    if pattern is None:
        return Rule(stripped, kind, None, source=source)  # type: ignore[arg-type]
    if kind == "Bash":
        return _bash(stripped, pattern, source)
    if kind in _PATH_KINDS:
        return _path(stripped, kind, pattern, source)  # type: ignore[arg-type]
    if kind == "WebFetch":
        domain = pattern.removeprefix("domain:")
        if not pattern.startswith("domain:") or not _DOMAIN.match(domain):
            raise RuleError(text, "expected WebFetch(domain:example.com)", source)
        return Rule(stripped, "WebFetch", domain, source=source)
    raise RuleError(text, f"{kind} takes no pattern: write {kind}", source)


def parse_rules(texts: list[str] | tuple[str, ...], source: str = "") -> tuple[Rule, ...]:
    """Parse a list of rules; the first bad one raises (`RuleError`, one line)."""
    return tuple(parse_rule(text, source) for text in texts)
