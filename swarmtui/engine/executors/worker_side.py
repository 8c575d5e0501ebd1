"""What runs on a Dask worker: one agent attempt, built there from its job and the settings.

`run_attempt` is the task the coordinating swarmtui submits. It first claims the attempt and
waits for the go: a task that Dask runs again after its worker was lost is refused, so an agent
never runs twice without being recorded. Then it lays the session's files out in a scratch
folder, builds the backend's runner with its confinement (this machine's sandbox; every
permission asked of the coordinator, which decides by the session's rules and queue) and an
inbox mirrored to the coordinator's, runs it, and streams what the runner reports as events on
the session's topic. It returns the agent's result with the files it created or changed.

The coordinator reaches a running attempt with `deliver` (its go, answers, messages) and stops
it with `cancel_attempt`, which returns once the runner has killed its processes (bounded).
Everything here runs on the worker's event loop.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from collections import Counter, OrderedDict, deque
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, TypeVar, assert_never

import distributed

from swarmtui import __version__
from swarmtui.engine.approvals import Answer, Subject
from swarmtui.engine.confine.gate import Gate
from swarmtui.engine.confine.sandbox import SandboxStatus
from swarmtui.engine.events import Event
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
    OutcomeStatus,
    Output,
    Refuse,
    ServerSlot,
    ServerWait,
    ToWorker,
    Usage,
    decode,
    encode,
    outcome_fields,
)
from swarmtui.engine.executors.shipping import Changes, Manifest, Relocation, changed_files, unpack
from swarmtui.engine.guard import SessionGuard
from swarmtui.engine.inbox import Inbox
from swarmtui.engine.runners import make_runner
from swarmtui.engine.runners.base import (
    AgentFailed,
    AgentJob,
    AgentResult,
    AgentStopped,
    Checkable,
    LogRange,
    OutputStream,
    Preflight,
    Runner,
)
from swarmtui.engine.settings import RunSettings
from swarmtui.policy.permissions import Request

# The attempts running in this worker process, and each session's runners (made once: a
# runner keeps what it learns, such as a server's slots) and counts of attempts run and
# refused (kept for the last sessions, for diagnosis and the tests).
_ATTEMPTS: dict[str, WorkerAttempt] = {}
_RUNNERS: dict[tuple[str, str], Runner] = {}
# Sessions that ended (their runners dropped): a warm-up arriving after the end builds none.
_FORGOTTEN: deque[str] = deque(maxlen=1000)
_COUNTS: OrderedDict[str, Counter[str]] = OrderedDict()
_KEPT_COUNTS = 64
T = TypeVar("T")


def python_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def versions() -> dict[str, str]:
    """What must match the coordinator's (`Client.run` on every worker when connecting)."""
    return {
        "swarmtui": __version__,
        "distributed": str(getattr(distributed, "__version__", "")),
        "python": python_version(),
    }


def status_fields(status: SandboxStatus) -> dict[str, Any]:
    return {
        "bwrap": None if status.bwrap is None else str(status.bwrap),
        "origin": status.origin,
        "reason": status.reason,
        "userns": status.userns,
    }


def _nobody(event: Event) -> None:
    """The worker records nothing: the coordinator keeps the session's events."""


class _WorkerGuard(SessionGuard):
    """The worker's side of the session's guard: processes run under this machine's sandbox,
    and every permission is decided by the coordinating swarmtui (its rules, its queue)."""

    def __init__(self, attempt: WorkerAttempt, settings: RunSettings, folder: Path) -> None:
        super().__init__(settings, _nobody, folder)
        self._attempt = attempt

    @property
    def gate(self) -> Gate:
        return self.configured_gate()

    async def permit(
        self, what: Subject, request: Request | None, sandbox: SandboxStatus | None = None
    ) -> Answer:
        return await self._attempt.ask(what, request, self.configured_gate().status)


class _Inbox(Inbox):
    """The runner's inbox, its opening and closing told to the coordinator's, whose messages
    arrive here (`Message`)."""

    def __init__(self, attempt: WorkerAttempt) -> None:
        super().__init__()
        self._attempt = attempt

    def open(self, delivery: str) -> None:
        super().open(delivery)
        self._attempt.send(InboxState(delivery=delivery, refusal=None))

    def close(self, reason: str) -> None:
        super().close(reason)
        self._attempt.send(InboxState(delivery=None, refusal=reason))


