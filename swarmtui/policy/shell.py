"""Split a shell command line into the simple commands it runs, for the permission rules.

A rule such as `Bash(git status:*)` is matched against each simple command separately, so
`git status && rm -rf ~` is two commands and the second one needs its own permission. Commands
inside `$(...)`, backquotes and `<(...)`/`>(...)` are commands too (also inside double quotes),
and subshells `( ... )` and groups `{ ...; }` are looked into.

Anything this does not analyse (`if`, `for`, `while`, `case`, functions, here-documents,
arithmetic `$(( ))`, a `${...}` holding a substitution, unbalanced quotes) makes the line
*opaque*: only a rule for every command (`Bash`, `Bash(*)`) can allow it. A command whose name
comes from an expansion (`$CMD status`) is *dynamic*: likewise only such a rule allows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Words that start a construct this splitter does not follow.
_COMPOUND_WORDS = frozenset(
    {"if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac"}
    | {"select", "function", "[[", "]]", "coproc"}
)
# Prefix words that change nothing about which command runs.
_TRANSPARENT_WORDS = frozenset({"{", "}", "!", "time"})
# Redirections that only duplicate or discard output: they do not make a command another one.
_HARMLESS_REDIRECTION = re.compile(r"^(?:[0-9]*>&[0-9-]|[0-9]*>>?/dev/null|&>>?/dev/null)$")
_OPERATOR_CHARS = "<>&|"


@dataclass(frozen=True)
class SimpleCommand:
    """One command: its words as the shell would pass them (substitutions left as written)."""

    words: tuple[str, ...]
    text: str  # as written in the line
    dynamic: bool = False  # the command's name comes from an expansion

    @property
    def normalised(self) -> str:
        """The words joined by single spaces, without harmless redirections: what globs see."""
        return " ".join(self.matching_words)

    @property
    def matching_words(self) -> tuple[str, ...]:
        return tuple(w for w in self.words if not _HARMLESS_REDIRECTION.match(w))


@dataclass(frozen=True)
class CommandLine:
    """The simple commands of a line; OPAQUE says why it could not be fully analysed."""

    commands: tuple[SimpleCommand, ...]
    opaque: str | None = None


class _Opaque(Exception):
    pass


class _Splitter:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0
        self.found: list[SimpleCommand] = []

    # -- the list level: commands separated by operators -------------------------------------

    def parse_list(self, closer: str | None) -> None:
        """Commands until CLOSER (`)` or end of text); consumes the closer."""
        words: list[str] = []
        dynamic = False
        start = end = self.at
        text = self.text
        while True:
            self._skip_blanks()
            if self.at >= len(text):
                if closer is not None:
                    raise _Opaque(f"a missing {closer!r}")
                self._finish(words, dynamic, start, end)
                return
            char = text[self.at]
            if closer is not None and char == closer:
                self._finish(words, dynamic, start, end)
                self.at += 1
                return
            if char == "#":
                newline = text.find("\n", self.at)
                self.at = len(text) if newline < 0 else newline
                continue
            if char in ";\n" or (char in "&|" and not self._is_redirection()):
                if text.startswith(";;", self.at):
                    raise _Opaque("`case`")
                self._finish(words, dynamic, start, end)
                self.at += 2 if text[self.at : self.at + 2] in ("&&", "||", "|&") else 1
                words, dynamic, start = [], False, self.at
                end = start
                continue
            if char == "(":
                if words:
                    raise _Opaque("'(' inside a command")
                self.at += 1
                self.parse_list(")")
                start = end = self.at
                continue
            if char == ")":
                raise _Opaque("an unmatched ')'")
            if char in "<>" or self._is_redirection():
                words.append(self._redirection())
                end = self.at
                continue
            before = self.at
            word, expanded = self._word()
            if self.at == before:  # (cannot happen: every character is handled above)
                raise _Opaque(f"{char!r} here")
            if not words:
                if word in _COMPOUND_WORDS:
                    raise _Opaque(f"`{word}`")
                if word in _TRANSPARENT_WORDS:
                    start = end = self.at
                    continue
                dynamic = expanded
                if word.endswith("()") or (self.at < len(text) and text[self.at] == "("):
                    raise _Opaque("a function definition")
            words.append(word)
            end = self.at

    def _finish(self, words: list[str], dynamic: bool, start: int, end: int) -> None:
        if words:
            text = self.text[start:end].strip()
            self.found.append(SimpleCommand(tuple(words), text, dynamic))

    def _skip_blanks(self) -> None:
        text = self.text
        while self.at < len(text):
            if text[self.at] in " \t\r":
                self.at += 1
            elif text.startswith("\\\n", self.at):
                self.at += 2
            else:
                return

    def _is_redirection(self) -> bool:
        text, at = self.text, self.at
        return text.startswith("&>", at) or (at > 0 and text[at] == "&" and text[at - 1] in "<>")

    def _redirection(self) -> str:
        """An operator such as `>`, `2>&1`, `&>>`, `<`, with its target word when attached."""
        text = self.text
        start = self.at
        if text.startswith("<<", start) and not text.startswith("<<<", start):
            raise _Opaque("a here-document")
        if text[start] in "<>" and text.startswith("(", start + 1):
            self.at += 2  # process substitution: a command of its own
            self.parse_list(")")
            return text[start : self.at]
        while self.at < len(text) and text[self.at] in _OPERATOR_CHARS:
            self.at += 1
        operator = text[start : self.at]
        if (
            operator.endswith("&")
            and self.at < len(text)
            and (text[self.at].isdigit() or text[self.at] == "-")
        ):
            self.at += 1
            return operator + text[self.at - 1]
        self._skip_blanks()
        if self.at >= len(text) or text[self.at] in ";\n&|()<>":
            return operator
        target, _ = self._word()
        return operator + target

    # -- the word level: quotes, escapes and expansions ----------------------------------------

    def _word(self) -> tuple[str, bool]:
        """One word (quotes removed) and whether it holds an expansion."""
        text = self.text
        out: list[str] = []
        expanded = False
        # A digit run directly before a redirection is a file descriptor, not a word.
        while self.at < len(text):
            char = text[self.at]
            if char in " \t\r\n;&|()<>":
                if char in "<>" and out and "".join(out).isdigit():
                    redirection = self._redirection()
                    return "".join(out) + redirection, expanded
                break
            if char == "'":
                end = text.find("'", self.at + 1)
                if end < 0:
                    raise _Opaque("an unterminated quote")
                out.append(text[self.at + 1 : end])
                self.at = end + 1
            elif char == '"':
                self.at += 1
                expanded |= self._double_quoted(out)
            elif char == "\\":
                if self.at + 1 < len(text) and text[self.at + 1] != "\n":
                    out.append(text[self.at + 1])
                self.at += 2
            elif self._expansion(char, out):
                expanded = True
            else:
                out.append(char)
                self.at += 1
        return "".join(out), expanded

    def _expansion(self, char: str, out: list[str]) -> bool:
        """Append the expansion at the cursor (`$...`, backquotes); whether there was one."""
        if char == "$":
            out.append(self._dollar())
        elif char == "`":
            out.append(self._backquoted())
        else:
            return False
        return True

    def _double_quoted(self, out: list[str]) -> bool:
        text = self.text
        expanded = False
        while True:
            if self.at >= len(text):
                raise _Opaque("an unterminated quote")
            char = text[self.at]
            if char == '"':
                self.at += 1
                return expanded
            if char == "\\" and self.at + 1 < len(text) and text[self.at + 1] in '\\"$`\n':
                if text[self.at + 1] != "\n":
                    out.append(text[self.at + 1])
                self.at += 2
            elif self._expansion(char, out):
                expanded = True
            else:
                out.append(char)
                self.at += 1

    def _dollar(self) -> str:
        text = self.text
        start = self.at
        if text.startswith("$((", start):
            raise _Opaque("arithmetic `$(( ))`")
        if text.startswith("$(", start):
            self.at += 2
            self.parse_list(")")
            return text[start : self.at]
        if text.startswith("${", start):
            depth, self.at = 0, start + 1
            while self.at < len(text):
                char = text[self.at]
                if char in "`" or text.startswith("$(", self.at):
                    raise _Opaque("a substitution inside `${...}`")
                depth += {"{": 1, "}": -1}.get(char, 0)
                self.at += 1
                if depth == 0:
                    return text[start : self.at]
            raise _Opaque("a missing '}'")
        if text.startswith("$'", start):
            self.at += 2
            while self.at < len(text) and text[self.at] != "'":
                self.at += 2 if text[self.at] == "\\" else 1
            if self.at >= len(text):
                raise _Opaque("an unterminated quote")
            self.at += 1
            return text[start : self.at]
        self.at += 1
        while self.at < len(text) and (text[self.at].isalnum() or text[self.at] == "_"):
            self.at += 1
        if self.at == start + 1 and self.at < len(text) and text[self.at] in "@*#?$!-0123456789":
            self.at += 1
        return text[start : self.at]

    def _backquoted(self) -> str:
        text = self.text
        start = self.at
        inner: list[str] = []
        self.at += 1
        while True:
            if self.at >= len(text):
                raise _Opaque("an unterminated backquote")
            char = text[self.at]
            if char == "`":
                self.at += 1
                break
            if char == "\\" and self.at + 1 < len(text) and text[self.at + 1] in "`\\$":
                inner.append(text[self.at + 1])
                self.at += 2
            else:
                inner.append(char)
                self.at += 1
        nested = _Splitter("".join(inner))
        nested.parse_list(None)
        self.found.extend(nested.found)
        return text[start : self.at]


def split_commands(line: str) -> CommandLine:
    """The simple commands LINE runs (see the module's docstring for what is opaque)."""
    splitter = _Splitter(line)
    try:
        splitter.parse_list(None)
    except _Opaque as exc:
        return CommandLine(tuple(splitter.found), f"uses {exc}, which is not analysed")
    return CommandLine(tuple(splitter.found))
