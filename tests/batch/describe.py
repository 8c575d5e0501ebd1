"""A batch as plain data for the corpus tests: messages with each operation's kind and range,
agents with their resolved waits and stores, todos, recorded tools and diagnostics."""

from __future__ import annotations

from typing import Any

from swarmtui.batch import Batch, TodoWriteOp
from swarmtui.batch.models import ToolOp


def describe(batch: Batch) -> dict[str, Any]:
    return {
        "messages": [
            {
                "index": m.index,
                "title": m.title,
                "ops": [
                    [op.kind, op.line, op.column, op.end_line, op.end_column, bool(op.skip_reason)]
                    for op in m.operations
                    if op.kind != "note"
                ],
            }
            for m in batch.messages
        ],
        "agents": [
            {"name": t.name, "type": t.agent_type, "waits": t.waits, "stores": t.stores}
            for t in batch.tasks()
        ],
        "todos": [
            [todo.id, todo.content, todo.agent]
            for op in batch.operations()
            if isinstance(op, TodoWriteOp)
            for todo in op.todos
        ],
        "tools": [
            [op.tool, op.role, op.summary] for op in batch.operations() if isinstance(op, ToolOp)
        ],
        "diagnostics": [[d.code, d.line, d.column] for d in batch.diagnostics],
    }