class _Sink:
    """The runner's `OutputSink`: everything becomes an event on the session's topic (the
    coordinator checks the caps and records it), its paths the session folder's."""

    def __init__(self, attempt: WorkerAttempt) -> None:
        self._send = attempt.send
        self._home = attempt.home_paths

    def output(self, text: str, stream: OutputStream = "stdout") -> None:
        if text:
            self._send(Output(stream=stream, text=self._home.text(text)))

    def output_mark(self) -> int:
        return 0

    def output_range(self, mark: int) -> LogRange | None:
        return None  # (its log file is written on the scheduler's side: runners keep it all)

    def usage(
        self,
        tokens_in: int,
        tokens_out: int,
        cost_usd: float | None = None,
        *,
        estimated: bool = False,
        final: bool = False,
    ) -> None:
        self._send(Usage(tokens_in, tokens_out, cost_usd, estimated, final))

    def server_wait(self, endpoint: str, limit: int, ahead: int) -> None:
        self._send(ServerWait(endpoint, limit, ahead))

    def server_slot(self, endpoint: str) -> None:
        self._send(ServerSlot(endpoint))

    def activity(
        self, *, session: str | None = None, tool: str | None = None, file: str | None = None
    ) -> None:
        self._send(Activity(session, tool, None if file is None else self._home.text(file)))


def _failure(error: BaseException) -> tuple[OutcomeStatus, str]:
    """(status, reason) of a runner that raised ERROR, as `AgentRun` would word it."""
    if isinstance(error, AgentStopped):
        return "stopped", str(error)
    if isinstance(error, AgentFailed):
        return "failed", str(error) or "the agent failed"
    if isinstance(error, TimeoutError):
        return "timeout", ""
    return "failed", f"{type(error).__name__}: {error}"


