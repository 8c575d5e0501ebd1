"""Issue 11.1 in the app: whatever a hostile session holds, the screen's strips (what Textual
writes to the terminal) carry no control character, and the hostile text is shown escaped."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from textual.app import App
from textual.pilot import Pilot

from swarmtui.engine.events import FileWritten
from swarmtui.engine.settings import RunSettings
from swarmtui.store import read_events
from swarmtui.ui.app import make_app
from swarmtui.ui.screens.agent_detail import AgentDetailScreen, ArtifactPager
from swarmtui.ui.screens.compare import CompareScreen
from swarmtui.ui.screens.replay import ReplayScreen
from swarmtui.ui.screens.sessions import SessionsScreen
from swarmtui.ui.widgets.agents_panel import AgentsPanel
from swarmtui.ui.widgets.memory_panel import MemoryPanel

from ..ui.helpers import SIZE, settle, wait_for_state, workers_done
from .hostile import BATCH, COMMAND

DANGEROUS = {"Cc", "Cf", "Cs", "Zl", "Zp"}
EVIL = "evil\x1b]0;PWNED\x07\u202eagent"
SHOWN = "\\x1b]0;PWNED\\x07"


def screen_text(app: App[Any]) -> str:
    """Every character the screen's strips hold, line by line."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def assert_clean(app: App[Any], where: str) -> str:
    text = screen_text(app)
    raw = sorted(
        {f"U+{ord(c):04X}" for c in text if c != "\n" and unicodedata.category(c) in DANGEROUS}
    )
    assert raw == [], f"{where}: raw control characters on screen: {raw}"
    return text


async def replayed(pilot: Pilot[Any]) -> ReplayScreen:
    await pilot.pause()
    await workers_done(pilot.app)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ReplayScreen)
    return screen


async def test_replay_panels_detail_pager_and_memory(hostile: dict[str, Path]) -> None:
    app = make_app(replay=hostile["session"], sessions_dir=hostile["sessions"], freeze_gc=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await replayed(pilot)
        text = assert_clean(app, "replay")
        assert "\\u202e" in text  # the title and the names, visible
        for key in ("f3", "f4", "f5", "f6", "f7"):  # each pane focused (and so maximised)
            await pilot.press(key)
            await pilot.pause()
            assert_clean(app, f"replay, {key}")
        # The agent's detail: name, reason, output (colours parsed), artifacts.
        agents = screen.query_one(AgentsPanel)
        names = list(agents.state.agents)
        for name in names:
            agents.cursor = names.index(name)
            await pilot.press("f3", "enter")
            await pilot.pause()
            assert isinstance(app.screen, AgentDetailScreen)
            text = assert_clean(app, f"detail of {name!r}")
            assert "PWNED" in text
            await pilot.press("escape")
            await pilot.pause()
        # The file the batch wrote under a hostile name, with hostile content, in the pager.
        written = [e for e in read_events(hostile["session"]) if e.type == "file_written"]
        relative = next(e.path for e in written if isinstance(e, FileWritten) and "PWNED" in e.path)
        content = (hostile["session"] / relative).read_text(encoding="utf-8")
        assert "\x1b]0;PWNED" in content
        app.push_screen(ArtifactPager(relative, content))
        await pilot.pause()
        text = assert_clean(app, "artifact pager")
        assert f"content {SHOWN}" in text
        await pilot.press("escape")
        await pilot.pause()
        # A hostile memory key: the tree and the value beside it.
        memory = screen.query_one(MemoryPanel)
        key = next(k for (_ns, k) in memory.state.memory if "aGFja2Vk" in k)
        await pilot.press("f5")
        memory.select_key("default", key)
        await pilot.pause()
        text = assert_clean(app, "memory")
        assert "aGFja2Vk" in text, text


async def test_sessions_browser_and_compare(hostile: dict[str, Path]) -> None:
    app = make_app(sessions_dir=hostile["sessions"], freeze_gc=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(SessionsScreen(hostile["sessions"]))
        await pilot.pause()
        await workers_done(app)
        await pilot.pause()
        text = assert_clean(app, "sessions browser")
        assert "\\u202e" in text
    session = hostile["session"]
    app = make_app(compare=(session, session), sessions_dir=hostile["sessions"], freeze_gc=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await workers_done(app)
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)
        for key in ("a", "m", "f", "b"):
            await pilot.press(key)
            await pilot.pause()
            assert_clean(app, f"compare, {key}")


async def test_a_live_run_the_editor_and_the_toasts(tmp_path: Path) -> None:
    settings = RunSettings(backend="command", command_template=COMMAND, approvals="grant")
    app = make_app(text=BATCH, settings=settings, sessions_dir=tmp_path / "s", freeze_gc=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert_clean(app, "editor")  # the batch's raw escapes, one glyph each
        await pilot.press("ctrl+r")
        await wait_for_state(pilot, lambda state: state.finished or state.held)
        if not app.main_screen.state.finished:  # held open for a retry: the user ends it
            app.main_screen.controller.cancel_session()
            await wait_for_state(pilot, lambda state: state.finished)
        text = assert_clean(app, "live run")
        assert SHOWN in text
        app.notify(f"a toast about {EVIL}", title=EVIL)
        await pilot.pause()
        text = assert_clean(app, "toast")
        assert f"a toast about evil{SHOWN}" in text
