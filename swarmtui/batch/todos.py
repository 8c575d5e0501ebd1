"""Todos ↔ agents (§5): a todo follows the agent it names, or the one its words clearly match."""

from __future__ import annotations

from swarmtui.batch.diagnostics import Diagnostics
from swarmtui.batch.models import Batch, Todo, TodoWriteOp
from swarmtui.batch.operations import TaskInfo
from swarmtui.batch.words import clauses, sentences, stems


def _agent_words(info: TaskInfo) -> tuple[set[str], set[str]]:
    """(name words, other words): the type and the instructions without their memory-coordination
    sentences, except the first sentence, which says what the agent does even when it also
    mentions memory ("Build it using the schema from memory")."""
    name = set(stems(info.op.name))
    other = set(stems(info.op.agent_type))
    for n, sentence in enumerate(sentences(info.op.instructions)):
        if n and any(c.keys or c.mentions_memory for c in clauses(sentence)):
            continue
        other.update(stems(sentence))
    return name, other


def link_todos(batch: Batch, tasks: list[TaskInfo], diags: Diagnostics) -> None:
    """Set `agent`/`agent_link` on todos; a todo naming an unknown agent is a warning (SW009)."""
    todo_ops = [op for op in batch.operations() if isinstance(op, TodoWriteOp)]
    if not todo_ops:
        return
    names = {t.op.name for t in tasks}
    taken: set[str] = set()
    free: list[Todo] = []
    # A later TodoWrite merges by id (§5): a todo repeated without `agent:` keeps the link of the
    # one before it, so the engine does not move it to another agent (or to none).
    latest: dict[str, Todo] = {}
    repeats: list[tuple[Todo, Todo]] = []
    for op in todo_ops:
        for todo in op.todos:
            earlier = latest.get(todo.id)
            latest[todo.id] = todo
            if todo.agent is None:
                if earlier is not None:
                    repeats.append((todo, earlier))
                else:
                    free.append(todo)
                continue
            if todo.agent in names:
                taken.add(todo.agent)
            else:
                diags.add(
                    "SW009",
                    f"todo {todo.id!r} names agent {todo.agent!r}, which the batch does not spawn",
                    (op.line, op.column, op.end_line, op.end_column),
                )
                todo.agent, todo.agent_link = None, None
    if free and tasks:
        _match(free, tasks, taken)
    for todo, earlier in repeats:  # in batch order, so chains of repeats follow the first
        todo.agent, todo.agent_link = earlier.agent, earlier.agent_link


def _match(free: list[Todo], tasks: list[TaskInfo], taken: set[str]) -> None:
    """Link each free todo to the one agent its words clearly match best, one todo per agent."""
    words = {t.op.name: _agent_words(t) for t in tasks}
    candidates: list[tuple[int, int, str]] = []  # (score, todo position, agent)
    wanted = [set(stems(todo.content)) for todo in free]
    for pos, todo_words in enumerate(wanted):
        for name, (name_words, other) in words.items():
            score = sum(2 if w in name_words else 1 if w in other else 0 for w in todo_words)
            if score:
                candidates.append((score, pos, name))
    candidates.sort(key=lambda c: (-c[0], c[1]))
    linked: set[int] = set()
    for score, pos, name in candidates:
        if pos in linked or name in taken:
            continue
        # A link must be clear: no other free agent scores as high for this todo.
        rivals = [c for c in candidates if c[1] == pos and c[0] == score and c[2] not in taken]
        if len(rivals) > 1:
            linked.add(pos)
            continue
        free[pos].agent, free[pos].agent_link = name, "matched"
        taken.add(name)
        linked.add(pos)
