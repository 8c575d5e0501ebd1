"""Typed models of a parsed batch: messages, operations, todos, dependencies and diagnostics.

Positions are 1-based. A range runs from (line, column) to (end_line, end_column), the end being
exclusive (the position just after the last character), so an empty range has end == start.

The models are plain dataclasses: the parser builds them from values it has already checked, and
`swarmtui lint` must start fast (pydantic's import and schema building cost about a third of the
parse + lint budget). `model_dump()` gives the same dictionaries the JSON output documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, Literal


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


def _plain(value: Any, json: bool) -> Any:
    if isinstance(value, _Model):
        return value.model_dump(mode="json" if json else "python")
    if isinstance(value, list | tuple):
        return [_plain(v, json) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v, json) for k, v in value.items()}
    if json and isinstance(value, StrEnum):
        return value.value
    return value


class _Model:
    """What the rest of swarmtui uses of a model besides its attributes."""

    __slots__ = ()

    def model_dump(self, mode: Literal["python", "json"] = "python") -> dict[str, Any]:
        """The fields as a dictionary (nested models too); `json` turns enums into text."""
        json = mode == "json"
        return {f.name: _plain(getattr(self, f.name), json) for f in fields(self)}  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceRange(_Model):
    """Where something is in the batch text (1-based, end exclusive)."""

    line: int = 1
    column: int = 1
    end_line: int = 1
    end_column: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Diagnostic(SourceRange):
    """A problem found in a batch, printed as `FILE:LINE:COL: CODE message`."""

    code: str
    severity: Severity
    message: str

    def format(self, filename: str) -> str:
        """One line, safe for a terminal: control characters are shown escaped."""
        return printable(f"{filename}:{self.line}:{self.column}: {self.code} {self.message}")


def printable(text: str) -> str:
    """TEXT with control characters (ESC, NUL, line breaks, C1, bidi overrides) written visibly,
    so a batch holding terminal escapes cannot drive the terminal that prints its diagnostics
    (`swarmtui.safe_text.visible`, the one function for every outside text)."""
    from swarmtui.safe_text import visible

    return visible(text)


TodoStatus = Literal["pending", "in_progress", "completed"]
TodoPriority = Literal["critical", "high", "medium", "low"]
MemoryAction = Literal["store", "retrieve", "list", "search", "delete"]
# What a recorded-but-not-run tool call is: work agents do themselves (Claude Code's Read, Edit…),
# coordination swarmtui does itself (claude-flow's task_orchestrate, swarm_status…), or a tool of
# an MCP server that swarmtui does not run.
ToolRole = Literal["agent-work", "coordination", "not-run"]
EdgeHow = Literal["quoted", "matched", "explicit", "agent-path", "implied", "command"]


@dataclass(slots=True, kw_only=True)
class Todo(_Model):
    """One entry of a TodoWrite list (§5)."""

    id: str
    content: str
    status: TodoStatus = "pending"
    priority: TodoPriority = "medium"
    active_form: str | None = None
    agent: str | None = None
    # How `agent` was decided: named in the todo, matched by words, or not linked.
    agent_link: Literal["explicit", "matched"] | None = None


@dataclass(slots=True, kw_only=True)
class DependencyEdge(_Model):
    """One inferred or declared store or wait of an agent, with the words behind it (SW013)."""

    direction: Literal["wait", "store"]
    keys: list[str]
    # How the keys were found: a quoted key, matched against what others store, an explicit
    # option (`waits`/`stores`, `memoryKey`, `dependsOn`…), a quoted key whose path names an
    # agent, a key made up for "store X in memory" sentences that name no key
    # (swarm/<agent>/<x>), or a claude-flow memory command in the instructions.
    how: EdgeHow
    sentence: str = ""
    phrase: str = ""
    # For waits: the agents expected to store these keys.
    providers: list[str] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class _OpBase(_Model):
    # Operations are filled in over several passes (index, dependencies, skip_reason), so unlike
    # a SourceRange they are mutable; treat them as read-only once `parse_batch` returns.

    line: int = 1
    column: int = 1
    end_line: int = 1
    end_column: int = 1
    # Position of the operation in the batch, 0-based, unique across messages.
    index: int = 0
    # Why the engine must not run this operation (an error or a placeholder), else None.
    skip_reason: str | None = None


@dataclass(slots=True, kw_only=True)
class TaskOp(_OpBase):
    kind: Literal["task"] = "task"
    name: str
    agent_type: str = "general"
    instructions: str = ""
    # Resolved, concrete keys (or the glob itself where nothing matches).
    waits: list[str] = field(default_factory=list)
    stores: list[str] = field(default_factory=list)
    edges: list[DependencyEdge] = field(default_factory=list)
    timeout: float | None = None
    retries: int = 0
    backend: str | None = None
    model: str | None = None


@dataclass(slots=True, kw_only=True)
class TodoWriteOp(_OpBase):
    kind: Literal["todo_write"] = "todo_write"
    todos: list[Todo] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class BashOp(_OpBase):
    kind: Literal["bash"] = "bash"
    command: str
    timeout: float | None = None
    cwd: str | None = None


@dataclass(slots=True, kw_only=True)
class WriteOp(_OpBase):
    kind: Literal["write"] = "write"
    path: str
    content: str = ""


@dataclass(slots=True, kw_only=True)
class MemoryOp(_OpBase):
    kind: Literal["memory"] = "memory"
    action: MemoryAction = "store"
    key: str | None = None
    value: Any = None
    namespace: str = "default"
    # Seconds; an integer stays an integer (`ttl: 3600` is shown as 3600, not 3600.0).
    ttl: int | float | None = None
    pattern: str | None = None


@dataclass(slots=True, kw_only=True)
class SwarmInitOp(_OpBase):
    kind: Literal["swarm_init"] = "swarm_init"
    topology: str | None = None
    max_agents: int | None = None
    strategy: str | None = None


@dataclass(slots=True, kw_only=True)
class ToolOp(_OpBase):
    """A tool call swarmtui recognises and records but does not run (it always has a
    `skip_reason` saying why); it never makes a session fail."""

    kind: Literal["tool"] = "tool"
    tool: str
    role: ToolRole = "not-run"
    # What the call is about, in a few words (a path, a pattern, a task), for lists and logs.
    summary: str = ""


@dataclass(slots=True, kw_only=True)
class NoteOp(_OpBase):
    """A line of prose kept where it was; with a `skip_reason`, something that looked like an
    operation but was not understood."""

    kind: Literal["note"] = "note"
    text: str


Operation = TaskOp | TodoWriteOp | BashOp | WriteOp | MemoryOp | SwarmInitOp | ToolOp | NoteOp


@dataclass(slots=True, kw_only=True)
class Message(_Model):
    """Operations that start together; a message starts when the previous one has finished."""

    index: int
    title: str | None = None
    line: int = 1
    operations: list[Operation] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class Batch(_Model):
    """A parsed batch: its messages in order and everything found wrong with it."""

    messages: list[Message] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # The name the text came from (a file name, or "<editor>"), used to name sessions.
    source_name: str | None = None
    # Diagnostics left out of `diagnostics` past the per-file cap (the last one says so).
    diagnostics_dropped: int = 0

    def tasks(self) -> list[TaskOp]:
        return [op for m in self.messages for op in m.operations if isinstance(op, TaskOp)]

    def operations(self) -> list[Operation]:
        return [op for m in self.messages for op in m.operations]

    def task(self, name: str) -> TaskOp | None:
        return next((t for t in self.tasks() if t.name == name), None)

    @property
    def title(self) -> str | None:
        """The first message's title, if any."""
        return next((m.title for m in self.messages if m.title), None)

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)