class WorkerAttempt:
    def __init__(self, spec: AttemptSpec, worker: distributed.Worker) -> None:
        self.spec = spec
        self._worker = worker
        self.sent = 0
        loop = asyncio.get_running_loop()
        self._go: asyncio.Future[str | None] = loop.create_future()  # None: go; else why not
        self._task: asyncio.Task[AgentResult] | None = None
        self._cancelled = False
        self._finished = asyncio.Event()
        self._asks: dict[int, asyncio.Future[Answer]] = {}
        self._asked = 0
        self.inbox = _Inbox(self)
        self.home = spec.job.session_dir  # the coordinator's session folder
        self.home_paths = Relocation.between(self.home, self.home)  # (set once it has a folder)

    def send(self, message: FromWorker) -> None:
        self._worker.log_event(self.spec.topic, encode(self.spec.id, message))
        self.sent += 1

    def receive(self, message: ToWorker) -> None:
        match message:
            case Go():
                if not self._go.done():
                    self._go.set_result(None)
            case Refuse():
                if not self._go.done():
                    self._go.set_result(message.reason)
            case Decided():
                waiting = self._asks.pop(message.number, None)
                if waiting is not None and not waiting.done():
                    answer = Answer(
                        "allow" if message.verdict == "allow" else "deny",
                        by=message.by,  # type: ignore[arg-type]
                        reason=message.reason,
                        scope=message.scope,  # type: ignore[arg-type]
                        rule=message.rule,
                    )
                    waiting.set_result(answer)
            case Message():
                self.inbox.put(message.text)
            case _:
                assert_never(message)

    async def ask(self, what: Subject, request: Request | None, sandbox: SandboxStatus) -> Answer:
        """The coordinator's decision on WHAT (its paths moved to the session folder's)."""
        self._asked += 1
        number = self._asked
        waiting: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._asks[number] = waiting
        home = self.home_paths
        self.send(
            Ask(
                number=number,
                subject=home.value(asdict(what)),
                request=None if request is None else home.value(asdict(request)),
                sandbox=status_fields(sandbox),
            )
        )
        try:
            return await waiting
        finally:
            self._asks.pop(number, None)

    async def stop(self, grace: float) -> bool:
        """Cancel the runner; whether the attempt had ended within GRACE seconds."""
        self._cancelled = True
        if not self._go.done():
            self._go.set_result("cancelled before it started")
        if self._task is not None:
            self._task.cancel()
        try:
            async with asyncio.timeout(grace):
                await self._finished.wait()
        except TimeoutError:
            return False
        return True

    async def run(self) -> AttemptOutcome:
        spec = self.spec
        worker = self._worker
        counts = _COUNTS.setdefault(spec.topic, Counter())
        while len(_COUNTS) > _KEPT_COUNTS:
            _COUNTS.popitem(last=False)
        scratch: Path | None = None
        try:
            self.send(Claim(worker.address, str(worker.name), __version__, python_version()))
            if spec.files is not None:  # (laid out while the go comes: nothing of it runs)
                scratch = Path(tempfile.mkdtemp(prefix="swarmtui-", dir=worker.local_directory))
            preparing = asyncio.ensure_future(self._prepare(scratch))
            try:
                async with asyncio.timeout(spec.claim_timeout):
                    refused = await self._go
            except TimeoutError:
                refused = "swarmtui did not answer its claim"
            prepared = await preparing
            if refused is not None or self._cancelled:
                counts["refused"] += 1
                return AttemptOutcome("refused", refused or "cancelled", sent=self.sent)
            counts["ran"] += 1
            if isinstance(prepared, OSError):  # (a full disk on the worker)
                reason = f"its scratch folder on {worker.address}: {prepared}"
                return AttemptOutcome("failed", reason, sent=self.sent)
            outcome = await self._run_in(scratch or self.home, prepared)
            small = outcome_fields(outcome)
            if small is not None:
                self.send(Finished(small))
            return outcome
        finally:
            if scratch is not None:
                await _off_loop(spec, shutil.rmtree, scratch, True)
            self._finished.set()

    async def _prepare(self, scratch: Path | None) -> Manifest | OSError:
        """The session's files laid out in SCRATCH (None: the worker sees the session folder)."""
        files = self.spec.files
        if scratch is None or files is None:
            return {}
        try:
            return await _off_loop(self.spec, unpack, scratch, files)
        except OSError as exc:
            return exc

    async def _run_in(self, folder: Path, manifest: Manifest) -> AttemptOutcome:
        self.home_paths = Relocation.between(folder, self.home)
        if self._cancelled:
            return AttemptOutcome("cancelled", "cancelled", sent=self.sent)
        spec = self.spec
        runner = _runner(spec.topic, spec.backend, spec.settings)
        self._task = asyncio.create_task(runner.run(self._job(folder), _Sink(self)))
        try:
            await asyncio.wait({self._task})
        except asyncio.CancelledError:  # (the worker is closing)
            self._task.cancel()
            await asyncio.wait({self._task})
            raise
        return await self._outcome(self._task, folder, manifest)

    def _job(self, folder: Path) -> AgentJob:
        job = self.spec.job
        there = Relocation.between(self.home, folder)
        guard = _WorkerGuard(self, self.spec.settings, folder)
        return replace(
            job,
            instructions=there.text(job.instructions),
            system_prompt=there.text(job.system_prompt),
            inputs=there.value(job.inputs),
            session_dir=folder,
            artifacts_dir=folder / "artifacts",
            inbox=self.inbox,
            gate=guard.for_agent(job.name, job.type, self.spec.backend, self.spec.place),
        )

    async def _outcome(
        self, task: asyncio.Task[AgentResult], folder: Path, manifest: Manifest
    ) -> AttemptOutcome:
        spec = self.spec
        home = self.home_paths
        if task.cancelled():
            return AttemptOutcome("cancelled", "cancelled", sent=self.sent)
        error = task.exception()
        if error is not None:
            status, reason = _failure(error)
            return AttemptOutcome(status, home.text(reason), sent=self.sent)
        result = task.result()
        sizes = dict(result.sizes)
        unwritten: dict[str, str] = {}
        for relative, writing in result.pending.items():
            try:
                sizes[relative] = await writing
            except OSError as exc:
                unwritten[relative] = exc.strerror or str(exc)
        changes = Changes()
        if spec.files is not None:
            changes = await _off_loop(
                spec, changed_files, folder, manifest, list(result.files), spec.return_limit
            )
        return AttemptOutcome(
            "done",
            sent=self.sent,
            text=home.text(result.text),
            tokens_in=result.tokens_in,
            tokens_out=result.tokens_out,
            cost_usd=result.cost_usd,
            files=list(result.files),
            sizes=sizes,
            unwritten=unwritten,
            warning=None if result.warning is None else home.text(result.warning),
            returned=changes.returned,
            held_back=changes.held_back,
        )


