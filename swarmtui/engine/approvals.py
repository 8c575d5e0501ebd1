"""The approval step: decide each request by the rules, and queue what asks for a person.

Every check goes through `Approvals.decide`, which returns an `Answer` and records it:

- a rule (or the default) allows or denies: one `approval_decided` event, at once;
- it asks, and the session's mode says what then: `grant` (`--yes`) allows it, `deny` (headless
  without `--approve ask`) refuses it, both recorded as decided by the flag; `wait` records an
  `approval_requested` event and waits until someone answers (`answer`: the app's queue, or the
  terminal's prompt), or the request is withdrawn because what waits was cancelled.

Approving "for this session" adds the request's suggested pattern (`swarmtui.policy.suggest`) to
the gate's allowed rules, and every other waiting request it now allows goes ahead too. Where no
sandbox is possible every command asks (see `Gate.check`); a pattern a person approved for the
session no longer asks, since that person was told there is no sandbox.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from swarmtui.engine.confine import Gate, ProcessKind, SandboxStatus
from swarmtui.engine.events import (
    ApprovalDecided,
    ApprovalKind,
    ApprovalRequested,
    ApprovalScope,
    DecidedBy,
    Event,
)
from swarmtui.engine.settings import ApprovalMode
from swarmtui.policy.permissions import Decision, Request
from swarmtui.policy.rules import Rule
from swarmtui.policy.suggest import suggest_rule

Emit = Callable[[Event], None]

# The "rule" that lets agent processes start once a person approved them for the session.
SESSION_PROCESSES = Rule("every agent process (approved for this session)", "Bash")
# Why a request that asks is refused at once without `--approve ask`.
NOBODY_TO_ASK = "nobody to ask (a headless run: --allow RULE, --yes, or --approve ask)"


@dataclass(frozen=True)
class Answer:
    verdict: Literal["allow", "deny"]
    by: DecidedBy
    reason: str
    scope: ApprovalScope = "once"
    rule: str | None = None

    @property
    def allowed(self) -> bool:
        return self.verdict == "allow"


@dataclass(frozen=True)
class Subject:
    """What a request is about, as the events and the queue show it."""

    kind: ApprovalKind
    tool: str  # Bash, Write, ..., or "process"
    subject: str  # the command line, the path, the program
    agent: str | None = None
    agent_type: str | None = None
    op: int | None = None
    cwd: str = "."


@dataclass
class _Waiting:
    id: str
    what: Subject
    request: Request | None  # None: an agent's process
    pattern: Rule | None
    future: asyncio.Future[Answer]
    sandbox: SandboxStatus | None  # another machine's (None: this one's)


class Approvals:
    """The session's approvals. `gate` grows with what is approved for the session."""

    def __init__(self, gate: Gate, emit: Emit, mode: ApprovalMode, first_id: int = 1) -> None:
        self.gate = gate
        self._emit = emit
        self.mode = mode
        self._next = first_id
        self._waiting: dict[str, _Waiting] = {}
        self._processes_approved = False  # agent processes approved for the session

    @property
    def waiting(self) -> list[str]:
        """The ids of the requests waiting for a person, oldest first."""
        return list(self._waiting)

    def _check(
        self, what: Subject, request: Request | None, sandbox: SandboxStatus | None = None
    ) -> Decision:
        gate = self.gate if sandbox is None else replace(self.gate, status=sandbox)
        if request is None:
            decision = gate.check_process(ProcessKind.AGENT)
            if decision.verdict == "ask" and self._processes_approved:
                return Decision("allow", SESSION_PROCESSES, SESSION_PROCESSES.text, "process")
            return decision
        return gate.check(request, what.agent_type)

    async def decide(
        self, what: Subject, request: Request | None, sandbox: SandboxStatus | None = None
    ) -> Answer:
        """Whether WHAT (REQUEST; None for an agent's own process) may go ahead; recorded.
        SANDBOX: that of the machine it would run on, when not this one (a Dask worker)."""
        decision = self._check(what, request, sandbox)
        if request is None and decision.verdict == "allow" and decision.rule is None:
            # An agent's own process in the sandbox: nothing was asked, nothing to record.
            return Answer("allow", "default", decision.reason)
        if decision.verdict != "ask":
            by: DecidedBy = "rule" if decision.rule is not None else "default"
            rule = decision.rule.text if decision.rule is not None else None
            return self._record(
                what, None, Answer(decision.verdict, by, decision.reason, rule=rule)
            )
        if self.mode == "grant":
            return self._record(what, None, Answer("allow", "flag", "approved by --yes"))
        if self.mode == "deny":
            return self._record(
                what, None, Answer("deny", "flag", f"{decision.reason}; {NOBODY_TO_ASK}")
            )
        return await self._wait(what, request, decision, sandbox)

    async def _wait(
        self,
        what: Subject,
        request: Request | None,
        decision: Decision,
        sandbox: SandboxStatus | None,
    ) -> Answer:
        request_id = f"r{self._next}"
        self._next += 1
        if request is None:
            pattern = None
        else:
            subject = decision.subject if request.kind == "Bash" else None
            pattern = suggest_rule(request, subject)
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = _Waiting(request_id, what, request, pattern, future, sandbox)
        self._emit(
            ApprovalRequested(
                id=request_id,
                kind=what.kind,
                agent=what.agent,
                op=what.op,
                tool=what.tool,
                subject=what.subject,
                cwd=what.cwd,
                reason=decision.reason,
                rule=decision.rule.text if decision.rule is not None else None,
                pattern=pattern.text
                if pattern is not None
                else ("every agent process" if request is None else None),
            )
        )
        try:
            return await future
        except asyncio.CancelledError:
            if self._waiting.pop(request_id, None) is not None:
                self._record(what, request_id, Answer("deny", "cancel", "withdrawn: cancelled"))
            raise

    def answer(
        self, request_id: str, allow: bool, *, session: bool = False, reason: str = ""
    ) -> bool:
        """A person's decision on a waiting request: allow once, allow its pattern for the rest
        of the session (SESSION), or deny with REASON. False when it no longer waits."""
        waiting = self._waiting.pop(request_id, None)
        if waiting is None or waiting.future.done():
            return False
        if not allow:
            why = reason.strip() or "denied by the user"
            answer = Answer("deny", "user", why)
        elif session:
            if waiting.request is None:
                self._processes_approved = True
                rule_text = "every agent process"
            elif waiting.pattern is not None:
                self.gate = self.gate.approving(waiting.pattern)
                rule_text = waiting.pattern.text
            else:  # no pattern fits it: approved once
                rule_text = None
            scope: ApprovalScope = "session" if rule_text is not None else "once"
            answer = Answer("allow", "user", "approved by the user", scope, rule_text)
        else:
            answer = Answer("allow", "user", "approved by the user")
        waiting.future.set_result(self._record(waiting.what, request_id, answer))
        if answer.scope == "session":
            self._recheck()
        return True

    def _recheck(self) -> None:
        """Let go whatever waits and is now allowed (by a pattern approved for the session)."""
        for request_id, waiting in list(self._waiting.items()):
            decision = self._check(waiting.what, waiting.request, waiting.sandbox)
            if decision.verdict == "allow" and not waiting.future.done():
                del self._waiting[request_id]
                rule = decision.rule.text if decision.rule is not None else None
                answer = Answer("allow", "rule", decision.reason, rule=rule)
                waiting.future.set_result(self._record(waiting.what, request_id, answer))

    def withdraw_all(self, reason: str) -> None:
        """Refuse everything still waiting (the session ends)."""
        for request_id, waiting in list(self._waiting.items()):
            del self._waiting[request_id]
            if not waiting.future.done():
                answer = Answer("deny", "cancel", reason)
                waiting.future.set_result(self._record(waiting.what, request_id, answer))

    def _record(self, what: Subject, request_id: str | None, answer: Answer) -> Answer:
        self._emit(
            ApprovalDecided(
                id=request_id,
                kind=what.kind,
                agent=what.agent,
                op=what.op,
                tool=what.tool,
                subject=what.subject,
                verdict="allow" if answer.allowed else "deny",
                by=answer.by,
                scope=answer.scope,
                rule=answer.rule,
                reason=answer.reason,
            )
        )
        return answer
