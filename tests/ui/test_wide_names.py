"""Names in scripts whose characters take two cells (`中文`, emoji) keep every panel's columns
aligned: a column is cut and padded by cells, not by characters."""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len

from swarmtui.ui.look import clip, column
from swarmtui.ui.widgets.agents_panel import AgentsPanel
from swarmtui.ui.widgets.log_panel import LogPanel
from swarmtui.ui.widgets.timeline_panel import TimelinePanel
from swarmtui.ui.widgets.todos_panel import TodosPanel

from .helpers import SIZE, app_for, settle, wait_for_state

WIDE = "Łódź 🐝 агент 中文"
BATCH = f"""[Single Message - Wide]:
Task("{WIDE}", "Analyse it. Store the result in memory under 'wide/a'.", "researcher")
Task("Plain", "Read 'wide/a' from memory and build it.", "coder")
TodoWrite({{ todos: [
  {{ id: "1", content: "Analyse it", status: "pending", priority: "high", agent: "{WIDE}" }},
  {{ id: "2", content: "Build it", status: "pending", priority: "high", agent: "Plain" }}
] }})
"""


def test_clip_and_column_count_cells() -> None:
    assert clip("中文中文", 5) == "中文…" and cell_len(clip("中文中文", 5)) <= 5
    assert cell_len(column("中文", 8)) == 8 and cell_len(column("中文中文中文", 5)) == 5
    assert column("\x1b[2J", 8) == "\\x1b[2J "  # still escaped


def _starts(rows: list[str], word: str) -> set[int]:
    """The cell at which WORD starts on each row."""
    return {cell_len(row[: row.index(word)]) for row in rows}


async def test_wide_names_keep_the_columns_aligned(tmp_path: Path) -> None:
    app = app_for(tmp_path, text=BATCH)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        assert screen.bridge is not None
        screen.bridge.flush()
        agents = screen.query_one(AgentsPanel)
        rows = [agents.render_row(i, 100).plain for i in range(2)]
        assert _starts(rows, "pending") == _starts([agents.render_header(0, 100).plain], "status")
        todos = screen.query_one(TodosPanel)
        rows = [todos.render_row(i, 60).plain for i in range(2)]
        assert _starts(rows[:1], "Łódź") == _starts(rows[1:], "Plain"), rows
        await pilot.press("ctrl+r")
        await wait_for_state(pilot, lambda s: s.status == "completed")
        timeline = screen.query_one(TimelinePanel)
        rows = [timeline.render_row(i, 60).plain for i in range(2)]
        # (the bars are one cell a character and as long on each row: the names take as many cells)
        assert all(cell_len(row) == 60 for row in rows), rows
        log = screen.query_one(LogPanel)
        rows = [log.render_row(i, 90).plain for i in range(log.row_count)]
        rows = [row for row in rows if row.rstrip().endswith("started (attempt 1)")]
        assert len(rows) == 2 and len(_starts(rows, "started")) == 1, rows
