"""Messages that travel between the panes of a screen (child → parent → sibling)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from textual.message import Message

if TYPE_CHECKING:
    from swarmtui.engine.events import Event


@dataclass
class AgentChosen(Message):
    """Enter on an agent: open its detail."""

    name: str


@dataclass
class AgentControlRequested(Message):
    """A key on an agent asked to cancel or retry it."""

    action: Literal["cancel", "retry"]
    name: str


@dataclass
class TodoStatusRequested(Message):
    """The user cycled a todo's status."""

    todo_id: str
    status: Literal["pending", "in_progress", "completed"]


@dataclass
class DiagnosticChosen(Message):
    """A diagnostic was picked in the list: move the editor's cursor there (1-based)."""

    line: int
    column: int


@dataclass
class BatchRequested(Message):
    """A past session's batch for the editor (as a new, unsaved batch); `run`: run it too."""

    text: str
    run: bool = False


@dataclass
class ForkRequested(Message):
    """F in a replay: prepare a fork of the session at `path` from the replay's point (the
    first `position` of `events`, at time `t`) in the main screen."""

    path: Path
    session_id: str
    events: list[Event]
    position: int
    t: float
    note: str | None = None
