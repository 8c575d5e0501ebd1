"""The scheduler: runs a `Batch` message by message, agents in parallel, emitting events.

It is a small state machine driven by what happens (a key stored, an agent finished, a control),
never by polling: an agent waiting for keys holds no task at all; the arrival of its last key
queues it, and a freed slot starts the first queued agent in batch order. Deadlocks are found
when they happen (an agent failed, was cancelled or skipped, or a message started): an agent
waiting for a key that no agent left able to finish can store fails at once, with a reason
naming the key (and the cycle, if it is one).

Every change goes out through `emit`, which the session wires to the fold, the event log and
its subscribers; the scheduler never knows where its events go.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import heapq
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from swarmtui.batch.models import (
    BashOp,
    Batch,
    MemoryOp,
    Message,
    Operation,
    SwarmInitOp,
    TaskOp,
    TodoStatus,
    TodoWriteOp,
    WriteOp,
)
from swarmtui.engine.events import (
    AgentFinished,
    AgentOutput,
    AgentQueued,
    AgentStarted,
    AgentUsage,
    AgentWaiting,
    BashFinished,
    BashOutput,
    BashStarted,
    Control,
    Event,
    FileWritten,
    FinalAgentStatus,
    MemoryDeleted,
    MemoryStored,
    MessageFinished,
    MessageStarted,
    OperationSkipped,
    SessionStatus,
    TodoChanged,
)
from swarmtui.engine.fence import FenceError, open_fenced, write_fenced
from swarmtui.engine.memory_reads import memory_read_event
from swarmtui.engine.paths import (
    check_write_path,
    rewrite_session_paths,
    session_relative,
    slug,
    write_target,
)
from swarmtui.engine.process import run_process
from swarmtui.engine.runners import make_runner
from swarmtui.engine.runners.base import AgentFailed, AgentJob, AgentResult, OutputStream, Runner
from swarmtui.engine.runners.secrets import StreamRedactor, secret_values
from swarmtui.engine.settings import RunSettings

# One output event carries at most this many characters; the whole output is in the agent's
# log file under artifacts/logs/.
OUTPUT_CHUNK = 8192
# An agent's result kept in its `agent_finished` event and in memory (longer ones are cut).
RESULT_LIMIT = 65536
# An agent whose output grows past this also gets artifacts/logs/<agent>.log with all of it.
LOG_FILE_THRESHOLD = 2 * OUTPUT_CHUNK

Emit = Callable[[Event], None]


def _is_glob(key: str) -> bool:
    return "*" in key or "?" in key or "[" in key


def _key_matches(stored: str, wanted: str) -> bool:
    return stored == wanted or fnmatch.fnmatchcase(stored, wanted)


def _cut(text: str, limit: int = RESULT_LIMIT) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[... {len(text) - limit} more characters in the agent's log]"


@dataclass(frozen=True)
class AgentProfile:
    """What an agent type contributes: its system prompt and default backend/model."""

    system_prompt: str = ""
    backend: str | None = None
    model: str | None = None


@dataclass
class _Agent:
    op: TaskOp
    message: int
    instructions: str
    backend: str
    model: str | None
    profile: AgentProfile
    status: str = "pending"
    missing: set[str] = field(default_factory=set)
    task: asyncio.Task[None] | None = None
    attempt: int = 0
    cancel_reason: str | None = None
    # Keys it was still missing when it failed for want of them (so a retry of their provider
    # can run it again).
    failed_missing: set[str] = field(default_factory=set)
    log_fd: int | None = None
    log_buffer: list[str] = field(default_factory=list)
    output_chars: int = 0
    cost: float = 0.0

    @property
    def name(self) -> str:
        return self.op.name

    @property
    def index(self) -> int:
        return self.op.index


class _Sink:
    """The `OutputSink` given to a runner: its calls become events of one agent."""

    def __init__(self, scheduler: Scheduler, agent: _Agent) -> None:
        self._scheduler = scheduler
        self._agent = agent

    def output(self, text: str, stream: OutputStream = "stdout") -> None:
        if text and self._agent.status == "running":
            self._scheduler._agent_output(self._agent, text, stream)

    def usage(self, tokens_in: int, tokens_out: int, cost_usd: float | None = None) -> None:
        if self._agent.status == "running":
            self._scheduler._agent_usage(self._agent, tokens_in, tokens_out, cost_usd)


def resolve_max_parallel(batch: Batch, settings: RunSettings) -> int | None:
    """`--max-parallel` if given, else the batch's first swarm_init maxAgents, else unbounded."""
    if settings.max_parallel:
        return settings.max_parallel
    for op in batch.operations():
        if isinstance(op, SwarmInitOp) and op.skip_reason is None and op.max_agents:
            return op.max_agents
    return None


