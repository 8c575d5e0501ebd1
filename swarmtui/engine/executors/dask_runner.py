"""A backend's runner that runs each attempt on a Dask worker (`RemoteAttempt`).

To the scheduler and the agent's run, a `DaskRunner` is the backend's runner: it gets the job
and the agent's run as its `OutputSink`, and returns the agent's result or raises as that
runner would. In between, one attempt:

1. ships: the job (paths the session folder's), the settings and the session's files;
2. is claimed by the worker that starts it, and placed there (`placed_on_worker`) unless it
   has ended or already runs elsewhere (Dask runs a task again after its worker was lost:
   that copy is refused and runs nothing);
3. streams: what the worker's runner reports arrives as the calls a local runner makes on the
   sink (output, usage against the caps, server waits, activity); its permission requests are
   decided here, by the session's rules and queue, for that worker's sandbox; its inbox is the
   agent's, messages forwarded to it;
4. ends: the result, once every event the worker sent has arrived, with the files it changed
   written into the session folder through the fence. A cancel, a timeout or a hard cap stops
   the runner on the worker itself and waits (bounded) until its processes are gone; a worker
   lost while it ran the agent fails the attempt with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, assert_never, cast

from swarmtui.engine.approvals import Subject
from swarmtui.engine.confine.sandbox import SandboxStatus
from swarmtui.engine.events import PlacedOnWorker
from swarmtui.engine.executors import worker_side
from swarmtui.engine.executors.protocol import (
    Activity,
    Ask,
    AttemptOutcome,
    AttemptSpec,
    Claim,
    Decided,
    Finished,
    FromWorker,
    Go,
    InboxState,
    Message,
    Output,
    Refuse,
    ServerSlot,
    ServerWait,
    ToWorker,
    Usage,
    encode,
    outcome_from,
)
from swarmtui.engine.executors.shipping import MIB, ShipError, collect_inputs, write_back
from swarmtui.engine.guard import AgentGate, Place
from swarmtui.engine.paths import slug
from swarmtui.engine.runners import make_runner
from swarmtui.engine.runners.base import (
    AgentFailed,
    AgentJob,
    AgentResult,
    AgentStopped,
    OutputSink,
    OutputStream,
    Preflight,
    Runner,
)
from swarmtui.engine.settings import RunSettings
from swarmtui.policy.permissions import Request

if TYPE_CHECKING:
    from swarmtui.engine.executors.dask_executor import DaskExecutor

# How long the end of a task may wait for the last events its attempt sent (they are on
# their way through the scheduler; the result can overtake them).
EVENTS_GRACE = 10.0
# How long a task waits for the go after it claims its attempt.
CLAIM_TIMEOUT = 120.0
STREAMS: frozenset[str] = frozenset({"stdout", "stderr", "text", "tool", "info"})


class DaskRunner:
    """BACKEND's runner, its attempts run on the executor's cluster."""

    def __init__(self, backend: str, settings: RunSettings, executor: DaskExecutor) -> None:
        self.name = backend
        self._settings = settings
        self._executor = executor
        self._here: Runner | None = None

    def _local(self) -> Runner:
        """The backend's own runner in this process: only to say what it would run."""
        if self._here is None:
            self._here = make_runner(self.name, self._settings)
        return self._here

    def would_run(self, job: AgentJob) -> str:
        return self._local().would_run(job)

    async def preflight(self, models: list[str]) -> list[Preflight]:
        """The backend's pre-flight check, made on a worker (what the agents will reach is
        what the workers reach)."""
        executor = self._executor
        assert executor.client is not None
        future = executor.client.submit(
            worker_side.preflight, executor.topic, self.name, self._settings, models, pure=False
        )
        checks: list[Preflight] = await future
        return checks

    async def run(self, job: AgentJob, sink: OutputSink) -> AgentResult:
        return await RemoteAttempt(self._executor, self.name, job, sink).run()


