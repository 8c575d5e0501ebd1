"""`SessionState` and the fold `apply(state, event) -> state` that builds it from events.

Live runs and replays use only `apply`, so a replayed session ends in exactly the state the live
one did. For speed the fold updates the state it is given in place and returns it; it performs
no I/O and reads nothing but the state and the event.

Metrics: wall time is the time of the last event; sequential time is the sum of every agent's run
time (what one-after-another would have cost); the critical path is the longest chain of agents in
which each one waited for a key the previous one stored (messages chain too: a message starts
where the previous one's critical path ended); idle time is the time the session waited for the
user with nothing running (paused, held open after its last message for a retry, or only
requests waiting for approval); speed-up
is sequential / (wall - idle). The figures of a session in progress (running agents counted so
far) are `swarmtui.engine.metrics.figures`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, assert_never

from swarmtui.batch.lint import BATCH_WRITER
from swarmtui.engine import worktree_state as ws
from swarmtui.engine.events import (
    AgentActivity,
    AgentCommitted,
    AgentFinished,
    AgentMessage,
    AgentOutput,
    AgentQueued,
    AgentRehearsed,
    AgentServerSlot,
    AgentServerWait,
    AgentStarted,
    AgentStatus,
    AgentUsage,
    AgentWaiting,
    ApprovalDecided,
    ApprovalRequested,
    BashFinished,
    BashOutput,
    BashRehearsed,
    BashStarted,
    BranchesMerged,
    CapCrossed,
    ClusterChanged,
    ConfinementNoted,
    Control,
    DiagnosticEvent,
    EndpointChecked,
    Event,
    FileWritten,
    MemoryDeleted,
    MemoryRead,
    MemoryStored,
    MessageFinished,
    MessageStarted,
    OperationSkipped,
    PlacedOnWorker,
    SessionFinished,
    SessionForked,
    SessionResumed,
    SessionStarted,
    SessionStatus,
    TodoChanged,
    TodoPriority,
    TodoStatus,
    WorkerLost,
    WorkspaceOpened,
    WorkspaceRefused,
    WorktreeCreated,
    WorktreeFailed,
    WorktreeSetup,
)
from swarmtui.engine.worktree_state import WorkspaceState, WorktreeState
from swarmtui.memory_keys import PatternIndex, SortedKeys, is_glob

OUTPUT_TAIL_LINES = 200
# How many output lines of each agent `to_json` carries (the whole output is in session.db).
JSON_TAIL_LINES = 20
# Seconds are rounded to the millisecond in `to_json`, so live and replayed JSON cannot differ
# by float noise and stay readable.
_DIGITS = 3
FINAL_STATUSES = frozenset({"done", "failed", "cancelled", "skipped"})


def _r(value: float | None) -> float | None:
    return None if value is None else float(round(value, _DIGITS))


@dataclass
class Rehearsal:
    """What a rehearsed agent's backend would have run (see `AgentRehearsed`)."""

    backend: str
    model: str | None
    command: str
    cwd: str
    waits: list[str]


@dataclass
class AttemptSpan:
    """An attempt of an agent before its last one: when it ran, how it ended ("failed" for one
    retried at once, "interrupted" for one the session died in), and the agent's whole wait
    until it started (the wait just before it is what the attempt before it leaves)."""

    attempt: int
    started: float
    ended: float
    status: str
    wait_total: float = 0.0


@dataclass(slots=True)  # (one per agent, made at a session's start: slots make that cheaper)
class AgentState:
    name: str
    index: int = 0  # its place in the plan (batch order)
    type: str = "general"
    instructions: str = ""
    message: int = 1
    waits: list[str] = field(default_factory=list)
    stores: list[str] = field(default_factory=list)
    providers: dict[str, list[str]] = field(default_factory=dict)
    backend: str | None = None
    model: str | None = None
    status: AgentStatus = "pending"
    arrived: set[str] = field(default_factory=set)  # which waited-for keys have been stored
    queued_at: float | None = None
    waiting_since: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    wait_seconds: float = 0.0
    run_seconds: float = 0.0
    attempts: int = 0
    reason: str | None = None
    output_tail: deque[str] = field(default_factory=lambda: deque(maxlen=OUTPUT_TAIL_LINES))
    # The stream whose last line in the tail is not ended yet (a streamed answer comes a few
    # characters at a time: they continue that line instead of each starting one).
    output_open: str | None = None
    output_chars: int = 0
    result: str | None = None
    artifacts: list[str] = field(default_factory=list)
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float | None = None
    # Length of the longest dependency chain ending with this agent (set when it finishes).
    critical_path_seconds: float = 0.0
    # Keys it still waits for (the last `agent_waiting` event, minus what arrived since).
    missing: list[str] = field(default_factory=list)
    rehearsed: Rehearsal | None = None
    # The server its request waits for (queued again, not running), and the time so spent.
    server_wait: str | None = None
    server_wait_seconds: float = 0.0
    # Tokens and cost of its earlier attempts (the totals above include them).
    spent_in: int = 0
    spent_out: int = 0
    spent_cost: float | None = None
    usage_estimated: bool = False  # the last figures are swarmtui's count while streaming
    # Messages sent to it while it ran: (t, by, text, how its backend passes it on).
    messages: list[tuple[float, str, str, str]] = field(default_factory=list)
    # What its program reported: its own session id (Claude Code), tools used, files changed.
    backend_session: str | None = None
    tools: dict[str, int] = field(default_factory=dict)
    files_changed: list[str] = field(default_factory=list)
    # Its requests waiting for a person's decision (their ids): it shows "awaiting approval".
    awaiting: list[str] = field(default_factory=list)
    # The Dask worker its last attempt was placed on (address, and name when it has one).
    worker: str | None = None
    worker_name: str | None = None
    # Its git worktree, branch and diff (None: it worked in the session folder).
    worktree: WorktreeState | None = None
    # Its attempts before the last one (kept when another begins), in order: the timeline
    # draws each. A tuple: most agents run once and never need one.
    ended_attempts: tuple[AttemptSpan, ...] = ()


@dataclass(slots=True)  # (one per store, and an entry per key: made on the hot path)
class MemoryWrite:
    value: Any
    by: str
    t: float
    deleted: bool = False


