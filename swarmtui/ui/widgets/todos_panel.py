"""The todos panel: each todo's status, priority and agent; space cycles a todo's status."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Region

from swarmtui.ui.bridge import Frame
from swarmtui.ui.empty_state import EMPTY_STATE
from swarmtui.ui.look import TODO_GLYPH, TODO_STATUS_COLOR, cells, clip, status_styles
from swarmtui.ui.messages import TodoStatusRequested
from swarmtui.ui.widgets.row_list import RowList

if TYPE_CHECKING:
    from swarmtui.engine.state import TodoState

TodoStatus = Literal["pending", "in_progress", "completed"]
NEXT_STATUS: dict[str, TodoStatus] = {
    "pending": "in_progress",
    "in_progress": "completed",
    "completed": "pending",
}
# Below this many cells for content and agent, the agent column is left out.
AGENT_COLUMN_MIN_ROOM = 30
PRIORITY_MARK = {"critical": "!!!", "high": "!! ", "medium": "!  ", "low": "   "}


class TodosPanel(RowList):
    """Todos in the order the batch gave them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "space",
            "cycle",
            "Cycle status",
            id="todo.cycle",
            tooltip="Cycle the todo: pending → in progress → completed",
        ),
    ]

    empty_hint = "No todos."
    header_lines = 1

    def __init__(
        self, *, read_only: bool = False, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.read_only = read_only
        self.state = EMPTY_STATE
        self._todos: list[TodoState] = []
        self._looks: list[tuple[object, ...]] = []
        self._longest_agent = 0
        self._styles: dict[str, Style] = {}
        self._priority_style = Style(bold=True)

    def _looks_now(self) -> tuple[dict[str, Style], Style]:
        """The status styles and the priority mark's style of the theme in force."""
        warning = self.app.theme_variables.get("warning")
        return status_styles(self.app), Style(color=warning, bold=True) if warning else Style(
            bold=True
        )

    def restyle(self) -> None:
        self._styles, self._priority_style = self._looks_now()

    def paint(self, frame: Frame) -> None:
        state = self.state = frame.state
        todos = list(state.todos.values())
        looks: list[tuple[object, ...]] = [
            (id(t), t.status, t.content, t.priority, t.agent) for t in todos
        ]
        longest = max((cells(t.agent or "") for t in todos), default=0)
        styles, priority = self._looks_now()
        # Only the rows whose todo changed, unless the column widths or colours did.
        rows: list[int] | None = None
        if (len(looks), longest, styles, priority) == (
            len(self._looks),
            self._longest_agent,
            self._styles,
            self._priority_style,
        ):
            pairs = enumerate(zip(looks, self._looks, strict=True))
            rows = [i for i, (new, old) in pairs if new != old]
        self._todos, self._looks = todos, looks
        self._longest_agent, self._styles, self._priority_style = longest, styles, priority
        self.set_row_count(len(todos), rows=rows)
        if rows is not None:
            self.refresh(Region(0, 0, self.size.width, self.header_lines))  # the count above

    @property
    def selected(self) -> TodoState | None:
        if 0 <= self.cursor < len(self._todos):
            return self._todos[self.cursor]
        return None

    def render_header(self, line: int, width: int) -> Text:
        done = sum(1 for todo in self._todos if todo.status == "completed")
        return Text(f"  {done}/{len(self._todos)} completed")

    def render_row(self, index: int, width: int) -> Text:
        todo = self._todos[index]
        style = self._styles.get(TODO_STATUS_COLOR.get(todo.status, "")[6:], Style())
        text = Text()
        text.append(f"{TODO_GLYPH.get(todo.status, '?')} ", style)
        text.append(PRIORITY_MARK.get(todo.priority, "   "), self._priority_style)
        text.append(" ")
        room = width - text.cell_len
        # Agents in one aligned column; dropped when the panel is too narrow for both.
        agent_cells = min(self._longest_agent, room // 3) if room >= AGENT_COLUMN_MIN_ROOM else 0
        content_cells = max(8, room - (agent_cells + 2 if agent_cells else 0))
        content = clip(todo.content, content_cells)
        text.append(content, Style(strike=todo.status == "completed"))
        if agent_cells and todo.agent:
            text.append(" " * (content_cells - cell_len(content) + 2))
            text.append(clip(todo.agent, agent_cells), Style(dim=True))
        return text

    def action_cycle(self) -> None:
        todo = self.selected
        if todo is not None and not self.read_only:
            self.post_message(TodoStatusRequested(todo.id, NEXT_STATUS.get(todo.status, "pending")))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Hidden (not greyed) in replay: nothing there can be changed.
        return not (action == "cycle" and self.read_only)
