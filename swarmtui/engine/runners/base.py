"""The one small async interface every agent backend implements.

A runner is given an `AgentJob` (everything the agent needs, with its memory inputs already
resolved by the scheduler) and an `OutputSink` to stream through, and returns an `AgentResult`.
Cancellation is asyncio cancellation: a runner must stop its work at once when its task is
cancelled (kill its whole process group, close its HTTP stream) and re-raise `CancelledError`.
A runner signals failure by raising `AgentFailed` with a reason a user can read.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

OutputStream = Literal["stdout", "stderr", "text", "tool", "info"]


class AgentFailed(Exception):
    """The agent's work failed; `str(exc)` is the reason shown to the user."""


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


class OutputSink(Protocol):
    """Where a runner streams its output; the scheduler turns calls into events."""

    def output(self, text: str, stream: OutputStream = "stdout") -> None: ...

    def usage(self, tokens_in: int, tokens_out: int, cost_usd: float | None = None) -> None:
        """Report running totals of tokens and cost."""
        ...


class Runner(Protocol):
    """An agent backend."""

    name: str

    async def run(self, job: AgentJob, sink: OutputSink) -> AgentResult: ...

    def would_run(self, job: AgentJob) -> str:
        """What `run` would start or call for JOB, as one line for a rehearsal to record."""
        ...
