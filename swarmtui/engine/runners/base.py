"""The one small async interface every agent backend implements.

A runner is given an `AgentJob` (everything the agent needs, with its memory inputs already
resolved by the scheduler) and an `OutputSink` to stream through, and returns an `AgentResult`.
Cancellation is asyncio cancellation: a runner must stop its work at once when its task is
cancelled (kill its whole process group, close its HTTP stream) and re-raise `CancelledError`.
A runner signals failure by raising `AgentFailed` with a reason a user can read. An attempt
that produced nothing (no text, no file) or whose answer was cut off is a failure too, never an
empty success.

Messages a person sends to the running agent arrive in the job's `inbox`: a runner that can pass
them on opens it (saying how) and closes it once it no longer can.

A runner never starts a process itself: it goes through the job's `gate` (`ProcessGate`), which
waits until the process is allowed and runs it confined, with only the variables it needs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from swarmtui.engine.confine.gate import Launch
    from swarmtui.engine.inbox import Inbox

OutputStream = Literal["stdout", "stderr", "text", "tool", "info"]


class AgentFailed(Exception):
    """The agent's work failed; `str(exc)` is the reason shown to the user."""


class AgentStopped(AgentFailed):
    """A hard cap stopped the agent (raised by `OutputSink.usage`): never retried."""


@dataclass(frozen=True)
class Preflight:
    """The check of one endpoint of a backend before any agent starts."""

    endpoint: str  # a server's base URL, an executable
    problem: str | None = None  # one line: why no agent could work with it
    detail: str = ""  # what answered
    max_parallel: int | None = None  # the requests it will be sent at once
    limit_source: str = ""


class ToolAnswer(Protocol):
    """A decision on a tool the agent's program asked for (Claude Code's permission prompt)."""

    @property
    def allowed(self) -> bool: ...

    @property
    def reason(self) -> str: ...


class ProcessGate(Protocol):
    """How a runner starts its agent's process and asks for its program's tools."""

    async def run(
        self,
        argv: list[str],
        *,
        workdir: Path,
        on_output: Callable[[str, str], None],
        extra_env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
        timeout: float | None = None,
    ) -> int:
        """Run ARGV once allowed, confined; its exit status (`AgentFailed` when refused)."""
        ...

    async def launch(
        self,
        argv: list[str],
        *,
        workdir: Path,
        extra_env: Mapping[str, str] | None = None,
        readable: tuple[Path, ...] = (),
    ) -> Launch:
        """How to start ARGV itself, once allowed (`AgentFailed` when refused)."""
        ...

    async def ask_tool(self, tool: str, tool_input: dict[str, Any]) -> ToolAnswer:
        """Whether the program may use TOOL with TOOL_INPUT (rules, then a person)."""
        ...

    def write_problem(self, relative: str) -> str | None:
        """Why the agent may not write RELATIVE (a Write rule), else None."""
        ...


@dataclass(frozen=True)
class AgentJob:
    name: str
    type: str
    instructions: str
    # The agent type's system prompt (the body of its Markdown definition).
    system_prompt: str
    # key -> value of every memory key it waited for, resolved when it started.
    inputs: dict[str, Any]
    # Keys it is expected to store when it finishes.
    stores: list[str]
    session_id: str
    session_dir: Path
    artifacts_dir: Path
    attempt: int = 1
    timeout: float | None = None
    backend: str | None = None
    model: str | None = None
    # Messages sent to the agent while it runs (None: nobody can send any).
    inbox: Inbox | None = field(default=None, compare=False, repr=False)
    # A retry: its backend's own session of the failed attempt (Claude Code's session id, to
    # `--resume`) and why that attempt failed.
    resume_session: str | None = None
    previous_failure: str | None = None
    # The way its process starts (None: a runner that starts none may run it).
    gate: ProcessGate | None = field(default=None, compare=False, repr=False)
    # Where it works: its git worktree of the user's repository (None: the session folder).
    workdir: Path | None = None
    branch: str | None = None  # the worktree's branch
    # The event loop's time when its attempt began (its worktree ready): a simulated run counts
    # from there, so the scheduling before the runner's first step is part of it (None: now).
    began: float | None = field(default=None, compare=False, repr=False)

    @property
    def working_folder(self) -> Path:
        return self.workdir if self.workdir is not None else self.session_dir

    def process_gate(self) -> ProcessGate:
        """The job's gate; a runner that starts a process without one is a bug, never run."""
        if self.gate is None:
            raise AgentFailed("no process gate: nothing may run unconfined")
        return self.gate


@dataclass
class AgentResult:
    text: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float | None = None
    # Files the runner wrote, relative to the session folder.
    files: list[str] = field(default_factory=list)
    # Their sizes in bytes where the runner knows them (saves the scheduler a stat per file).
    sizes: dict[str, int] = field(default_factory=dict)
    # Files still being written when the agent is done (their size once written): the agents
    # that wait for this one need not wait for them too. The session waits before it ends.
    pending: dict[str, asyncio.Future[int]] = field(default_factory=dict)
    # Something a user should know of this success (it did nothing visible): the agent is done,
    # and this is said with it.
    warning: str | None = None


@dataclass(frozen=True)
class LogRange:
    """Where some of an agent's output is in its log file: bytes `start` to `end` (excluded) of
    `path` (relative to the session folder)."""

    path: str
    start: int
    end: int

    def to_json(self) -> dict[str, Any]:
        return {"stored_once_in": self.path, "bytes": [self.start, self.end]}

    def __str__(self) -> str:
        return f"{self.path}, bytes {self.start:,}–{self.end:,}"


class OutputSink(Protocol):
    """Where a runner streams its output; the scheduler turns calls into events."""

    def output(self, text: str, stream: OutputStream = "stdout") -> None: ...

    def output_mark(self) -> int:
        """A mark of how much it has output so far (for `output_range`)."""
        ...

    def output_range(self, mark: int) -> LogRange | None:
        """Where what it output since MARK is in its log file, when that file holds all of it
        (a runner then keeps a reference to it rather than a second copy); else None."""
        ...

    def usage(
        self,
        tokens_in: int,
        tokens_out: int,
        cost_usd: float | None = None,
        *,
        estimated: bool = False,
        final: bool = False,
    ) -> None:
        """Report running totals of tokens and cost of this attempt: ESTIMATED while counted
        by swarmtui, FINAL once the answer is complete. Raises `AgentStopped` when the report
        crosses a hard cap and the runner must stop at once."""
        ...

    def server_wait(self, endpoint: str, limit: int, ahead: int) -> None:
        """The request waits for its server (it is not running meanwhile)."""
        ...

    def server_slot(self, endpoint: str) -> None:
        """The server took the request that waited."""
        ...

    def activity(
        self, *, session: str | None = None, tool: str | None = None, file: str | None = None
    ) -> None:
        """What the agent's program reports of its work: its session id, a tool, a file."""
        ...


class Runner(Protocol):
    """An agent backend."""

    name: str

    async def run(self, job: AgentJob, sink: OutputSink) -> AgentResult: ...

    def would_run(self, job: AgentJob) -> str:
        """What `run` would start or call for JOB, as one line for a rehearsal to record."""
        ...


@runtime_checkable
class Checkable(Protocol):
    """A runner that can check its endpoints before any agent starts (the pre-flight check)."""

    async def preflight(self, models: list[str]) -> list[Preflight]:
        """Whether this backend can work for agents of MODELS; what it learned."""
        ...
