"""Panel rows that must stay readable at any width: todos' agent column, the timeline's figures."""

from __future__ import annotations

from textual.app import App, ComposeResult

from swarmtui.engine.state import SessionState, TodoState
from swarmtui.ui.bridge import Frame
from swarmtui.ui.widgets.timeline_panel import TimelinePanel
from swarmtui.ui.widgets.todos_panel import TodosPanel


def _todos_state() -> SessionState:
    state = SessionState()
    for todo_id, content, agent in (
        ("1", "Compare Postgres", "Postgres Scout"),
        ("2", "Write the recommendation", "Decision Writer"),
        ("3", "No owner", None),
    ):
        state.todos[todo_id] = TodoState(id=todo_id, content=content, agent=agent)
    return state


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield TodosPanel(id="todos")
        yield TimelinePanel(id="timeline")


async def test_todo_agents_line_up_and_give_way_when_narrow() -> None:
    app = Host()
    async with app.run_test(size=(100, 20)):
        panel = app.query_one(TodosPanel)
        panel.paint(Frame(_todos_state()))
        rows = [panel.render_row(i, 60).plain for i in range(3)]
        starts = {rows[0].index("Postgres Scout"), rows[1].index("Decision Writer")}
        assert len(starts) == 1, rows
        assert "Compare Postgres" in rows[0] and rows[2].rstrip().endswith("No owner")
        narrow = [panel.render_row(i, 30).plain for i in range(2)]
        assert "Postgres" in narrow[0] and "Scout" not in narrow[0], narrow
        assert narrow[1].startswith("○ !   Write the recommendation"), narrow


async def test_the_timeline_figures_fit_a_narrow_panel() -> None:
    app = Host()
    async with app.run_test(size=(100, 20)):
        panel = app.query_one(TimelinePanel)
        panel.paint(Frame(SessionState()))
        wide = panel.render_header(0, 100).plain
        assert "sequential" in wide and "critical path" in wide
        narrow = panel.render_header(0, 56).plain
        assert len(narrow) <= 56 and "crit. path 0.0s" in narrow, narrow
