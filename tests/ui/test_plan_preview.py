"""Before a run, the agents and todos panels show the batch's plan and the status bar what it may
use (an estimate); a run replaces them."""

from __future__ import annotations

from pathlib import Path

from swarmtui.config import Backends, OpenAIOptions, Price
from swarmtui.engine.settings import RunSettings
from swarmtui.ui.app import make_app
from swarmtui.ui.screens.agent_detail import AgentDetailScreen
from swarmtui.ui.widgets.agents_panel import AgentsPanel
from swarmtui.ui.widgets.status_bar import StatusBar
from swarmtui.ui.widgets.todos_panel import TodosPanel

from .helpers import settle, top

SIZE = (140, 42)

BATCH = """[Single Message - Plan]:
TodoWrite({ todos: [
  { id: "1", content: "Design the schema", status: "pending", priority: "high" },
  { id: "2", content: "Build the API", status: "pending", priority: "medium" }
] })
Task("Schema Designer",
     "Design the schema. Store it in memory under 'swarm/api/schema'.", "system-architect")
Task("Backend", "Wait for 'swarm/api/schema' then build the API.", "backend-dev")
"""


def _rows(panel: AgentsPanel | TodosPanel) -> list[str]:
    return [panel.render_row(i, 130).plain for i in range(panel.row_count)]


async def test_planned_agents_and_todos_before_a_run_then_the_live_session(
    tmp_path: Path,
) -> None:
    app = make_app(
        text=BATCH,
        settings=RunSettings(rehearsal_seconds=0.01),
        sessions_dir=tmp_path / "sessions",
        freeze_gc=False,
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        assert screen.bridge is not None
        screen.bridge.flush()
        agents = screen.query_one(AgentsPanel)
        rows = _rows(agents)
        assert len(rows) == 2, rows
        assert "Schema Designer" in rows[0] and "pending" in rows[0], rows[0]
        assert "→ swarm/api/schema" in rows[0], rows[0]
        # The inferred wait, with the agent expected to store the key.
        assert "Backend" in rows[1] and "backend-dev" in rows[1] and "pending" in rows[1]
        assert "◔ swarm/api/schema ← Schema Designer" in rows[1], rows[1]
        todos = screen.query_one(TodosPanel)
        todo_rows = _rows(todos)
        assert len(todo_rows) == 2 and "Design the schema" in todo_rows[0], todo_rows
        assert screen.state.agents["Backend"].providers == {"swarm/api/schema": ["Schema Designer"]}
        # Enter on a planned agent opens its detail, which knows the agent; the plan stays.
        screen.focus_pane("agents")
        agents.cursor = 1
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AgentDetailScreen)
        assert app.screen.agent is not None and app.screen.agent.type == "backend-dev"
        await pilot.press("escape")
        await settle(pilot)
        screen.bridge.flush()
        assert top(app) is screen and agents.row_count == 2

        # An edit re-plans (with the debounced parse): a renamed agent shows up renamed.
        screen.document.lint_delay = 0
        screen.editor.load_text(BATCH.replace('"Backend"', '"API Builder"'))
        await pilot.pause()
        await settle(pilot)
        screen.bridge.flush()
        rows = _rows(agents)
        assert "API Builder" in rows[1] and not any("Backend " in r for r in rows), rows

        # A run replaces the plan with the live session.
        await pilot.press("ctrl+r")
        await settle(pilot)
        screen.bridge.flush()
        assert screen.state.status == "completed"
        rows = _rows(agents)
        assert len(rows) == 2 and all("done" in r for r in rows), rows
        # Edits after the run keep the session on screen.
        screen.editor.load_text(BATCH)
        await pilot.pause()
        await settle(pilot)
        screen.bridge.flush()
        assert all("done" in r for r in _rows(agents))

        # Another batch (new, opened) leaves the ended session to the sessions browser: the
        # panels show the new batch's plan, and one that cannot run never looks completed.
        await pilot.press("ctrl+n")
        await settle(pilot)
        screen.bridge.flush()
        assert screen.state.status != "completed" and agents.row_count == 0
        assert "no session yet" in screen.query_one(StatusBar).render_status().plain
        screen.editor.load_text('Task("Solo", "Build it alone.", "coder")\n')
        await pilot.pause()
        await settle(pilot)
        screen.bridge.flush()
        rows = _rows(agents)
        assert len(rows) == 1 and "Solo" in rows[0] and "pending" in rows[0], rows


async def test_a_batch_without_tasks_keeps_the_empty_hint(tmp_path: Path) -> None:
    app = make_app(text="", sessions_dir=tmp_path / "sessions", freeze_gc=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        assert screen.bridge is not None
        screen.bridge.flush()
        assert screen.query_one(AgentsPanel).row_count == 0
        assert screen.query_one(TodosPanel).row_count == 0


def _status(app: object) -> str:
    from swarmtui.ui.app import SwarmApp

    assert isinstance(app, SwarmApp)
    return app.main_screen.query_one(StatusBar).render_status().plain


async def test_the_status_bar_estimates_the_batch_before_a_run_and_follows_edits(
    tmp_path: Path,
) -> None:
    # An OpenAI-compatible backend that is never called: an estimate runs nothing.
    settings = RunSettings(
        backend="openai",
        base_url="http://127.0.0.1:9/v1",
        model="m",
        backends=Backends(openai=OpenAIOptions(max_tokens=300)),
        prices={"m": Price(input=1.0, output=2.0)},
    )
    app = make_app(
        text=BATCH, settings=settings, sessions_dir=tmp_path / "sessions", freeze_gc=False
    )
    async with app.run_test(size=(200, 42)) as pilot:
        await settle(pilot)
        status = _status(app)
        # Two answers of max_tokens each, the prompts' tokens, the price: marked as an estimate.
        assert "no session yet · estimate: ~" in status, status
        assert " in, ~600 tok out · ~$0.0" in status, status
        # A third agent, typed in: the estimate follows (with the debounced parse).
        screen = app.main_screen
        screen.document.lint_delay = 0
        third = 'Task("Docs", "Write the docs.", "researcher")\n'
        screen.editor.load_text(BATCH + third)
        await pilot.pause()
        await settle(pilot)
        assert " in, ~900 tok out · ~$0.0" in _status(app), _status(app)
        # Without a price: the tokens, and which agents have none.
        app.settings = RunSettings(
            backend="openai",
            base_url="http://127.0.0.1:9/v1",
            model="unpriced",
            backends=Backends(openai=OpenAIOptions(max_tokens=300)),
        )
        screen.editor.load_text(BATCH)
        await pilot.pause()
        await settle(pilot)
        status = _status(app)
        assert "~600 tok out (2 without a price)" in status and "$" not in status, status
    assert not (tmp_path / "sessions").exists()  # nothing ran


async def test_a_rehearsal_says_nothing_is_spent_until_it_runs(tmp_path: Path) -> None:
    app = make_app(
        text=BATCH,
        settings=RunSettings(rehearsal_seconds=0.01),
        sessions_dir=tmp_path / "sessions",
        freeze_gc=False,
    )
    async with app.run_test(size=(200, 42)) as pilot:
        await settle(pilot)
        assert "no session yet · estimate: nothing is spent (rehearsal)" in _status(app)
        await pilot.press("ctrl+r")
        await settle(pilot)
        screen = app.main_screen
        assert screen.bridge is not None
        screen.bridge.flush()
        assert screen.state.status == "completed"
        assert "estimate" not in _status(app)  # the session's own figures replace it