@dataclass(slots=True)
class MemoryEntry:
    namespace: str
    key: str
    value: Any
    by: str
    t: float
    ttl: float | None = None
    deleted: bool = False
    history: list[MemoryWrite] = field(default_factory=list)
    seq: int = 0  # the event that wrote the current value


@dataclass
class TodoState:
    id: str
    content: str
    status: TodoStatus = "pending"
    priority: TodoPriority = "medium"
    agent: str | None = None
    order: int = 0  # when it was first declared


@dataclass
class BashState:
    op: int
    command: str
    status: str = "running"  # awaiting (approval), running, done, failed, denied, rehearsed
    cwd: str = "."
    exit_status: int | None = None
    started_at: float | None = None
    finished_at: float | None = None
    reason: str | None = None
    output_tail: deque[str] = field(default_factory=lambda: deque(maxlen=OUTPUT_TAIL_LINES))
    # Who let it run, or refused it, and why ("allowed by Bash(npm test) (swarmtui.toml: ...)").
    permission: str | None = None
    timeout: float | None = None  # a rehearsed one's: how long it would have been allowed to run
    timeout_from: str | None = None  # and what set it (`BashRehearsed.timeout_from`)


@dataclass
class ApprovalState:
    """A request for permission and its decision, or a decision made at once by a rule."""

    id: str | None  # None: decided without asking
    kind: str  # bash, write, agent, tool
    agent: str | None
    op: int | None
    tool: str
    subject: str
    cwd: str = "."
    status: str = "pending"  # pending, allowed, denied
    asked: str | None = None  # why it asked (None: it did not)
    rule: str | None = None  # the ask rule that matched; once decided, the deciding rule
    pattern: str | None = None  # what "approve for this session" would allow
    by: str | None = None  # rule, default, user, flag, cancel
    scope: str = "once"
    reason: str | None = None  # the decision's reason
    requested_at: float | None = None
    decided_at: float | None = None


@dataclass
class ConfinementState:
    sandboxed: bool
    description: str
    notice: str | None = None


@dataclass
class ClusterState:
    """The Dask cluster the agents run on, and the workers lost while they ran agents."""

    executor: str
    workers: int
    slots: int
    lost: list[tuple[float, str, list[str], str]] = field(default_factory=list)  # t, worker...


@dataclass
class MessageState:
    index: int
    title: str | None = None
    status: str = "pending"  # pending, running, finished
    started_at: float | None = None
    finished_at: float | None = None
    # Critical-path length when the message started: its agents' chains start from here.
    critical_path_base: float = 0.0


@dataclass
class ForkState:
    """Where a fork came from (see `ForkOrigin`) and what it took up (see `SessionForked`)."""

    session_id: str
    path: str
    seq: int  # the last event of the source taken up
    t: float  # the point's time (the fork's clock goes on from it)
    at: float | None = None  # when in this session the fork went on (None: not yet)
    carried: list[str] = field(default_factory=list)
    again: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    note: str | None = None


@dataclass
class Metrics:
    wall_seconds: float = 0.0
    sequential_seconds: float = 0.0
    critical_path_seconds: float = 0.0
    speedup: float = 0.0
    # Waiting for the user with nothing running (paused, held open): not part of the speed-up.
    idle_seconds: float = 0.0


@dataclass
class DiagnosticState:
    code: str
    severity: str
    message: str
    line: int
    column: int


@dataclass
class EndpointState:
    """The pre-flight check of one backend endpoint (see `EndpointChecked`)."""

    backend: str
    endpoint: str
    problem: str | None
    detail: str
    max_parallel: int | None
    limit_source: str


@dataclass
class CapState:
    """A hard cap that was crossed (see `CapCrossed`)."""

    t: float
    cap: str
    limit: float
    value: float
    agent: str | None
    stopped: list[str]
    reason: str


@dataclass
class ControlState:
    t: float
    action: str
    target: str | None
    detail: dict[str, Any]


