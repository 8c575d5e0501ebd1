"""The batch's instant operations (todos, memory, file writes) and what they share with Bash.

Each turns into events at once when its message starts; `swarmtui.engine.bash` runs Bash. A
write is checked against the `Write` rules: one a deny rule names is refused, one an ask rule
names waits for a person (it is then no longer instant), and one no rule names goes ahead, since
nothing can be written outside the session folder anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from swarmtui.batch.lint import BATCH_WRITER
from swarmtui.batch.models import MemoryOp, Operation, TodoWriteOp, WriteOp
from swarmtui.engine.approvals import Answer, Subject
from swarmtui.engine.events import ApprovalDecided, Event, FileWritten, TodoChanged, TodoStatus
from swarmtui.engine.fence import FenceError, write_fenced
from swarmtui.engine.guard import SessionGuard
from swarmtui.engine.memory import Memory
from swarmtui.engine.memory_reads import memory_read_event
from swarmtui.engine.paths import check_write_path, rewrite_session_paths, write_target
from swarmtui.engine.state import SessionState, TodoState
from swarmtui.policy.permissions import Request


@dataclass
class OpContext:
    """What an operation may touch: the state it reads, where its events go, the session."""

    state: SessionState
    emit: Callable[[Event], None]
    memory: Memory
    session_dir: Path
    # Refuse OP with a reason (an `operation_skipped` event, or the agent's end for a task).
    skip: Callable[[Operation, str], None]
    secrets: list[str]
    rehearsal: bool  # record what would run instead of running it
    guard: SessionGuard  # what may run, confined how


def write_todos(ctx: OpContext, op: TodoWriteOp) -> None:
    for todo in op.todos:
        ctx.emit(
            TodoChanged(
                id=todo.id,
                content=todo.content,
                status=todo.status,
                priority=todo.priority,
                agent=todo.agent,
            )
        )


def set_todo(emit: Callable[[Event], None], todo: TodoState, status: TodoStatus, by: str) -> None:
    emit(
        TodoChanged(
            id=todo.id,
            content=todo.content,
            status=status,
            priority=todo.priority,
            agent=todo.agent,
            by=by,
        )
    )


def set_agent_todos(
    state: SessionState,
    emit: Callable[[Event], None],
    name: str,
    status: TodoStatus,
    unless: TodoStatus,
) -> None:
    """Move the todos assigned to agent NAME to STATUS (those not already at UNLESS; only
    pending ones to in_progress)."""
    for todo in state.agent_todos(name):
        if status == "in_progress" and todo.status != "pending":
            continue
        if todo.status != unless:
            set_todo(emit, todo, status, name)


def set_todo_by_user(
    state: SessionState, emit: Callable[[Event], None], todo_id: str, status: str
) -> None:
    """A person set the todo's status (a status that is not one is ignored)."""
    todo = state.todos.get(todo_id)
    if todo is None:
        return
    for allowed in get_args(TodoStatus):
        if status == allowed:
            set_todo(emit, todo, allowed, "user")


def _session_value(value: Any, session_dir: Path) -> Any:
    if isinstance(value, str):
        return rewrite_session_paths(value, session_dir)
    return value


def memory_op(ctx: OpContext, op: MemoryOp) -> None:
    if op.action == "store" or op.action == "delete":
        if not op.key:
            ctx.skip(op, f"memory {op.action} without a key")
        elif op.action == "store":
            value = _session_value(op.value, ctx.session_dir)
            ctx.memory.store(op.key, value, op.namespace, "batch", op.ttl)
        else:
            ctx.memory.delete(op.key, op.namespace, "batch")
    else:
        # Nothing changes (no agent to hand the value to), but the read is recorded.
        ctx.emit(memory_read_event(op, ctx.state.live))


def write_file(ctx: OpContext, op: WriteOp) -> Coroutine[None, None, None] | None:
    """Write OP's file now, or refuse it; when a rule asks, the write to await."""
    # The batch language's rules know the §6 placeholders: give them the path as written.
    problem = check_write_path(op.path)
    if problem is not None:
        ctx.skip(op, problem)
        return None
    relative = write_target(op.path)
    decision = ctx.guard.write_rule(relative)
    if decision is not None:
        if decision.verdict == "ask":
            return _write_when_approved(ctx, op, relative)
        rule = decision.rule.text if decision.rule is not None else None
        _record_write(
            ctx, op, relative, Answer(decision.verdict, "rule", decision.reason, rule=rule)
        )
        if decision.verdict == "deny":
            ctx.skip(op, f"write refused: {decision.reason}")
            return None
    _write(ctx, op, relative)
    return None


def _record_write(ctx: OpContext, op: WriteOp, relative: str, answer: Answer) -> None:
    ctx.emit(
        ApprovalDecided(
            kind="write",
            op=op.index,
            tool="Write",
            subject=relative,
            verdict=answer.verdict,
            by=answer.by,
            rule=answer.rule,
            reason=answer.reason,
        )
    )


async def _write_when_approved(ctx: OpContext, op: WriteOp, relative: str) -> None:
    if ctx.rehearsal:  # a rehearsal asks nobody
        answer = Answer("deny", "flag", "a Write rule asks, and a rehearsal asks nobody")
        _record_write(ctx, op, relative, answer)
        ctx.skip(op, f"not written: {answer.reason}")
        return
    what = Subject("write", "Write", relative, op=op.index)
    request = Request.file("Write", relative, str(ctx.session_dir))
    answer = await ctx.guard.permit(what, request)
    if answer.allowed:
        _write(ctx, op, relative)
    else:
        ctx.skip(op, f"write refused: {answer.reason}")


def _write(ctx: OpContext, op: WriteOp, relative: str) -> None:
    content = rewrite_session_paths(op.content, ctx.session_dir)
    try:
        size = write_fenced(ctx.session_dir, relative, content.encode("utf-8"))
    except FenceError as exc:
        ctx.skip(op, f"write refused: {exc.strerror}")
        return
    except OSError as exc:
        ctx.skip(op, f"{relative}: not written ({exc.strerror or exc})")
        return
    replaced = ctx.state.replaced(relative, BATCH_WRITER)
    ctx.emit(FileWritten(path=relative, bytes=size, by=BATCH_WRITER, replaced=replaced))
