"""The scheduler: runs a `Batch` message by message, agents in parallel, emitting events.

It reads the one folded `SessionState` and keeps only what running needs: the agents' tasks
and output logs, the Bash tasks, the ready queue and the count of running agents. It is driven
by what happens (a key stored, an agent finished, a control), never by polling: an agent waiting
for keys holds no task; its last key queues it, and a freed slot starts the first queued agent
in batch order. Deadlocks are found when they happen (`swarmtui.engine.deadlock`).

Every change goes out through `emit`, which must fold the event into `state` before it returns
(the session wires it to the fold, the event log and its subscribers).
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Callable
from pathlib import Path
from typing import Any, assert_never

from swarmtui.batch.models import (
    BashOp,
    Batch,
    MemoryOp,
    Message,
    NoteOp,
    Operation,
    SwarmInitOp,
    TaskOp,
    TodoWriteOp,
    ToolOp,
    WriteOp,
)
from swarmtui.engine import operations as ops
from swarmtui.engine.agent_run import AgentRun
from swarmtui.engine.bash import lasting_operation
from swarmtui.engine.caps import Caps
from swarmtui.engine.deadlock import find_deadlocks, retried_with_dependants
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
from swarmtui.engine.memory import Memory
from swarmtui.engine.output_log import PendingWrites
from swarmtui.engine.plan import Plan, PlannedAgent
from swarmtui.engine.preflight import preflight
from swarmtui.engine.runners import make_runner
from swarmtui.engine.runners.base import Runner
from swarmtui.engine.runners.secrets import secret_values
from swarmtui.engine.settings import RunSettings
from swarmtui.engine.state import SessionState
from swarmtui.engine.workspace.session_workspace import SessionWorkspace
from swarmtui.memory_keys import key_matches

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
        self.writes = PendingWrites(emit)
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
        self._runner_factory = runner_factory
        self._runners: dict[str, Runner] = {}
        self._runs: dict[str, AgentRun] = {}
        self._active: set[str] = set()  # agents of the running messages not yet ended
        self._ready: list[tuple[int, str]] = []
        self._running = 0
        self._bash: set[asyncio.Task[None]] = set()
        self._done: asyncio.Future[None] | None = None
        self._cancelled = False
        self._finished = False
        self._checking = False
        # The app keeps a session open after its last message while an agent could still be
        # retried or rescued, until the user ends it (`end`); headless runs end at once.
        self.hold_open = False
        self._held: asyncio.Future[None] | None = None
        self._ending = False

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
                if resuming and self._message_done(message):
                    continue
                await self._run_message(message, resuming)
            if self.hold_open:
                await self._hold()
        finally:
            self._finished = True
            self.memory.close()
            self.guard.close("the session ended before anyone decided")
        if self._cancelled:
            return "cancelled"
        # An error diagnostic always means something of the batch did not run (a syntax error
        # may even have swallowed the operation it was in).
        ok = (
            self.preflight_problem is None
            and self.state.failures == 0
            and not self.batch.has_errors
            and all(self.state.agents[n].status == "done" for n in self.agents)
        )
        return "completed" if ok else "failed"

    async def _hold(self) -> None:
        """Wait for the user while something can still run again: a retry or a stored key
        wakes it (and it waits for what they start); `end` or a cancel lets the session end."""
        loop = asyncio.get_running_loop()
        while not self._cancelled and not self._ending and self._anything_to_retry():
            self._held = loop.create_future()
            await self._held
            self._held = None
            while (self._active or self._bash) and not self._cancelled:
                self._done = loop.create_future()
                await self._done
            await self.drain()

    def _anything_to_retry(self) -> bool:
        return any(self._retriable(name) for name in self.agents)

    def _retriable(self, name: str) -> bool:
        """Whether agent NAME has ended but could run again: it failed or was cancelled, or it
        was skipped for a key nothing stores (the user may store it)."""
        status = self.state.agents[name].status
        if status in ("failed", "cancelled"):
            return self.agents[name].op.skip_reason is None
        return status == "skipped" and _for_want_of_a_key(self.agents[name])

    def _wake(self) -> None:
        if self._held is not None and not self._held.done():
            self._held.set_result(None)

    def end(self) -> None:
        """The user ends a session held open (what has not run stays as it is)."""
        self._emit(Control(action="end"))
        self._ending = True
        self._wake()

    def _message_done(self, message: Message) -> bool:
        m = self.state.messages.get(message.index)
        return (
            m is not None
            and m.status == "finished"
            and all(
                self.state.agents[op.name].status == "done"
                for op in message.operations
                if isinstance(op, TaskOp) and op.index not in self.plan.duplicates
            )
        )

    async def drain(self) -> None:
        """Wait until every runner, command and file write this scheduler started has ended."""
        tasks = [run.task for run in self._runs.values() if not run.task.done()]
        if tasks or self._bash:
            await asyncio.gather(*tasks, *self._bash, return_exceptions=True)
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
                if op.skip_reason is not None:
                    if not started_before:
                        self._skip(op, op.skip_reason)
                elif self.state.agents[op.name].status == "pending":
                    entering.append(agent)  # (one cancelled before its message started is final)
            elif started_before:
                bash = self.state.bash.get(op.index)
                unfinished = bash is None or bash.status == "running"
                if isinstance(op, BashOp) and op.skip_reason is None and unfinished:
                    self._run_instant(op)
            elif op.skip_reason is not None:
                self._skip(op, op.skip_reason)
            elif isinstance(op, TaskOp):
                self._skip(op, f"another agent is already named {op.name}")
            else:
                self._run_instant(op)
        for agent in entering:
            self._active.add(agent.name)
            self._enter(agent)
        self._check_deadlock()
        self._dispatch()
        while (self._active or self._bash) and not self._cancelled:
            self._done = asyncio.get_running_loop().create_future()
            await self._done
        await self.drain()  # (cancelled: let the killed runners and commands record their end)
        self._emit(MessageFinished(index=message.index))

    def _check_message_done(self) -> None:
        idle = (not self._active and not self._bash) or self._cancelled
        if idle and self._done is not None and not self._done.done():
            self._done.set_result(None)

    def _skip(self, op: Operation, reason: str) -> None:
        if isinstance(op, TaskOp) and op.index not in self.plan.duplicates:
            if self.state.agents[op.name].status == "pending":
                self._emit(AgentFinished(agent=op.name, status="skipped", reason=reason))
            return
        # Every operation that did not run is recorded: a note here is one that was not
        # understood, which fails the run like any other; a recorded tool (Claude Code's Read,
        # coordination, an MCP tool swarmtui does not run) does not (SessionState.failures).
        self._emit(OperationSkipped(op=op.index, kind=op.kind, reason=reason))

    def _run_instant(self, op: Operation) -> None:
        match op:
            case TodoWriteOp():
                ops.write_todos(self._ops, op)
            case MemoryOp():
                ops.memory_op(self._ops, op)
            case WriteOp() | BashOp():
                waiting = lasting_operation(self._ops, op)  # (the message waits for it)
                if waiting is not None:
                    task = asyncio.get_running_loop().create_task(waiting)
                    self._bash.add(task)
                    task.add_done_callback(self._bash_done)
            case SwarmInitOp() | NoteOp() | TaskOp() | ToolOp():
                pass  # swarm_init: applied by the plan; notes: nothing; tools: skipped, never run
            case _:
                assert_never(op)

    def _bash_done(self, task: asyncio.Task[None]) -> None:
        self._bash.discard(task)
        self._check_message_done()

    # --- agents -------------------------------------------------------------------------------

    def _enter(self, agent: PlannedAgent) -> None:
        """An agent of the running message: wait for its keys, or queue for a slot."""
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
            refusal = self.caps.refusal()
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
        stuck = find_deadlocks(self.state.agents, self._active)
        if not stuck:
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
        self._wake()

    def abort(self, reason: str) -> None:
        """Cancel everything still pending or running (also once `run` itself was cancelled)."""
        if self._cancelled:
            return
        self._cancelled = True
        for name in self.agents:
            self._cancel(name, reason)
        for task in list(self._bash):
            task.cancel()
        self._check_message_done()

    def retry_agent(self, name: str) -> None:
        self._emit(Control(action="retry", target=name))
        if name not in self.agents or self._finished or self._cancelled:
            return
        if self._retriable(name) or self.state.agents[name].status == "skipped":
            self._run_again([name])

    def _run_again(self, names: list[str]) -> None:
        """Enter NAMES again (and the agents that failed for want of their keys)."""
        agents = self.state.agents
        again: list[str] = []
        for name in names:
            planned = self.agents[name]
            if planned.op.skip_reason is not None and not _for_want_of_a_key(planned):
                continue  # (a syntax error or a placeholder: running it again changes nothing)
            again.extend(n for n in retried_with_dependants(agents, name) if n not in again)
        for other in again:
            self._active.add(other)
            self._enter(self.agents[other])
        self._check_deadlock()
        self._dispatch()
        self._wake()

    def pause(self) -> None:
        self._emit(Control(action="pause"))

    def resume(self) -> None:
        self._emit(Control(action="resume"))
        self._dispatch()

    def store_memory(self, key: str, value: Any, namespace: str = "default") -> None:
        self._emit(Control(action="store_memory", target=key, detail={"namespace": namespace}))
        if not self._finished:
            self.memory.store(key, value, namespace, "user")
            rescued = [
                name
                for name in self.agents
                if self._retriable(name) and self._gave_up_on(name, key)
            ]
            if rescued and not self._cancelled:
                self._run_again(rescued)  # the key they lacked is there now: they can run
            self._dispatch()

    def _gave_up_on(self, name: str, key: str) -> bool:
        """Whether agent NAME ended without running because KEY (or a key like it) was never
        stored: skipped before it started, or failed waiting for it."""
        agent = self.state.agents[name]
        if agent.started_at is not None and agent.status != "skipped":
            return False
        wanted = agent.missing or agent.waits
        return any(key_matches(key, w) for w in wanted)

    def set_todo_status(self, todo_id: str, status: str) -> None:
        self._emit(Control(action="todo_status", target=todo_id, detail={"status": status}))
        ops.set_todo_by_user(self.state, self._emit, todo_id, status)


def _for_want_of_a_key(agent: PlannedAgent) -> bool:
    """Skipped by the linter because nothing in the batch stores a key it waits for (SW004):
    a key stored by hand lets it run."""
    return (agent.op.skip_reason or "").startswith("SW004")
