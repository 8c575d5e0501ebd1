"""Compare two recorded sessions: agents by name, memory, artifacts, timing; reads, never runs.

`compare_sessions(a, b)` reads each folder's event log with the store's readers, folds it into a
`SessionState`, walks the files the session produced, and returns a `Comparison`: typed, and
`to_json()` for scripts. A session that was interrupted, is still running, or whose log is
damaged part-way is compared up to its last readable event, and the comparison says so; two
sessions of different batches are compared all the same (matched by agent name), also said so.

Nothing here follows a symbolic link or reads outside the two session folders, and a big file
is hashed rather than diffed, so comparing any two folders stays bounded.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from swarmtui.engine.fence import open_regular
from swarmtui.engine.state import AgentState, SessionState, fold
from swarmtui.engine.workspace.worktrees import OBJECTS, WORKTREES
from swarmtui.store.reader import read_events_tolerantly, read_session_row
from swarmtui.store.schema import DB_NAME, LOCK_NAME
from swarmtui.store.sessions import effective_status

BATCH_FILE = "batch.swarm.js"
# The session's own bookkeeping, not something it produced.
_BOOKKEEPING = frozenset(
    {
        DB_NAME,
        f"{DB_NAME}-wal",
        f"{DB_NAME}-shm",
        f"{DB_NAME}-journal",
        LOCK_NAME,
        BATCH_FILE,
    }
)
# Agents' git worktrees (checkouts of the user's repository, and their objects): what an agent
# changed there is compared through its kept patch (artifacts/diffs/), not file by file.
_CHECKOUTS = frozenset({WORKTREES, OBJECTS})
# A file larger than this is compared by hash, not diffed: difflib is quadratic at worst.
MAX_DIFF_BYTES = 1 << 20
MAX_DIFF_INPUT_LINES = 20_000
# Lines kept of one diff (the rest is counted in a last line).
MAX_DIFF_LINES = 400
_DIGITS = 3
# Agent fields whose difference makes an agent "changed" (times nearly always differ: they are
# shown side by side, not counted).
_AGENT_FIELDS = ("status", "attempts", "tokens_in", "tokens_out", "cost_usd", "reason")

Change = Literal["added", "removed", "changed"]
AgentChange = Literal["same", "changed", "only_a", "only_b"]


def _r(value: float | None) -> float | None:
    return None if value is None else float(round(value, _DIGITS))


@dataclass(frozen=True)
class SessionSide:
    """One of the two sessions: who it is, how far it was read, and its figures."""

    path: Path
    session_id: str
    title: str
    status: str
    backend: str
    started_at: str
    events: int  # events compared
    last_t: float  # time of the last of them
    wall_seconds: float
    sequential_seconds: float
    critical_path_seconds: float
    speedup: float
    critical_path: tuple[str, ...]  # agents along the longest chain, first to last
    tokens_in: int
    tokens_out: int
    cost_usd: float | None
    batch: str | None  # the batch text as run (None when the file is missing)
    note: str | None  # why it is compared only up to a point (interrupted, damaged log...)
    state: SessionState = field(repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "session_id": self.session_id,
            "title": self.title,
            "status": self.status,
            "backend": self.backend,
            "started_at": self.started_at,
            "events": self.events,
            "last_t": _r(self.last_t),
            "wall_seconds": _r(self.wall_seconds),
            "sequential_seconds": _r(self.sequential_seconds),
            "critical_path_seconds": _r(self.critical_path_seconds),
            "critical_path": list(self.critical_path),
            "speedup": round(self.speedup, 2),
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "cost_usd": None if self.cost_usd is None else round(self.cost_usd, 6),
            "note": self.note,
        }


@dataclass(frozen=True)
class AgentFigures:
    """One agent in one session. `wall_seconds` is when it ended, counted from the session's
    start (None while it had not ended); wait and run include time so far for an agent the
    recording left waiting or running."""

    status: str
    attempts: int
    wall_seconds: float | None
    wait_seconds: float
    run_seconds: float
    tokens_in: int
    tokens_out: int
    cost_usd: float | None
    reason: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "attempts": self.attempts,
            "wall_seconds": _r(self.wall_seconds),
            "wait_seconds": _r(self.wait_seconds),
            "run_seconds": _r(self.run_seconds),
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "cost_usd": None if self.cost_usd is None else round(self.cost_usd, 6),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class AgentComparison:
    name: str
    a: AgentFigures | None
    b: AgentFigures | None

    @property
    def changed_fields(self) -> tuple[str, ...]:
        if self.a is None or self.b is None:
            return ()
        return tuple(f for f in _AGENT_FIELDS if getattr(self.a, f) != getattr(self.b, f))

    @property
    def change(self) -> AgentChange:
        if self.a is None:
            return "only_b"
        if self.b is None:
            return "only_a"
        return "changed" if self.changed_fields else "same"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "change": self.change,
            "changed": list(self.changed_fields),
            "a": None if self.a is None else self.a.to_json(),
            "b": None if self.b is None else self.b.to_json(),
        }


@dataclass(frozen=True)
class MemoryChange:
    """A key whose value differs: added in B, removed from B, or changed."""

    namespace: str
    key: str
    change: Change
    a: Any
    b: Any
    a_by: str | None
    b_by: str | None
    diff: tuple[str, ...]  # unified diff of the values as text

    def to_json(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "key": self.key,
            "change": self.change,
            "a": self.a,
            "b": self.b,
            "a_by": self.a_by,
            "b_by": self.b_by,
            "diff": list(self.diff),
        }


@dataclass(frozen=True)
class ArtifactChange:
    """A file the sessions produced that differs: added in B, removed from B, or changed."""

    path: str  # relative to the session folder
    change: Change
    a_bytes: int | None
    b_bytes: int | None
    binary: bool
    diff: tuple[str, ...]  # unified diff for text files
    note: str | None  # "binary", "too large to diff", "symbolic link"...

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "change": self.change,
            "a_bytes": self.a_bytes,
            "b_bytes": self.b_bytes,
            "binary": self.binary,
            "diff": list(self.diff),
            "note": self.note,
        }


@dataclass(frozen=True)
class Comparison:
    a: SessionSide
    b: SessionSide
    same_batch: bool
    batch_diff: tuple[str, ...]
    notes: tuple[str, ...]  # what a reader must know first (different batches, cut short...)
    agents: tuple[AgentComparison, ...]  # A's batch order, then B's own agents
    memory: tuple[MemoryChange, ...]
    memory_unchanged: int
    artifacts: tuple[ArtifactChange, ...]
    artifacts_unchanged: int

    @property
    def wall_ratio(self) -> float | None:
        """B's wall time as a fraction of A's (None when A took no time)."""
        if self.a.wall_seconds <= 0:
            return None
        return self.b.wall_seconds / self.a.wall_seconds

    def to_json(self) -> dict[str, Any]:
        ratio = self.wall_ratio
        return {
            "a": self.a.to_json(),
            "b": self.b.to_json(),
            "same_batch": self.same_batch,
            "batch_diff": list(self.batch_diff),
            "notes": list(self.notes),
            "wall_ratio": None if ratio is None else round(ratio, 3),
            "agents": [c.to_json() for c in self.agents],
            "memory": [c.to_json() for c in self.memory],
            "memory_unchanged": self.memory_unchanged,
            "artifacts": [c.to_json() for c in self.artifacts],
            "artifacts_unchanged": self.artifacts_unchanged,
        }


# --- reading one session --------------------------------------------------------------------


def _read_batch(path: Path) -> str | None:
    try:
        return (path / BATCH_FILE).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def read_side(path: Path) -> SessionSide:
    """Read and fold one session folder. `SessionStoreError` when it is not a session at all."""
    row = read_session_row(path)  # raises for a missing, foreign or empty database
    events, problem = read_events_tolerantly(path)
    state = fold(events)
    last_seq = events[-1].seq if events else 0
    note: str | None = None
    status: str = state.status
    if problem is not None:
        note = f"damaged log: compared up to event #{last_seq} ({problem})"
        if not state.finished:
            status = "interrupted"
    elif not state.finished:
        status = effective_status("running", path)
        if status == "interrupted":
            note = f"interrupted: compared up to its last event (#{last_seq}, {state.t:.3f}s)"
        else:
            note = f"still running: compared up to event #{last_seq} so far"
    tokens_in = sum(a.tokens_in for a in state.agents.values())
    tokens_out = sum(a.tokens_out for a in state.agents.values())
    costs = [a.cost_usd for a in state.agents.values() if a.cost_usd is not None]
    m = state.metrics
    return SessionSide(
        path=path,
        session_id=state.session_id or row.id,
        title=state.title or row.title,
        status=status,
        backend=state.backend or row.backend,
        started_at=state.started_at or row.started,
        events=len(events),
        last_t=state.t,
        wall_seconds=m.wall_seconds,
        sequential_seconds=m.sequential_seconds,
        critical_path_seconds=m.critical_path_seconds,
        speedup=m.speedup,
        critical_path=tuple(critical_chain(state)),
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        cost_usd=sum(costs) if costs else None,
        batch=_read_batch(path),
        note=note,
        state=state,
    )


def critical_chain(state: SessionState) -> list[str]:
    """The agents along the longest chain, first to last.

    The fold keeps each agent's chain length (its run on top of the longest chain it waited
    for, or of the chain its message started on); walking back, an agent's predecessor is the
    one that had ended before it started with exactly the length the fold built on.
    """
    ended = [
        a for a in state.agents.values() if a.finished_at is not None and a.started_at is not None
    ]
    if not ended:
        return []
    current = max(ended, key=lambda a: a.critical_path_seconds)
    if current.critical_path_seconds <= 0:
        return []
    chain = [current]
    while True:
        base = current.critical_path_seconds - current.run_seconds
        if base <= 1e-9:
            break
        previous = _predecessor(ended, current, base)
        if previous is None or previous in chain:
            break
        chain.append(previous)
        current = previous
    return [a.name for a in reversed(chain)]


def _predecessor(ended: list[AgentState], agent: AgentState, base: float) -> AgentState | None:
    started = agent.started_at if agent.started_at is not None else 0.0
    best: AgentState | None = None
    for other in ended:
        if other is agent or other.finished_at is None or other.finished_at > started + 1e-9:
            continue
        if abs(other.critical_path_seconds - base) <= 1e-6 and (
            best is None or (other.finished_at or 0.0) > (best.finished_at or 0.0)
        ):
            best = other
    return best


# --- agents ---------------------------------------------------------------------------------


def agent_figures(agent: AgentState, now: float) -> AgentFigures:
    """An agent's figures; one left running or waiting counts its time up to `now`."""
    run = agent.run_seconds
    wait = agent.wait_seconds
    if agent.status == "running" and agent.started_at is not None:
        run += max(0.0, now - agent.started_at)
    elif agent.status in ("queued", "waiting") and agent.waiting_since is not None:
        wait += max(0.0, now - agent.waiting_since)
    return AgentFigures(
        status=agent.status,
        attempts=agent.attempts,
        wall_seconds=agent.finished_at,
        wait_seconds=wait,
        run_seconds=run,
        tokens_in=agent.tokens_in,
        tokens_out=agent.tokens_out,
        cost_usd=agent.cost_usd,
        reason=agent.reason,
    )


