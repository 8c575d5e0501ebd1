"""`make_app(read_only=True)`, as `serve --read-only` serves it: no control runs or changes."""

from __future__ import annotations

from pathlib import Path

from swarmtui.engine.settings import RunSettings
from swarmtui.ui.app import SwarmApp, make_app
from swarmtui.ui.widgets.agents_panel import AgentsPanel
from swarmtui.ui.widgets.todos_panel import TodosPanel

CONTROLS = {"run", "save", "open", "pause", "cancel_session", "store_memory"}


def app_for(tmp_path: Path, *, read_only: bool) -> SwarmApp:
    return make_app(
        settings=RunSettings(rehearsal_seconds=0.01),
        sessions_dir=tmp_path / "sessions",
        freeze_gc=False,
        read_only=read_only,
    )


def _enabled_actions(app: SwarmApp) -> set[str]:
    bindings = app.main_screen.active_bindings.values()
    return {b.binding.action for b in bindings if b.enabled}


async def test_read_only_hides_the_controls_and_runs_nothing(tmp_path: Path) -> None:
    app = app_for(tmp_path, read_only=True)
    async with app.run_test(size=(130, 38)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        main = app.main_screen
        assert not _enabled_actions(app) & CONTROLS
        assert main.editor.read_only
        assert main.query_one(AgentsPanel).read_only and main.query_one(TodosPanel).read_only
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Save as…" not in titles
        assert not any(title.startswith("Open example") for title in titles)
        before = main.editor.text
        await pilot.press("ctrl+r", "ctrl+s", "x", "y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert main.editor.text == before  # typing changed nothing
        assert not (tmp_path / "sessions").exists()  # no session was started
        # Watching is still possible: the sessions browser and help open.
        await pilot.press("f1")
        assert type(app.screen).__name__ == "HelpScreen"


async def test_the_normal_app_keeps_them(tmp_path: Path) -> None:
    app = app_for(tmp_path, read_only=False)
    async with app.run_test(size=(130, 38)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert {"run", "save", "open"} <= _enabled_actions(app)
        assert not app.main_screen.editor.read_only
