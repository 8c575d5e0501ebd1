"""`SessionState` and the fold `apply(state, event) -> state` that builds it from events.

Live runs and replays use only `apply`, so a replayed session ends in exactly the state the live
one did. For speed the fold updates the state it is given in place and returns it; it performs
no I/O and reads nothing but the state and the event.

(Skeleton: the fold itself is implemented by the engine work.)
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from swarmtui.engine.events import AgentStatus, Event, SessionStatus

OUTPUT_TAIL_LINES = 200


@dataclass
class AgentState:
    name: str
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
    output_chars: int = 0
    result: str | None = None
    artifacts: list[str] = field(default_factory=list)
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float | None = None


@dataclass
class MemoryWrite:
    value: Any
    by: str
    t: float
    deleted: bool = False


@dataclass
class MemoryEntry:
    namespace: str
    key: str
    value: Any
    by: str
    t: float
    ttl: float | None = None
    deleted: bool = False
    history: list[MemoryWrite] = field(default_factory=list)


@dataclass
class TodoState:
    id: str
    content: str
    status: str = "pending"
    priority: str = "medium"
    agent: str | None = None


@dataclass
class BashState:
    op: int
    command: str
    status: str = "running"  # running, done, failed, skipped
    exit_status: int | None = None
    started_at: float | None = None
    finished_at: float | None = None
    reason: str | None = None
    output_tail: deque[str] = field(default_factory=lambda: deque(maxlen=OUTPUT_TAIL_LINES))


@dataclass
class MessageState:
    index: int
    title: str | None = None
    status: str = "pending"  # pending, running, finished
    started_at: float | None = None
    finished_at: float | None = None


@dataclass
class Metrics:
    wall_seconds: float = 0.0
    sequential_seconds: float = 0.0
    critical_path_seconds: float = 0.0
    speedup: float = 0.0


@dataclass
class SessionState:
    session_id: str = ""
    title: str = ""
    backend: str = ""
    started_at: str = ""
    status: SessionStatus = "running"
    reason: str | None = None
    max_parallel: int | None = None
    paused: bool = False
    seq: int = 0  # the last event applied
    t: float = 0.0  # its time
    messages: dict[int, MessageState] = field(default_factory=dict)
    agents: dict[str, AgentState] = field(default_factory=dict)
    memory: dict[tuple[str, str], MemoryEntry] = field(default_factory=dict)
    todos: dict[str, TodoState] = field(default_factory=dict)
    bash: dict[int, BashState] = field(default_factory=dict)
    files: list[tuple[str, int, str]] = field(default_factory=list)  # (path, bytes, by)
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # (op, kind, reason)
    metrics: Metrics = field(default_factory=Metrics)


def apply(state: SessionState, event: Event) -> SessionState:
    """Fold one event into the state (in place) and return it."""
    raise NotImplementedError