@dataclass(repr=False)
class SessionState:
    session_id: str = ""
    title: str = ""
    backend: str = ""
    started_at: str = ""
    status: SessionStatus = "running"
    reason: str | None = None
    max_parallel: int | None = None
    max_parallel_reason: str | None = None
    paused: bool = False
    seq: int = 0  # the last event applied
    t: float = 0.0  # its time
    messages: dict[int, MessageState] = field(default_factory=dict)
    agents: dict[str, AgentState] = field(default_factory=dict)
    memory: dict[tuple[str, str], MemoryEntry] = field(default_factory=dict)
    todos: dict[str, TodoState] = field(default_factory=dict)
    bash: dict[int, BashState] = field(default_factory=dict)
    # (path, bytes, by, whose file it replaced: see `FileWritten.replaced`)
    files: list[tuple[str, int, str, str | None]] = field(default_factory=list)
    writers: dict[str, str] = field(default_factory=dict)  # path -> who wrote it last
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # (op, kind, reason)
    skipped_subjects: dict[int, str] = field(default_factory=dict)  # op -> what it was about
    metrics: Metrics = field(default_factory=Metrics)
    finished: bool = False  # a session_finished event was applied
    cost_usd: float = 0.0  # total over agents
    diagnostics: list[DiagnosticState] = field(default_factory=list)
    controls: list[ControlState] = field(default_factory=list)
    topology: str | None = None
    strategy: str | None = None
    resumes: list[float] = field(default_factory=list)  # when `swarmtui resume` took it up
    forked_from: ForkState | None = None  # a fork: the source, the point, what was carried
    running: int = 0  # agents running now
    endpoints: list[EndpointState] = field(default_factory=list)  # pre-flight checks
    caps: list[CapState] = field(default_factory=list)  # hard caps crossed
    confinement: ConfinementState | None = None
    cluster: ClusterState | None = None  # None: agents run in this process
    # Every request for permission and every decision, in order; those still waiting by id.
    approvals: list[ApprovalState] = field(default_factory=list)
    awaiting: dict[str, ApprovalState] = field(default_factory=dict, repr=False)
    # The repository agents work in (None: no worktrees were asked for or found).
    workspace: WorkspaceState | None = None
    # Indexes (not part of the JSON). Waits not met yet: the planned waits that have not
    # arrived, and the missing keys of waiting agents (exact key -> agents, glob -> agents). An
    # arrival removes the agent, so storing a key touches each waiter once, not on every store.
    pending: dict[str, dict[str, None]] = field(default_factory=dict, repr=False)
    pending_globs: PatternIndex[str] = field(default_factory=PatternIndex, repr=False)
    # Agents whose last missing key has arrived, until they are queued (the scheduler's cue).
    unblocked: set[str] = field(default_factory=set, repr=False)
    # key -> its entries in every namespace (waits match a key in any namespace).
    entries_by_key: dict[str, list[MemoryEntry]] = field(default_factory=dict, repr=False)
    entry_keys: SortedKeys = field(default_factory=SortedKeys, repr=False)
    # Each glob some agent waits for -> the keys matching it, in the order first stored.
    glob_matches: dict[str, list[str]] = field(default_factory=dict, repr=False)
    waited_globs: PatternIndex[str] = field(default_factory=PatternIndex, repr=False)
    # What waits see: key -> its latest value's entry, whatever the namespace; a delete (in any
    # namespace) or an expiry removes the key.
    live: dict[str, MemoryEntry] = field(default_factory=dict, repr=False)
    live_keys: SortedKeys = field(default_factory=SortedKeys, repr=False)
    # agent -> ids of the todos assigned to it
    todos_by_agent: dict[str, set[str]] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        # Short: asyncio puts a finished task's result in its repr, and Python builds such
        # reprs unasked (restoring a signal handler did, costing 0.5 s for 10,000 agents).
        return (
            f"<SessionState {self.session_id or '(not started)'} {self.status}: "
            f"{len(self.agents)} agents, {self.seq} events>"
        )

    @property
    def tokens(self) -> int:
        """Tokens in and out over every agent (earlier attempts included)."""
        return sum(a.tokens_in + a.tokens_out for a in self.agents.values())

    def has_key(self, wanted: str) -> bool:
        """Whether a wait for WANTED (a key or a glob) is satisfied now."""
        return self.live_keys.any_matching(wanted)

    def replaced(self, path: str, by: str) -> str | None:
        """Who wrote the file at PATH last, unless BY did: a write by BY there replaces it."""
        before = self.writers.get(path)
        return None if before == by else before

    def agent_todos(self, name: str) -> list[TodoState]:
        """The todos assigned to agent NAME, in the order they were first declared."""
        ids = self.todos_by_agent.get(name)
        if not ids:
            return []
        return sorted((self.todos[i] for i in ids), key=lambda td: td.order)

    @property
    def held(self) -> bool:
        """Every message has ended but the session has not, and no agent is under way (one
        retried or rescued by a stored key runs again): it waits for the user (a retry, a
        stored key, or the end)."""
        return (
            not self.finished
            and bool(self.messages)
            and all(m.status == "finished" for m in self.messages.values())
            and all(a.status in FINAL_STATUSES for a in self.agents.values())
        )

    @property
    def idle(self) -> bool:
        """Waiting for the user with nothing running (paused, held open, or only requests
        waiting for approval): the time does not count as work."""
        if self.running or self.finished:
            return False
        if self.paused or self.held:
            return True
        return bool(self.awaiting) and all(b.status != "running" for b in self.bash.values())

    def to_json(self) -> dict[str, Any]:
        """A deterministic, JSON-ready picture of the state (live and replayed runs agree)."""
        return {
            "session_id": self.session_id,
            "title": self.title,
            "backend": self.backend,
            "started_at": self.started_at,
            "status": self.status,
            "reason": self.reason,
            "max_parallel": self.max_parallel,
            "topology": self.topology,
            "strategy": self.strategy,
            "resumes": [_r(t) for t in self.resumes],
            "forked_from": _fork_json(self.forked_from),
            "paused": self.paused,
            "seq": self.seq,
            "t": _r(self.t),
            "cost_usd": _r_cost(self.cost_usd),
            "metrics": {
                "wall_seconds": _r(self.metrics.wall_seconds),
                "sequential_seconds": _r(self.metrics.sequential_seconds),
                "critical_path_seconds": _r(self.metrics.critical_path_seconds),
                "speedup": round(self.metrics.speedup, 2),
                "idle_seconds": _r(self.metrics.idle_seconds),
            },
            "messages": [_message_json(m) for _, m in sorted(self.messages.items())],
            "agents": [_agent_json(a) for a in self.agents.values()],
            "memory": [_memory_json(e) for _, e in sorted(self.memory.items())],
            "todos": [
                {
                    "id": td.id,
                    "content": td.content,
                    "status": td.status,
                    "priority": td.priority,
                    "agent": td.agent,
                }
                for td in self.todos.values()
            ],
            "bash": [_bash_json(b) for _, b in sorted(self.bash.items())],
            "files": [
                {"path": p, "bytes": n, "by": by, "replaced": was} for p, n, by, was in self.files
            ],
            "skipped": [
                {"op": op, "kind": k, "reason": why, "subject": self.skipped_subjects.get(op)}
                for op, k, why in self.skipped
            ],
            "diagnostics": [
                {
                    "code": d.code,
                    "severity": d.severity,
                    "message": d.message,
                    "line": d.line,
                    "column": d.column,
                }
                for d in self.diagnostics
            ],
            "controls": [
                {"t": _r(c.t), "action": c.action, "target": c.target, "detail": c.detail}
                for c in self.controls
            ],
            "endpoints": [
                {
                    "backend": e.backend,
                    "endpoint": e.endpoint,
                    "problem": e.problem,
                    "detail": e.detail,
                    "max_parallel": e.max_parallel,
                    "limit_source": e.limit_source,
                }
                for e in self.endpoints
            ],
            "caps": [
                {
                    "t": _r(c.t),
                    "cap": c.cap,
                    "limit": c.limit,
                    "value": _r_cost(c.value),
                    "agent": c.agent,
                    "stopped": list(c.stopped),
                    "reason": c.reason,
                }
                for c in self.caps
            ],
            "confinement": None
            if self.confinement is None
            else {
                "sandboxed": self.confinement.sandboxed,
                "description": self.confinement.description,
                "notice": self.confinement.notice,
            },
            "approvals": [approval_json(a) for a in self.approvals],
            "cluster": cluster_json(self.cluster),
            "workspace": ws.workspace_json(self.workspace),
        }


