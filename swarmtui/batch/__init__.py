"""The batch language: parse text into a typed `Batch`, infer dependencies, lint.

Public API (the rest of the package imports only these names):

- `parse_batch(text, *, source_name=None, now=None, project_dir=None) -> Batch` — never raises.
- `slug(text) -> str`, the slug used in session folder names.
- `can_run(batch) -> bool`: whether anything in it would run (else no session is made).
- the models in `swarmtui.batch.models`.
- `swarmtui.batch.paths`: `rewrite_session_paths`, `check_write_path`, `write_target`.
- `swarmtui.batch.agent_types`: `AgentType`, `load_agent_types(project_dir)`.

Inside: `scan` (headers, prefixes, notes, placeholders by line) → tree-sitter → `parser` with
`values` and `operations` → `dependencies` (reading instructions with `words`) → `lint`, `todos`.
"""

from __future__ import annotations

from swarmtui.batch.lint import can_run
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
    "can_run",
    "parse_batch",
    "slug",
]
