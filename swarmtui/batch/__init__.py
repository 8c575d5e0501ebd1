"""The batch language: parse text into a typed `Batch`, infer dependencies, lint.

Public API (the rest of the package imports only these names):

- `parse_batch(text, *, source_name=None, now=None, project_dir=None) -> Batch` — never raises.
- `slug(text) -> str`, the slug used in session folder names.
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
from swarmtui.batch.parser import parse_batch
from swarmtui.batch.paths import slug

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
    "parse_batch",
    "slug",
]
