"""Decide whether a request may run: deny rules, then ask rules, then allow rules, then a default.

Deny wins. A Bash line is decided command by command (see `shell.py`): it is denied when any of
its commands is, asks when any asks, and is allowed only when every command is allowed. A line
this does not fully analyse, or a command whose name comes from an expansion, can be allowed only
by a rule for every command (`Bash`); deny and ask rules still see every command found in it.
Every decision names the rule that decided (or none: the default) and the command concerned.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

from swarmtui.policy.rules import Rule
from swarmtui.policy.shell import SimpleCommand, split_commands

Verdict = Literal["allow", "ask", "deny"]
_STRENGTH: dict[Verdict, int] = {"allow": 0, "ask": 1, "deny": 2}
_PARTICIPLE: dict[Verdict, str] = {"allow": "allowed", "ask": "asks", "deny": "denied"}
Matcher = Callable[[Rule], bool]


@dataclass(frozen=True)
class Request:
    """Something that needs permission. Build it with one of the class methods."""

    kind: str  # Bash, Write, Edit, Read, WebFetch, WebSearch or an mcp__ tool name
    command: str | None = None
    path: str | None = None  # relative to the working folder, when it is inside it
    absolute: str | None = None  # the absolute path, when known
    domain: str | None = None

    @classmethod
    def bash(cls, command: str) -> Request:
        return cls("Bash", command=command)

    @classmethod
    def file(cls, kind: Literal["Write", "Edit", "Read"], path: str, root: str | None) -> Request:
        """A file request for PATH (relative to ROOT, or absolute)."""
        relative: str | None
        if os.path.isabs(path):
            absolute: str | None = os.path.normpath(path)
            relative = None
            if root is not None:
                inside = os.path.relpath(path, root)
                relative = None if inside.startswith("..") else inside
        else:
            inside = os.path.normpath(path)
            relative = None if inside.startswith("..") else inside
            absolute = os.path.normpath(os.path.join(root, path)) if root is not None else None
        return cls(kind, path=relative, absolute=absolute)

    @classmethod
    def web_fetch(cls, domain: str) -> Request:
        return cls("WebFetch", domain=domain)

    @property
    def summary(self) -> str:
        return self.command or self.path or self.absolute or self.domain or self.kind


@dataclass(frozen=True)
class Decision:
    """What to do with a request, the rule that decided (None: the default) and why."""

    verdict: Verdict
    rule: Rule | None
    reason: str  # one line, for the log, the queue and a refusal
    # The command of a Bash line that decided (for a compound line, the one that did not pass).
    subject: str
    # For an allowed Bash line: the rule that allowed each of its commands.
    rules: tuple[Rule, ...] = ()


def _describe(rule: Rule) -> str:
    return f"{rule.text} ({rule.source})" if rule.source else rule.text


@dataclass(frozen=True)
class Policy:
    """Rules and a default. Immutable: approvals for a session make a new policy."""

    default: Verdict = "ask"
    allow: tuple[Rule, ...] = ()
    deny: tuple[Rule, ...] = ()
    ask: tuple[Rule, ...] = ()
    home: str = field(default_factory=lambda: os.path.expanduser("~"))

    def allowing(self, *rules: Rule) -> Policy:
        """This policy with RULES allowed too (an approval of a pattern for the session)."""
        return replace(self, allow=(*self.allow, *rules))

    def decide(self, request: Request) -> Decision:
        if request.kind == "Bash":
            return self._decide_bash(request.command or "")
        return self._decide_one(request, lambda rule: self._matches(rule, request), False)

    def _matches(self, rule: Rule, request: Request) -> bool:
        kind = request.kind
        if kind in ("Write", "Edit"):
            same = rule.kind in ("Write", "Edit")
        elif kind.startswith("mcp__"):
            return rule.kind == "mcp" and rule.matches_tool(kind)
        else:
            same = rule.kind == kind
        if not same:
            return False
        if rule.kind in ("Read", "Write", "Edit"):
            return rule.matches_path(request.path, request.absolute, self.home)
        if rule.kind == "WebFetch":
            return rule.matches_domain(request.domain or "")
        return rule.pattern is None

    def _decide_one(
        self,
        request: Request,
        matches: Matcher,
        restricted: bool,
        subject: str | None = None,
    ) -> Decision:
        """The decision for one request or one command. RESTRICTED: only a rule for everything
        may allow it (an opaque line, a dynamic command)."""
        subject = subject if subject is not None else request.summary
        lists: tuple[tuple[Verdict, tuple[Rule, ...]], ...] = (
            ("deny", self.deny),
            ("ask", self.ask),
            ("allow", self.allow),
        )
        for verdict, rules in lists:
            for rule in rules:
                if verdict == "allow" and restricted and not rule.matches_everything:
                    continue
                if matches(rule):
                    reason = f"{_PARTICIPLE[verdict]} by {_describe(rule)}"
                    return Decision(verdict, rule, reason, subject)
        reason = f"no rule matches {subject!r}; the default is {self.default}"
        return Decision(self.default, None, reason, subject)

    def _decide_bash(self, line: str) -> Decision:
        parsed = split_commands(line)
        decisions: list[Decision] = []
        request = Request.bash(line)
        for command in parsed.commands:
            decisions.append(
                self._decide_one(
                    request, _command_matcher(command), command.dynamic, subject=command.text
                )
            )
            if command.dynamic and decisions[-1].rule is None:
                decisions[-1] = replace(
                    decisions[-1],
                    reason=f"the command name in {command.text!r} comes from an expansion; "
                    f"the default is {self.default}",
                )
        if parsed.opaque or not parsed.commands:
            why = parsed.opaque or "holds no command"
            whole = self._decide_one(request, _everything_matcher, True, subject=line)
            if whole.rule is None:
                whole = replace(whole, reason=f"the line {why}; the default is {self.default}")
            decisions.append(whole)
        worst = max(decisions, key=lambda d: _STRENGTH[d.verdict])
        if worst.verdict == "allow":
            allowed = tuple(d.rule for d in decisions if d.rule is not None)
            if len(set(allowed)) > 1:
                unique = dict.fromkeys(_describe(rule) for rule in allowed)
                worst = replace(worst, reason=f"allowed by {', '.join(unique)}")
            return replace(worst, subject=line, rules=allowed)
        return worst


def _command_matcher(command: SimpleCommand) -> Matcher:
    return lambda rule: rule.matches_command(command)


def _everything_matcher(rule: Rule) -> bool:
    return rule.kind == "Bash" and rule.matches_everything
