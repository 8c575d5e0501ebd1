"""`LiveSession`: one run of a batch, wired to its folder, its event log, its state and listeners.

The session numbers and times every event the scheduler emits, folds it into `state` with
`apply`, appends it to the event log, then hands it to subscribers, all synchronously and in
order on the event loop thread. The event log is the store's (imported here, lazily, because the
session is where the engine meets persistence; the scheduler itself only knows `emit`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from swarmtui.batch import parse_batch
from swarmtui.batch.agent_types import load_agent_types
from swarmtui.batch.models import Batch
from swarmtui.engine.events import (
    AgentPlan,
    DiagnosticEvent,
    Event,
    MessagePlan,
    SessionFinished,
    SessionStarted,
    SessionStatus,
)
from swarmtui.engine.folders import (
    BATCH_FILE,
    create_session_folder,
    session_name,
    session_slug,
)
from swarmtui.engine.runners.secrets import scrub_event, secret_values
from swarmtui.engine.scheduler import AgentProfile, Scheduler
from swarmtui.engine.settings import RunSettings
from swarmtui.engine.state import SessionState, apply

Subscriber = Callable[[Event], None]

# While a session runs, the young generation is collected every 40,000 allocations instead of
# 700: a big batch allocates a few hundred objects per agent, all alive until its end, and the
# default thresholds spent a third of a 2,000-agent run rescanning them (full passes of 100 ms).
RUN_GC_THRESHOLDS = (40_000, 50, 100)


class _GcScope:
    """Raises the collector's thresholds while at least one session runs, when the host has
    left them at the defaults (the app tunes its own); restores them after the last one."""

    def __init__(self) -> None:
        self.sessions = 0
        self.saved: tuple[int, int, int] | None = None

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        if self.sessions == 0 and gc.get_threshold()[0] < 10_000:
            self.saved = gc.get_threshold()
            gc.set_threshold(*RUN_GC_THRESHOLDS)
        self.sessions += 1
        try:
            yield
        finally:
            self.sessions -= 1
            if self.sessions == 0 and self.saved is not None:
                if gc.get_threshold() == RUN_GC_THRESHOLDS:  # (unless the host changed them)
                    gc.set_threshold(*self.saved)
                self.saved = None


_GC_SCOPE = _GcScope()


class EventSink(Protocol):
    """Where a session's events are recorded (the store's `EventLog`)."""

    error: str | None

    def append(self, event: Event) -> None: ...

    def finish(self, **values: Any) -> None: ...

    def close(self) -> None: ...


def load_profiles(project_dir: Path | None) -> dict[str, AgentProfile]:
    """Agent types' system prompts and default backend/model (built-ins + the project's)."""
    types, _ = load_agent_types(project_dir)
    return {
        name: AgentProfile(system_prompt=t.system_prompt or "", backend=t.backend, model=t.model)
        for name, t in types.items()
    }


class LiveSession:
    """Runs one batch: `await run()`; controls may be called while it runs."""

    def __init__(
        self,
        text: str,
        *,
        source_name: str | None,
        settings: RunSettings,
        sessions_dir: Path,
        project_dir: Path | None = None,
        batch: Batch | None = None,
        log_factory: Callable[[Path], EventSink] | None = None,
    ) -> None:
        self.text = text
        self.settings = settings
        self.sessions_dir = sessions_dir
        self.project_dir = project_dir
        self.started = datetime.now(UTC).replace(microsecond=0)
        self.batch = (
            batch
            if batch is not None
            # `now` is the session's start, for the batch's `new Date()` values.
            else parse_batch(
                text, source_name=source_name, now=self.started, project_dir=project_dir
            )
        )
        if self.batch.source_name is None:
            self.batch.source_name = source_name
        self._slug = session_slug(self.batch, source_name)
        self.session_id = session_name(self.started, self._slug)
        self.path = sessions_dir / self.session_id
        self.state = SessionState()
        self._subscribers: list[Subscriber] = []
        self._log_factory = log_factory
        self._log: EventSink | None = None
        self._scheduler: Scheduler | None = None
        self._seq = 0
        self._t0 = 0.0
        self._emitting = 0
        # Problems that did not stop the run: a subscriber that raised, an event log that
        # could not be written (the state is still complete in memory).
        self.subscriber_errors: list[str] = []
        self.log_error: str | None = None
        # Values of the API keys in the environment: no event may carry one.
        self._secrets = secret_values(settings)

    def subscribe(self, callback: Subscriber) -> None:
        self._subscribers.append(callback)

    def _emit(self, event: Event) -> None:
        if self._secrets:
            event = scrub_event(event, self._secrets)
        self._seq += 1
        # Straight into the model's fields: pydantic's __setattr__ costs more than the fold.
        fields = event.__dict__
        fields["seq"] = self._seq
        fields["t"] = round(time.monotonic() - self._t0, 6)
        apply(self.state, event)
        if self._log is not None:
            self._log.append(event)
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

    def _open_log(self) -> EventSink:
        if self._log_factory is not None:
            return self._log_factory(self.path)
        from swarmtui.store.eventlog import EventLog

        return EventLog(self.path)

    async def run(self) -> SessionState:
        """Create the folder, record and run the batch; returns the final state."""
        with _GC_SCOPE.running():
            return await self._run()

    async def _run(self) -> SessionState:
        self.path = create_session_folder(self.sessions_dir, self.session_id)
        self.session_id = self.path.name
        (self.path / BATCH_FILE).write_text(self.text, encoding="utf-8")
        self._log = self._open_log()
        scheduler = Scheduler(
            self.batch,
            settings=self.settings,
            session_dir=self.path.resolve(),
            session_id=self.session_id,
            emit=self._emit,
            profiles=load_profiles(self.project_dir),
        )
        self._scheduler = scheduler
        self._t0 = time.monotonic()
        status: SessionStatus = "failed"
        reason: str | None = None
        try:
            self._emit(self._started_event(scheduler))
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
            for warning in scheduler.budget_warnings():
                self._emit(DiagnosticEvent(code="SW020", severity="warning", message=warning))
            status = await scheduler.run()
        except asyncio.CancelledError:
            # The caller gave up on the run (Ctrl-C): stop every runner, record it, go on up.
            status, reason = "cancelled", "the run was interrupted"
            scheduler.abort(reason)
            await scheduler.drain()
            raise
        except Exception as exc:  # an engine bug: record it, never lose the log
            reason = f"internal error: {type(exc).__name__}: {exc}"
        finally:
            self._emit(SessionFinished(status=status, reason=reason))
            m = self.state.metrics
            self._log.finish(
                status=status,
                finished=datetime.now(UTC).isoformat(timespec="seconds"),
                wall_seconds=round(m.wall_seconds, 3),
                sequential_seconds=round(m.sequential_seconds, 3),
                speedup=round(m.speedup, 2),
            )
            self._log.close()
            self.log_error = self._log.error
            self._scheduler = None
        return self.state

    def _started_event(self, scheduler: Scheduler) -> SessionStarted:
        init = next(
            (
                op
                for op in self.batch.operations()
                if op.kind == "swarm_init" and op.skip_reason is None
            ),
            None,
        )
        agents = []
        for agent in scheduler.agents.values():
            providers = {k: scheduler.providers_of(k) for k in agent.op.waits}
            agents.append(
                AgentPlan(
                    name=agent.name,
                    type=agent.op.agent_type,
                    instructions=agent.instructions,
                    message=agent.message,
                    waits=list(agent.op.waits),
                    stores=list(agent.op.stores),
                    providers=providers,
                    backend=agent.backend,
                    model=agent.model,
                )
            )
        return SessionStarted(
            session_id=self.session_id,
            title=self.batch.title or self._slug,
            backend=self.settings.backend,
            started_at=self.started.isoformat().replace("+00:00", "Z"),
            max_parallel=scheduler.max_parallel,
            topology=getattr(init, "topology", None),
            strategy=getattr(init, "strategy", None),
            messages=[MessagePlan(index=m.index, title=m.title) for m in self.batch.messages],
            agents=agents,
        )

    # --- controls (each records a Control event) ----------------------------------------------

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

    @property
    def running(self) -> bool:
        return self._scheduler is not None
