"""`LiveSession`: one run of a batch, wired to its folder, its event log, its state and listeners.

The session numbers and times every event the scheduler emits, folds it into `state` with
`apply`, appends it to the event log, then hands it to subscribers, all synchronously and in
order on the event loop thread. Where the events are recorded is given to it (`log_factory`):
the store's `new_live_session` / `resume_live_session` wire its `EventLog` in.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from swarmtui import gc_policy
from swarmtui.batch import can_run, parse_batch
from swarmtui.batch.models import Batch
from swarmtui.engine.control_socket import MAX_MESSAGE, ControlServer
from swarmtui.engine.estimate import Estimate, estimate
from swarmtui.engine.events import (
    DiagnosticEvent,
    Event,
    SessionFinished,
    SessionResumed,
    SessionStarted,
    SessionStatus,
)
from swarmtui.engine.executors import executor_for
from swarmtui.engine.folders import open_session_folder, session_name, session_slug
from swarmtui.engine.fork import ForkPlan, ForkPoint, copy_files, fork_events, plan_fork
from swarmtui.engine.guard import SessionGuard
from swarmtui.engine.limits import raise_open_files_limit
from swarmtui.engine.notifications import SessionNotifier, TerminalHook
from swarmtui.engine.plan import Plan, load_profiles
from swarmtui.engine.runners.secrets import scrub_event, secret_values
from swarmtui.engine.scheduler import Scheduler
from swarmtui.engine.settings import RunSettings
from swarmtui.engine.state import SessionState, apply, fold
from swarmtui.engine.workspace.session_workspace import SessionWorkspace, WorkspaceStop

Subscriber = Callable[[Event], None]


def _end_reason(scheduler: Scheduler) -> str | None:
    """Why the session ended early or failed, when it did: a pre-flight check, a session cap,
    else the first thing that failed."""
    if scheduler.preflight_problem is not None:
        return f"pre-flight check failed, no agent started: {scheduler.preflight_problem}"
    crossed = scheduler.caps.crossed
    return crossed.reason.removeprefix("stopped: ") if crossed is not None else scheduler.failure


class NothingToRun(ValueError):
    """A new session of a batch in which nothing would run (empty, or only errors, notes and
    recorded tools) is not made: no folder, no session that "completes" or "fails" with no
    work. The batch's diagnostics say why."""

    def __init__(self, batch: Batch) -> None:
        super().__init__(
            "Nothing in this batch can run (its diagnostics say why): no session was made"
        )
        self.batch = batch


class EventSink(Protocol):
    """Where a session's events are recorded (the store's `EventLog`)."""

    error: str | None

    def append(self, event: Event) -> None: ...

    def notify_errors(self, callback: Callable[[str], None]) -> None:
        """Call CALLBACK(error), from any thread, once events can no longer be recorded."""
        ...

    def finish(self, **values: Any) -> None:
        """Record the session's figures in its row: nothing is appended after it."""
        ...

    def close(self) -> None: ...


@dataclass
class Recording:
    """A recorded session to take up: its folder, a batch, the events taken up.

    A resume takes up all of a session's events and goes on in its folder with the batch as
    run. A fork (`fork` set) takes up the first events of the session at `path` and goes on in
    a new session with TEXT, its own batch (see `swarmtui.engine.fork`)."""

    path: Path
    text: str
    events: list[Event]
    fork: ForkPoint | None = None

    @property
    def started(self) -> SessionStarted | None:
        first = self.events[0] if self.events else None
        return first if isinstance(first, SessionStarted) else None


def _started_at(recording: Recording) -> datetime:
    started = recording.started
    if started is None:
        return datetime.now(UTC).replace(microsecond=0)
    return datetime.fromisoformat(started.started_at.replace("Z", "+00:00"))


def _keep_recorded_keys(batch: Batch, state: SessionState) -> None:
    """Resumed, the batch's agents wait for and store the keys its recording planned. The text
    is parsed again by today's rules, which may name a key otherwise (an agent's `done` key
    follows its file name, whose rule changed), while the agents that stay done stored theirs
    under the recorded names: today's would never come."""
    for op in batch.tasks():
        recorded = state.agents.get(op.name)
        if recorded is not None and (op.waits, op.stores) != (recorded.waits, recorded.stores):
            op.waits, op.stores = list(recorded.waits), list(recorded.stores)


