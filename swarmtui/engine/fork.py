"""Forks: a new session that takes up the first events of another session's recording and goes
on from that point with its own batch (changed or not) and memory (edited or not).

`plan_fork` decides, from the state at the point and the fork's batch, which agents stay done
and why every other one runs again. An agent stays done when it was done by the point, its task
(type, instructions, waits, stores) is unchanged, and no key it waited for was last written by
an agent that runs again (it would have read a value the fork replaces). Keys last written by an
agent that runs again are dropped, so that whatever waits for them waits for the new value.
`fork_events` are the events that open the fork, after its own `session_started`: the source's,
then `session_forked`, then the fork's changes to memory. `copy_files` brings over the files the
recording says were written up to the point (except those of agents that run again): regular
files inside the source folder only, written only inside the fork's folder.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from swarmtui.batch.models import Batch, TaskOp
from swarmtui.engine.events import (
    Event,
    ForkOrigin,
    MemoryDeleted,
    MemoryStored,
    SessionForked,
)
from swarmtui.engine.fence import FenceError, open_fenced
from swarmtui.engine.output_log import agent_log
from swarmtui.engine.paths import rewrite_session_paths
from swarmtui.engine.plan import Plan
from swarmtui.engine.settings import RunSettings
from swarmtui.engine.state import AgentState, SessionState, fold
from swarmtui.memory_keys import is_glob

# Events of the source a fork does not take up: its start and end (the fork has its own) and
# its batch's diagnostics (the fork's batch has its own).
_NOT_TAKEN = frozenset({"session_started", "session_finished", "diagnostic"})
_COPY_CHUNK = 1 << 16


@dataclass(frozen=True)
class MemoryEdit:
    """A memory value the user sets before the fork starts."""

    key: str
    value: Any
    namespace: str = "default"


@dataclass(frozen=True)
class ForkPoint:
    """Where a fork is taken from: the source session (its id and folder), the point's time, why
    the source was read only so far (`note`), and the memory values the user sets."""

    session_id: str
    path: Path
    t: float
    note: str | None = None
    memory: tuple[MemoryEdit, ...] = ()

    def origin(self, seq: int) -> ForkOrigin:
        return ForkOrigin(session_id=self.session_id, path=str(self.path), seq=seq, t=self.t)


@dataclass(frozen=True)
class ForkPlan:
    """What a fork keeps of its source and what it runs again (see the module's rules)."""

    carried: tuple[str, ...]  # agents that stay done, in the source's order
    again: dict[str, str]  # agent -> why it runs (again), in the fork's batch order
    dropped_agents: tuple[str, ...]  # recorded agents the fork's batch no longer has
    dropped_messages: tuple[int, ...]
    dropped_keys: tuple[tuple[str, str], ...]  # (namespace, key) an agent that runs again wrote
    files: tuple[str, ...]  # files to carry over, relative to the session folder


def batch_tasks(batch: Batch) -> dict[str, TaskOp]:
    """The first Task of each name (a later one of the same name never runs)."""
    tasks: dict[str, TaskOp] = {}
    for op in batch.tasks():
        tasks.setdefault(op.name, op)
    return tasks


def task_change(agent: AgentState, op: TaskOp, source_dir: Path) -> str | None:
    """What of agent's recorded task differs in OP ("instructions", "type and waits"...), or
    None when it is the same task. The recorded instructions name the source's folder where the
    batch wrote a session placeholder: OP's are compared as they read there."""
    instructions = rewrite_session_paths(op.instructions, source_dir)
    changed = [
        name
        for name, same in (
            ("type", agent.type == op.agent_type),
            ("instructions", agent.instructions == instructions),
            ("waits", list(agent.waits) == list(op.waits)),
            ("stores", list(agent.stores) == list(op.stores)),
        )
        if not same
    ]
    return " and ".join(changed) if changed else None


def _writers(state: SessionState, wanted: str) -> list[tuple[str, str]]:
    """(key, last writer) of each live key a wait for WANTED matches."""
    if not is_glob(wanted):
        entry = state.live.get(wanted)
        return [] if entry is None else [(wanted, entry.by)]
    return [(key, state.live[key].by) for key in state.live_keys.matching(wanted)]


def plan_fork(state: SessionState, batch: Batch, source_dir: Path) -> ForkPlan:
    """The fork of a session whose state at the point is STATE (the fold of the events taken
    up), to run BATCH; SOURCE_DIR is the source's folder (its recorded instructions name it)."""
    tasks = batch_tasks(batch)
    source_dir = source_dir.resolve()
    again: dict[str, str] = {}
    for name, op in tasks.items():
        agent = state.agents.get(name)
        if agent is None:
            again[name] = "new in the batch"
        elif agent.status != "done":
            again[name] = f"{agent.status} at the point"
        elif (change := task_change(agent, op, source_dir)) is not None:
            again[name] = f"its task changed ({change})"
    kept = [a for a in state.agents.values() if a.name in tasks and a.name not in again]
    grew = True
    while grew:  # an agent that read what an agent running again wrote runs again too
        grew = False
        for agent in kept:
            if agent.name in again:
                continue
            for wanted in agent.waits:
                why = next(
                    (
                        f"waits for {key}, which {by} stores again"
                        for key, by in _writers(state, wanted)
                        if by in again and by != agent.name
                    ),
                    None,
                )
                if why is not None:
                    again[agent.name] = why
                    grew = True
                    break
    carried = tuple(a.name for a in kept if a.name not in again)
    dropped_keys = tuple(
        (entry.namespace, entry.key)
        for entry in state.memory.values()
        if not entry.deleted and entry.by in again
    )
    indexes = {m.index for m in batch.messages}
    return ForkPlan(
        carried=carried,
        again={name: again[name] for name in tasks if name in again},
        dropped_agents=tuple(name for name in state.agents if name not in tasks),
        dropped_messages=tuple(i for i in state.messages if i not in indexes),
        dropped_keys=dropped_keys,
        files=_files_to_carry(state, set(again), source_dir),
    )


def _files_to_carry(state: SessionState, again: set[str], source_dir: Path) -> tuple[str, ...]:
    """Every file recorded up to the point but those written by agents that run again (they
    write them anew): the batch's writes, and the reports, artifacts, changed files, diffs and
    logs of the agents that stay done. Only paths inside the session folder."""
    found: dict[str, None] = {}
    mine: dict[str, list[str]] = {}
    for path, _size, by, _replaced in state.files:
        if by not in again:
            found[path] = None
            mine.setdefault(by, []).append(path)
    for agent in state.agents.values():
        if agent.name not in again and agent.status == "done":
            # (its diff, kept as a patch: its replay and comparison show it without git)
            patch = agent.worktree.patch if agent.worktree is not None else None
            for path in (*agent.artifacts, *agent.files_changed, *([patch] if patch else [])):
                found[path] = None
            # Its log, which a recording made before logs were recorded does not name: the
            # file an earlier run left, under the name it gave it.
            log = agent_log(agent.name, source_dir, mine.get(agent.name, ()))
            if log not in found and (source_dir / log).is_file():
                found[log] = None
    return tuple(p for p in found if _inside(p))


def _inside(relative: str) -> bool:
    parts = relative.split("/")
    return bool(relative) and not relative.startswith("/") and ".." not in parts


def fork_events(
    taken: list[Event],
    point: ForkPoint,
    plan: ForkPlan,
    *,
    backend: str,
    max_parallel: int | None,
    files: tuple[list[str], list[str]] = ([], []),
) -> list[Event]:
    """The events that open a fork after its `session_started`, times set, unnumbered: copies
    of the source's events TAKEN (at their own times), then `session_forked`, the keys dropped
    and the user's values (at the point's time). FILES: (carried over, problems)."""
    t = point.t
    out: list[Event] = [e.model_copy() for e in taken if e.type not in _NOT_TAKEN]
    copied, problems = files
    out.append(
        SessionForked(
            t=t,
            forked_at=datetime.now(UTC).isoformat(timespec="seconds"),
            backend=backend,
            max_parallel=max_parallel,
            carried=list(plan.carried),
            again=dict(plan.again),
            dropped_agents=list(plan.dropped_agents),
            dropped_messages=list(plan.dropped_messages),
            files=list(copied),
            file_problems=list(problems),
            note=point.note,
        )
    )
    out.extend(
        MemoryDeleted(t=t, key=key, namespace=namespace, by="fork")
        for namespace, key in plan.dropped_keys
    )
    out.extend(
        MemoryStored(t=t, key=edit.key, value=edit.value, namespace=edit.namespace, by="user")
        for edit in point.memory
    )
    return out


def fork_preview(
    taken: list[Event], point: ForkPoint, batch: Batch, settings: RunSettings
) -> tuple[SessionState, ForkPlan]:
    """The state a fork of BATCH would start from (what the app shows before it starts), and
    its plan: the same events a fork opens with, folded."""
    plan = plan_fork(fold(taken), batch, point.path)
    run_plan = Plan(batch, settings, point.path)
    seq = taken[-1].seq if taken else 0
    title = batch.title or point.session_id
    started = run_plan.started_event(f"fork of {point.session_id}", title, "", point.origin(seq))
    opening = fork_events(
        taken, point, plan, backend=settings.backend, max_parallel=run_plan.max_parallel
    )
    return fold([started, *opening]), plan


def copy_files(
    source_dir: Path, fork_dir: Path, files: tuple[str, ...]
) -> tuple[list[str], list[str]]:
    """Copy FILES (relative paths) from the source's folder into the fork's: (those copied,
    one line for each that could not be). A file is read only when every folder on its way and
    the file itself are no links and it is a regular file; it is written through the fence."""
    copied: list[str] = []
    problems: list[str] = []
    for relative in files:
        try:
            source = _open_inside(source_dir, relative)
        except OSError as exc:
            problems.append(f"{relative}: not carried over ({_reason(exc)})")
            continue
        try:
            target = open_fenced(fork_dir, relative)
            try:
                while chunk := os.read(source, _COPY_CHUNK):
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(target, view) :]
            finally:
                os.close(target)
        except OSError as exc:
            problems.append(f"{relative}: not carried over ({_reason(exc)})")
            continue
        finally:
            os.close(source)
        copied.append(relative)
    return copied, problems


def _reason(exc: OSError) -> str:
    if isinstance(exc, FenceError):
        return str(exc.strerror or exc)
    if exc.errno == errno.ENOENT:
        return "no longer in the source's folder"
    return (exc.strerror or str(exc)).lower()


def _open_inside(folder: Path, relative: str) -> int:
    """RELATIVE inside FOLDER open for reading: no link on the way, a regular file only (a FIFO
    or a device never makes this wait)."""
    if not _inside(relative):
        raise FenceError(errno.EINVAL, "not a path inside the session folder")
    *dirs, name = [p for p in relative.split("/") if p not in ("", ".")]
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in dirs:
            flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
            try:
                inner = os.open(part, flags, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise FenceError(exc.errno, f"{part} is a symbolic link or no folder") from None
                raise
            os.close(fd)
            fd = inner
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            file_fd = os.open(name, flags, dir_fd=fd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise FenceError(exc.errno, "a symbolic link") from None
            raise
    finally:
        os.close(fd)
    if not stat.S_ISREG(os.fstat(file_fd).st_mode):
        os.close(file_fd)
        raise FenceError(errno.EPERM, "not a regular file")
    os.set_blocking(file_fd, True)
    return file_fd
