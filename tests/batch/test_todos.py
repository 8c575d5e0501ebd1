"""Todos ↔ agents (§5): links by words, and merges by id that keep a todo's link."""

from __future__ import annotations

import pytest

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


# The orchestrating-swarms skill's "Coordinated Multi-File Refactoring", as users copy it.
TEAM_REFACTOR = """
TaskCreate({ subject: "Refactor User model", activeForm: "Refactoring User model..." })
TaskCreate({ subject: "Refactor Session controller", activeForm: "Refactoring Sessions..." })
TaskCreate({ subject: "Update specs", activeForm: "Updating specs..." })
TaskUpdate({ taskId: "3", addBlockedBy: ["1", "2"] })
Task({ name: "model-worker", subagent_type: "general-purpose",
  prompt: "Claim task #1, refactor the User model, complete when done" })
Task({ name: "controller-worker", subagent_type: "general-purpose",
  prompt: "Claim task #2, refactor the Session controller, complete when done" })
Task({ name: "spec-worker", subagent_type: "general-purpose",
  prompt: "Wait for task #3 to unblock (when #1 and #2 complete), then update specs" })
"""


def test_team_tasks_are_numbered_and_their_blockers_order_the_agents() -> None:
    batch = parse(TEAM_REFACTOR)
    assert _links(batch) == [
        [("1", "model-worker", "explicit")],
        [("2", "controller-worker", "explicit")],
        [("3", "spec-worker", "explicit")],
    ]
    model, controller, spec = batch.tasks()
    assert model.waits == controller.waits == []
    assert spec.waits == [*model.stores, *controller.stores]
    (note,) = [d for d in batch.diagnostics if d.code == "SW013"]
    assert '"task #3" is blocked by #1, #2' in note.message
    (update,) = [d for d in batch.diagnostics if d.code == "SW018"]
    assert "TaskUpdate orders the team's tasks (task 3 after 1, 2)" in update.message
    # The wait is read from the task list, not again as a memory wait matching nothing.
    assert "SW014" not in [d.code for d in batch.diagnostics]


def test_team_tasks_without_blockers_order_nothing() -> None:
    batch = parse(TEAM_REFACTOR.replace('addBlockedBy: ["1", "2"]', ""))
    assert all(t.waits == [] for t in batch.tasks())
    blocks = parse(TEAM_REFACTOR.replace('addBlockedBy: ["1", "2"]', 'addBlocks: ["1"]'))
    model, _, spec = blocks.tasks()
    assert model.waits == spec.stores == ["swarm/spec-worker/done"] and spec.waits == []


@pytest.mark.parametrize(
    ("update", "named"),
    [
        # A template's slots ("the ID of Phase 1"), and a task that was never created.
        ('taskId: "Phase1のID", addBlockedBy: ["Phase0のID"]', "'Phase1のID', 'Phase0のID'"),
        ('taskId: "7", addBlockedBy: ["1", "2"]', "'7'"),
        ('taskId: "3", addBlocks: ["9"]', "'9'"),
    ],
)
def test_an_update_naming_tasks_never_created_orders_nothing_and_says_so(
    update: str, named: str
) -> None:
    batch = parse(TEAM_REFACTOR.replace('taskId: "3", addBlockedBy: ["1", "2"]', update))
    assert all(t.waits == [] for t in batch.tasks())
    (said,) = [d for d in batch.diagnostics if d.message.startswith("TaskUpdate names")]
    assert (
        said.code == "SW014"
        and said.line == TEAM_REFACTOR.count("\n", 0, TEAM_REFACTOR.index("TaskUpdate")) + 1
    )
    assert said.message.startswith(f"TaskUpdate names task {named}, which no TaskCreate")
    assert "numbered 1 to 3" in said.message
    assert not any("orders the team's tasks" in d.message for d in batch.diagnostics)
