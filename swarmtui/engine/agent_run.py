"""One agent's run: its task, its runner (with retries and a timeout), its output, its end.

In a rehearsal every agent runs on the rehearsal runner; one whose own backend would have run
something (a program, a model call) first records what that would have been (`agent_rehearsed`).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from swarmtui.engine.events import (
    AgentFinished,
    AgentRehearsed,
    AgentStarted,
    AgentUsage,
    FileWritten,
    FinalAgentStatus,
)
from swarmtui.engine.output_log import OutputLog
from swarmtui.engine.paths import slug
from swarmtui.engine.plan import PlannedAgent
from swarmtui.engine.runners.base import AgentFailed, AgentJob, AgentResult, OutputStream
from swarmtui.memory_keys import is_glob

if TYPE_CHECKING:
    from swarmtui.engine.scheduler import Scheduler

# An agent's result kept in its `agent_finished` event and in memory (longer ones are cut).
RESULT_LIMIT = 65536
# What an `agent_rehearsed` event keeps of the command that would have run.
REHEARSED_COMMAND_LIMIT = 2000


def cut(text: str, limit: int = RESULT_LIMIT) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[... {len(text) - limit} more characters in the agent's log]"


def stored_key(key: str, agent_name: str) -> str:
    """The key an agent stores for KEY: a glob's `*` becomes the agent's slug."""
    return key.replace("*", slug(agent_name)) if is_glob(key) else key


class AgentRun:
    """The `OutputSink` of one agent's runner, and the task that runs it."""

    def __init__(self, scheduler: Scheduler, agent: PlannedAgent, attempt: int) -> None:
        self._scheduler = scheduler
        self._emit = scheduler._emit
        self.agent = agent
        self.name = agent.name
        self.attempt = attempt
        self.cancel_reason: str | None = None
        self._log = OutputLog(agent.name, scheduler.session_dir, scheduler._emit)
        self._running = False
        self.task: asyncio.Task[None]

    def start(self) -> None:
        agent = self.agent
        self._running = True
        self._emit(
            AgentStarted(
                agent=self.name,
                attempt=self.attempt,
                backend=agent.runs_on,
                model=None if agent.rehearsed else agent.model,
            )
        )
        self._scheduler.set_todos_of(self.name, "in_progress", unless="in_progress")
        self.task = asyncio.get_running_loop().create_task(self._run())

    def cancel(self, reason: str) -> None:
        self.cancel_reason = reason
        self.task.cancel()

    def close_log(self) -> None:
        self._running = False
        self._log.close()

    # --- OutputSink ---------------------------------------------------------------------------

    def output(self, text: str, stream: OutputStream = "stdout") -> None:
        if text and self._running:
            self._log.write(text, stream)

    def usage(self, tokens_in: int, tokens_out: int, cost_usd: float | None = None) -> None:
        if self._running:
            self._emit(
                AgentUsage(
                    agent=self.name, tokens_in=tokens_in, tokens_out=tokens_out, cost_usd=cost_usd
                )
            )

    # --- the run ------------------------------------------------------------------------------

    def _job(self) -> AgentJob:
        agent = self.agent
        scheduler = self._scheduler
        return AgentJob(
            name=agent.name,
            type=agent.op.agent_type,
            instructions=agent.instructions,
            system_prompt=agent.system_prompt,
            inputs=scheduler.memory.inputs(agent.op.waits),
            stores=list(agent.op.stores),
            session_id=scheduler.session_id,
            session_dir=scheduler.session_dir,
            artifacts_dir=scheduler.artifacts_dir,
            attempt=self.attempt,
            timeout=agent.op.timeout,
            backend=agent.backend,
            model=agent.model,
            gate=scheduler.guard.for_agent(agent.name, agent.op.agent_type, agent.runs_on),
        )

    def _rehearse(self, job: AgentJob) -> None:
        """Record what the agent's own backend would have run."""
        agent = self.agent
        try:
            command = self._scheduler.runner(agent.backend).would_run(job)
        except AgentFailed as exc:
            command = f"(nothing: {exc})"
        if len(command) > REHEARSED_COMMAND_LIMIT:
            more = len(command) - REHEARSED_COMMAND_LIMIT
            command = f"{command[:REHEARSED_COMMAND_LIMIT]} [... {more} more characters]"
        self._emit(
            AgentRehearsed(
                agent=self.name,
                backend=agent.backend,
                model=agent.model,
                command=command,
                cwd=".",
                waits=list(agent.op.waits),
            )
        )

    async def _run(self) -> None:
        agent = self.agent
        op = agent.op
        try:
            result: AgentResult | None = None
            reason = ""
            tries = 1
            job = self._job()
            if agent.rehearsed:
                self._rehearse(job)
            while result is None:
                try:
                    runner = self._scheduler.runner(agent.runs_on)
                    if op.timeout is None:
                        result = await runner.run(job, self)
                    else:
                        async with asyncio.timeout(op.timeout):
                            result = await runner.run(job, self)
                    break
                except AgentFailed as exc:
                    reason = str(exc) or "the agent failed"
                except TimeoutError:
                    reason = f"timed out after {op.timeout:g} s"
                except Exception as exc:  # a runner bug must not take the session down
                    reason = f"{type(exc).__name__}: {exc}"
                if tries > max(op.retries, 0):
                    self._end("failed", reason)
                    return
                self.output(f"attempt {self.attempt} failed: {reason}; retrying", "info")
                tries += 1
                self.attempt += 1
                job = self._job()
                self._emit(AgentStarted(agent=self.name, attempt=self.attempt))
            self._succeed(result)
        except asyncio.CancelledError:
            if self._running:
                self._end("cancelled", self.cancel_reason or "cancelled")
            if not self.cancel_reason:  # not ours: the whole run is being torn down
                raise

    def _end(self, status: FinalAgentStatus, reason: str) -> None:
        event = AgentFinished(agent=self.name, status=status, reason=reason)
        self._scheduler.finish(self.name, event, [])

    def _succeed(self, result: AgentResult) -> None:
        scheduler = self._scheduler
        value = cut(result.text)
        stored = [stored_key(key, self.name) for key in self.agent.op.stores]
        for key in stored:
            scheduler.memory.emit_store(key, value, "default", self.name)
        files = []
        for relative in result.files:
            writing = result.pending.get(relative)
            size = result.sizes.get(relative)
            if writing is not None:
                if not writing.done():
                    files.append(relative)
                    scheduler.writes.follow(self.name, relative, writing)
                    continue
                failed = writing.cancelled() or writing.exception() is not None
                size = None if failed else writing.result()
            elif size is None:
                try:
                    size = (scheduler.session_dir / relative).stat().st_size
                except OSError:
                    continue
            if size is None:
                continue
            files.append(relative)
            self._emit(FileWritten(path=relative, bytes=size, by=self.name))
        event = AgentFinished(agent=self.name, status="done", result=value, artifacts=files)
        scheduler.finish(self.name, event, stored)