def _compare_agents(a: SessionState, b: SessionState) -> list[AgentComparison]:
    names = list(a.agents) + [name for name in b.agents if name not in a.agents]
    out = []
    for name in names:
        left = a.agents.get(name)
        right = b.agents.get(name)
        out.append(
            AgentComparison(
                name=name,
                a=None if left is None else agent_figures(left, a.t),
                b=None if right is None else agent_figures(right, b.t),
            )
        )
    return out


# --- memory ---------------------------------------------------------------------------------


def value_text(value: Any) -> str:
    """A memory value as the text its diff is made of: a string as itself, the rest as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def text_diff(a: str, b: str, a_name: str = "A", b_name: str = "B") -> tuple[str, ...]:
    """A unified diff of two texts, at most `MAX_DIFF_LINES` lines (a last line counts the rest)."""
    a_lines = a.splitlines()
    b_lines = b.splitlines()
    if max(len(a_lines), len(b_lines)) > MAX_DIFF_INPUT_LINES:
        return (f"(too many lines to diff: {len(a_lines)} → {len(b_lines)})",)
    lines = list(difflib.unified_diff(a_lines, b_lines, a_name, b_name, n=3, lineterm=""))
    if len(lines) > MAX_DIFF_LINES:
        rest = len(lines) - MAX_DIFF_LINES
        lines = [*lines[:MAX_DIFF_LINES], f"(… {rest} more diff lines)"]
    return tuple(lines)


def _live_memory(state: SessionState) -> dict[tuple[str, str], tuple[Any, str]]:
    return {k: (e.value, e.by) for k, e in state.memory.items() if not e.deleted}


def _compare_memory(a: SessionState, b: SessionState) -> tuple[list[MemoryChange], int]:
    left = _live_memory(a)
    right = _live_memory(b)
    changes: list[MemoryChange] = []
    same = 0
    for k in sorted(left.keys() | right.keys()):
        namespace, key = k
        label = key if namespace == "default" else f"{namespace}:{key}"
        if k not in right:
            value, by = left[k]
            changes.append(
                MemoryChange(
                    namespace,
                    key,
                    "removed",
                    value,
                    None,
                    by,
                    None,
                    text_diff(value_text(value), "", f"A/{label}", f"B/{label}"),
                )
            )
        elif k not in left:
            value, by = right[k]
            changes.append(
                MemoryChange(
                    namespace,
                    key,
                    "added",
                    None,
                    value,
                    None,
                    by,
                    text_diff("", value_text(value), f"A/{label}", f"B/{label}"),
                )
            )
        elif left[k][0] != right[k][0]:
            (va, by_a), (vb, by_b) = left[k], right[k]
            diff = text_diff(value_text(va), value_text(vb), f"A/{label}", f"B/{label}")
            changes.append(MemoryChange(namespace, key, "changed", va, vb, by_a, by_b, diff))
        else:
            same += 1
    return changes, same


# --- artifacts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FileEntry:
    full: Path
    size: int
    link: str | None  # the target of a symbolic link (never followed)


def session_files(folder: Path) -> dict[str, _FileEntry]:
    """Files the session produced (relative path -> entry): everything in its folder but the
    log, the lock, the batch and the agents' git worktrees. Links are listed, not followed;
    unreadable folders skipped."""
    found: dict[str, _FileEntry] = {}
    pending = [(folder, "")]
    while pending:
        directory, prefix = pending.pop()
        try:
            # scandir's entries know their type: one stat per regular file, none per folder.
            with os.scandir(directory) as entries:
                listed = list(entries)
        except OSError:
            continue
        for entry in listed:
            relative = prefix + entry.name
            try:
                if entry.is_symlink():
                    found[relative] = _FileEntry(Path(entry.path), 0, os.readlink(entry.path))
                elif entry.is_dir(follow_symlinks=False):
                    if not (prefix == "" and entry.name in _CHECKOUTS):
                        pending.append((Path(entry.path), relative + "/"))
                elif entry.is_file(follow_symlinks=False) and relative not in _BOOKKEEPING:
                    size = entry.stat(follow_symlinks=False).st_size
                    found[relative] = _FileEntry(Path(entry.path), size, None)
            except OSError:
                continue
    return found


def _digest(path: Path) -> str | None:
    h = hashlib.sha256()
    try:
        with os.fdopen(open_regular(path), "rb") as f:  # (a FIFO planted since: refused)
            for chunk in iter(lambda: f.read(1 << 16), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def _read_small(path: Path) -> bytes | None:
    try:
        with os.fdopen(open_regular(path), "rb") as f:
            return f.read(MAX_DIFF_BYTES + 1)
    except OSError:
        return None


def _as_text(data: bytes) -> str | None:
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _one_sided(path: str, entry: _FileEntry, change: Change) -> ArtifactChange:
    a_bytes, b_bytes = (entry.size, None) if change == "removed" else (None, entry.size)
    if entry.link is not None:
        return ArtifactChange(path, change, a_bytes, b_bytes, False, (), "symbolic link")
    data = _read_small(entry.full) if entry.size <= MAX_DIFF_BYTES else None
    text = _as_text(data) if data is not None else None
    if data is None or entry.size > MAX_DIFF_BYTES:
        return ArtifactChange(path, change, a_bytes, b_bytes, False, (), "too large to diff")
    if text is None:
        return ArtifactChange(path, change, a_bytes, b_bytes, True, (), "binary")
    a_text, b_text = (text, "") if change == "removed" else ("", text)
    diff = text_diff(a_text, b_text, f"A/{path}", f"B/{path}")
    return ArtifactChange(path, change, a_bytes, b_bytes, False, diff, None)


def _compare_file(path: str, a: _FileEntry, b: _FileEntry) -> ArtifactChange | None:
    if a.link is not None or b.link is not None:
        if a.link == b.link:
            return None
        return ArtifactChange(path, "changed", a.size, b.size, False, (), "symbolic link")
    if a.size > MAX_DIFF_BYTES or b.size > MAX_DIFF_BYTES:
        if a.size == b.size and _digest(a.full) == _digest(b.full):
            return None
        return ArtifactChange(path, "changed", a.size, b.size, False, (), "too large to diff")
    da, db = _read_small(a.full), _read_small(b.full)
    if da == db:
        return None
    if da is None or db is None:
        return ArtifactChange(path, "changed", a.size, b.size, False, (), "unreadable")
    ta, tb = _as_text(da), _as_text(db)
    if ta is None or tb is None:
        return ArtifactChange(path, "changed", a.size, b.size, True, (), "binary")
    diff = text_diff(ta, tb, f"A/{path}", f"B/{path}")
    return ArtifactChange(path, "changed", a.size, b.size, False, diff, None)


def _compare_artifacts(a: Path, b: Path) -> tuple[list[ArtifactChange], int]:
    left = session_files(a)
    right = session_files(b)
    changes: list[ArtifactChange] = []
    same = 0
    for path in sorted(left.keys() | right.keys()):
        if path not in right:
            changes.append(_one_sided(path, left[path], "removed"))
        elif path not in left:
            changes.append(_one_sided(path, right[path], "added"))
        else:
            change = _compare_file(path, left[path], right[path])
            if change is None:
                same += 1
            else:
                changes.append(change)
    return changes, same


# --- the comparison -------------------------------------------------------------------------


def _notes(a: SessionSide, b: SessionSide, same_batch: bool) -> list[str]:
    notes = []
    if a.path.resolve() == b.path.resolve():
        notes.append("A and B are the same session")
    if not same_batch:
        if a.batch is None or b.batch is None:
            missing = "A" if a.batch is None else "B"
            notes.append(f"{missing} has no {BATCH_FILE}: the batches cannot be compared")
        else:
            notes.append("different batches: agents are matched by name")
    if a.backend != b.backend:
        notes.append(f"different backends: A ran on {a.backend}, B on {b.backend}")
    for label, side in (("A", a), ("B", b)):
        if side.note is not None:
            notes.append(f"{label} {side.note}")
    return notes


def compare_sessions(a_path: Path, b_path: Path) -> Comparison:
    """Compare the sessions in two folders. `SessionStoreError` (one line naming the file)
    when either is not a readable session."""
    a = read_side(a_path)
    b = read_side(b_path)
    same_batch = a.batch is not None and a.batch == b.batch
    batch_diff: tuple[str, ...] = ()
    if not same_batch and a.batch is not None and b.batch is not None:
        batch_diff = text_diff(a.batch, b.batch, f"A/{BATCH_FILE}", f"B/{BATCH_FILE}")
    memory, memory_same = _compare_memory(a.state, b.state)
    artifacts, artifacts_same = _compare_artifacts(a_path, b_path)
    return Comparison(
        a=a,
        b=b,
        same_batch=same_batch,
        batch_diff=batch_diff,
        notes=tuple(_notes(a, b, same_batch)),
        agents=tuple(_compare_agents(a.state, b.state)),
        memory=tuple(memory),
        memory_unchanged=memory_same,
        artifacts=tuple(artifacts),
        artifacts_unchanged=artifacts_same,
    )
