"""Todos ↔ agents (§5): links by words, and merges by id that keep a todo's link."""

from __future__ import annotations

from swarmtui.batch import Batch
from swarmtui.batch.models import TodoWriteOp

from .conftest import parse

_AGENTS = (
    'Task("Architect", "Design the schema. Store it in memory under \'swarm/schema\'.", '
    '"system-architect")\n'
    'Task("Dev", "Build it using the schema from memory. Add tests.", "coder")\n'
)


def _links(batch: Batch) -> list[list[tuple[str, str | None, str | None]]]:
    return [
        [(t.id, t.agent, t.agent_link) for t in op.todos]
        for op in batch.operations()
        if isinstance(op, TodoWriteOp)
    ]


def test_todo_matches_the_first_sentence_even_when_it_mentions_memory() -> None:
    batch = parse(
        _AGENTS + 'TodoWrite({todos: [{id: "1", content: "Design the schema"}, '
        '{id: "2", content: "Build it"}]})\n'
    )
    assert _links(batch) == [[("1", "Architect", "matched"), ("2", "Dev", "matched")]]


def test_later_todo_write_keeps_the_earlier_link_of_the_same_id() -> None:
    batch = parse(
        _AGENTS + 'TodoWrite({todos: [{id: "1", content: "Design the schema", agent: "Architect"}, '
        '{id: "2", content: "Build it"}]})\n'
        # Same ids, no agent: the words of "1" would now match nobody free, and "2" would be
        # matched afresh; both must keep the links they had.
        'TodoWrite({todos: [{id: "1", content: "Build the schema", status: "in_progress"}, '
        '{id: "2", content: "Design it", status: "in_progress"}]})\n'
    )
    assert _links(batch)[1] == [("1", "Architect", "explicit"), ("2", "Dev", "matched")]


def test_later_todo_write_moves_a_link_only_when_it_names_the_agent() -> None:
    batch = parse(
        _AGENTS + 'TodoWrite({todos: [{id: "1", content: "Design the schema"}]})\n'
        'TodoWrite({todos: [{id: "1", content: "Design the schema", agent: "Dev"}]})\n'
    )
    assert _links(batch) == [[("1", "Architect", "matched")], [("1", "Dev", "explicit")]]
