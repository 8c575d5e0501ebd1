"""An agent's detail: opened with enter, its artifacts, the pager."""

from __future__ import annotations

from pathlib import Path

from textual.containers import VerticalScroll
from textual.widgets import OptionList, TextArea

from swarmtui.engine.state import AgentState, SessionState
from swarmtui.ui.screens.agent_detail import AgentDetailScreen, ArtifactPager

from .helpers import (
    SIZE,
    ScreenHost,
    app_for,
    settle,
    show_session,
    top,
)
from .live_sessions import (
    mid_run_events,
)


async def test_enter_on_an_agent_opens_its_detail_and_escape_returns(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await show_session(pilot, mid_run_events())
        await pilot.press("alt+2")
        await pilot.press("down")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AgentDetailScreen)
        assert app.screen.agent_name == "Backend"
        await pilot.press("escape")
        await pilot.pause()
        assert top(app) is screen


async def test_agent_detail_shows_an_artifact_in_the_pager(tmp_path: Path) -> None:
    from textual.widgets import OptionList

    from swarmtui.ui.screens.agent_detail import ArtifactPager

    app = app_for(tmp_path, text='Task("Solo", "Write a short report.", "general")\n')
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        screen = app.main_screen
        solo = screen.state.agents["Solo"]
        assert solo.status == "done" and solo.artifacts
        await pilot.press("alt+2", "enter")
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, AgentDetailScreen)
        artifacts = detail.query_one("#detail-artifacts", OptionList)
        assert app.focused is detail.query_one("#detail-output-scroll")
        await pilot.press("tab")  # (the output first, then the artifacts)
        assert app.focused is artifacts and artifacts.option_count == len(solo.artifacts)
        artifacts.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ArtifactPager)
        assert screen.controller.live is not None
        expected = (screen.controller.live.path / solo.artifacts[0]).read_text()
        assert app.screen.query_one(TextArea).text == expected
        await pilot.press("escape")
        await pilot.pause()
        assert top(app) is detail


async def test_enter_on_the_artifacts_opens_the_first_without_moving(tmp_path: Path) -> None:
    app = app_for(tmp_path, text='Task("Solo", "Write a short report.", "general")\n')
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        solo = app.main_screen.state.agents["Solo"]
        assert solo.status == "done" and solo.artifacts
        await pilot.press("f3", "enter")
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, AgentDetailScreen)
        await pilot.press("tab")
        assert app.focused is detail.query_one("#detail-artifacts", OptionList)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ArtifactPager)


async def test_the_output_has_the_focus_and_shows_it_home_and_end_read_it(tmp_path: Path) -> None:
    state = SessionState()
    agent = AgentState(name="Evil", status="done")
    agent.output_tail.extend(f"line {n}" for n in range(200))
    state.agents["Evil"] = agent
    app = ScreenHost(lambda: AgentDetailScreen(state, "Evil"))
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        detail = app.screen
        output = detail.query_one("#detail-output-scroll", VerticalScroll)
        left = detail.query_one("#detail-left", VerticalScroll)
        assert app.focused is output and output.max_scroll_y > 0
        assert output.scroll_y == output.max_scroll_y  # (opens at the end: the latest lines)
        lit = output.styles.border.top[1]
        await pilot.press("home")
        await pilot.pause()
        assert output.scroll_y == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert output.scroll_y > 0
        await pilot.press("end")
        await pilot.pause()
        assert output.scroll_y == output.max_scroll_y
        left.focus()
        await pilot.pause()
        assert output.styles.border.top[1] != lit  # (the border says where the keys go)