# Shipped files up to this size are laid out (and looked over, and removed) on the worker's
# event loop: a thread costs more than a few small files do.
_ON_LOOP_BYTES = 256 * 1024


async def _off_loop(spec: AttemptSpec, function: Callable[..., T], *args: Any) -> T:
    """FUNCTION(*ARGS), in a thread when the attempt's files are many (the worker's event loop
    serves its heartbeats and its other agents meanwhile)."""
    files = spec.files or {}
    if len(files) < 64 and sum(map(len, files.values())) < _ON_LOOP_BYTES:
        return function(*args)
    return await asyncio.to_thread(function, *args)


def _runner(topic: str, backend: str, settings: RunSettings) -> Runner:
    runner = _RUNNERS.get((topic, backend))
    if runner is None:
        runner = _RUNNERS[(topic, backend)] = make_runner(backend, settings)
    return runner


# --- what the coordinator calls -------------------------------------------------------------


async def run_attempt(spec: AttemptSpec) -> AttemptOutcome:
    """The task of one attempt (see the module's docstring)."""
    attempt = WorkerAttempt(spec, distributed.get_worker())
    _ATTEMPTS[spec.id] = attempt
    try:
        return await attempt.run()
    finally:
        _ATTEMPTS.pop(spec.id, None)


def warm_up(topic: str, backend: str, settings: RunSettings) -> bool:
    """Get this worker ready for the session before its first agent: this module and the
    backend's are imported as this call arrives (a few hundred milliseconds, paid once per
    worker process: otherwise by its first agents, while the session runs) and the session's
    runner is built. Whether the runner could be built (when not, its attempts say why)."""
    if topic in _FORGOTTEN:  # (it came after the session's end: nothing to keep for it)
        return False
    try:
        _runner(topic, backend, settings)
    except AgentFailed:
        return False
    return True


def scheduler_ready() -> bool:
    """Run on the scheduler when a session connects. The scheduler unpickles every task it is
    given (distributed's graphs travel pickled), so it imports this module and what an
    attempt's job is made of with the session's first task; this call, unpickled there, does
    it beforehand."""
    return True


def runners_of(topic: str) -> list[str]:
    """The backends whose runner this worker has built for the session (for the tests)."""
    return sorted(backend for session, backend in _RUNNERS if session == topic)


async def preflight(
    topic: str, backend: str, settings: RunSettings, models: list[str]
) -> list[Preflight]:
    """The backend's pre-flight check, from this worker (its runner keeps what it learns)."""
    runner = _runner(topic, backend, settings)
    return await runner.preflight(models) if isinstance(runner, Checkable) else []


def deliver(attempt_id: str, raw: dict[str, Any]) -> bool:
    """Hand a coordinator's message to the attempt; False when it is not running here."""
    attempt = _ATTEMPTS.get(attempt_id)
    decoded = decode(raw)
    if attempt is None or decoded is None:
        return False
    message = decoded[1]
    if not isinstance(message, Go | Refuse | Decided | Message):
        return False
    attempt.receive(message)
    return True


async def cancel_attempt(attempt_id: str, grace: float) -> bool:
    """Stop the attempt; whether it had ended (its processes killed) within GRACE seconds."""
    attempt = _ATTEMPTS.get(attempt_id)
    return True if attempt is None else await attempt.stop(grace)


def forget_session(topic: str) -> None:
    """The session ended: drop its runners."""
    _FORGOTTEN.append(topic)
    for key in [key for key in _RUNNERS if key[0] == topic]:
        del _RUNNERS[key]


def session_counts(session_id: str) -> dict[str, int]:
    """How many attempts of the session ran here, and how many claims were refused."""
    total: Counter[str] = Counter()
    for topic, counts in _COUNTS.items():
        if topic.startswith(f"swarmtui-{session_id}-"):
            total.update(counts)
    return dict(total)
