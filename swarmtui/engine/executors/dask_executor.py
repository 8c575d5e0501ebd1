"""The coordinating side of a Dask cluster: the connection, the workers, the session's topic.

`DaskExecutor` connects to a scheduler (or starts a `LocalCluster` for `dask-local:N`),
checks that the cluster runs what this swarmtui does, and wraps every backend in a
`DaskRunner` (`runner_factory`). The scheduler, memory, todos, the fence and the event log stay
in this process; only the runner's work goes to the workers.

What the workers say about the session's attempts arrives on one topic per session
(`Worker.log_event` -> `Client.subscribe_topic`, in order) and goes to the attempt it concerns.
The scheduler's own topic ("all") says when workers join and leave: a worker lost while it ran
one of our attempts fails that attempt with the reason (`worker_lost`), and the cluster's size
is recorded as it changes (`cluster_changed`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from swarmtui import __version__
from swarmtui.engine.events import ClusterChanged, Event, WorkerLost
from swarmtui.engine.executors import worker_side
from swarmtui.engine.executors.dask_client import DaskClient, security
from swarmtui.engine.executors.dask_runner import DaskRunner
from swarmtui.engine.executors.protocol import Claim, Refuse, decode, encode
from swarmtui.engine.executors.shipping import InputCache
from swarmtui.engine.executors.versions import claim_problem, version_problem
from swarmtui.engine.plan import Plan
from swarmtui.engine.runners.base import Runner
from swarmtui.engine.settings import RunSettings, WorkspaceSettings
from swarmtui.executor_address import ExecutorAddress

if TYPE_CHECKING:
    from swarmtui.engine.executors.dask_runner import RemoteAttempt

Emit = Callable[[Event], None]
# A local cluster's processes may take longer than a connection to start on a busy machine.
LOCAL_START_TIMEOUT = 60.0
# Dask's own loggers say what a user sees anyway, in our events; on a terminal they would
# write over the app.
QUIET = logging.CRITICAL


@dataclass(frozen=True)
class WorkerInfo:
    name: str | None  # its `--name` (None: only its address)
    slots: int  # its threads: agents it runs at once
    resources: dict[str, float]


class DaskExecutor:
    def __init__(
        self, address: ExecutorAddress, settings: RunSettings, session_id: str, emit: Emit
    ) -> None:
        self.address = address
        self.options = settings.executor
        self.settings = settings
        self.topic = f"swarmtui-{session_id}-{secrets.token_hex(4)}"
        self._emit = emit
        self._live = False  # (nothing is recorded before the session's first event)
        self.client: DaskClient | None = None
        self.workers: dict[str, WorkerInfo] = {}
        self.attempts: dict[str, RemoteAttempt] = {}
        self.cache = InputCache()
        # Files brought back from the workers -> the agent that wrote them.
        self.written_by: dict[str, str] = {}
        self._plan: Plan | None = None
        self._earlier: dict[str, frozenset[str]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._quieted: dict[str, int] = {}

    # --- connecting -----------------------------------------------------------------------------

    async def open(self) -> str | None:
        """Connect (or start the local cluster); why no agent can run there, or None."""
        self._quiet()
        where = self.address.describe()
        local = self.address.kind == "dask-local"
        timeout = LOCAL_START_TIMEOUT if local else self.options.connect_timeout
        try:
            async with asyncio.timeout(timeout):
                self.client = await self._connect()
                await self.client.wait_for_workers(1)
                report = await self.client.versions()
                await self._refresh()
        except TimeoutError:
            return f"{where}: no Dask scheduler with a worker answered within {timeout:g} s"
        except Exception as exc:  # (OSError, a TLS or protocol error: one line all the same)
            return f"{where}: cannot connect to the Dask scheduler ({type(exc).__name__}: {exc})"
        problem = version_problem(report)
        if problem is not None:
            return f"{where}: {problem}"
        self.client.subscribe(self.topic, self._on_attempt_event)
        self.client.subscribe("all", self._on_cluster_event)
        await self._warm_up(list(self.workers))
        return None

    async def _warm_up(self, workers: list[str]) -> None:
        """Get WORKERS and the scheduler ready for the session's agents: what the first agents
        would otherwise wait for (swarmtui imported there, the runner built) is done while
        connecting. Bounded in time: a worker that is slow to answer gets ready with its first
        agent instead."""
        client = self.client
        if client is None or not workers:
            return
        settings = self.settings
        with contextlib.suppress(Exception):
            async with asyncio.timeout(self.options.connect_timeout):
                await asyncio.gather(
                    client.run(
                        worker_side.warm_up, self.topic, settings.backend, settings, workers=workers
                    ),
                    client.run_on_scheduler(worker_side.scheduler_ready),
                )

    async def _connect(self) -> DaskClient:
        options = self.options
        if self.address.kind == "dask-local":
            return await DaskClient.start_local(self.address.workers, options.local_slots, QUIET)
        tls = None
        if self.address.tls:
            assert options.tls_ca_file and options.tls_cert_file and options.tls_key_file
            tls = security(options.tls_ca_file, options.tls_cert_file, options.tls_key_file)
        assert self.address.url is not None
        return await DaskClient.connect(self.address.url, tls, options.connect_timeout)

    def _quiet(self) -> None:
        for name in ("distributed", "tornado"):
            log = logging.getLogger(name)
            self._quieted[name] = log.level
            log.setLevel(QUIET)

    @property
    def slots(self) -> int:
        return sum(worker.slots for worker in self.workers.values())

    def plan(self, plan: Plan) -> None:
        """A session that sets no max_parallel runs as many agents at once as the cluster has
        slots (more would wait on the cluster while shown as running)."""
        self._plan = plan
        if self.workers and (plan.max_parallel is None or plan.max_parallel_reason is not None):
            count = len(self.workers)
            plan.max_parallel = self.slots
            plan.max_parallel_reason = (
                f"the cluster's slots ({count} worker{'s' if count != 1 else ''}, "
                f"{self.slots} slot{'s' if self.slots != 1 else ''})"
            )

    def started(self) -> None:
        """The session's first event is out: record the cluster."""
        self._live = True
        self._record_cluster(None, None)

    def workspace(self, wanted: WorkspaceSettings) -> WorkspaceSettings | str:
        """Worktrees (issue 14's workspace) are made here and used in place: only workers that
        see them at the same path (`--shared-fs`) can work in them. Elsewhere agents work in
        copies of the session folder: a repository asked for by name stops the session, the
        batch's own repository is left alone (said so)."""
        if self.options.shared_fs:
            return wanted
        why = (
            f"{self.address.describe()}: agents work in git worktrees only where the workers "
            "see them at the same path (--shared-fs)"
        )
        if wanted.repo is not None:
            return why
        return replace(wanted, unavailable=why)

    def runner_factory(self, backend: str, settings: RunSettings) -> Runner:
        return DaskRunner(backend, settings, self)

    async def close(self) -> None:
        self._live = False
        client, self.client = self.client, None
        try:
            if client is not None:
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(self.options.cancel_timeout):
                        await client.run_everywhere(worker_side.forget_session, self.topic)
                for topic in (self.topic, "all"):
                    with contextlib.suppress(ValueError):
                        client.unsubscribe(topic)
                await client.close()
        finally:
            for task in self._tasks:
                task.cancel()
            for name, level in self._quieted.items():
                logging.getLogger(name).setLevel(level)

    # --- the workers ----------------------------------------------------------------------------

    async def _refresh(self) -> None:
        """Read the cluster's workers again."""
        assert self.client is not None
        self.workers = {
            address: WorkerInfo(
                name=None if str(info.get("name")) == address else str(info.get("name")),
                slots=int(info.get("nthreads") or 0),
                resources={k: float(v) for k, v in (info.get("resources") or {}).items()},
            )
            for address, info in (await self.client.workers()).items()
        }

    def _record_cluster(self, joined: str | None, left: str | None) -> None:
        if self._live:
            self._emit(
                ClusterChanged(
                    executor=self.address.describe(),
                    workers=len(self.workers),
                    slots=self.slots,
                    joined=joined,
                    left=left,
                )
            )

    def _on_cluster_event(self, event: tuple[float, Any]) -> None:
        raw = event[1]
        if not isinstance(raw, dict) or raw.get("action") not in ("add-worker", "remove-worker"):
            return
        worker = str(raw.get("worker"))
        if raw["action"] == "remove-worker":
            self._lost(worker, expected=bool(raw.get("expected")))
        self.spawn(self._changed(worker, raw["action"] == "add-worker"))

    async def _changed(self, worker: str, joined: bool) -> None:
        if self.client is None:
            return
        with contextlib.suppress(Exception):  # (closing: the next event says it again)
            await self._refresh()
            self._record_cluster(worker if joined else None, None if joined else worker)
        if joined:
            await self._warm_up([worker])

    def _lost(self, worker: str, *, expected: bool) -> None:
        """WORKER left: every attempt of ours it was running fails (the batch's retries decide
        what runs again; Dask's own re-run of the task is refused when it claims)."""
        how = "was shut down" if expected else "was lost (its process died or stopped answering)"
        reason = f"its worker {worker} {how}"
        agents = []
        for attempt in list(self.attempts.values()):
            if attempt.worker == worker and not attempt.ended:
                agents.append(attempt.agent)
                attempt.lost(reason)
        if agents and self._live:
            self._emit(WorkerLost(worker=worker, agents=agents, reason=reason))

    # --- the attempts ---------------------------------------------------------------------------

    def _on_attempt_event(self, event: tuple[float, Any]) -> None:
        decoded = decode(event[1])
        if decoded is None:
            return
        attempt_id, message = decoded
        attempt = self.attempts.get(attempt_id)
        if attempt is not None:
            attempt.receive(message)
        elif isinstance(message, Claim):  # (an attempt that has ended: run nothing)
            self.deliver(message.worker, attempt_id, encode(attempt_id, Refuse("it has ended")))

    def inputs_for(self, agent: str) -> Callable[[str], bool]:
        """Which of the session's files go with AGENT: all but those brought back from agents
        that were not before it (before: of an earlier message, or what it waits for, however
        far back). Files of the batch itself (Write, Bash) and the session's own always go."""
        earlier = self._earlier.get(agent)
        if earlier is None:
            earlier = self._earlier[agent] = self._before(agent)
        written_by = self.written_by
        return lambda relative: written_by.get(relative, agent) in earlier

    def _before(self, name: str) -> frozenset[str]:
        plan = self._plan
        if plan is None or name not in plan.agents:
            return frozenset(self.written_by.values())
        message = plan.agents[name].message
        seen = {n for n, a in plan.agents.items() if a.message < message} | {name}
        stack = [name]
        while stack:
            for key in plan.agents[stack.pop()].op.waits:
                for provider in plan.providers_of(key):
                    if provider not in seen:
                        seen.add(provider)
                        stack.append(provider)
        return frozenset(seen)

    def claim_problem(self, claim: Claim) -> str | None:
        return claim_problem(
            claim.worker, claim.version, claim.python, __version__, worker_side.python_version()
        )

    def placement(self, agent_type: str) -> dict[str, Any] | str:
        """Where an agent of AGENT_TYPE may run (Dask's `resources` and `workers`, names made
        addresses), or why no worker of the cluster can run it."""
        override = self.settings.agent_types.get(agent_type)
        if override is None or not (override.resources or override.workers):
            return {}
        fitting = [
            address
            for address, info in self.workers.items()
            if all(info.resources.get(k, 0.0) >= v for k, v in override.resources.items())
            and (
                not override.workers
                or address in override.workers
                or (info.name is not None and info.name in override.workers)
            )
        ]
        if not fitting:
            wanted = [f"{k}={v:g}" for k, v in override.resources.items()]
            wanted += [f"the name {' or '.join(override.workers)}"] if override.workers else []
            return (
                f"no worker of the cluster has {' and '.join(wanted)} "
                f"([agent_types.{agent_type}] in the configuration)"
            )
        return {
            "resources": override.resources or None,
            "workers": fitting if override.workers else None,
            "allow_other_workers": False,
        }

    def deliver(self, worker: str, attempt_id: str, raw: dict[str, Any]) -> None:
        """Hand RAW to the attempt on WORKER, without waiting (for one-off refusals)."""
        self.spawn(self.send_now(worker, attempt_id, raw))

    async def send_now(self, worker: str, attempt_id: str, raw: dict[str, Any]) -> bool:
        """Hand RAW to the attempt on WORKER; whether it arrived."""
        if self.client is None:
            return False
        try:
            answers = await self.client.run(worker_side.deliver, attempt_id, raw, workers=[worker])
        except Exception:  # (the worker is gone: its loss is handled on its own)
            return False
        return answers.get(worker) is True

    def spawn(self, coroutine: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def emit(self, event: Event) -> None:
        self._emit(event)
