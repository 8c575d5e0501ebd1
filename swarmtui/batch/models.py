"""Typed models of a parsed batch: messages, operations, todos, dependencies and diagnostics.

Positions are 1-based. A range runs from (line, column) to (end_line, end_column), the end being
exclusive (the position just after the last character), so an empty range has end == start.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class SourceRange(BaseModel):
    """Where something is in the batch text (1-based, end exclusive)."""

    model_config = ConfigDict(frozen=True)

    line: int = 1
    column: int = 1
    end_line: int = 1
    end_column: int = 1


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


class Todo(BaseModel):
    """One entry of a TodoWrite list (§5)."""

    id: str
    content: str
    status: TodoStatus = "pending"
    priority: TodoPriority = "medium"
    active_form: str | None = None
    agent: str | None = None
    # How `agent` was decided: named in the todo, matched by words, or not linked.
    agent_link: Literal["explicit", "matched"] | None = None


class DependencyEdge(BaseModel):
    """One inferred or declared store or wait of an agent, with the words behind it (SW013)."""

    direction: Literal["wait", "store"]
    keys: list[str]
    # How the keys were found: a quoted key, matched against what others store, an explicit
    # `waits`/`stores` option, a quoted key whose path names an agent (§4), or (stores only) a
    # key made up for "store X in memory" sentences that name no key: swarm/<agent>/<x>.
    how: Literal["quoted", "matched", "explicit", "agent-path", "implied"]
    sentence: str = ""
    phrase: str = ""
    # For waits: the agents expected to store these keys.
    providers: list[str] = Field(default_factory=list)


class _OpBase(SourceRange):
    # Operations are filled in over several passes (index, dependencies, skip_reason), so unlike
    # a bare SourceRange they are mutable; treat them as read-only once `parse_batch` returns.
    model_config = ConfigDict(frozen=False)

    # Position of the operation in the batch, 0-based, unique across messages.
    index: int = 0
    # Why the engine must not run this operation (an error or a placeholder), else None.
    skip_reason: str | None = None


class TaskOp(_OpBase):
    kind: Literal["task"] = "task"
    name: str
    agent_type: str = "general"
    instructions: str = ""
    # Resolved, concrete keys (or the glob itself where nothing matches).
    waits: list[str] = Field(default_factory=list)
    stores: list[str] = Field(default_factory=list)
    edges: list[DependencyEdge] = Field(default_factory=list)
    timeout: float | None = None
    retries: int = 0
    backend: str | None = None
    model: str | None = None


class TodoWriteOp(_OpBase):
    kind: Literal["todo_write"] = "todo_write"
    todos: list[Todo] = Field(default_factory=list)


class BashOp(_OpBase):
    kind: Literal["bash"] = "bash"
    command: str
    timeout: float | None = None
    cwd: str | None = None


class WriteOp(_OpBase):
    kind: Literal["write"] = "write"
    path: str
    content: str = ""


class MemoryOp(_OpBase):
    kind: Literal["memory"] = "memory"
    action: MemoryAction = "store"
    key: str | None = None
    value: Any = None
    namespace: str = "default"
    # Seconds; an integer stays an integer (`ttl: 3600` is shown as 3600, not 3600.0).
    ttl: int | float | None = None
    pattern: str | None = None


class SwarmInitOp(_OpBase):
    kind: Literal["swarm_init"] = "swarm_init"
    topology: str | None = None
    max_agents: int | None = None
    strategy: str | None = None


class NoteOp(_OpBase):
    kind: Literal["note"] = "note"
    text: str


Operation = Annotated[
    TaskOp | TodoWriteOp | BashOp | WriteOp | MemoryOp | SwarmInitOp | NoteOp,
    Field(discriminator="kind"),
]


class Message(BaseModel):
    """Operations that start together; a message starts when the previous one has finished."""

    index: int
    title: str | None = None
    line: int = 1
    operations: list[Operation] = Field(default_factory=list)


class Batch(BaseModel):
    """A parsed batch: its messages in order and everything found wrong with it."""

    messages: list[Message] = Field(default_factory=list)
    diagnostics: list[Diagnostic] = Field(default_factory=list)
    # The name the text came from (a file name, or "<editor>"), used to name sessions.
    source_name: str | None = None

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
