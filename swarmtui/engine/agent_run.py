"""One agent's run: its task, its runner (with retries and a timeout), its output, its end.

In a rehearsal every agent runs on the rehearsal runner; one whose own backend would have run
something (a program, a model call) first records what that would have been (`agent_rehearsed`).

It is its runner's `OutputSink`: usage reports are checked against the hard caps as they come
(`swarmtui.engine.caps`), a wait for the server is recorded as such (and not counted against the
agent's timeout), and messages sent to the agent go to its inbox. An answer with nothing in it
never becomes a result: an agent that stores keys fails rather than store an empty value.

An agent with a worktree (`swarmtui.engine.agent_workspace`) gets it before its runner starts
(failing there, without running, when its providers' work conflicts) and has what it did
committed before its end is recorded, so the agents that wait for it start from its work.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from swarmtui.engine.agent_workspace import AgentWorkspace
from swarmtui.engine.caps import SPENDING_BACKENDS, Crossed
from swarmtui.engine.events import (
    AgentActivity,
    AgentFinished,
    AgentMessage,
    AgentOutput,
    AgentRehearsed,
    AgentServerSlot,
    AgentServerWait,
    AgentStarted,
    AgentUsage,
    CapCrossed,
    FileWritten,
    FinalAgentStatus,
)
from swarmtui.engine.inbox import REHEARSED, Inbox
from swarmtui.engine.operations import set_agent_todos
from swarmtui.engine.output_log import OutputLog, agent_log
from swarmtui.engine.paths import slug
from swarmtui.engine.plan import PlannedAgent
from swarmtui.engine.runners.base import (
    AgentFailed,
    AgentJob,
    AgentResult,
    AgentStopped,
    LogRange,
    OutputStream,
)
from swarmtui.memory_keys import is_glob

if TYPE_CHECKING:
    from swarmtui.engine.scheduler import Scheduler

# An agent's result kept in its `agent_finished` event and in memory (longer ones are cut).
RESULT_LIMIT = 65536
# What an `agent_rehearsed` event keeps of the command that would have run.
REHEARSED_COMMAND_LIMIT = 2000
# Usage counted by swarmtui while an answer streams is recorded at most this often (seconds);
# the caps see every report at once all the same.
ESTIMATE_INTERVAL = 1.0


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
        # A hard cap stopped it: it fails with this reason and is not retried.
        self.stop_reason: str | None = None
        self.inbox = Inbox()
        if agent.runs_on == "rehearsal":
            self.inbox.close(REHEARSED)
        self._log = OutputLog(agent.name, scheduler.session_dir, scheduler._emit, self._find_log)
        self._running = False
        self.task: asyncio.Task[None]
        # Why its previous attempt failed (a retry tells its backend), before it starts again.
        self._previous_failure = scheduler.state.agents[agent.name].reason
        self._timer: asyncio.Timeout | None = None
        # Run time left while its clock stands still (it waits for its server or a person),
        # and how many such waits are under way.
        self._timer_left: float | None = None
        self._holds = 0
        self._server_held = False
        self._unsent_usage: AgentUsage | None = None
        self._began: float | None = None  # (loop time: see `AgentJob.began`)
        self._usage_at = -ESTIMATE_INTERVAL
        self.workspace = AgentWorkspace(
            scheduler.workspace,
            scheduler.guard,
            scheduler.state,
            name=agent.name,
            agent_type=agent.op.agent_type,
            rehearsal=scheduler.settings.backend == "rehearsal",
            output=self.output,
        )

    def start(self) -> None:
        agent = self.agent
        self._running = True
        loop = asyncio.get_running_loop()
        self._began = loop.time()
        # The task exists before anyone hears of the start (it first runs on the loop's next
        # turn, after these events): a listener of `agent_started` may already send it a
        # message or cancel it.
        self.task = loop.create_task(self._run())
        self.task.add_done_callback(self._task_done)
        self._emit(
            AgentStarted(
                agent=self.name,
                attempt=self.attempt,
                backend=agent.runs_on,
                model=None if agent.rehearsed else agent.model,
            )
        )
        scheduler = self._scheduler
        set_agent_todos(scheduler.state, self._emit, self.name, "in_progress", "in_progress")

    @property
    def holds_slot(self) -> bool:
        """It was started and has not ended: it counts against the session's max_parallel."""
        return self._running

    @property
    def active(self) -> bool:
        """Its task has not ended (running, or waiting for its server)."""
        return self._running and not self.task.done()

    def cancel(self, reason: str) -> None:
        self.cancel_reason = reason
        self.task.cancel()

    def stop(self, reason: str) -> None:
        """A cap stops it: it fails with REASON, not retried."""
        if self.stop_reason is None and self.active:
            self.stop_reason = reason
            self.task.cancel()

    def close_log(self) -> None:
        self._running = False
        self.inbox.close("it has ended")
        made = self._log.made
        self._log.close()
        if made is not None:  # (recorded: a resume or a fork finds it by what the log says)
            path, size = made
            replaced = self._scheduler.state.replaced(path, self.name)
            self._emit(FileWritten(path=path, bytes=size, by=self.name, replaced=replaced))

    def _find_log(self) -> str:
        """Its log file: the one its recording names (a resumed agent goes on in it)."""
        scheduler = self._scheduler
        mine = (path for path, _size, by, _replaced in scheduler.state.files if by == self.name)
        return agent_log(self.name, scheduler.session_dir, mine)

    def send(self, text: str, by: str) -> str | None:
        """Pass a message on to the running agent; why not, when it cannot take one."""
        if not self.active:
            return f"{self.name} is not running"
        refusal = self.inbox.refusal
        if refusal is not None:
            return f"{self.name} takes no message now: {refusal}"
        self.inbox.put(text)
        delivery = self.inbox.delivery or ""
        self._emit(AgentMessage(agent=self.name, text=text, by=by, delivery=delivery))
        return None

    # --- OutputSink ---------------------------------------------------------------------------

    def output(self, text: str, stream: OutputStream = "stdout") -> None:
        if text and self._running:
            self._log.write(text, stream)

    def output_mark(self) -> int:
        return self._log.mark

    def output_range(self, mark: int) -> LogRange | None:
        return self._log.range_since(mark) if self._running else None

    def usage(
        self,
        tokens_in: int,
        tokens_out: int,
        cost_usd: float | None = None,
        *,
        estimated: bool = False,
        final: bool = False,
    ) -> None:
        if not self._running:
            return
        scheduler = self._scheduler
        crossed = scheduler.caps.report(
            scheduler.state.agents[self.name], tokens_in, tokens_out, cost_usd
        )
        event = AgentUsage(
            agent=self.name,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost_usd=cost_usd,
            estimated=estimated,
        )
        now = asyncio.get_running_loop().time()
        if crossed or not estimated or now - self._usage_at >= ESTIMATE_INTERVAL:
            self._unsent_usage = None
            self._usage_at = now
            self._emit(event)
        else:
            self._unsent_usage = event
        if crossed:
            self._cross(crossed, final)

    def _cross(self, crossed: list[Crossed], final: bool) -> None:
        """Stop what the caps crossed concern: this agent, or every agent that spends. A final
        report (the answer is complete, its cost spent) keeps this agent's answer."""
        runs = self._scheduler.active_runs()
        own: str | None = None
        for cap in crossed:
            if cap.agent is None:
                stopped = [r for r in runs if r is not self and r.spends] + (
                    [] if final else [self]
                )
            else:
                stopped = [] if final else [self]
            self._emit(
                CapCrossed(
                    cap=cap.cap,
                    limit=cap.limit,
                    value=cap.value,
                    agent=cap.agent,
                    stopped=[r.name for r in stopped],
                    reason=cap.reason,
                )
            )
            for run in stopped:
                if run is self:
                    own = own or cap.reason
                else:
                    run.stop(cap.reason)
        if own is not None:
            self.stop_reason = own
            raise AgentStopped(own)

    @property
    def spends(self) -> bool:
        """Its backend reports what it uses (a session cap concerns it)."""
        return self.agent.runs_on in SPENDING_BACKENDS

    def server_wait(self, endpoint: str, limit: int, ahead: int) -> None:
        if not self._running:
            return
        self._emit(AgentServerWait(agent=self.name, endpoint=endpoint, limit=limit, ahead=ahead))
        if not self._server_held:  # (waiting for the server is not running)
            self._server_held = True
            self.hold()

    def server_slot(self, endpoint: str) -> None:
        if not self._running:
            return
        self._emit(AgentServerSlot(agent=self.name, endpoint=endpoint))
        if self._server_held:
            self._server_held = False
            self.release()

    def hold(self) -> None:
        """Stop its run time (`guard.RunClock`): it waits for its server, or for a person."""
        self._holds += 1
        timer = self._timer
        if self._holds == 1 and timer is not None and (when := timer.when()) is not None:
            self._timer_left = when - asyncio.get_running_loop().time()
            timer.reschedule(None)

    def release(self) -> None:
        """Its run time goes on from where `hold` stopped it, once no wait holds it."""
        self._holds = max(0, self._holds - 1)
        if self._holds == 0 and self._timer is not None and self._timer_left is not None:
            self._timer.reschedule(asyncio.get_running_loop().time() + self._timer_left)
            self._timer_left = None

    def activity(
        self, *, session: str | None = None, tool: str | None = None, file: str | None = None
    ) -> None:
        if self._running:
            self._emit(
                AgentActivity(agent=self.name, backend_session=session, tool=tool, file=file)
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
            timeout=scheduler.caps.timeout(agent.op.timeout),
            backend=agent.backend,
            model=agent.model,
            inbox=self.inbox,
            resume_session=(
                scheduler.state.agents[agent.name].backend_session if self.attempt > 1 else None
            ),
            previous_failure=self._previous_failure if self.attempt > 1 else None,
            gate=scheduler.guard.for_agent(
                agent.name, agent.op.agent_type, agent.runs_on, self.workspace.place, self
            ),
            workdir=self.workspace.workdir,
            branch=self.workspace.branch,
            began=self._began,
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
                cwd=self._cwd(job),
                waits=list(agent.op.waits),
            )
        )

    def _cwd(self, job: AgentJob) -> str:
        folder = job.working_folder
        return folder.relative_to(job.session_dir).as_posix() if folder != job.session_dir else "."

    async def _fail(self, reason: str) -> None:
        """End as failed, what it did in its worktree committed first."""
        await self.workspace.leave("failed")
        self._end("failed", reason)

    async def _run(self) -> None:
        agent = self.agent
        op = agent.op
        try:
            unable = await self.workspace.enter()
            if unable is not None:
                self._end("failed", unable)
                return
            if self.workspace.placement is not None:  # (its worktree took time of its own)
                self._began = asyncio.get_running_loop().time()
            result: AgentResult | None = None
            reason = ""
            tries = 1
            job = self._job()
            if agent.rehearsed:
                self._rehearse(job)
            while result is None:
                try:
                    result = await self._attempt(job)
                    break
                except AgentStopped as exc:
                    await self._fail(str(exc))
                    return
                except AgentFailed as exc:
                    if self.stop_reason is not None:  # (a runner may have wrapped AgentStopped)
                        await self._fail(self.stop_reason)
                        return
                    reason = str(exc) or "the agent failed"
                except TimeoutError:
                    reason = self._timed_out(job)
                except Exception as exc:  # a runner bug must not take the session down
                    reason = f"{type(exc).__name__}: {exc}"
                if tries > max(op.retries, 0):
                    await self._fail(reason)
                    return
                self.output(f"attempt {self.attempt} failed: {reason}; retrying", "info")
                tries += 1
                self.attempt += 1
                self._previous_failure = reason
                self._began = asyncio.get_running_loop().time()
                job = self._job()
                self._flush_usage()
                self._emit(AgentStarted(agent=self.name, attempt=self.attempt))
            unkept = await self.workspace.leave("done")
            if unkept is not None:
                self._end("failed", unkept)
                return
            self._succeed(result)
        except asyncio.CancelledError:
            if self._running and self.stop_reason is not None:
                await self._fail(self.stop_reason)
                return
            if self._running and self.cancel_reason:
                await self.workspace.leave("cancelled")
            if self._running:
                self._end("cancelled", self.cancel_reason or "cancelled")
            if not self.cancel_reason:  # not ours: the whole run is being torn down
                raise

    def _timed_out(self, job: AgentJob) -> str:
        """Why an attempt that ran out of time failed, and which limit it was."""
        own, cap = self.agent.op.timeout, self._scheduler.caps.agent.timeout
        which = " ([agent_caps] timeout)" if cap is not None and (own is None or cap < own) else ""
        return f"timed out after {job.timeout:g} s{which}"

    async def _attempt(self, job: AgentJob) -> AgentResult:
        runner = self._scheduler.runner(self.agent.runs_on)
        if job.timeout is None:  # (no timer to keep: an object and a context fewer per agent)
            result = await runner.run(job, self)
        else:
            async with asyncio.timeout(job.timeout) as timer:
                self._timer = timer
                try:
                    result = await runner.run(job, self)
                finally:
                    self._timer = None
        stores = self.agent.op.stores
        if stores and not result.text.strip():
            keys = ", ".join(stores)
            raise AgentFailed(f"its answer is empty: nothing to store under {keys}")
        return result

    def _flush_usage(self) -> None:
        """Record the last usage counted while streaming (what it had used when it ended)."""
        if self._unsent_usage is not None:
            self._emit(self._unsent_usage)
            self._unsent_usage = None

    def _task_done(self, task: asyncio.Task[None]) -> None:
        """The end of the task, whatever it was: one cancelled before it first ran (by a
        listener of this agent's own `agent_started`, or a cancel in the same turn of the loop)
        never entered `_run`, so its end is recorded here; so is the end of one that a bug
        stopped outside the runner's own error handling. Either way the agent never stays
        `running` with nothing running it."""
        if not self._running:
            return
        if task.cancelled():
            self._end("cancelled", self.cancel_reason or "cancelled")
        else:
            error = task.exception()
            self._end("failed", f"internal error: {type(error).__name__}: {error}")

    def _end(self, status: FinalAgentStatus, reason: str) -> None:
        self._flush_usage()
        event = AgentFinished(agent=self.name, status=status, reason=reason)
        self._scheduler.finish(self.name, event, [])

    def _succeed(self, result: AgentResult) -> None:
        self._flush_usage()
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
                error = None if writing.cancelled() else writing.exception()
                if error is not None:  # refused (a planted FIFO, a full disk): say so
                    note = f"{relative}: not written ({getattr(error, 'strerror', None) or error})"
                    self._emit(AgentOutput(agent=self.name, stream="info", text=note))
                size = None if writing.cancelled() or error is not None else writing.result()
            elif size is None:
                try:
                    size = (scheduler.session_dir / relative).stat().st_size
                except OSError:
                    continue
            if size is None:
                continue
            files.append(relative)
            replaced = scheduler.state.replaced(relative, self.name)
            self._emit(FileWritten(path=relative, bytes=size, by=self.name, replaced=replaced))
        if result.warning:
            self.output(result.warning + "\n", "info")
        event = AgentFinished(
            agent=self.name, status="done", result=value, artifacts=files, reason=result.warning
        )
        scheduler.finish(self.name, event, stored)
