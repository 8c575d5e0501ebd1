"""What a worker and the coordinating swarmtui say to each other about one agent attempt.

Worker to coordinator: events on the session's topic (`Worker.log_event`, received in order by
`Client.subscribe_topic`), each a small dict `{"a": ATTEMPT, "k": KIND, ...fields}` that msgpack
carries. Coordinator to worker: the same dicts, handed to `worker_side.deliver` on that worker
(`Client.run`). `decode` turns a dict back into one of the message classes below, so both ends
dispatch with `match` over a closed union; anything else is ignored (`None`), and so are keys
no message has (the scheduler adds the sending worker's address).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from swarmtui.engine.guard import Place
    from swarmtui.engine.runners.base import AgentJob
    from swarmtui.engine.settings import RunSettings

# --- worker -> coordinator ------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """The attempt's task started on WORKER and asks to go ahead (a task Dask runs again after
    its worker was lost claims again, and is refused)."""

    worker: str
    name: str  # the worker's name (`dask worker --name`)
    version: str  # swarmtui's version there
    python: str  # major.minor


@dataclass(frozen=True)
class Output:
    stream: str
    text: str


@dataclass(frozen=True)
class Usage:
    tokens_in: int
    tokens_out: int
    cost_usd: float | None
    estimated: bool
    final: bool


@dataclass(frozen=True)
class ServerWait:
    endpoint: str
    limit: int
    ahead: int


@dataclass(frozen=True)
class ServerSlot:
    endpoint: str


@dataclass(frozen=True)
class Activity:
    session: str | None
    tool: str | None
    file: str | None


@dataclass(frozen=True)
class InboxState:
    """The runner opened its inbox (DELIVERY says how messages reach the agent) or closed it
    (REFUSAL says why no more can)."""

    delivery: str | None
    refusal: str | None


@dataclass(frozen=True)
class Ask:
    """A permission the runner needs (its process, a tool its program wants), as the worker's
    gate put it, its paths those of the session folder; SANDBOX is the worker's sandbox."""

    number: int
    subject: dict[str, Any]  # approvals.Subject's fields
    request: dict[str, Any] | None  # policy.permissions.Request's fields (None: a process)
    sandbox: dict[str, Any]  # confine.sandbox.SandboxStatus's fields


@dataclass(frozen=True)
class Finished:
    """The attempt's outcome (`AttemptOutcome`'s fields), when small: on the topic it arrives
    after everything the attempt said, sooner than the task's result (which a larger outcome
    is left in)."""

    outcome: dict[str, Any]


# --- coordinator -> worker ------------------------------------------------------------------


@dataclass(frozen=True)
class Go:
    """The claim is accepted: run the agent."""


@dataclass(frozen=True)
class Refuse:
    """The claim is refused (the attempt ended, or ran elsewhere): run nothing."""

    reason: str


@dataclass(frozen=True)
class Decided:
    """The answer to the worker's Ask NUMBER (approvals.Answer's fields)."""

    number: int
    verdict: str
    by: str
    reason: str
    scope: str
    rule: str | None


@dataclass(frozen=True)
class Message:
    """A message a person sent to the running agent."""

    text: str


FromWorker = (
    Claim | Output | Usage | ServerWait | ServerSlot | Activity | InboxState | Ask | Finished
)
ToWorker = Go | Refuse | Decided | Message

_KINDS: dict[str, type[Any]] = {
    "claim": Claim,
    "out": Output,
    "usage": Usage,
    "wait": ServerWait,
    "slot": ServerSlot,
    "act": Activity,
    "inbox": InboxState,
    "ask": Ask,
    "end": Finished,
    "go": Go,
    "refuse": Refuse,
    "decided": Decided,
    "msg": Message,
}
_NAMES = {cls: kind for kind, cls in _KINDS.items()}
_FIELDS = {cls: frozenset(f.name for f in fields(cls)) for cls in _KINDS.values()}


def encode(attempt: str, message: FromWorker | ToWorker) -> dict[str, Any]:
    return {"a": attempt, "k": _NAMES[type(message)], **asdict(message)}


def decode(raw: object) -> tuple[str, FromWorker | ToWorker] | None:
    """(attempt id, message) from what `encode` made; None for anything else."""
    if not isinstance(raw, dict):
        return None
    attempt, cls = raw.get("a"), _KINDS.get(str(raw.get("k")))
    if not isinstance(attempt, str) or cls is None:
        return None
    wanted = _FIELDS[cls]
    if not wanted <= raw.keys():  # (the scheduler adds the sending worker's address)
        return None
    values = {key: raw[key] for key in wanted}
    message: FromWorker | ToWorker = cls(**values)
    return attempt, message


# --- the task and its result (pickled with the task, not on the topic) ----------------------


@dataclass(frozen=True)
class AttemptSpec:
    """One attempt of an agent, as shipped to a worker."""

    id: str
    topic: str  # the session's topic
    backend: str  # the backend that runs it (rehearsal in a rehearsal)
    job: AgentJob  # without its inbox and gate; its paths the session folder's
    place: Place  # what its process may touch besides its folder (a worktree's git folder)
    settings: RunSettings
    files: dict[str, bytes] | None  # the session's files (None: the worker sees the folder)
    return_limit: int  # bytes of changed files brought back
    claim_timeout: float  # how long the task waits for the coordinator's go


OutcomeStatus = Literal["done", "failed", "stopped", "timeout", "cancelled", "refused"]


@dataclass
class AttemptOutcome:
    """How the attempt ended on the worker, with the agent's result and the files it changed.

    STATUS: done, failed (REASON), stopped (a hard cap), timeout (its runner's own), cancelled
    (by the coordinator), refused (its claim was: it ran nothing)."""

    status: OutcomeStatus
    reason: str = ""
    sent: int = 0  # topic events the attempt sent (the coordinator waits for them all)
    text: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float | None = None
    files: list[str] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)
    unwritten: dict[str, str] = field(default_factory=dict)  # the runner's files it could not write
    warning: str | None = None
    returned: dict[str, bytes] = field(default_factory=dict)
    held_back: list[tuple[str, int]] = field(default_factory=list)


# An outcome this small (its text and files) also travels on the topic (`Finished`).
TOPIC_OUTCOME_LIMIT = 16 * 1024


def outcome_fields(outcome: AttemptOutcome) -> dict[str, Any] | None:
    """OUTCOME as `Finished` carries it, or None when it is too big for the topic."""
    size = len(outcome.text) + sum(len(data) for data in outcome.returned.values())
    if size > TOPIC_OUTCOME_LIMIT:
        return None
    fields_ = asdict(outcome)
    fields_["held_back"] = [list(item) for item in outcome.held_back]
    return fields_


def outcome_from(fields_: dict[str, Any]) -> AttemptOutcome | None:
    """The outcome `Finished` carried (None when it is not one)."""
    try:
        outcome = AttemptOutcome(**fields_)
    except TypeError:
        return None
    outcome.held_back = [(str(path), int(size)) for path, size in outcome.held_back]
    return outcome
