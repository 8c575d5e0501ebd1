"""The scheduler: runs a `Batch` message by message, agents in parallel, emitting events.

It reads the one folded `SessionState` and keeps only what running needs: the agents' tasks and
output logs, the Bash tasks, the ready queue and the count of running agents. It is driven by what
happens (a key stored, an agent finished, a control), never by polling: an agent waiting for keys
holds no task; its last key queues it, and a freed slot starts the first queued agent in batch
order. Deadlocks are found when they happen (`swarmtui.engine.deadlock`); which ended agents may
run again, and the session held open for them, is `swarmtui.engine.reruns`; a message's
operations other than its agents run in `swarmtui.engine.instant`.

Every change goes out through `emit`, which must fold the event into `state` before it returns
(the session wires it to the fold, the event log and its subscribers).
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Callable
from pathlib import Path
from typing import Any

from swarmtui.batch.models import BashOp, Batch, Message, Operation, TaskOp
from swarmtui.engine import operations as ops
from swarmtui.engine import reruns
from swarmtui.engine.agent_run import AgentRun
from swarmtui.engine.caps import Caps
from swarmtui.engine.deadlock import find_deadlocks
from swarmtui.engine.events import (
    AgentFinished,
    AgentQueued,
    AgentWaiting,
    Control,
    Event,
    FinalAgentStatus,
    MessageFinished,
    MessageStarted,
    OperationSkipped,
    SessionStatus,
)
from swarmtui.engine.guard import SessionGuard
from swarmtui.engine.instant import MessageOperations
from swarmtui.engine.memory import Memory
from swarmtui.engine.outcome import failure_reason, op_subject
from swarmtui.engine.output_log import PendingWrites
from swarmtui.engine.plan import Plan, PlannedAgent
from swarmtui.engine.preflight import preflight
from swarmtui.engine.reruns import HeldOpen, anything_to_retry, rescued_by, retriable, to_run_again
from swarmtui.engine.runners import make_runner
from swarmtui.engine.runners.base import Runner
from swarmtui.engine.runners.secrets import secret_values
from swarmtui.engine.settings import RunSettings
from swarmtui.engine.state import SessionState
from swarmtui.engine.workspace.session_workspace import SessionWorkspace

Emit = Callable[[Event], None]
RunnerFactory = Callable[[str, RunSettings], Runner]


class Scheduler:
    """Runs one batch. Create it, call `await run()`, use the control methods meanwhile."""

    def __init__(
        self,
        plan: Plan,
        *,
        state: SessionState,
        emit: Emit,
        session_dir: Path,
        session_id: str,
        runner_factory: RunnerFactory = make_runner,
        guard: SessionGuard | None = None,
        workspace: SessionWorkspace | None = None,
    ) -> None:
        self.plan, self.workspace = plan, workspace  # (workspace None: no worktrees)
        self.batch: Batch = plan.batch
        self.settings = plan.settings
        self.state = state
        self._emit = emit
        self.session_dir = session_dir
        self.artifacts_dir = session_dir / "artifacts"  # (a Path join per agent adds up)
        self.session_id = session_id
        self.agents: dict[str, PlannedAgent] = plan.agents
        self.memory = Memory(state, emit, self._make_ready)
        self.writes = PendingWrites(state, emit)
        self.guard = guard or SessionGuard(self.settings, emit, session_dir)
        self._ops = ops.OpContext(
            state=state,
            emit=emit,
            memory=self.memory,
            session_dir=session_dir,
            skip=self._skip,
            secrets=secret_values(self.settings),
            rehearsal=self.settings.backend == "rehearsal",
            guard=self.guard,
        )
        self.caps = Caps(self.settings, state)
        self.preflight_problem: str | None = None  # (then no agent started)
        self.failure: str | None = None  # why the session failed, once it has ended
        self._runner_factory = runner_factory
        self._runners: dict[str, Runner] = {}
        self._runs: dict[str, AgentRun] = {}
        self._active: set[str] = set()  # agents of the running messages not yet ended
        self._ready: list[tuple[int, str]] = []
        self._running = 0
        self._instant = MessageOperations(self._ops, self._check_message_done)
        self._done: asyncio.Future[None] | None = None
        self._cancelled = False
        self._finished = False
        self._checking = False
        self.hold_open = False  # (the app's sessions: see `HeldOpen`)
        self._held = HeldOpen()

    # --- running ------------------------------------------------------------------------------

    async def run(self, *, resuming: bool = False) -> SessionStatus:
        """Run every message in order (on resume: what the state says is not done yet);
        returns the session's final status."""
        if resuming:
            self.memory.rearm()
        try:
            self.preflight_problem = await preflight(self.plan, self.state, self.runner, self._emit)
            for message in self.batch.messages:
                if self._cancelled or self.preflight_problem is not None:
                    break
                if resuming and reruns.message_done(self.state, message, self.plan.duplicates):
                    continue
                await self._run_message(message, resuming)
            if self.hold_open:
                await self._held.wait(self._anything_to_retry, self._until_idle)
        finally:
            self._finished = True
            self.memory.close()
            self.guard.close("the session ended before anyone decided")
        if self._cancelled:
            return "cancelled"
        # What happened decides (`swarmtui.engine.outcome`): why it failed, when it did.
        agents = {name: agent.index for name, agent in self.agents.items()}
        self.failure = failure_reason(self.batch, self.state, agents)
        return "completed" if self.preflight_problem is None and not self.failure else "failed"

    def _anything_to_retry(self) -> bool:
        return not self._cancelled and anything_to_retry(self.state, self.agents.values())

    async def _until_idle(self) -> None:
        """Wait until the agents and commands of the running messages (or those run again)
        have ended, then for every runner, command and file write (cancelled: their end)."""
        while (self._active or self._instant.lasting) and not self._cancelled:
            self._done = asyncio.get_running_loop().create_future()
            await self._done
        await self.drain()

    def end(self) -> None:
        """The user ends a session held open (what has not run stays as it is)."""
        self._emit(Control(action="end"))
        self._held.end()

    async def drain(self) -> None:
        """Wait until every runner, command and file write this scheduler started has ended."""
        tasks = [run.task for run in self._runs.values() if not run.task.done()]
        if tasks or self._instant.lasting:
            await asyncio.gather(*tasks, *self._instant.lasting, return_exceptions=True)
        await self.writes.wait()

    async def _run_message(self, message: Message, resuming: bool) -> None:
        # On resume, a message that had started ran its instant operations already; only its
        # unfinished Bash commands and its agents that are not done run again.
        recorded = self.state.messages.get(message.index)
        started_before = resuming and recorded is not None and recorded.status != "pending"
        self._emit(MessageStarted(index=message.index, title=message.title))
        entering: list[PlannedAgent] = []
        for op in message.operations:
            if isinstance(op, TaskOp) and op.index not in self.plan.duplicates:
                agent = self.agents[op.name]
                # Taken up again, it is skipped again unless the key it lacked was stored since.
                if op.skip_reason is not None and (
                    not started_before
                    or not reruns.for_want_of_a_key(agent)
                    or self.memory.missing(agent.op.waits)
                ):
                    self._skip(op, op.skip_reason)  # (only while pending: see _skip)
                elif self.state.agents[op.name].status == "pending":
                    entering.append(agent)  # (one cancelled before its message started is final)
            elif started_before:
                bash = self.state.bash.get(op.index)
                unfinished = bash is None or bash.status == "running"
                if isinstance(op, BashOp) and op.skip_reason is None and unfinished:
                    self._instant.run(op)
            elif op.skip_reason is not None:
                self._skip(op, op.skip_reason)
            elif isinstance(op, TaskOp):
                self._skip(op, f"another agent is already named {op.name}")
            else:
                self._instant.run(op)
        # Each agent that can start starts at once, and those take their first step before the
        # waiters are recorded: that and the deadlock walk take milliseconds on a large batch,
        # which the started agents spend working.
        self._active.update(agent.name for agent in entering)
        waiting: list[PlannedAgent] = []
        for agent in entering:
            if self.memory.missing(agent.op.waits):
                waiting.append(agent)
            else:
                self._make_ready(agent.name)
                self._dispatch()
        if waiting:
            await asyncio.sleep(0)
            for agent in waiting:  # (as they are now: a key may have come, or a cancel)
                if self.state.agents[agent.name].status == "pending":
                    self._enter(agent)
            self._dispatch()
        self._check_deadlock()
        await self._until_idle()
        self._emit(MessageFinished(index=message.index))

    def _check_message_done(self) -> None:
        idle = (not self._active and not self._instant.lasting) or self._cancelled
        if idle and self._done is not None and not self._done.done():
            self._done.set_result(None)

    def _skip(self, op: Operation, reason: str) -> None:
        if isinstance(op, TaskOp) and op.index not in self.plan.duplicates:
            if self.state.agents[op.name].status == "pending":
                self._emit(AgentFinished(agent=op.name, status="skipped", reason=reason))
            return
        # Every operation that did not run is recorded: a note here is one that was not
        # understood, which fails the run like any other; a recorded tool (Claude Code's Read,
        # coordination, an MCP tool swarmtui does not run) does not (`swarmtui.engine.outcome`).
        self._emit(
            OperationSkipped(op=op.index, kind=op.kind, reason=reason, subject=op_subject(op))
        )

    # --- agents -------------------------------------------------------------------------------

    def _enter(self, agent: PlannedAgent) -> None:
        """An agent of the running message: wait for its keys, or queue for a slot."""
        self._active.add(agent.name)
        missing = self.memory.missing(agent.op.waits)
        if missing:
            self._emit(AgentWaiting(agent=agent.name, keys=missing))
        else:
            self._make_ready(agent.name)

    def _make_ready(self, name: str) -> None:
        self._emit(AgentQueued(agent=name))
        heapq.heappush(self._ready, (self.agents[name].index, name))

    def _dispatch(self) -> None:
        limit = self.plan.max_parallel
        state = self.state
        while self._ready and not state.paused and not self._cancelled:
            if limit is not None and self._running >= limit:
                return
            _, name = heapq.heappop(self._ready)
            if state.agents[name].status != "queued":
                continue  # cancelled or re-queued since
            refusal = self.caps.refusal(self.agents[name])
            if refusal is not None:
                self._final(name, "skipped", refusal)
                continue
            self._start(self.agents[name])

    def _start(self, agent: PlannedAgent) -> None:
        self._running += 1
        attempt = self.state.agents[agent.name].attempts + 1
        run = AgentRun(self, agent, attempt)
        self._runs[agent.name] = run
        run.start()

    def active_runs(self) -> list[AgentRun]:
        """The agents' runs that have not ended (running, or waiting for their server)."""
        return [run for run in self._runs.values() if run.active]

    def send_message(self, name: str, text: str, by: str = "user") -> str | None:
        """Pass TEXT to the running agent NAME; why not, when it cannot be."""
        if (run := self._runs.get(name)) is None or self._finished:
            return f"{name} is not running" if name in self.agents else f"no agent named {name}"
        return run.send(text, by)

    def runner(self, backend: str) -> Runner:
        """The runner of BACKEND for this session (made once)."""
        runner = self._runners.get(backend)
        if runner is None:
            runner = self._runners[backend] = self._runner_factory(backend, self.settings)
        return runner

    def finish(self, name: str, event: AgentFinished, stored: list[str]) -> None:
        """Record an agent's end (its events already out): free its slot and let whatever it
        unblocks go on."""
        run = self._runs.get(name)
        if run is not None and run.holds_slot:
            self._running -= 1
            run.close_log()
        self._emit(event)
        if event.status == "done":
            ops.set_agent_todos(self.state, self._emit, name, "completed", unless="completed")
            if stored:
                self.memory.wake()
        self._active.discard(name)
        if event.status != "done":
            self._check_deadlock()
        self._dispatch()
        self._check_message_done()

    def _final(self, name: str, status: FinalAgentStatus, reason: str | None) -> None:
        self.finish(name, AgentFinished(agent=name, status=status, reason=reason), [])

    # --- deadlocks ----------------------------------------------------------------------------

    def _check_deadlock(self) -> None:
        """Fail at once every waiting agent that nothing left can unblock."""
        if self._checking or self._cancelled:
            return
        if not (stuck := find_deadlocks(self.state.agents, self._active)):
            return
        self._checking = True
        try:
            for name, reason in stuck.items():
                if self.state.agents[name].status == "waiting":
                    self._final(name, "failed", reason)
        finally:
            self._checking = False
        self._dispatch()
        self._check_message_done()

    # --- controls -----------------------------------------------------------------------------

    def cancel_agent(self, name: str, reason: str = "cancelled by user") -> None:
        self._emit(Control(action="cancel", target=name))
        if name in self.agents and not self._finished:
            self._cancel(name, reason)

    def _cancel(self, name: str, reason: str) -> None:
        status = self.state.agents[name].status
        run = self._runs.get(name)
        if run is not None and run.active:
            run.cancel(reason)
        elif status in ("pending", "waiting", "queued"):
            self._final(name, "cancelled", reason)

    def cancel_session(self, reason: str = "session cancelled") -> None:
        self._emit(Control(action="cancel_session", detail={"reason": reason}))
        if not self._finished:
            self.abort(reason)
        self._held.wake()

    def abort(self, reason: str) -> None:
        """Cancel everything still pending or running (also once `run` itself was cancelled)."""
        if self._cancelled:
            return
        self._cancelled = True
        for name in self.agents:
            self._cancel(name, reason)
        self._instant.cancel()
        self._check_message_done()

    def retry_agent(self, name: str) -> None:
        self._emit(Control(action="retry", target=name))
        if name not in self.agents or self._finished or self._cancelled:
            return
        if retriable(self.state, self.agents[name]) or self.state.agents[name].status == "skipped":
            self._run_again([name])

    def _run_again(self, names: list[str]) -> None:
        """Enter NAMES again (and the agents that failed for want of their keys)."""
        for other in to_run_again(self.state, self.agents, names):
            self._enter(self.agents[other])
        self._check_deadlock()
        self._dispatch()
        self._held.wake()

    def pause(self) -> None:
        self._emit(Control(action="pause"))

    def resume(self) -> None:
        self._emit(Control(action="resume"))
        self._dispatch()

    def store_memory(self, key: str, value: Any, namespace: str = "default") -> None:
        self._emit(Control(action="store_memory", target=key, detail={"namespace": namespace}))
        if not self._finished:
            self.memory.store(key, value, namespace, "user")
            rescued = rescued_by(self.state, self.agents, key)
            if rescued and not self._cancelled:
                self._run_again(rescued)  # the key they lacked is there now: they can run
            self._dispatch()

    def set_todo_status(self, todo_id: str, status: str) -> None:
        self._emit(Control(action="todo_status", target=todo_id, detail={"status": status}))
        ops.set_todo_by_user(self.state, self._emit, todo_id, status)