class Scheduler:
    """Runs one batch. Create it, call `await run()`, use the control methods meanwhile."""

    def __init__(
        self,
        batch: Batch,
        *,
        settings: RunSettings,
        session_dir: Path,
        session_id: str,
        emit: Emit,
        profiles: dict[str, AgentProfile] | None = None,
        runner_factory: Callable[[str, RunSettings], Runner] = make_runner,
    ) -> None:
        self.batch = batch
        self.settings = settings
        self._secrets = secret_values(settings)
        self.session_dir = session_dir
        self._artifacts_dir = session_dir / "artifacts"  # (a Path join per agent adds up)
        self.session_id = session_id
        self._emit = emit
        self._profiles = profiles or {}
        self._runner_factory = runner_factory
        self._runners: dict[str, Runner] = {}
        self.max_parallel = resolve_max_parallel(batch, settings)
        self.agents: dict[str, _Agent] = {}
        self._duplicates: set[int] = set()
        for message in batch.messages:
            for op in message.operations:
                if isinstance(op, TaskOp):
                    if op.name in self.agents:
                        self._duplicates.add(op.index)
                        continue
                    self.agents[op.name] = self._plan_agent(op, message.index)
        self._memory: dict[str, Any] = {}  # key -> latest value, any namespace
        self._active: set[str] = set()  # agents of the running message not yet final
        self._waiters: dict[str, set[str]] = {}
        self._glob_waiters: dict[str, set[str]] = {}
        self._ready: list[tuple[int, str]] = []
        self._running = 0
        self._bash: set[asyncio.Task[None]] = set()
        self._done: asyncio.Future[None] | None = None
        self._paused = False
        self._cancelled = False
        self._finished = False
        self._failures = 0
        self._cost = 0.0
        self._checking = False
        self._todos: dict[str, TodoChanged] = {}
        # agent -> ids of the todos assigned to it, so starting or finishing an agent does not
        # scan every todo (batch order kept through `_todo_order`).
        self._todos_of: dict[str, set[str]] = {}
        self._todo_order: dict[str, int] = {}
        self._ttl_timers: list[asyncio.TimerHandle] = []
        self._providers_cache: dict[str, list[str]] = {}
        self._store_index: dict[str, list[str]] = {}
        self._store_globs: list[tuple[str, str]] = []

    # --- planning -----------------------------------------------------------------------------

    def _plan_agent(self, op: TaskOp, message: int) -> _Agent:
        profile = self._profiles.get(op.agent_type, AgentProfile())
        by_type = self.settings.agent_types.get(op.agent_type, {})
        backend = op.backend or profile.backend or by_type.get("backend") or self.settings.backend
        # The session-wide --model belongs to the session-wide backend: an agent moved to another
        # backend (by its options, its type or the config) gets that backend's own default model.
        fallback_model = self.settings.model if backend == self.settings.backend else None
        model = op.model or profile.model or by_type.get("model") or fallback_model
        instructions = rewrite_session_paths(op.instructions, self.session_dir)
        return _Agent(
            op=op,
            message=message,
            instructions=instructions,
            backend=backend,
            model=model,
            profile=profile,
        )

    def providers_of(self, key: str) -> list[str]:
        """Agents of the batch that store KEY (or a key matching it), in batch order."""
        found = self._providers_cache.get(key)
        if found is None:
            if not self._store_index:
                for a in self.agents.values():
                    for stored in a.op.stores:
                        if _is_glob(stored):
                            self._store_globs.append((stored, a.name))
                        else:
                            self._store_index.setdefault(stored, []).append(a.name)
            names = set(self._store_index.get(key, ()))
            if _is_glob(key):
                for stored, who in self._store_index.items():
                    if fnmatch.fnmatchcase(stored, key):
                        names.update(who)
            for pattern, name in self._store_globs:
                if pattern == key or fnmatch.fnmatchcase(key, pattern):
                    names.add(name)
            found = sorted(names, key=lambda n: self.agents[n].index)
            self._providers_cache[key] = found
        return found

    # --- running ------------------------------------------------------------------------------

    def budget_warnings(self) -> list[str]:
        """Why `budget_usd` cannot be enforced for some agents: their backend reports no cost
        (command) or their model has no price in the configuration (openai)."""
        budget = self.settings.budget_usd
        if budget is None:
            return []
        unpriced: dict[str, list[str]] = {}
        for agent in self.agents.values():
            if agent.backend == "command":
                unpriced.setdefault("the command backend reports no cost", []).append(agent.name)
            elif agent.backend == "openai":
                configured = self.settings.backend_options.get("openai", {}).get("model")
                model = agent.model or (configured if isinstance(configured, str) else None)
                if model not in self.settings.prices:
                    why = f"openai model {model!r} has no price in [prices]"
                    unpriced.setdefault(why, []).append(agent.name)
        return [
            f"budget of ${budget:.2f} cannot be enforced for {', '.join(names)}: {why}"
            for why, names in unpriced.items()
        ]

    async def run(self) -> SessionStatus:
        """Run every message in order; returns the session's final status."""
        try:
            for message in self.batch.messages:
                if self._cancelled:
                    break
                await self._run_message(message)
        finally:
            self._finished = True
            for timer in self._ttl_timers:
                timer.cancel()
        if self._cancelled:
            return "cancelled"
        # An error diagnostic always means something of the batch did not run (a syntax error
        # may even have swallowed the operation it was in).
        ok = (
            self._failures == 0
            and not self.batch.has_errors
            and all(a.status == "done" for a in self.agents.values())
        )
        return "completed" if ok else "failed"

    async def drain(self) -> None:
        """Wait until every runner and command this scheduler started has ended."""
        tasks = [a.task for a in self.agents.values() if a.task is not None and not a.task.done()]
        if tasks or self._bash:
            await asyncio.gather(*tasks, *self._bash, return_exceptions=True)

    async def _run_message(self, message: Message) -> None:
        self._emit(MessageStarted(index=message.index, title=message.title))
        new_agents: list[_Agent] = []
        for op in message.operations:
            if op.skip_reason is not None:
                self._skip(op, op.skip_reason)
            elif isinstance(op, TaskOp) and op.index in self._duplicates:
                self._skip(op, f"another agent is already named {op.name}")
            elif isinstance(op, TaskOp):
                agent = self.agents[op.name]
                if agent.status == "pending":  # (cancelled before its message started: final)
                    new_agents.append(agent)
            else:
                self._run_instant(op)
        for agent in new_agents:
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
        if isinstance(op, TaskOp) and op.index not in self._duplicates:
            agent = self.agents[op.name]
            if agent.status == "pending":
                agent.status = "skipped"
                self._emit(AgentFinished(agent=op.name, status="skipped", reason=reason))
            return
        if op.kind == "tool":
            # Recognised and deliberately not run (agents' own work, coordination swarmtui does
            # itself, a tool of an MCP server it does not run): recorded, never a failure.
            self._emit(OperationSkipped(op=op.index, kind=op.kind, reason=reason))
            return
        # Anything else that did not run, a note that was not understood included, means the
        # batch did not run as written: the session must not look completed.
        self._failures += 1
        self._emit(OperationSkipped(op=op.index, kind=op.kind, reason=reason))

    def _run_instant(self, op: Operation) -> None:
        if isinstance(op, TodoWriteOp):
            for todo in op.todos:
                event = TodoChanged(
                    id=todo.id,
                    content=todo.content,
                    status=todo.status,
                    priority=todo.priority,
                    agent=todo.agent,
                )
                self._keep_todo(event)
                self._emit(event)
        elif isinstance(op, MemoryOp):
            self._memory_op(op)
        elif isinstance(op, WriteOp):
            self._write(op)
        elif isinstance(op, BashOp):
            task = asyncio.get_running_loop().create_task(self._bash_op(op))
            self._bash.add(task)
        # swarm_init was applied before the session started (max parallel); notes do nothing.

    # --- memory -------------------------------------------------------------------------------

    def _rewrite_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return rewrite_session_paths(value, self.session_dir)
        return value

    def _memory_op(self, op: MemoryOp) -> None:
        if op.action in ("store", "delete") and not op.key:
            self._skip(op, f"memory {op.action} without a key")
            return
        assert op.key is not None or op.action not in ("store", "delete")
        if op.action == "store" and op.key is not None:
            self._store(op.key, self._rewrite_value(op.value), op.namespace, "batch", op.ttl)
        elif op.action == "delete" and op.key is not None:
            self._memory.pop(op.key, None)
            self._emit(MemoryDeleted(key=op.key, namespace=op.namespace, by="batch"))
        elif op.action in ("retrieve", "list", "search"):
            # Nothing changes (no agent to hand the value to), but the read is recorded.
            self._emit(memory_read_event(op, self._memory))

    def _store(
        self, key: str, value: Any, namespace: str, by: str, ttl: float | None = None
    ) -> None:
        self._emit(MemoryStored(key=key, value=value, namespace=namespace, ttl=ttl, by=by))
        self._memory[key] = value
        if ttl is not None and ttl > 0:
            loop = asyncio.get_running_loop()
            self._ttl_timers.append(loop.call_later(ttl, self._expire, key, namespace, value))
        self._key_arrived(key)

    def _expire(self, key: str, namespace: str, value: Any) -> None:
        if not self._finished and self._memory.get(key) is value:
            del self._memory[key]
            self._emit(MemoryDeleted(key=key, namespace=namespace, by="ttl"))

    def _key_arrived(self, key: str) -> None:
        names = set(self._waiters.pop(key, ()))
        for pattern, waiting in list(self._glob_waiters.items()):
            if fnmatch.fnmatchcase(key, pattern):
                names |= waiting
                del self._glob_waiters[pattern]
        for name in sorted(names, key=lambda n: self.agents[n].index):
            agent = self.agents[name]
            if agent.status != "waiting":
                continue
            agent.missing = {k for k in agent.missing if not _key_matches(key, k)}
            if not agent.missing:
                self._make_ready(agent)

    def _has_key(self, wanted: str) -> bool:
        if not _is_glob(wanted):
            return wanted in self._memory
        return any(fnmatch.fnmatchcase(k, wanted) for k in self._memory)

    # --- agents -------------------------------------------------------------------------------

    def _enter(self, agent: _Agent) -> None:
        """An agent of the running message: wait for its keys, or queue for a slot."""
        agent.cancel_reason = None
        agent.missing = {k for k in agent.op.waits if not self._has_key(k)}
        if agent.missing:
            agent.status = "waiting"
            for key in agent.missing:
                table = self._glob_waiters if _is_glob(key) else self._waiters
                table.setdefault(key, set()).add(agent.name)
            keys = [k for k in agent.op.waits if k in agent.missing]
            self._emit(AgentWaiting(agent=agent.name, keys=keys))
        else:
            self._make_ready(agent)

    def _make_ready(self, agent: _Agent) -> None:
        agent.status = "queued"
        self._emit(AgentQueued(agent=agent.name))
        heapq.heappush(self._ready, (agent.index, agent.name))

    def _dispatch(self) -> None:
        limit = self.max_parallel
        while self._ready and not self._paused and not self._cancelled:
            if limit is not None and self._running >= limit:
                return
            _, name = heapq.heappop(self._ready)
            agent = self.agents[name]
            if agent.status != "queued":
                continue  # cancelled or re-queued since
            budget = self.settings.budget_usd
            if budget is not None and self._cost >= budget:
                self._final(
                    agent,
                    "skipped",
                    f"budget of ${budget:.2f} spent (${self._cost:.2f}); not started",
                )
                continue
            self._start(agent)

    def _start(self, agent: _Agent) -> None:
        agent.status = "running"
        agent.attempt += 1
        self._running += 1
        self._emit(
            AgentStarted(
                agent=agent.name, attempt=agent.attempt, backend=agent.backend, model=agent.model
            )
        )
        for todo in self._agent_todos(agent.name):
            if todo.status == "pending":
                self._set_todo(todo, "in_progress", agent.name)
        agent.task = asyncio.get_running_loop().create_task(self._run_agent(agent))

    def _runner(self, backend: str) -> Runner:
        runner = self._runners.get(backend)
        if runner is None:
            runner = self._runners[backend] = self._runner_factory(backend, self.settings)
        return runner

    def _job(self, agent: _Agent) -> AgentJob:
        inputs: dict[str, Any] = {}
        for wanted in agent.op.waits:
            if _is_glob(wanted):
                for key in sorted(self._memory):
                    if fnmatch.fnmatchcase(key, wanted):
                        inputs[key] = self._memory[key]
            elif wanted in self._memory:
                inputs[wanted] = self._memory[wanted]
        return AgentJob(
            name=agent.name,
            type=agent.op.agent_type,
            instructions=agent.instructions,
            system_prompt=agent.profile.system_prompt,
            inputs=inputs,
            stores=list(agent.op.stores),
            session_id=self.session_id,
            session_dir=self.session_dir,
            artifacts_dir=self._artifacts_dir,
            attempt=agent.attempt,
            timeout=agent.op.timeout,
            backend=agent.backend,
            model=agent.model,
        )

    async def _run_agent(self, agent: _Agent) -> None:
        try:
            result: AgentResult | None = None
            reason = ""
            retries = max(agent.op.retries, 0)
            tries = 1
            while result is None:
                try:
                    runner = self._runner(agent.backend)
                    async with asyncio.timeout(agent.op.timeout):
                        result = await runner.run(self._job(agent), _Sink(self, agent))
                    break
                except AgentFailed as exc:
                    reason = str(exc) or "the agent failed"
                except TimeoutError:
                    reason = f"timed out after {agent.op.timeout:g} s"
                except Exception as exc:  # a runner bug must not take the session down
                    reason = f"{type(exc).__name__}: {exc}"
                if tries > retries:
                    self._final(agent, "failed", reason)
                    return
                note = f"attempt {agent.attempt} failed: {reason}; retrying"
                self._agent_output(agent, note, "info")
                tries += 1
                agent.attempt += 1
                self._emit(AgentStarted(agent=agent.name, attempt=agent.attempt))
            self._succeed(agent, result)
        except asyncio.CancelledError:
            if agent.status == "running":
                self._final(agent, "cancelled", agent.cancel_reason or "cancelled")
            if not agent.cancel_reason:  # not ours: the whole run is being torn down
                raise

    def _succeed(self, agent: _Agent, result: AgentResult) -> None:
        value = _cut(result.text)
        for key in agent.op.stores:
            stored = key.replace("*", slug(agent.name)) if _is_glob(key) else key
            self._emit(MemoryStored(key=stored, value=value, by=agent.name))
            self._memory[stored] = value
        files = []
        for relative in result.files:
            size = result.sizes.get(relative)
            if size is None:
                try:
                    size = (self.session_dir / relative).stat().st_size
                except OSError:
                    continue
            files.append(relative)
            self._emit(FileWritten(path=relative, bytes=size, by=agent.name))
        stored_keys = [
            k.replace("*", slug(agent.name)) if _is_glob(k) else k for k in agent.op.stores
        ]
        self._final(agent, "done", None, result=value, artifacts=files, stored=stored_keys)

    def _final(
        self,
        agent: _Agent,
        status: FinalAgentStatus,
        reason: str | None,
        *,
        result: str | None = None,
        artifacts: list[str] | None = None,
        stored: list[str] | None = None,
    ) -> None:
        """Record an agent's end, free its slot and let whatever it unblocks go on."""
        was_running = agent.status == "running"
        agent.status = status
        if was_running:
            self._running -= 1
        self._close_log(agent)
        self._emit(
            AgentFinished(
                agent=agent.name,
                status=status,
                reason=reason,
                result=result,
                artifacts=artifacts or [],
            )
        )
        if status == "done":
            for todo in self._agent_todos(agent.name):
                if todo.status != "completed":
                    self._set_todo(todo, "completed", agent.name)
            for key in stored or []:
                self._key_arrived(key)
        self._active.discard(agent.name)
        self._forget_waits(agent)
        if status != "done":
            self._check_deadlock()
        self._dispatch()
        self._check_message_done()

    def _forget_waits(self, agent: _Agent) -> None:
        for key in agent.missing:
            table = self._glob_waiters if _is_glob(key) else self._waiters
            names = table.get(key)
            if names is not None:
                names.discard(agent.name)
                if not names:
                    del table[key]

    # --- output -------------------------------------------------------------------------------

    def _agent_output(self, agent: _Agent, text: str, stream: OutputStream) -> None:
        # Output small enough for a few events stays in the event log alone; once an agent
        # has said more, its whole output also goes to artifacts/logs/<agent>.log.
        agent.output_chars += len(text)
        if agent.log_fd is None:
            agent.log_buffer.append(text)
            if agent.output_chars > LOG_FILE_THRESHOLD:
                try:
                    agent.log_fd = open_fenced(
                        self.session_dir, f"artifacts/logs/{slug(agent.name)}.log", append=True
                    )
                except OSError:
                    agent.log_fd = -1  # refused: the events still carry everything
                text_to_write = "".join(agent.log_buffer)
                agent.log_buffer.clear()
                self._write_log(agent, text_to_write)
        else:
            self._write_log(agent, text)
        for start in range(0, len(text), OUTPUT_CHUNK):
            self._emit(
                AgentOutput(
                    agent=agent.name, stream=stream, text=text[start : start + OUTPUT_CHUNK]
                )
            )

    def _write_log(self, agent: _Agent, text: str) -> None:
        if agent.log_fd is not None and agent.log_fd >= 0:
            with contextlib.suppress(OSError):
                os.write(agent.log_fd, text.encode("utf-8", "replace"))

    def _close_log(self, agent: _Agent) -> None:
        if agent.log_fd is not None and agent.log_fd >= 0:
            os.close(agent.log_fd)
        agent.log_fd = None
        agent.log_buffer.clear()
        agent.output_chars = 0

    def _agent_usage(
        self, agent: _Agent, tokens_in: int, tokens_out: int, cost_usd: float | None
    ) -> None:
        if cost_usd is not None:
            self._cost += cost_usd - agent.cost
            agent.cost = cost_usd
        self._emit(
            AgentUsage(
                agent=agent.name, tokens_in=tokens_in, tokens_out=tokens_out, cost_usd=cost_usd
            )
        )

    # --- deadlocks ----------------------------------------------------------------------------

    def _check_deadlock(self) -> None:
        """Fail at once every waiting agent that nothing left can unblock."""
        if self._checking or self._cancelled:
            return
        waiting = [self.agents[n] for n in self._active if self.agents[n].status == "waiting"]
        if not waiting:
            return
        able = [n for n in self._active if self.agents[n].status in ("queued", "running")]
        stuck = {a.name for a in waiting}
        # Propagate "can still finish" from the agents that can (a worklist, linear in the
        # number of wait edges): a waiter can once every key it misses has a provider that can.
        need = {a.name: set(a.missing) for a in waiting}
        waiters_of: dict[str, list[str]] = {}
        provides: dict[str, list[str]] = {}
        for a in waiting:
            for key in a.missing:
                waiters_of.setdefault(key, []).append(a.name)
        for key in waiters_of:
            for provider in self.providers_of(key):
                provides.setdefault(provider, []).append(key)
        while able:
            provider = able.pop()
            for key in provides.get(provider, ()):
                for waiter in waiters_of[key]:
                    missing = need[waiter]
                    if waiter != provider and key in missing:
                        missing.discard(key)
                        if not missing and waiter in stuck:
                            stuck.discard(waiter)
                            able.append(waiter)
        if not stuck:
            return
        reasons = {name: self._deadlock_reason(self.agents[name], stuck) for name in stuck}
        self._checking = True
        try:
            for name in sorted(stuck, key=lambda n: self.agents[n].index):
                agent = self.agents[name]
                if agent.status == "waiting":
                    agent.failed_missing = set(agent.missing)
                    self._final(agent, "failed", reasons[name])
        finally:
            self._checking = False
        self._dispatch()
        self._check_message_done()

    def _deadlock_reason(self, agent: _Agent, stuck: set[str]) -> str:
        """Why AGENT can never start, naming the first key that blocks it."""
        cycle = self._cycle_from(agent.name, stuck)
        for key in sorted(agent.missing):
            providers = [p for p in self.providers_of(key) if p != agent.name]
            if any(
                p not in stuck and self.agents[p].status in ("queued", "running") for p in providers
            ):
                continue  # this key will come; another one blocks
            blocked = [p for p in providers if p in stuck]
            if cycle and blocked:
                return f"waits for {key} (dependency cycle: {' → '.join(cycle)})"
            ended = [
                p for p in providers if self.agents[p].status in ("failed", "cancelled", "skipped")
            ]
            if ended:
                p = self.agents[ended[0]]
                return f"waits for {key}, but {p.name} {_verb(p.status)}"
            if blocked:
                p = self.agents[blocked[0]]
                first = sorted(p.missing)[0] if p.missing else "?"
                return f"waits for {key}, but {p.name} can never start (it waits for {first})"
            later = [p for p in providers if self.agents[p].status == "pending"]
            if later:
                return f"waits for {key}, which only {later[0]} (a later message) stores"
            if any(_key_matches(s, key) for s in agent.op.stores):
                return f"waits for {key}, which only it stores itself"
            return f"waits for {key}, which nothing left can store"
        first = sorted(agent.missing)[0] if agent.missing else "?"
        return f"waits for {first}, which nothing left can store"

    def _cycle_from(self, start: str, stuck: set[str]) -> list[str]:
        path = [start]
        seen = {start}
        current = start
        while True:
            agent = self.agents[current]
            nxt = None
            for key in sorted(agent.missing):
                for p in self.providers_of(key):
                    if p in stuck and p != current:
                        nxt = p
                        break
                if nxt:
                    break
            if nxt is None:
                return []
            if nxt in seen:
                return [*path[path.index(nxt) :], nxt]
            path.append(nxt)
            seen.add(nxt)
            current = nxt

    # --- bash and write -----------------------------------------------------------------------

    async def _bash_op(self, op: BashOp) -> None:
        command = rewrite_session_paths(op.command, self.session_dir)
        cwd = self.session_dir
        task = asyncio.current_task()
        try:
            if op.cwd:
                relative = session_relative(rewrite_session_paths(op.cwd, self.session_dir), cwd)
                problem = check_write_path(relative)
                if problem is not None or not (cwd / relative).resolve().is_relative_to(
                    cwd.resolve()
                ):
                    self._skip(op, problem or f"{op.cwd}: outside the session folder")
                    return
                cwd = cwd / relative
            self._emit(BashStarted(op=op.index, command=command))

            # A key the command prints may arrive split across two reads.
            redactors = {name: StreamRedactor(self._secrets) for name in ("stdout", "stderr")}

            def emit_output(stream: str, text: str) -> None:
                for start in range(0, len(text), OUTPUT_CHUNK):
                    chunk = text[start : start + OUTPUT_CHUNK]
                    self._emit(
                        BashOutput(
                            op=op.index,
                            stream="stdout" if stream == "stdout" else "stderr",
                            text=chunk,
                        )
                    )

            def on_output(stream: str, text: str) -> None:
                name = "stdout" if stream == "stdout" else "stderr"
                emit_output(name, redactors[name].feed(text))

            try:
                try:
                    status = await run_process(
                        ["bash", "-c", command], cwd=cwd, on_output=on_output, timeout=op.timeout
                    )
                finally:
                    for name, redactor in redactors.items():
                        emit_output(name, redactor.flush())
            except TimeoutError:
                self._failures += 1
                reason = f"timed out after {op.timeout:g} s"
                self._emit(BashFinished(op=op.index, exit_status=None, reason=reason))
                return
            except asyncio.CancelledError:
                self._failures += 1
                self._emit(BashFinished(op=op.index, exit_status=None, reason="cancelled"))
                return
            except OSError as exc:
                self._failures += 1
                reason = f"could not run bash: {exc}"
                self._emit(BashFinished(op=op.index, exit_status=None, reason=reason))
                return
            if status != 0:
                self._failures += 1
            failed = None if status == 0 else f"exit status {status}"
            self._emit(BashFinished(op=op.index, exit_status=status, reason=failed))
        finally:
            if task is not None:
                self._bash.discard(task)
            self._check_message_done()

    def _write(self, op: WriteOp) -> None:
        # The batch language's rules know the §6 placeholders: give them the path as written.
        path = op.path
        problem = check_write_path(path)
        if problem is not None:
            self._skip(op, problem)
            return
        relative = write_target(path)
        content = rewrite_session_paths(op.content, self.session_dir)
        try:
            size = write_fenced(self.session_dir, relative, content.encode("utf-8"))
        except FenceError as exc:
            self._skip(op, f"write refused: {exc.strerror}")
            return
        except OSError as exc:
            self._skip(op, f"{relative}: not written ({exc.strerror or exc})")
            return
        self._emit(FileWritten(path=relative, bytes=size, by="batch"))

    # --- todos --------------------------------------------------------------------------------

    def _set_todo(self, todo: TodoChanged, status: TodoStatus, by: str) -> None:
        event = TodoChanged(
            id=todo.id,
            content=todo.content,
            status=status,
            priority=todo.priority,
            agent=todo.agent,
            by=by,
        )
        self._keep_todo(event)
        self._emit(event)

    def _keep_todo(self, todo: TodoChanged) -> None:
        old = self._todos.get(todo.id)
        if old is not None and old.agent is not None and old.agent != todo.agent:
            self._todos_of[old.agent].discard(todo.id)
        self._todos[todo.id] = todo
        self._todo_order.setdefault(todo.id, len(self._todo_order))
        if todo.agent is not None:
            self._todos_of.setdefault(todo.agent, set()).add(todo.id)

    def _agent_todos(self, name: str) -> list[TodoChanged]:
        """The todos assigned to agent NAME, in the order they were first declared."""
        ids = self._todos_of.get(name)
        if not ids:
            return []
        return [self._todos[i] for i in sorted(ids, key=self._todo_order.__getitem__)]

    # --- controls -----------------------------------------------------------------------------

    def cancel_agent(self, name: str, reason: str = "cancelled by user") -> None:
        self._emit(Control(action="cancel", target=name))
        agent = self.agents.get(name)
        if agent is None or self._finished:
            return
        self._cancel(agent, reason)

    def _cancel(self, agent: _Agent, reason: str) -> None:
        if agent.status == "running" and agent.task is not None:
            agent.cancel_reason = reason
            agent.task.cancel()
        elif agent.status in ("pending", "waiting", "queued"):
            agent.cancel_reason = reason
            self._final(agent, "cancelled", reason)

    def cancel_session(self, reason: str = "session cancelled") -> None:
        self._emit(Control(action="cancel_session", detail={"reason": reason}))
        if not self._finished:
            self.abort(reason)

    def abort(self, reason: str) -> None:
        """Cancel everything still pending or running (also once `run` itself was cancelled)."""
        if self._cancelled:
            return
        self._cancelled = True
        for agent in sorted(self.agents.values(), key=lambda a: a.index):
            self._cancel(agent, reason)
        for task in list(self._bash):
            task.cancel()
        self._check_message_done()

    def retry_agent(self, name: str) -> None:
        self._emit(Control(action="retry", target=name))
        agent = self.agents.get(name)
        if (
            agent is None
            or self._finished
            or self._cancelled
            or agent.status not in ("failed", "cancelled", "skipped")
            or agent.op.skip_reason is not None
        ):
            return
        again = [agent]
        queue = [agent]
        while queue:  # its dependants that failed for want of its keys run again after it
            provider = queue.pop()
            for other in self.agents.values():
                if other in again or other.status != "failed" or not other.failed_missing:
                    continue
                if any(provider.name in self.providers_of(k) for k in other.failed_missing):
                    again.append(other)
                    queue.append(other)
        for a in sorted(again, key=lambda a: a.index):
            a.failed_missing = set()
            self._active.add(a.name)
            self._enter(a)
        self._check_deadlock()
        self._dispatch()

    def pause(self) -> None:
        self._emit(Control(action="pause"))
        self._paused = True

    def resume(self) -> None:
        self._emit(Control(action="resume"))
        self._paused = False
        self._dispatch()

    def store_memory(self, key: str, value: Any, namespace: str = "default") -> None:
        self._emit(Control(action="store_memory", target=key, detail={"namespace": namespace}))
        if self._finished:
            return
        self._store(key, value, namespace, "user")
        self._dispatch()

    def set_todo_status(self, todo_id: str, status: str) -> None:
        self._emit(Control(action="todo_status", target=todo_id, detail={"status": status}))
        todo = self._todos.get(todo_id)
        if todo is None:
            return
        for allowed in get_args(TodoStatus):
            if status == allowed:
                self._set_todo(todo, allowed, "user")


def _verb(status: str) -> str:
    return {"failed": "failed", "cancelled": "was cancelled", "skipped": "was skipped"}.get(
        status, status
    )