def _failed(error: OSError) -> asyncio.Future[int]:
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    future.set_exception(error)
    return future


class RemoteAttempt:
    """One attempt of an agent on the cluster, seen from here."""

    def __init__(self, executor: DaskExecutor, backend: str, job: AgentJob, sink: OutputSink):
        self._executor = executor
        self._backend = backend
        self._job = job
        self._sink = sink
        self.agent = job.name
        self.id = f"{slug(job.name)}-{job.attempt}-{secrets.token_hex(6)}"
        self.worker: str | None = None
        self.ended = False
        loop = asyncio.get_running_loop()
        # Set when the attempt ends here, whatever the task does: its worker lost, a hard
        # cap crossed, a claim from a worker that may not run it.
        self._interrupt: asyncio.Future[None] = loop.create_future()
        # The outcome, when it came on the topic (`Finished`) before the task's result.
        self._arrived: asyncio.Future[AttemptOutcome] = loop.create_future()
        self._received = 0
        self._expected: int | None = None
        self._all_in = asyncio.Event()
        self._outbox: asyncio.Queue[ToWorker] = asyncio.Queue()
        self._tasks: set[asyncio.Task[Any]] = set()

    # --- running ----------------------------------------------------------------------------

    async def run(self) -> AgentResult:
        executor = self._executor
        client = executor.client
        if client is None:
            raise AgentFailed("the Dask cluster is not connected")
        placement = executor.placement(self._job.type)
        if isinstance(placement, str):
            raise AgentFailed(placement)
        options = executor.options
        files = None
        if not options.shared_fs:
            limit = int(options.ship_limit_mb * MIB)
            try:
                wanted = executor.inputs_for(self._job.name)
                files = await asyncio.to_thread(
                    collect_inputs, self._job.session_dir, executor.cache, limit, wanted
                )
            except ShipError as exc:
                raise AgentFailed(str(exc)) from None
        spec = AttemptSpec(
            id=self.id,
            topic=executor.topic,
            backend=self._backend,
            job=replace(self._job, inbox=None, gate=None, began=None),  # (a clock of ours)
            place=gate.place if isinstance(gate := self._job.gate, AgentGate) else Place(),
            settings=executor.settings,
            files=files,
            return_limit=int(options.return_limit_mb * MIB),
            claim_timeout=CLAIM_TIMEOUT,
        )
        executor.attempts[self.id] = self
        self.future = client.submit(
            worker_side.run_attempt,
            spec,
            key=f"swarmtui-agent-{self.id}",
            pure=False,
            retries=0,
            **placement,
        )
        try:
            outcome = await self._wait()
        except BaseException as exc:
            await self._stop(exc)
            raise
        finally:
            self.ended = True
            executor.attempts.pop(self.id, None)
            for task in self._tasks:
                task.cancel()
        return await self._result(outcome)

    async def _wait(self) -> AttemptOutcome:
        finishing = asyncio.ensure_future(self._finish())
        try:
            interrupt: asyncio.Future[Any] = self._interrupt
            await asyncio.wait({finishing, interrupt}, return_when="FIRST_COMPLETED")
        finally:
            if not finishing.done():
                finishing.cancel()
        if self._interrupt.done():
            self._interrupt.result()  # (raises why)
        return finishing.result()

    async def _finish(self) -> AttemptOutcome:
        """The outcome: from the topic (a small one, after all the attempt said), else the
        task's result once every event the attempt sent has arrived."""
        result = asyncio.ensure_future(self._result_of_task())
        arrived: asyncio.Future[Any] = self._arrived
        try:
            await asyncio.wait({result, arrived}, return_when="FIRST_COMPLETED")
        finally:
            if not result.done():
                result.cancel()
        return self._arrived.result() if self._arrived.done() else result.result()

    async def _result_of_task(self) -> AttemptOutcome:
        try:
            outcome: AttemptOutcome = await self.future
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # KilledWorker, a task that could not run at all
            raise AgentFailed(f"the Dask cluster failed it: {type(exc).__name__}: {exc}") from None
        self._expected = outcome.sent
        if self._received < outcome.sent:
            try:
                async with asyncio.timeout(EVENTS_GRACE):
                    await self._all_in.wait()
            except TimeoutError:
                missing = outcome.sent - self._received
                self._sink.output(f"{missing} events of its worker never arrived\n", "info")
        return outcome

    async def _stop(self, why: BaseException) -> None:
        """The attempt ends here before its task did: stop it on its worker (bounded), and
        make sure Dask does not run it again."""
        self.ended = True
        client = self._executor.client
        worker = self.worker
        lost = isinstance(why, AgentFailed) and not isinstance(why, AgentStopped)
        timeout = self._executor.options.cancel_timeout
        if client is None:
            return
        if worker is not None and not lost:
            stopped: Any = False
            with contextlib.suppress(Exception):
                async with asyncio.timeout(timeout):
                    answers = await client.run(
                        worker_side.cancel_attempt, self.id, timeout, workers=[worker]
                    )
                    stopped = answers.get(worker)
            if stopped is not True:
                note = f"its worker {worker} did not confirm within {timeout:g} s that it stopped"
                self._sink.output(note + "\n", "info")
        with contextlib.suppress(Exception):
            async with asyncio.timeout(timeout):
                await client.cancel(self.future)

    async def _result(self, outcome: AttemptOutcome) -> AgentResult:
        match outcome.status:
            case "done":
                return await self._done(outcome)
            case "failed":
                raise AgentFailed(outcome.reason)
            case "stopped":
                raise AgentStopped(outcome.reason)
            case "timeout":
                raise TimeoutError
            case "cancelled" | "refused":
                raise AgentFailed(f"its worker did not run it ({outcome.reason})")
            case _:
                assert_never(outcome.status)

    async def _done(self, outcome: AttemptOutcome) -> AgentResult:
        """The agent's result, its changed files written into the session folder."""
        session_dir = self._job.session_dir
        written = await asyncio.to_thread(write_back, session_dir, outcome.returned)
        sizes = {r: s for r, s in outcome.sizes.items() if r not in outcome.returned}
        pending: dict[str, asyncio.Future[int]] = {}
        for relative, reason in outcome.unwritten.items():
            pending[relative] = _failed(OSError(0, reason))
        for relative, size in written.items():
            if isinstance(size, OSError):
                if relative in outcome.files:
                    pending[relative] = _failed(size)
                else:
                    note = f"{relative}: not written ({size.strerror or size})"
                    self._sink.output(note + "\n", "info")
            else:
                sizes[relative] = size
                self._executor.written_by[relative] = self.agent
        if outcome.held_back:
            count = len(outcome.held_back)
            names = ", ".join(path for path, _ in outcome.held_back[:5])
            more = ", ..." if count > 5 else ""
            limit = self._executor.options.return_limit_mb
            note = f"{count} changed file{'s' if count != 1 else ''} left on the worker "
            note += f"(over [executor] return_limit_mb = {limit:g}): {names}{more}"
            self._sink.output(note + "\n", "info")
        return AgentResult(
            text=outcome.text,
            tokens_in=outcome.tokens_in,
            tokens_out=outcome.tokens_out,
            cost_usd=outcome.cost_usd,
            files=list(outcome.files),
            sizes={r: s for r, s in sizes.items() if r in outcome.files},
            pending=pending,
            warning=outcome.warning,
        )

    # --- what happens meanwhile -------------------------------------------------------------

    def lost(self, reason: str) -> None:
        """Its worker left the cluster while it ran the agent."""
        self._end_with(AgentFailed(reason))

    def _end_with(self, error: BaseException) -> None:
        if not self._interrupt.done():
            self._interrupt.set_exception(error)

    def receive(self, message: FromWorker | ToWorker) -> None:
        self._received += 1
        if self._expected is not None and self._received >= self._expected:
            self._all_in.set()
        if self._interrupt.done() and not isinstance(message, Claim):
            return  # (stopped here: what its worker said since is not part of its run)
        sink = self._sink
        match message:
            case Claim():
                self._claimed(message)
            case Output():
                stream = message.stream if message.stream in STREAMS else "stdout"
                sink.output(message.text, cast(OutputStream, stream))
            case Usage():
                try:
                    sink.usage(
                        message.tokens_in,
                        message.tokens_out,
                        message.cost_usd,
                        estimated=message.estimated,
                        final=message.final,
                    )
                except AgentStopped as exc:  # a hard cap: the agent stops at once
                    self._end_with(exc)
            case ServerWait():
                sink.server_wait(message.endpoint, message.limit, message.ahead)
            case ServerSlot():
                sink.server_slot(message.endpoint)
            case Activity():
                sink.activity(session=message.session, tool=message.tool, file=message.file)
            case InboxState():
                inbox = self._job.inbox
                if inbox is not None and message.delivery is not None:
                    inbox.open(message.delivery)
                elif inbox is not None:
                    inbox.close(message.refusal or "it no longer takes messages")
            case Ask():
                self._spawn(self._decide(message))
            case Finished():
                outcome = outcome_from(message.outcome)
                if outcome is not None and not self._arrived.done():
                    self._arrived.set_result(outcome)
            case Go() | Refuse() | Decided() | Message():
                pass  # (said to a worker, never by one)
            case _:
                assert_never(message)

    def _claimed(self, claim: Claim) -> None:
        executor = self._executor
        if self.ended or self.worker is not None:
            why = "it has ended" if self.ended else f"it runs on {self.worker}"
            executor.deliver(claim.worker, self.id, encode(self.id, Refuse(why)))
            return
        problem = executor.claim_problem(claim)
        if problem is not None:
            executor.deliver(claim.worker, self.id, encode(self.id, Refuse(problem)))
            self._end_with(AgentFailed(problem))
            return
        self.worker = claim.worker
        executor.emit(
            PlacedOnWorker(
                agent=self.agent,
                attempt=self._job.attempt,
                worker=claim.worker,
                name=None if claim.name == claim.worker else claim.name,
            )
        )
        self._send(Go())
        self._spawn(self._deliveries(claim.worker))
        if self._job.inbox is not None:
            self._spawn(self._forward())

    def _send(self, message: ToWorker) -> None:
        self._outbox.put_nowait(message)

    async def _deliveries(self, worker: str) -> None:
        """What is said to the worker, one message at a time, in order."""
        while True:
            message = await self._outbox.get()
            await self._executor.send_now(worker, self.id, encode(self.id, message))

    async def _forward(self) -> None:
        """Messages sent to the agent, on to its runner on the worker."""
        inbox = self._job.inbox
        assert inbox is not None
        while True:
            await inbox.wait()
            for text in inbox.take():
                self._send(Message(text))

    async def _decide(self, ask: Ask) -> None:
        """A permission the worker's runner needs, decided here (rules, then the queue)."""
        gate = self._job.gate
        try:
            what = replace(Subject(**ask.subject), agent=self.agent, agent_type=self._job.type)
            request = None if ask.request is None else Request(**ask.request)
            bwrap = ask.sandbox.get("bwrap")
            sandbox = SandboxStatus(
                bwrap=None if bwrap is None else Path(str(bwrap)),
                origin=str(ask.sandbox.get("origin") or ""),
                reason=ask.sandbox.get("reason"),
                userns=bool(ask.sandbox.get("userns", True)),
            )
        except TypeError:
            what = None
        if what is None or not isinstance(gate, AgentGate):
            why = "a request swarmtui cannot read"
            self._send(Decided(ask.number, "deny", "default", why, "once", None))
            return
        answer = await gate.decide(what, request, sandbox)
        self._send(
            Decided(ask.number, answer.verdict, answer.by, answer.reason, answer.scope, answer.rule)
        )

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
