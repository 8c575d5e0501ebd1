"""How a session that ran to its end went: completed, or failed with a reason naming what failed.

The outcome follows what happened, not what the batch looked like before it ran: an agent
skipped for a key nothing stored (SW004) that the user rescued by storing it, and that then
ended done, does not fail the session. An error of the batch outside any runnable operation (a
syntax error that may have swallowed one) always does, as does every operation that did not run
or failed; tools recorded without running (agents' own tools, coordination) never do.
"""

from __future__ import annotations

from bisect import bisect_right

from swarmtui.batch.models import (
    BashOp,
    Batch,
    MemoryOp,
    NoteOp,
    Operation,
    Severity,
    TaskOp,
    ToolOp,
    WriteOp,
)
from swarmtui.engine.state import SessionState

# Operations that run: an error inside one is answered by how that operation ended.
_RUNS = frozenset({"task", "todo_write", "bash", "write", "memory"})


def failure_reason(batch: Batch, state: SessionState, agents: dict[str, int]) -> str | None:
    """None when everything of BATCH ran as it should (AGENTS: each planned agent's operation
    index); else one line: the first failure, and how many more there were."""
    problems = [
        text for _, text in sorted(_loose_errors(batch) + _failed_operations(state, agents))
    ]
    if not problems:
        return None
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return problems[0] + more


def _loose_errors(batch: Batch) -> list[tuple[int, str]]:
    """The batch's errors that no runnable operation holds (ranked before every operation)."""
    ops = sorted(
        ((op.line, op.column), (op.end_line, op.end_column))
        for op in batch.operations()
        if op.kind in _RUNS
    )
    starts = [start for start, _ in ops]
    loose = []
    for d in batch.diagnostics:
        if d.severity is not Severity.ERROR:
            continue
        at = bisect_right(starts, (d.line, d.column)) - 1
        if at >= 0 and (d.line, d.column) < ops[at][1]:
            continue  # (that operation's end says what became of it)
        loose.append((-1, f"line {d.line}: {d.code} {d.message}"))
    return loose


def _failed_operations(state: SessionState, agents: dict[str, int]) -> list[tuple[int, str]]:
    """Agents that did not end done, Bash commands that failed or were denied, and operations
    that were skipped (recorded tools aside), each with its operation index."""
    found = []
    for name, index in agents.items():
        a = state.agents.get(name)
        if a is not None and a.status != "done":
            found.append((index, f"{name} {a.status}" + (f": {a.reason}" if a.reason else "")))
    for b in state.bash.values():
        if b.status in ("failed", "denied"):
            found.append(
                (b.op, f"bash op {b.op} {b.status}" + (f": {b.reason}" if b.reason else ""))
            )
    for op, kind, reason in state.skipped:
        if kind != "tool" and op not in state.bash:
            found.append((op, f"{skipped_label(state, op, kind)} not run: {reason}"))
    return found


def skipped_label(state: SessionState, op: int, kind: str) -> str:
    """`write op 13 (test-app/package.json)`: a skipped operation, with what it was about."""
    subject = state.skipped_subjects.get(op)
    return f"{kind} op {op}" + (f" ({subject})" if subject else "")


def op_subject(op: Operation) -> str | None:
    """What OP is about, in a few words, for the lists of what did not run."""
    match op:
        case WriteOp():
            return op.path
        case BashOp():
            return op.command
        case MemoryOp():
            return f"{op.action} {op.key}" if op.key else op.action
        case TaskOp():
            return op.name
        case ToolOp():
            return f"{op.tool} {op.summary}".strip()
        case NoteOp():
            return op.text if len(op.text) <= 60 else op.text[:59] + "…"
        case _:
            return None