def _fork_json(f: ForkState | None) -> dict[str, Any] | None:
    if f is None:
        return None
    return {
        "session_id": f.session_id,
        "path": f.path,
        "seq": f.seq,
        "t": _r(f.t),
        "at": _r(f.at),
        "carried": list(f.carried),
        "again": dict(f.again),
        "files": list(f.files),
        "note": f.note,
    }


def cluster_json(c: ClusterState | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {
        "executor": c.executor,
        "workers": c.workers,
        "slots": c.slots,
        "lost": [
            {"t": _r(t), "worker": worker, "agents": list(agents), "reason": reason}
            for t, worker, agents, reason in c.lost
        ],
    }


def _r_cost(value: float | None) -> float | None:
    return None if value is None else float(round(value, 6))


def _message_json(m: MessageState) -> dict[str, Any]:
    return {
        "index": m.index,
        "title": m.title,
        "status": m.status,
        "started_at": _r(m.started_at),
        "finished_at": _r(m.finished_at),
    }


def _agent_json(a: AgentState) -> dict[str, Any]:
    tail = list(a.output_tail)[-JSON_TAIL_LINES:]
    return {
        "name": a.name,
        "type": a.type,
        "message": a.message,
        "status": a.status,
        "reason": a.reason,
        "waits": list(a.waits),
        "stores": list(a.stores),
        "arrived": sorted(a.arrived),
        "missing": list(a.missing),
        "backend": a.backend,
        "model": a.model,
        "queued_at": _r(a.queued_at),
        "started_at": _r(a.started_at),
        "finished_at": _r(a.finished_at),
        "wait_seconds": _r(a.wait_seconds),
        "run_seconds": _r(a.run_seconds),
        "critical_path_seconds": _r(a.critical_path_seconds),
        "attempts": a.attempts,
        "result": a.result,
        "artifacts": list(a.artifacts),
        "output_chars": a.output_chars,
        "output_tail": tail,
        "tokens_in": a.tokens_in,
        "tokens_out": a.tokens_out,
        "cost_usd": _r_cost(a.cost_usd),
        "rehearsed": _rehearsal_json(a.rehearsed),
        "server_wait": a.server_wait,
        "server_wait_seconds": _r(a.server_wait_seconds),
        "usage_estimated": a.usage_estimated,
        "messages": [
            {"t": _r(t), "by": by, "text": text, "delivery": how} for t, by, text, how in a.messages
        ],
        "backend_session": a.backend_session,
        "tools": dict(sorted(a.tools.items())),
        "files_changed": list(a.files_changed),
        "awaiting": list(a.awaiting),
        "worker": a.worker,
        "worker_name": a.worker_name,
        "worktree": ws.worktree_json(a.worktree),
    }


def _rehearsal_json(r: Rehearsal | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "backend": r.backend,
        "model": r.model,
        "command": r.command,
        "cwd": r.cwd,
        "waits": list(r.waits),
    }


def _memory_json(e: MemoryEntry) -> dict[str, Any]:
    return {
        "namespace": e.namespace,
        "key": e.key,
        "value": e.value,
        "by": e.by,
        "t": _r(e.t),
        "ttl": e.ttl,
        "deleted": e.deleted,
        "history": [
            {"value": w.value, "by": w.by, "t": _r(w.t), "deleted": w.deleted} for w in e.history
        ],
    }


def _bash_json(b: BashState) -> dict[str, Any]:
    return {
        "op": b.op,
        "command": b.command,
        "cwd": b.cwd,
        "status": b.status,
        "exit_status": b.exit_status,
        "started_at": _r(b.started_at),
        "finished_at": _r(b.finished_at),
        "reason": b.reason,
        "permission": b.permission,
        "output_tail": list(b.output_tail)[-JSON_TAIL_LINES:],
    }


def approval_json(a: ApprovalState) -> dict[str, Any]:
    return {
        "id": a.id,
        "kind": a.kind,
        "agent": a.agent,
        "op": a.op,
        "tool": a.tool,
        "subject": a.subject,
        "cwd": a.cwd,
        "status": a.status,
        "asked": a.asked,
        "rule": a.rule,
        "pattern": a.pattern,
        "by": a.by,
        "scope": a.scope,
        "reason": a.reason,
        "requested_at": _r(a.requested_at),
        "decided_at": _r(a.decided_at),
    }


# --- the fold -------------------------------------------------------------------------------


def _session_started(s: SessionState, e: SessionStarted) -> None:
    s.session_id = e.session_id
    s.title = e.title
    s.backend = e.backend
    s.started_at = e.started_at
    s.max_parallel = e.max_parallel
    s.max_parallel_reason = e.max_parallel_reason
    s.topology = e.topology
    s.strategy = e.strategy
    if e.forked_from is not None:
        origin = e.forked_from
        s.forked_from = ForkState(origin.session_id, origin.path, origin.seq, origin.t)
    for m in e.messages:
        s.messages[m.index] = MessageState(index=m.index, title=m.title)
    # (one pass over every agent of the batch, at the start: the plan's fields read from the
    # model's dict, and its lists taken as they are, never changed by the fold or the event)
    agents = s.agents
    for index, p in enumerate(e.agents):
        plan = p.__dict__
        name = plan["name"]
        waits = plan["waits"]
        agents[name] = AgentState(
            name=name,
            index=index,
            type=plan["type"],
            instructions=plan["instructions"],
            message=plan["message"],
            waits=waits,
            stores=plan["stores"],
            providers=plan["providers"],
            backend=plan["backend"],
            model=plan["model"],
        )
        for key in waits:
            _pend(s, name, key)
            if is_glob(key) and key not in s.glob_matches:
                s.glob_matches[key] = s.entry_keys.matching(key)
                s.waited_globs.add(key, key)


def _pend(s: SessionState, name: str, key: str) -> None:
    """Agent NAME waits for KEY and it has not arrived for it yet."""
    if is_glob(key):
        s.pending_globs.add(key, name)
    else:
        s.pending.setdefault(key, {})[name] = None


def _taken_up(s: SessionState, t: float, backend: str, max_parallel: int | None) -> None:
    """A recording taken up to run on (a resume, a fork): running again, nothing running yet,
    and what waited for a decision refused (nobody answered before the recording stopped)."""
    s.status = "running"
    s.reason = None
    s.finished = False
    s.paused = False
    s.backend = backend
    s.max_parallel = max_parallel
    s.unblocked.clear()
    s.running = 0
    for request in s.awaiting.values():
        request.status, request.by, request.decided_at = "denied", "cancel", t
        request.reason = "the session was interrupted before anyone decided"
    s.awaiting.clear()


def _session_resumed(s: SessionState, e: SessionResumed) -> None:
    _taken_up(s, e.t, e.backend, e.max_parallel)
    s.resumes.append(e.t)
    for a in s.agents.values():
        if a.status == "running":  # (the session died while it ran)
            _attempt_ended(a, e.t, "interrupted")
        elif a.status != "done":
            _ran_before(a)
        if a.status != "done":  # it runs again from the start
            a.status = "pending"
            a.reason = None
            a.missing = []
            a.server_wait = None
            a.awaiting = []
            a.queued_at = a.waiting_since = a.started_at = a.finished_at = None


# What an agent that runs again in a fork keeps: its plan (and the keys that arrived for it).
_PLAN_FIELDS = frozenset(
    {"name", "index", "type", "instructions", "message", "waits", "stores", "providers"}
    | {"backend", "model", "arrived"}
)


def _session_forked(s: SessionState, e: SessionForked) -> None:
    _taken_up(s, e.t, e.backend, e.max_parallel)
    if s.forked_from is not None:
        fork = s.forked_from
        fork.at, fork.carried, fork.again = e.t, list(e.carried), dict(e.again)
        fork.files, fork.note = list(e.files), e.note
    for name in e.dropped_agents:
        s.agents.pop(name, None)
    for index in e.dropped_messages:
        s.messages.pop(index, None)
    carried = set(e.carried)
    for a in s.agents.values():
        if a.name in carried:
            continue
        # It runs again from scratch: what its run in the source did is not this session's
        # (nor its cost). Its run time before the point stays in the sequential time, as the
        # work it was: the wall time counts the source's time up to the point, and a fork
        # taken while an agent ran would otherwise read slower than sequential.
        if a.status == "running" and a.started_at is not None and e.t > a.started_at:
            s.metrics.sequential_seconds += e.t - a.started_at
        s.cost_usd -= a.cost_usd or 0.0
        blank = AgentState(name=a.name)
        for f in fields(AgentState):
            if f.name not in _PLAN_FIELDS:
                setattr(a, f.name, getattr(blank, f.name))
    done = [a.critical_path_seconds for a in s.agents.values() if a.status == "done"]
    s.metrics.critical_path_seconds = max(done, default=0.0)
    _update_speedup(s)


def _session_finished(s: SessionState, e: SessionFinished) -> None:
    s.status = e.status
    s.reason = e.reason
    s.finished = True
    s.paused = False
    _update_speedup(s)


def _message_started(s: SessionState, e: MessageStarted) -> None:
    m = s.messages.get(e.index)
    if m is None:
        m = s.messages[e.index] = MessageState(index=e.index, title=e.title)
    m.status = "running"
    m.started_at = e.t
    m.critical_path_base = s.metrics.critical_path_seconds


def _message_finished(s: SessionState, e: MessageFinished) -> None:
    m = s.messages.get(e.index)
    if m is not None:
        m.status = "finished"
        m.finished_at = e.t


def _agent(s: SessionState, name: str) -> AgentState:
    a = s.agents.get(name)
    if a is None:  # an agent the plan did not list: still show it
        a = s.agents[name] = AgentState(name=name, index=len(s.agents))
    return a


def _attempt_ended(a: AgentState, end: float, status: str) -> None:
    """Keep A's last attempt among its ended ones, now that another may begin (a retry, a
    resume): it ended at END, STATUS says how. Only agents that run again pay for this."""
    if a.started_at is None or (a.ended_attempts and a.ended_attempts[-1].attempt == a.attempts):
        return  # (it never ran, or that attempt is kept already)
    span = AttemptSpan(a.attempts, a.started_at, end, status, a.wait_seconds)
    a.ended_attempts = (*a.ended_attempts, span)


def _ran_before(a: AgentState) -> None:
    """A is queued or waits again after it ended: a retry. Its last attempt is kept."""
    if a.status in FINAL_STATUSES and a.finished_at is not None:
        _attempt_ended(a, a.finished_at, a.status)


def _agent_queued(s: SessionState, e: AgentQueued) -> None:
    s.unblocked.discard(e.agent)
    a = _agent(s, e.agent)
    if a.finished_at is not None:  # (it ended before: a retry)
        _ran_before(a)
    a.status = "queued"
    a.queued_at = e.t
    a.missing = []
    if a.waiting_since is None:
        a.waiting_since = e.t
    a.finished_at = None


def _agent_waiting(s: SessionState, e: AgentWaiting) -> None:
    a = _agent(s, e.agent)
    if a.finished_at is not None:  # (it ended before: a retry)
        _ran_before(a)
    a.status = "waiting"
    a.missing = list(e.keys)
    for key in e.keys:  # (a key that arrived before may be missing again: deleted, expired)
        _pend(s, a.name, key)
    a.waiting_since = e.t
    a.finished_at = None


def _agent_started(s: SessionState, e: AgentStarted) -> None:
    a = _agent(s, e.agent)
    if e.attempt != a.attempts:  # a new attempt: what the earlier ones used stays counted
        a.spent_in, a.spent_out, a.spent_cost = a.tokens_in, a.tokens_out, a.cost_usd
    if a.server_wait is not None:
        _server_waited(a, e.t)
    if a.status == "running" and a.started_at is not None:
        a.run_seconds += e.t - a.started_at  # an automatic retry: the earlier attempt ran too
        s.metrics.sequential_seconds += e.t - a.started_at
        _attempt_ended(a, e.t, "failed")
    else:
        s.running += 1
    if a.status != "running" and a.waiting_since is not None:
        a.wait_seconds += e.t - a.waiting_since
    a.waiting_since = None
    a.status = "running"
    a.started_at = e.t
    a.finished_at = None
    a.attempts = e.attempt
    a.reason = None
    if e.backend is not None:
        a.backend = e.backend
    if e.model is not None:
        a.model = e.model


def _agent_rehearsed(s: SessionState, e: AgentRehearsed) -> None:
    _agent(s, e.agent).rehearsed = Rehearsal(
        backend=e.backend, model=e.model, command=e.command, cwd=e.cwd, waits=list(e.waits)
    )


def _agent_output(s: SessionState, e: AgentOutput) -> None:
    a = _agent(s, e.agent)
    a.output_chars += len(e.text)
    tail, text = a.output_tail, e.text
    lines = text.splitlines() or [""]
    if a.output_open == e.stream and tail:
        tail[-1] += lines.pop(0)
    tail.extend(lines)
    a.output_open = None if text.endswith(("\n", "\r")) else e.stream


def _agent_usage(s: SessionState, e: AgentUsage) -> None:
    a = _agent(s, e.agent)
    a.tokens_in = a.spent_in + e.tokens_in
    a.tokens_out = a.spent_out + e.tokens_out
    a.usage_estimated = e.estimated
    if e.cost_usd is not None:
        cost = (a.spent_cost or 0.0) + e.cost_usd
        s.cost_usd += cost - (a.cost_usd or 0.0)
        a.cost_usd = cost


def _server_waited(a: AgentState, t: float) -> None:
    """The agent's wait for its server ended at T (it got its slot, or it ended)."""
    if a.waiting_since is not None:
        waited = t - a.waiting_since
        a.wait_seconds += waited
        a.server_wait_seconds += waited
    a.waiting_since = None
    a.server_wait = None


def _agent_server_wait(s: SessionState, e: AgentServerWait) -> None:
    a = _agent(s, e.agent)
    if a.status == "running" and a.started_at is not None:
        a.run_seconds += e.t - a.started_at  # (what it did before it asked the server)
        s.metrics.sequential_seconds += e.t - a.started_at
    a.status = "queued"
    a.queued_at = e.t
    a.waiting_since = e.t
    a.server_wait = e.endpoint


def _agent_server_slot(s: SessionState, e: AgentServerSlot) -> None:
    a = _agent(s, e.agent)
    if a.server_wait is None:
        return
    _server_waited(a, e.t)
    a.status = "running"
    a.started_at = e.t


def _agent_message(s: SessionState, e: AgentMessage) -> None:
    a = _agent(s, e.agent)
    a.messages.append((e.t, e.by, e.text, e.delivery))
    a.output_tail.extend(f"» {e.by}: {line}" for line in e.text.splitlines() or [""])
    a.output_open = None


def _agent_activity(s: SessionState, e: AgentActivity) -> None:
    a = _agent(s, e.agent)
    if e.backend_session is not None:
        a.backend_session = e.backend_session
    if e.tool is not None:
        a.tools[e.tool] = a.tools.get(e.tool, 0) + 1
    if e.file is not None and e.file not in a.files_changed:
        a.files_changed.append(e.file)


def _endpoint_checked(s: SessionState, e: EndpointChecked) -> None:
    s.endpoints.append(
        EndpointState(
            backend=e.backend,
            endpoint=e.endpoint,
            problem=e.problem,
            detail=e.detail,
            max_parallel=e.max_parallel,
            limit_source=e.limit_source,
        )
    )


def _cap_crossed(s: SessionState, e: CapCrossed) -> None:
    s.caps.append(
        CapState(
            t=e.t,
            cap=e.cap,
            limit=e.limit,
            value=e.value,
            agent=e.agent,
            stopped=list(e.stopped),
            reason=e.reason,
        )
    )


def _agent_finished(s: SessionState, e: AgentFinished) -> None:
    s.unblocked.discard(e.agent)
    a = _agent(s, e.agent)
    if a.server_wait is not None:  # (its run until it asked the server is counted already)
        _server_waited(a, e.t)
    ran = a.status == "running" and a.started_at is not None
    if a.status == "running":
        s.running -= 1
    if ran and a.started_at is not None:
        run = e.t - a.started_at
        a.run_seconds += run
        s.metrics.sequential_seconds += run
    elif a.waiting_since is not None:
        a.wait_seconds += e.t - a.waiting_since
    a.waiting_since = None
    a.status = e.status
    a.finished_at = e.t
    a.reason = e.reason
    a.result = e.result
    a.artifacts = list(e.artifacts)
    a.missing = [] if e.status == "done" else a.missing
    started = a.started_at if a.started_at is not None else e.t
    a.critical_path_seconds = chain_before(s, a, started) + a.run_seconds
    if a.critical_path_seconds > s.metrics.critical_path_seconds:
        s.metrics.critical_path_seconds = a.critical_path_seconds
    _update_speedup(s)


def chain_before(s: SessionState, a: AgentState, started: float) -> float:
    """The longest chain agent A's run (from STARTED) adds to: its message's base, or the
    chain of an agent that stored a key it waited for before it started."""
    m = s.messages.get(a.message)
    before = m.critical_path_base if m is not None else 0.0
    for key in a.arrived:
        for entries in _entries_for(s, key):
            if entries[0].history[0].t > started:
                break  # (keys come in the order first stored: the rest came later too)
            for entry in entries:
                for write in entry.history:
                    # Only writes it could have waited for: those before it started.
                    if write.t > started:
                        break
                    provider = s.agents.get(write.by)
                    if provider is not None and provider is not a:
                        before = max(before, provider.critical_path_seconds)
    return before


def _entries_for(s: SessionState, key: str) -> list[list[MemoryEntry]]:
    """The entries (of every namespace) of each key a wait for KEY matches, keys in the order
    they were first stored."""
    by_key = s.entries_by_key
    if not is_glob(key):
        entries = by_key.get(key)
        return [entries] if entries else []
    keys = s.glob_matches.get(key)
    if keys is None:  # (a glob no planned agent waits for)
        found = [by_key[k] for k in s.entry_keys.matching(key)]
        return sorted(found, key=lambda entries: entries[0].history[0].t)
    return [by_key[k] for k in keys]


def _memory_stored(s: SessionState, e: MemoryStored) -> None:
    k = (e.namespace, e.key)
    entry = s.memory.get(k)
    if entry is None:
        entry = s.memory[k] = MemoryEntry(
            namespace=e.namespace, key=e.key, value=e.value, by=e.by, t=e.t, ttl=e.ttl
        )
        entries = s.entries_by_key.get(e.key)
        if entries is None:
            entries = s.entries_by_key[e.key] = []
            s.entry_keys.add(e.key)
            if s.waited_globs:
                for pattern, _ in s.waited_globs.matching(e.key):
                    s.glob_matches[pattern].append(e.key)
        entries.append(entry)
    else:
        entry.value, entry.by, entry.t, entry.ttl, entry.deleted = e.value, e.by, e.t, e.ttl, False
    entry.seq = e.seq
    entry.history.append(MemoryWrite(value=e.value, by=e.by, t=e.t))
    s.live[e.key] = entry
    s.live_keys.add(e.key)
    agents = s.agents
    names = s.pending.get(e.key)
    if names:
        for name in [n for n in names if _arrive(s, agents[n], e.key)]:
            del names[name]
        if not names:
            del s.pending[e.key]
    if s.pending_globs:
        matched = [(p, list(names)) for p, names in s.pending_globs.matching(e.key)]
        for pattern, waiting in matched:
            for name in waiting:
                if _arrive(s, agents[name], pattern):
                    s.pending_globs.discard(pattern, name)


def _arrive(s: SessionState, a: AgentState, key: str) -> bool:
    """KEY (a wait of A) was met; False when A ended without it (failed, cancelled, skipped):
    it still waits for it, should it run again."""
    if a.status in FINAL_STATUSES and a.status != "done":
        return False
    a.arrived.add(key)
    if key in a.missing:
        a.missing.remove(key)
        if not a.missing and a.status == "waiting":
            s.unblocked.add(a.name)
    return True


def _memory_deleted(s: SessionState, e: MemoryDeleted) -> None:
    entry = s.memory.get((e.namespace, e.key))
    if entry is not None:
        entry.deleted = True
        entry.history.append(MemoryWrite(value=None, by=e.by, t=e.t, deleted=True))
    if s.live.pop(e.key, None) is not None:
        s.live_keys.discard(e.key)


def _todo_changed(s: SessionState, e: TodoChanged) -> None:
    td = s.todos.get(e.id)
    if td is None:
        td = s.todos[e.id] = TodoState(
            id=e.id,
            content=e.content,
            status=e.status,
            priority=e.priority,
            agent=e.agent,
            order=len(s.todos),
        )
    else:
        if td.agent is not None and td.agent != e.agent:
            s.todos_by_agent[td.agent].discard(td.id)
        td.content, td.status, td.priority, td.agent = e.content, e.status, e.priority, e.agent
    if e.agent is not None:
        s.todos_by_agent.setdefault(e.agent, set()).add(e.id)


def _bash_started(s: SessionState, e: BashStarted) -> None:
    before = s.bash.get(e.op)  # (its approval, when it needed one)
    s.bash[e.op] = BashState(
        op=e.op,
        command=e.command,
        cwd=e.cwd,
        started_at=e.t,
        permission=before.permission if before is not None else None,
    )


def _bash_rehearsed(s: SessionState, e: BashRehearsed) -> None:
    s.bash[e.op] = BashState(
        op=e.op,
        command=e.command,
        status="rehearsed",
        cwd=e.cwd,
        started_at=e.t,
        finished_at=e.t,
        timeout=e.timeout,
        timeout_from=e.timeout_from,
    )


def _bash_output(s: SessionState, e: BashOutput) -> None:
    b = s.bash.get(e.op)
    if b is not None:
        b.output_tail.extend(e.text.splitlines() or [""])


def _bash_finished(s: SessionState, e: BashFinished) -> None:
    b = s.bash.get(e.op)
    if b is None:
        b = s.bash[e.op] = BashState(op=e.op, command="")
    b.exit_status = e.exit_status
    b.finished_at = e.t
    b.reason = e.reason
    b.status = "done" if e.exit_status == 0 else "failed"


def _approval_requested(s: SessionState, e: ApprovalRequested) -> None:
    request = ApprovalState(
        id=e.id,
        kind=e.kind,
        agent=e.agent,
        op=e.op,
        tool=e.tool,
        subject=e.subject,
        cwd=e.cwd,
        asked=e.reason,
        rule=e.rule,
        pattern=e.pattern,
        requested_at=e.t,
    )
    s.approvals.append(request)
    s.awaiting[e.id] = request
    if e.agent is not None:
        _agent(s, e.agent).awaiting.append(e.id)
    if e.kind == "bash" and e.op is not None:
        s.bash[e.op] = BashState(
            op=e.op, command=e.subject, status="awaiting", cwd=e.cwd, started_at=e.t
        )


def decision_text(verdict: str, by: str, scope: str, rule: str | None, reason: str) -> str:
    """One line saying who decided and why (the rule's decisions say so themselves)."""
    if by != "user":
        return reason
    done = "approved" if verdict == "allow" else "denied"
    if scope == "session" and rule:
        return f"{done} by the user for this session ({rule})"
    said = f"{done} by the user"
    # (a denial with no reason given is recorded with this very text as its reason)
    return said + (f": {reason}" if verdict == "deny" and reason and reason != said else "")


def _approval_decided(s: SessionState, e: ApprovalDecided) -> None:
    decision = s.awaiting.pop(e.id, None) if e.id is not None else None
    if decision is None:
        decision = ApprovalState(
            id=e.id,
            kind=e.kind,
            agent=e.agent,
            op=e.op,
            tool=e.tool,
            subject=e.subject,
            requested_at=e.t,
        )
        s.approvals.append(decision)
    elif e.agent is not None and e.id in (waiting := _agent(s, e.agent).awaiting):
        waiting.remove(e.id)
    decision.status = "allowed" if e.verdict == "allow" else "denied"
    decision.by, decision.scope, decision.reason, decision.decided_at = e.by, e.scope, e.reason, e.t
    decision.rule = e.rule if e.rule is not None else decision.rule
    if e.kind != "bash" or e.op is None:
        return
    before = s.bash.get(e.op)
    permission = decision_text(e.verdict, e.by, e.scope, e.rule, e.reason)
    cwd = before.cwd if before is not None else decision.cwd
    if e.verdict == "deny":
        s.bash[e.op] = BashState(
            op=e.op,
            command=e.subject,
            status="failed" if e.by == "cancel" else "denied",
            cwd=cwd,
            started_at=before.started_at if before is not None else e.t,
            finished_at=e.t,
            reason=permission,
            permission=permission,
        )
    else:  # (its bash_started follows at once)
        s.bash[e.op] = BashState(op=e.op, command=e.subject, cwd=cwd, permission=permission)


def _confinement(s: SessionState, e: ConfinementNoted) -> None:
    s.confinement = ConfinementState(
        sandboxed=e.sandboxed, description=e.description, notice=e.notice
    )


def _cluster_changed(s: SessionState, e: ClusterChanged) -> None:
    lost = s.cluster.lost if s.cluster is not None else []
    s.cluster = ClusterState(executor=e.executor, workers=e.workers, slots=e.slots, lost=lost)


def _placed_on_worker(s: SessionState, e: PlacedOnWorker) -> None:
    a = _agent(s, e.agent)
    a.worker, a.worker_name = e.worker, e.name


def _worker_lost(s: SessionState, e: WorkerLost) -> None:
    if s.cluster is not None:
        s.cluster.lost.append((e.t, e.worker, list(e.agents), e.reason))


def _control(s: SessionState, e: Control) -> None:
    s.controls.append(ControlState(t=e.t, action=e.action, target=e.target, detail=e.detail))
    if e.action == "pause":
        s.paused = True
    elif e.action == "resume":
        s.paused = False


def _diagnostic(s: SessionState, e: DiagnosticEvent) -> None:
    s.diagnostics.append(
        DiagnosticState(
            code=e.code, severity=e.severity, message=e.message, line=e.line, column=e.column
        )
    )


def _update_speedup(s: SessionState) -> None:
    m = s.metrics
    busy = m.wall_seconds - m.idle_seconds
    m.speedup = m.sequential_seconds / busy if busy > 0 and m.sequential_seconds > 0 else 0.0


def _file_written(s: SessionState, e: FileWritten) -> None:
    by, replaced = _writer(s, e.by), None if e.replaced is None else _writer(s, e.replaced)
    s.files.append((e.path, e.bytes, by, replaced))
    s.writers[e.path] = by


def _writer(s: SessionState, by: str) -> str:
    """BY as recorded now: a log older than BATCH_WRITER says `batch` for the batch's writes
    (taken as them unless an agent of that session has that name)."""
    return BATCH_WRITER if by == "batch" and by not in s.agents else by


# The kinds every agent emits, found by their class in one look-up: a class pattern below is an
# isinstance check through pydantic's metaclass, and the seventh cost a microsecond per event.
_BY_CLASS: dict[type[Event], Callable[[SessionState, Any], None]] = {
    AgentOutput: _agent_output,
    AgentStarted: _agent_started,
    AgentFinished: _agent_finished,
    AgentQueued: _agent_queued,
    MemoryStored: _memory_stored,
    FileWritten: _file_written,
    AgentWaiting: _agent_waiting,
}


def apply(state: SessionState, event: Event) -> SessionState:
    """Fold one event into the state (in place) and return it."""
    # (`running` first: while agents run, the state is never idle and `idle` is not asked)
    if state.running == 0 and state.idle and event.t > state.t:
        state.metrics.idle_seconds += event.t - state.t
    state.seq = event.seq
    state.t = event.t
    if event.t > state.metrics.wall_seconds:
        state.metrics.wall_seconds = event.t
    fold_kind = _BY_CLASS.get(type(event))
    if fold_kind is not None:
        fold_kind(state, event)
        return state
    # The most frequent kinds first: each case is one isinstance check.
    match event:
        case AgentOutput():
            _agent_output(state, event)
        case AgentStarted():
            _agent_started(state, event)
        case AgentFinished():
            _agent_finished(state, event)
        case AgentQueued():
            _agent_queued(state, event)
        case MemoryStored():
            _memory_stored(state, event)
        case FileWritten():
            _file_written(state, event)
        case AgentWaiting():
            _agent_waiting(state, event)
        case TodoChanged():
            _todo_changed(state, event)
        case AgentUsage():
            _agent_usage(state, event)
        case AgentRehearsed():
            _agent_rehearsed(state, event)
        case AgentServerWait():
            _agent_server_wait(state, event)
        case AgentServerSlot():
            _agent_server_slot(state, event)
        case AgentMessage():
            _agent_message(state, event)
        case AgentActivity():
            _agent_activity(state, event)
        case EndpointChecked():
            _endpoint_checked(state, event)
        case CapCrossed():
            _cap_crossed(state, event)
        case MemoryDeleted():
            _memory_deleted(state, event)
        case MemoryRead():
            pass  # a read changes nothing: it is in the log to be seen
        case BashStarted():
            _bash_started(state, event)
        case BashOutput():
            _bash_output(state, event)
        case BashFinished():
            _bash_finished(state, event)
        case BashRehearsed():
            _bash_rehearsed(state, event)
        case OperationSkipped():
            state.skipped.append((event.op, event.kind, event.reason))
            if event.subject is not None:
                state.skipped_subjects[event.op] = event.subject
        case ApprovalRequested():
            _approval_requested(state, event)
        case ApprovalDecided():
            _approval_decided(state, event)
        case ConfinementNoted():
            _confinement(state, event)
        case ClusterChanged():
            _cluster_changed(state, event)
        case PlacedOnWorker():
            _placed_on_worker(state, event)
        case WorkerLost():
            _worker_lost(state, event)
        case AgentCommitted() | WorktreeCreated() | WorktreeFailed() | WorktreeSetup():
            a = _agent(state, event.agent)
            a.worktree = ws.fold_worktree(a.worktree, event)
        case WorkspaceOpened():
            state.workspace = ws.workspace_opened(event)
        case WorkspaceRefused():
            state.workspace = ws.workspace_refused(event)
        case BranchesMerged():
            state.workspace = ws.branches_merged(state.workspace, event)
        case Control():
            _control(state, event)
        case DiagnosticEvent():
            _diagnostic(state, event)
        case MessageStarted():
            _message_started(state, event)
        case MessageFinished():
            _message_finished(state, event)
        case SessionStarted():
            _session_started(state, event)
        case SessionResumed():
            _session_resumed(state, event)
        case SessionForked():
            _session_forked(state, event)
        case SessionFinished():
            _session_finished(state, event)
        case _:
            assert_never(event)
    return state


def fold(events: list[Event], state: SessionState | None = None) -> SessionState:
    """Apply every event in order to a fresh (or the given) state."""
    s = state if state is not None else SessionState()
    for event in events:
        apply(s, event)
    return s
