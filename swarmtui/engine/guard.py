"""The confinement step between the scheduler and everything a session runs.

`SessionGuard` holds the session's `Gate` (sandbox and rules) and its `Approvals`; the Bash
operations, the batch's writes and every agent's runner (through its `AgentGate`) ask it before
anything runs, and run what is allowed through it: sandboxed, with only the variables needed.

It is built lazily: a rehearsal, which runs nothing, never probes the sandbox. The first time
something is about to run, it records once how things are confined (`confinement`): sandboxed,
or why not and what that means (every command asks; or, required, nothing runs).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from swarmtui.engine.approvals import Answer, Approvals, Subject
from swarmtui.engine.confine import Gate, ProcessKind, SandboxStatus
from swarmtui.engine.confine.gate import Launch
from swarmtui.engine.events import ConfinementNoted, Event
from swarmtui.engine.process import OnOutput
from swarmtui.engine.runners.base import AgentFailed
from swarmtui.engine.settings import RunSettings
from swarmtui.policy.permissions import Decision, Policy, Request
from swarmtui.policy.rules import parse_rules
from swarmtui.policy.suggest import tool_request

Emit = Callable[[Event], None]
# How much of an agent's command line a request for its process shows.
SUBJECT_LIMIT = 500


class SessionGuard:
    def __init__(
        self, settings: RunSettings, emit: Emit, session_dir: Path, *, first_request: int = 1
    ) -> None:
        self.settings = settings
        self._emit = emit
        self.session_dir = session_dir
        self._first_request = first_request
        self._gate: Gate | None = None
        self._approvals: Approvals | None = None
        self._policies: dict[str | None, Policy] = {}
        # Rules given as flags are checked when the run starts (a bad one is a usage error).
        self.extra_allow = parse_rules(settings.allow_rules, "--allow")
        self.extra_deny = parse_rules(settings.deny_rules, "--deny")

    # --- the gate and the approvals -------------------------------------------------------------

    def configured_gate(self) -> Gate:
        """The gate as configured (probing the sandbox once), without recording anything: for
        what the configuration itself runs, such as the `[notify]` command."""
        if self._gate is None:
            settings = self.settings
            self._gate = Gate.open(
                settings.sandbox,
                settings.permissions,
                headless=settings.headless,
                assume_yes=settings.approvals != "deny",
                source=settings.rules_source,
                extra_allow=self.extra_allow,
                extra_deny=self.extra_deny,
            )
        return self._gate

    @property
    def approvals(self) -> Approvals:
        if self._approvals is None:
            settings = self.settings
            gate = self.configured_gate()
            self._approvals = Approvals(gate, self._emit, settings.approvals, self._first_request)
            self._emit(
                ConfinementNoted(
                    sandboxed=gate.sandboxed,
                    description=gate.status.describe(),
                    notice=gate.notice,
                )
            )
        return self._approvals

    @property
    def gate(self) -> Gate:
        return self.approvals.gate

    async def permit(
        self, what: Subject, request: Request | None, sandbox: SandboxStatus | None = None
    ) -> Answer:
        """The decision on WHAT; SANDBOX: that of the machine it runs on, when not this one."""
        return await self.approvals.decide(what, request, sandbox)

    def answer(
        self, request_id: str, allow: bool, *, session: bool = False, reason: str = ""
    ) -> bool:
        if self._approvals is None:
            return False
        return self._approvals.answer(request_id, allow, session=session, reason=reason)

    def close(self, reason: str) -> None:
        """Nothing more will run: refuse whatever still waits for a decision."""
        if self._approvals is not None:
            self._approvals.withdraw_all(reason)

    # --- writes (swarmtui's own, fenced into the session folder) ------------------------------

    def write_rule(self, relative: str, agent_type: str | None = None) -> Decision | None:
        """The Write rule that decides a write of RELATIVE (in the session folder), or None when
        no rule names it: writes there go ahead by default, since nothing can be written
        outside it. Checked without the sandbox: swarmtui writes these files itself."""
        policy = self._policies.get(agent_type)
        if policy is None:
            settings = self.settings
            policy = self._policies[agent_type] = settings.permissions.policy(
                agent_type,
                headless=settings.headless,
                assume_yes=settings.approvals != "deny",
                source=settings.rules_source,
                extra_allow=self.extra_allow,
                extra_deny=self.extra_deny,
            )
        decision = policy.decide(Request.file("Write", relative, str(self.session_dir)))
        return decision if decision.rule is not None else None

    # --- processes ------------------------------------------------------------------------------

    async def run(
        self,
        kind: ProcessKind,
        argv: list[str],
        *,
        workdir: Path,
        on_output: OnOutput,
        agent_type: str | None = None,
        backend: str | None = None,
        extra_env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
        timeout: float | None = None,
        readable: tuple[Path, ...] = (),
        writable: tuple[Path, ...] = (),
    ) -> int:
        return await self.gate.run(
            kind,
            argv,
            workdir=workdir,
            on_output=on_output,
            agent_type=agent_type,
            backend=backend,
            extra_env=extra_env,
            stdin=stdin,
            timeout=timeout,
            readable=readable,
            writable=writable,
        )

    def for_agent(
        self,
        name: str,
        agent_type: str,
        backend: str,
        place: Place | None = None,
        clock: RunClock | None = None,
    ) -> AgentGate:
        return AgentGate(self, name, agent_type, backend, place or Place(), clock)


class RunClock(Protocol):
    """An agent's run time (its timeout): stopped while it waits for a person's decision."""

    def hold(self) -> None: ...

    def release(self) -> None: ...


@dataclass(frozen=True)
class Place:
    """What an agent's process may touch besides the folder it works in (its worktree's git
    folder in the repository, read and written), and the variables its workspace gives it."""

    writable: tuple[Path, ...] = ()
    readable: tuple[Path, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)


class AgentGate:
    """One agent's way through the guard (`runners.base.AgentProcesses`): its process starts
    only once allowed, sandboxed for its type and backend; its program's own permission prompts
    (Claude Code's) are decided by the same rules and the same queue."""

    def __init__(
        self,
        guard: SessionGuard,
        name: str,
        agent_type: str,
        backend: str,
        place: Place,
        clock: RunClock | None = None,
    ) -> None:
        self._guard = guard
        self.name = name
        self.agent_type = agent_type
        self.backend = backend
        self.place = place
        self.clock = clock

    async def _permit(
        self, what: Subject, request: Request | None, sandbox: SandboxStatus | None = None
    ) -> Answer:
        """The decision on WHAT; the agent's run time stands still while it waits for it (time
        spent waiting for the user is not the agent's: it shows as awaiting approval)."""
        clock = self.clock
        if clock is None:
            return await self._guard.permit(what, request, sandbox)
        clock.hold()
        try:
            return await self._guard.permit(what, request, sandbox)
        finally:
            clock.release()

    def _env(self, extra_env: Mapping[str, str] | None) -> dict[str, str]:
        return {**self.place.env, **(extra_env or {})}

    async def _permit_process(self, argv: list[str]) -> None:
        line = shlex.join(argv)
        if len(line) > SUBJECT_LIMIT:  # (a command agent's line holds its whole prompt)
            line = line[:SUBJECT_LIMIT] + f" [... {len(line) - SUBJECT_LIMIT} more characters]"
        what = Subject("agent", "process", line, agent=self.name, agent_type=self.agent_type)
        answer = await self._permit(what, None)
        if not answer.allowed:
            raise AgentFailed(f"its {self.backend} process was not started: {answer.reason}")

    async def run(
        self,
        argv: list[str],
        *,
        workdir: Path,
        on_output: OnOutput,
        extra_env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
        timeout: float | None = None,
    ) -> int:
        """Run the agent's process (once allowed); its exit status."""
        await self._permit_process(argv)
        try:
            return await self._guard.run(
                ProcessKind.AGENT,
                argv,
                workdir=workdir,
                on_output=on_output,
                agent_type=self.agent_type,
                backend=self.backend,
                extra_env=self._env(extra_env),
                stdin=stdin,
                timeout=timeout,
                readable=self.place.readable,
                writable=self.place.writable,
            )
        except RuntimeError as exc:  # a required sandbox is missing
            raise AgentFailed(f"its {self.backend} process was not started: {exc}") from None

    async def launch(
        self,
        argv: list[str],
        *,
        workdir: Path,
        extra_env: Mapping[str, str] | None = None,
        readable: tuple[Path, ...] = (),
    ) -> Launch:
        """How to start the agent's process itself (once allowed)."""
        await self._permit_process(argv)
        try:
            return self._guard.gate.prepare(
                ProcessKind.AGENT,
                argv,
                workdir=workdir,
                agent_type=self.agent_type,
                backend=self.backend,
                extra_env=self._env(extra_env),
                readable=(*self.place.readable, *readable),
                writable=self.place.writable,
            )
        except RuntimeError as exc:
            raise AgentFailed(f"its {self.backend} process was not started: {exc}") from None

    async def decide(
        self, what: Subject, request: Request | None, sandbox: SandboxStatus
    ) -> Answer:
        """A decision this agent's gate on another machine (a Dask worker) asks for: WHAT and
        REQUEST as it put them, judged with that machine's SANDBOX."""
        return await self._permit(what, request, sandbox)

    async def ask_tool(self, tool: str, tool_input: dict[str, Any]) -> Answer:
        """Whether the agent's program may use TOOL with TOOL_INPUT (its permission prompt)."""
        request = tool_request(tool, tool_input, str(self._guard.session_dir))
        subject = request.command if request.kind == "Bash" else request.summary
        what = Subject("tool", tool, subject or tool, agent=self.name, agent_type=self.agent_type)
        return await self._permit(what, request)

    def write_problem(self, relative: str) -> str | None:
        """Why a file the agent's answer holds may not be written (a Write rule), else None."""
        decision = self._guard.write_rule(relative, self.agent_type)
        if decision is None or decision.verdict == "allow":
            return None
        if decision.verdict == "deny":
            return f"{relative}: not written, {decision.reason}"
        return f"{relative}: not written, {decision.reason} (an agent's file cannot wait: allow it)"