class LiveSession:
    """Runs one batch: `await run()`; controls may be called while it runs.

    With `resume`, takes up a recorded session in its own folder: the recorded events are the
    state it starts from, and the new events go on in the same log."""

    def __init__(
        self,
        text: str,
        *,
        source_name: str | None,
        settings: RunSettings,
        sessions_dir: Path,
        log_factory: Callable[[Path], EventSink],
        project_dir: Path | None = None,
        batch: Batch | None = None,
        resume: Recording | None = None,
        terminal_notify: TerminalHook | None = None,
    ) -> None:
        self.resume_from = resume
        # A fork: a new session that takes up the recording's events (the rest is a resume).
        self.fork = resume.fork if resume is not None else None
        in_place = resume is not None and self.fork is None
        # Where the terminal's own notifications go (the front end's; None: nowhere).
        self.terminal_notify = terminal_notify
        self.text = resume.text if resume is not None else text
        self.settings = settings
        self.sessions_dir = sessions_dir
        self.project_dir = project_dir
        self.started = (
            _started_at(resume)
            if resume is not None and in_place
            else datetime.now(UTC).replace(microsecond=0)
        )
        self.batch = (
            batch
            if batch is not None
            # `now` is the session's start, for the batch's `new Date()` values.
            else parse_batch(
                self.text, source_name=source_name, now=self.started, project_dir=project_dir
            )
        )
        if self.batch.source_name is None:
            self.batch.source_name = source_name
        if resume is None and not can_run(self.batch):
            raise NothingToRun(self.batch)
        self._slug = session_slug(self.batch, source_name)
        self.session_id = session_name(self.started, self._slug)
        self.path = sessions_dir / self.session_id
        self.state = SessionState()
        self._seq = 0
        self._t_before = 0.0  # recorded time before this run (a resumed session goes on)
        self.fork_plan: ForkPlan | None = None
        if resume is not None and in_place:
            self.path = resume.path
            self.session_id = resume.path.name
            fold(resume.events, self.state)
            _keep_recorded_keys(self.batch, self.state)
            self._seq = self.state.seq
            self._t_before = self.state.t
        elif resume is not None and self.fork is not None:
            self.fork_plan = plan_fork(fold(resume.events), self.batch, resume.path)
        self._fork_files: tuple[list[str], list[str]] = ([], [])
        self._subscribers: list[Subscriber] = []
        # The app's sessions stay open after their last message while an agent could run
        # again, until the user ends them (`end`); headless runs end at once.
        self.hold_open = False
        self._log_factory = log_factory
        self._log: EventSink | None = None
        self._scheduler: Scheduler | None = None
        self._t0 = 0.0
        self._emitting = 0
        # Problems that did not stop the run: a subscriber that raised, an event log that
        # could not be written (the state is still complete in memory).
        self.subscriber_errors: list[str] = []
        self.log_error: str | None = None
        # Why `swarmtui send` cannot reach this session (its socket could not be made).
        self.control_error: str | None = None
        # Why the session was ended from outside (a signal), when it was.
        self.end_reason: str | None = None
        # Values of the API keys in the environment: no event may carry one.
        self._secrets = secret_values(settings)
        self.guard: SessionGuard | None = None
        self.notifier: SessionNotifier | None = None

    def subscribe(self, callback: Subscriber) -> None:
        self._subscribers.append(callback)

    def _emit(self, event: Event) -> None:
        """Number, time, fold, record and hand on an event of this run."""
        # Straight into the model's fields: pydantic's __setattr__ costs more than the fold.
        # (Microseconds by integer rounding: half the cost of round(x, 6), on every event.)
        event.__dict__["t"] = int((time.monotonic() - self._t0) * 1e6 + 0.5) / 1e6
        self._record(event)

    def _record(self, event: Event) -> None:
        """Number, fold, record and hand on an event whose time is set (a fork's taken-up
        events keep the time they had in their source)."""
        if self._secrets:
            event = scrub_event(event, self._secrets)
        self._seq += 1
        event.__dict__["seq"] = self._seq
        apply(self.state, event)
        if self._log is not None:
            self._log.append(event)
        if not self._subscribers:  # (headless: nobody else listens)
            return
        self._emitting += 1
        try:
            for callback in self._subscribers:
                try:
                    callback(event)
                except Exception as exc:  # a listener's bug must not stop the agents
                    if len(self.subscriber_errors) < 10:
                        self.subscriber_errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            self._emitting -= 1

    def _control(self, method: Callable[..., None], *args: Any) -> None:
        """Run a control now, or, when a subscriber calls it while an event is being emitted,
        right after the scheduler has finished reacting to that event (never half-way)."""
        if self._scheduler is None:
            return
        if self._emitting:
            asyncio.get_running_loop().call_soon(self._control_later, method, args)
        else:
            method(*args)

    def _control_later(self, method: Callable[..., None], args: tuple[Any, ...]) -> None:
        if self._scheduler is not None:
            method(*args)

    async def run(self) -> SessionState:
        """Create the folder (or take up the recorded one), record and run the batch; returns
        the final state."""
        raise_open_files_limit()  # (the hard limit is there to be used: agents hold files)
        with gc_policy.running_session():
            return await self._run()

    def _open(self) -> None:
        if self.resume_from is None or self.fork is not None:
            self.path = open_session_folder(self.sessions_dir, self.session_id, self.text)
            self.session_id = self.path.name
        if self.fork is not None and self.fork_plan is not None:
            self._fork_files = copy_files(self.fork.path, self.path, self.fork_plan.files)
        self._log = self._log_factory(self.path)
        loop = asyncio.get_running_loop()

        def failed(error: str) -> None:  # (the writer's thread)
            loop.call_soon_threadsafe(self._log_failed, error)

        self._log.notify_errors(failed)

    def _log_failed(self, error: str) -> None:
        """Events can no longer be recorded: stop at once (running on would do work that no
        replay could show); the session ends `failed` with the log's reason."""
        if self._scheduler is not None:
            self._scheduler.abort(f"the session's event log cannot be written ({error})")

    async def _run(self) -> SessionState:
        self._open()
        log = self._log
        assert log is not None
        executor = executor_for(self.settings, self.session_id, self._emit)
        try:
            unusable = await executor.open()  # (before the plan: a cluster's slots are its default)
        except BaseException:  # (cancelled while connecting): nothing is recorded yet
            try:
                await executor.close()
            finally:
                log.close()  # (its writer ends, its lock is released)
            raise
        plan = Plan(self.batch, self.settings, self.path.resolve(), load_profiles(self.project_dir))
        executor.plan(plan)
        asked_before = sum(1 for request in self.state.approvals if request.id is not None)
        if self.fork is not None and self.resume_from is not None:  # (its requests come later)
            asked_before = sum(e.type == "approval_requested" for e in self.resume_from.events)
        guard = self.guard = SessionGuard(
            self.settings, self._emit, self.path.resolve(), first_request=asked_before + 1
        )
        self.notifier = SessionNotifier(
            self.settings.notify,
            guard,
            self.session_id,
            terminal=self.terminal_notify,
            run_command=self.settings.backend != "rehearsal",  # a rehearsal starts no process
        )
        if self.notifier.active:
            self.subscribe(self.notifier)
        scheduler = Scheduler(
            plan,
            state=self.state,
            emit=self._emit,
            session_dir=self.path.resolve(),
            session_id=self.session_id,
            guard=guard,
            runner_factory=executor.runner_factory,
        )
        scheduler.hold_open = self.hold_open
        status: SessionStatus = "failed"
        reason: str | None = None
        # Made ready before the session's clock starts, like its log and its plan: the socket
        # `swarmtui send` reaches it by, and (below) the record of the plan, its first event.
        control = ControlServer(self.path, self._control_request)
        try:
            await control.start()
        except OSError as exc:
            self.control_error = f"swarmtui send cannot reach this session: {exc}"
        self._t0 = time.monotonic() - self._t_before
        try:
            if self.resume_from is None:
                with gc_policy.kept():  # (the plan as events and state: kept to the end)
                    started = plan.started_event(self.session_id, self._title(), self._iso())
                    # (set above too, so that a failure to make it is still timed: the clock
                    # starts with the record made, its first event at 0)
                    self._t0 = time.monotonic() - self._t_before
                    self._emit(started)
                self._emit_diagnostics(plan)
            elif self.fork is not None:
                self._open_fork(plan)
            else:
                self._emit(
                    SessionResumed(
                        resumed_at=datetime.now(UTC).isoformat(timespec="seconds"),
                        backend=self.settings.backend,
                        backend_options=self.settings.backend_options(),
                        max_parallel=plan.max_parallel,
                    )
                )
            # Steered from now on, its agents in the state: what ended it before (from outside,
            # or an event log that could not even be made) stops it here.
            self._scheduler = scheduler
            if self.end_reason is not None:
                scheduler.abort(self.end_reason)
            elif log.error is not None:
                self._log_failed(log.error)
            executor.started()
            stop = unusable
            workspace = executor.workspace(self.settings.workspace)
            if isinstance(workspace, str):
                stop = stop or workspace
            else:
                self.settings.workspace = workspace
            if stop is None:
                try:
                    scheduler.workspace = await self._open_workspace(plan)
                except WorkspaceStop as exc:
                    stop = str(exc)
            if stop is not None:
                status, reason = "failed", f"no agent started: {stop}"
            else:
                status = await scheduler.run(resuming=self.resume_from is not None)
            if log.error is not None:
                status, reason = "failed", log.error
            elif status == "cancelled" and self.end_reason is not None:
                reason = self.end_reason
        except asyncio.CancelledError:
            # The caller gave up on the run (Ctrl-C): stop every runner, record it, go on up.
            status, reason = "cancelled", "the run was interrupted"
            scheduler.abort(reason)
            await scheduler.drain()
            raise
        except Exception as exc:  # an engine bug: record it, never lose the log
            reason = f"internal error: {type(exc).__name__}: {exc}"
        finally:
            # (before the last events, not while the log commits them: the writer's thread
            # holds the GIL while it serialises, and removing the folder waited for it by
            # milliseconds)
            await control.close()
            if reason is None:
                reason = _end_reason(scheduler)
            self._emit(SessionFinished(status=status, reason=reason))
            with contextlib.suppress(asyncio.CancelledError):
                await self.notifier.drain()
            m = self.state.metrics
            log.finish(
                status=status,
                finished=datetime.now(UTC).isoformat(timespec="seconds"),
                wall_seconds=round(m.wall_seconds, 3),
                sequential_seconds=round(m.sequential_seconds, 3),
                speedup=round(m.speedup, 2),
            )
            log.close()
            self.log_error = log.error
            if log.error is not None and self.state.status != "failed":
                # The log failed with the last events, after the check above: the recording
                # ends `failed` with the reason (see EventLog), and so does what is shown.
                end = SessionFinished(status="failed", reason=log.error)
                end.seq, end.t = self.state.seq, self.state.t
                apply(self.state, end)
            self._scheduler = None
            await executor.close()
        return self.state

    def _open_fork(self, plan: Plan) -> None:
        """Start as a fork: the fork's own start, then the source's events up to the point at
        their own times, then its changes; its clock goes on from the point."""
        recording, fork, fork_plan = self.resume_from, self.fork, self.fork_plan
        assert recording is not None and fork is not None and fork_plan is not None
        seq = recording.events[-1].seq if recording.events else 0
        origin = fork.origin(seq)
        self._emit(plan.started_event(self.session_id, self._title(), self._iso(), origin))
        self._emit_diagnostics(plan)
        opening = fork_events(
            recording.events,
            fork,
            fork_plan,
            backend=self.settings.backend,
            max_parallel=plan.max_parallel,
            files=self._fork_files,
        )
        for event in opening:
            self._record(event)
        self._t0 = time.monotonic() - fork.t

    async def _open_workspace(self, plan: Plan) -> SessionWorkspace | None:
        """The git worktrees of the session's agents (None: they work in the session folder);
        a resumed session keeps the repository, base and worktrees it had, or none."""
        recorded = self.state.workspace
        if self.resume_from is not None and recorded is None:
            return None
        source = self.batch.source_name
        batch_file = Path(source) if source and Path(source).is_file() else None
        trees = {n: a.worktree for n, a in self.state.agents.items() if a.worktree is not None}
        return await SessionWorkspace.open(
            self.settings.workspace,
            source=batch_file,
            session_id=self.session_id,
            session_dir=self.path.resolve(),
            agents={name: agent.runs_on for name, agent in plan.agents.items()},
            rehearsal=self.settings.backend == "rehearsal",
            emit=self._emit,
            recorded=recorded if self.resume_from is not None else None,
            recorded_trees=trees,
        )

    def _title(self) -> str:
        return self.batch.title or self._slug

    def _iso(self) -> str:
        return self.started.isoformat().replace("+00:00", "Z")

    def _emit_diagnostics(self, plan: Plan) -> None:
        for d in self.batch.diagnostics:
            self._emit(
                DiagnosticEvent(
                    code=d.code,
                    severity=d.severity.value,
                    message=d.message,
                    line=d.line,
                    column=d.column,
                    end_line=d.end_line,
                    end_column=d.end_column,
                )
            )
        for warning in plan.budget_warnings():
            self._emit(DiagnosticEvent(code="SW020", severity="warning", message=warning))

    def estimate(self) -> Estimate:
        """An estimate of what running the batch may use (before it runs)."""
        plan = Plan(self.batch, self.settings, self.path.resolve(), load_profiles(self.project_dir))
        return estimate(plan, self.path.resolve())

    # --- controls (each records a Control event) ----------------------------------------------

    def send_message(self, name: str, text: str, by: str = "user") -> str | None:
        """Pass TEXT to the running agent NAME (recorded as `agent_message`); why not, when it
        cannot be."""
        if self._scheduler is None:
            return "the session is not running"
        if not text.strip():
            return "the message is empty"
        if len(text) > MAX_MESSAGE:
            return f"the message is longer than {MAX_MESSAGE} characters"
        return self._scheduler.send_message(name, text, by)

    def _control_request(self, request: dict[str, Any]) -> dict[str, Any]:
        """A request of `swarmtui send` (see `swarmtui.engine.control_socket`)."""
        agent, text = request.get("agent"), request.get("text")
        if request.get("op") != "send" or not isinstance(agent, str) or not isinstance(text, str):
            return {"ok": False, "error": 'expected {"op": "send", "agent": ..., "text": ...}'}
        problem = self.send_message(agent, text, by="swarmtui send")
        if problem is not None:
            return {"ok": False, "error": problem}
        _t, _by, _text, delivery = self.state.agents[agent].messages[-1]
        return {"ok": True, "agent": agent, "delivery": delivery}

    def interrupt(self, reason: str) -> None:
        """End the session as `cancelled` with REASON (SIGTERM, SIGHUP: the same end as
        Ctrl-C, recorded, with every runner stopped)."""
        if self.end_reason is not None:
            return
        self.end_reason = reason
        if self._scheduler is not None:
            self._control(self._scheduler.cancel_session, reason)

    def cancel_agent(self, name: str) -> None:
        if self._scheduler is not None:
            self._control(self._scheduler.cancel_agent, name)

    def cancel_session(self) -> None:
        if self._scheduler is not None:
            self._control(self._scheduler.cancel_session)

    def retry_agent(self, name: str) -> None:
        if self._scheduler is not None:
            self._control(self._scheduler.retry_agent, name)

    def pause(self) -> None:
        if self._scheduler is not None:
            self._control(self._scheduler.pause)

    def resume(self) -> None:
        if self._scheduler is not None:
            self._control(self._scheduler.resume)

    def store_memory(self, key: str, value: Any, namespace: str = "default") -> None:
        if self._scheduler is not None:
            self._control(self._scheduler.store_memory, key, value, namespace)

    def set_todo_status(self, todo_id: str, status: str) -> None:
        if self._scheduler is not None:
            self._control(self._scheduler.set_todo_status, todo_id, status)

    def end(self) -> None:
        """End a session held open for a retry (see `hold_open`)."""
        if self._scheduler is not None:
            self._control(self._scheduler.end)

    def approve(self, request_id: str, *, for_session: bool = False) -> None:
        """Let a waiting request go ahead: once, or (FOR_SESSION) with its pattern allowed for
        the rest of the session. Recorded as `approval_decided` by the user."""
        if self.guard is not None and self._scheduler is not None:
            self._control(self._answer, request_id, True, for_session, "")

    def deny(self, request_id: str, reason: str = "") -> None:
        """Refuse a waiting request, with REASON (recorded; what waited for it fails with it)."""
        if self.guard is not None and self._scheduler is not None:
            self._control(self._answer, request_id, False, False, reason)

    def _answer(self, request_id: str, allow: bool, for_session: bool, reason: str) -> None:
        if self.guard is not None:
            self.guard.answer(request_id, allow, session=for_session, reason=reason)

    @property
    def running(self) -> bool:
        return self._scheduler is not None
