"""The session a batch would start, from its latest parse: planned agents and todos.

The agents and todos panels show it until a session runs, so the inferred waits and stores (and
who is expected to store each key) are visible while the batch is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from swarmtui.batch.models import Batch
    from swarmtui.engine.state import SessionState


def planned_state(batch: Batch) -> SessionState:
    """Every task as a `pending` agent (or `skipped`, with the reason, when it cannot run), its
    waits with the agents expected to store them, and the batch's todos."""
    from swarmtui.batch.models import TaskOp, TodoWriteOp
    from swarmtui.engine.state import AgentState, SessionState, TodoState

    state = SessionState(title=batch.title or "")
    for message in batch.messages:
        for op in message.operations:
            if isinstance(op, TaskOp):
                providers: dict[str, list[str]] = {}
                for edge in op.edges:
                    if edge.direction == "wait":
                        for key in edge.keys:
                            providers.setdefault(key, list(edge.providers))
                state.agents[op.name] = AgentState(
                    name=op.name,
                    type=op.agent_type,
                    instructions=op.instructions,
                    message=message.index,
                    waits=list(op.waits),
                    stores=list(op.stores),
                    providers={key: providers.get(key, []) for key in op.waits},
                    backend=op.backend,
                    model=op.model,
                    status="skipped" if op.skip_reason else "pending",
                    reason=op.skip_reason,
                )
            elif isinstance(op, TodoWriteOp) and op.skip_reason is None:
                for todo in op.todos:
                    state.todos[todo.id] = TodoState(
                        id=todo.id,
                        content=todo.content,
                        status=todo.status,
                        priority=todo.priority,
                        agent=todo.agent,
                    )
    return state
