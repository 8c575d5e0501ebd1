"""Messages that travel between the panes of a screen (child → parent → sibling).

Written with plain constructors, as the app's other messages are: they are all defined before
the first frame, and a dataclass costs 0.2-0.3 ms to make (its methods compiled at import).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from textual.message import Message

if TYPE_CHECKING:
    from pathlib import Path

    from swarmtui.engine.events import Event


class AgentChosen(Message):
    """Enter on an agent: open its detail."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class AgentControlRequested(Message):
    """A key on an agent asked to cancel or retry it."""

    def __init__(self, action: Literal["cancel", "retry"], name: str) -> None:
        super().__init__()
        self.action = action
        self.name = name


class TodoStatusRequested(Message):
    """The user cycled a todo's status."""

    def __init__(
        self, todo_id: str, status: Literal["pending", "in_progress", "completed"]
    ) -> None:
        super().__init__()
        self.todo_id = todo_id
        self.status = status


class DiagnosticChosen(Message):
    """A diagnostic was picked in the list: move the editor's cursor there (1-based)."""

    def __init__(self, line: int, column: int) -> None:
        super().__init__()
        self.line = line
        self.column = column


class BatchRequested(Message):
    """A past session's batch for the editor (as a new, unsaved batch); `run`: run it too."""

    def __init__(self, text: str, run: bool = False) -> None:
        super().__init__()
        self.text = text
        self.run = run


class ForkRequested(Message):
    """F in a replay: prepare a fork of the session at `path` from the replay's point (the
    first `position` of `events`, at time `t`) in the main screen."""

    def __init__(
        self,
        path: Path,
        session_id: str,
        events: list[Event],
        position: int,
        t: float,
        note: str | None = None,
    ) -> None:
        super().__init__()
        self.path = path
        self.session_id = session_id
        self.events = events
        self.position = position
        self.t = t
        self.note = note

    def again(self) -> ForkRequested:
        """The same request as a new message (a message is handled once)."""
        return ForkRequested(
            self.path, self.session_id, self.events, self.position, self.t, self.note
        )
