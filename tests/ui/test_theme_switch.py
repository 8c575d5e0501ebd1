"""Switching theme repaints every panel in the new colours (nothing left from the old theme in
the log or the todos) and is remembered for the next start."""

from __future__ import annotations

from pathlib import Path

from rich.segment import Segment

from swarmtui.ui.ui_state import remembered_theme
from swarmtui.ui.widgets.log_panel import LogPanel
from swarmtui.ui.widgets.todos_panel import TodosPanel

from .helpers import SIZE, app_for, settle, show_session
from .live_sessions import finished_events


def _colours(panel: LogPanel | TodosPanel) -> set[str]:
    found = set()
    for y in range(panel.header_lines, panel.header_lines + min(8, panel.row_count)):
        segment: Segment
        for segment in panel.render_line(y):
            if segment.style is not None and segment.style.color is not None:
                triplet = segment.style.color.triplet
                if triplet is not None:
                    found.add(triplet.hex)
    return found


async def test_switching_theme_repaints_the_log_and_the_todos(tmp_path: Path) -> None:
    app = app_for(tmp_path, theme="swarm-dark")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await show_session(pilot, finished_events())
        log = app.main_screen.query_one(LogPanel)
        todos = app.main_screen.query_one(TodosPanel)
        dark = app.theme_variables["agent-done"].lower()
        assert dark in _colours(log) and dark in _colours(todos)
        app.theme = "swarm-light"
        await pilot.pause()
        await pilot.pause()
        light = app.theme_variables["agent-done"].lower()
        assert light != dark
        for panel in (log, todos):
            seen = _colours(panel)
            assert light in seen and dark not in seen, (type(panel).__name__, seen)


async def test_the_theme_chosen_is_remembered(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.theme = "swarm-ember"
        await pilot.pause()
    assert remembered_theme() == "swarm-ember"
    again = app_for(tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert again.theme == "swarm-ember"
    # The configuration's own `theme` wins over what was remembered.
    configured = app_for(tmp_path, theme="swarm-light")
    async with configured.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert configured.theme == "swarm-light"


async def test_the_picker_offers_exactly_the_themes_the_configuration_accepts(
    tmp_path: Path, own_config: Path
) -> None:
    from textual.theme import ThemeProvider

    from swarmtui.config import Config, LoadedConfig
    from swarmtui.ui.config_check import theme_problem
    from swarmtui.ui.themes import load_themes

    # A user's theme file is offered (and accepted) like the shipped ones.
    (own_config / "themes").mkdir()
    (own_config / "themes" / "mine.toml").write_text(
        'name = "mine"\ndark = true\n[colors]\nprimary = "#3a7bd5"\n'
    )
    ours = {theme.name for theme in load_themes()[0]}
    assert {"swarm-dark", "swarm-light", "mine"} <= ours
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        offered = {name for name, _ in ThemeProvider(app.screen).commands}
    assert offered == ours  # (none of Textual's own: "ansi-light", "nord"...)
    for name in offered:
        assert theme_problem(LoadedConfig(config=Config(theme=name))) is None, name
    assert theme_problem(LoadedConfig(config=Config(theme="nord"))) is not None


async def test_a_remembered_theme_that_is_gone_quietly_gives_way(tmp_path: Path) -> None:
    from swarmtui.ui.ui_state import remember_theme

    remember_theme("nord")  # (offered by the picker of older versions)
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "swarm-dark"
        assert not [n for n in app._notifications if "theme" in n.message]
