"""The batch language: parse text into a typed `Batch`, infer dependencies, lint.

Public API (the rest of the package imports only these names):

- `parse_batch(text, *, source_name=None, now=None, project_dir=None) -> Batch` — never raises.
- the models in `swarmtui.batch.models`.
"""

from __future__ import annotations

from swarmtui.batch.models import (
    BashOp,
    Batch,
    DependencyEdge,
    Diagnostic,
    MemoryOp,
    Message,
    NoteOp,
    Operation,
    Severity,
    SourceRange,
    SwarmInitOp,
    TaskOp,
    Todo,
    TodoWriteOp,
    WriteOp,
)

__all__ = [
    "BashOp",
    "Batch",
    "DependencyEdge",
    "Diagnostic",
    "MemoryOp",
    "Message",
    "NoteOp",
    "Operation",
    "Severity",
    "SourceRange",
    "SwarmInitOp",
    "TaskOp",
    "Todo",
    "TodoWriteOp",
    "WriteOp",
]
