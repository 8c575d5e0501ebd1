"""Talking to a running agent from its detail screen, and what its backend reports there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input, Static

from swarmtui.config import Backends, CommandOptions
from swarmtui.engine.settings import RunSettings
from swarmtui.ui.screens.agent_detail import AgentDetailScreen

from .helpers import SIZE, app_for, settle, wait_for_state

LISTENER = (
    'echo ready; while IFS= read -r line; do case "$line" in '
    'msg:*) echo "got $line"; exit 0;; esac; done'
)


def _listener_app(tmp_path: Path) -> Any:
    """The app with one agent whose program echoes what it reads on its standard input."""
    settings = RunSettings(
        backend="command",
        command_template=LISTENER,
        backends=Backends(command=CommandOptions(keep_stdin_open=True)),
    )
    return app_for(tmp_path, text='Task("Listener", "Wait for a message.")\n', settings=settings)


async def _listener_detail(pilot: Any) -> None:
    """Run it, and once its program listens, open its detail."""
    await settle(pilot)
    await pilot.press("ctrl+r")
    await wait_for_state(
        pilot, lambda s: any("ready" in line for line in s.agents["Listener"].output_tail)
    )
    await pilot.press("alt+2", "enter")
    await pilot.pause()


async def test_a_message_typed_in_the_detail_reaches_the_running_agent(tmp_path: Path) -> None:
    app = _listener_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _listener_detail(pilot)
        detail = app.screen
        assert isinstance(detail, AgentDetailScreen)
        box = detail.query_one("#detail-send", Input)
        box.focus()
        box.value = "msg: typed in the app"
        await pilot.press("enter")
        state = await wait_for_state(pilot, lambda s: s.agents["Listener"].status == "done")
        listener = state.agents["Listener"]
        assert listener.result == "ready\ngot msg: typed in the app\n"
        assert [(m[1], m[2]) for m in listener.messages] == [("user", "msg: typed in the app")]
        assert box.value == ""  # taken
        await pilot.pause()
        activity = detail.query_one("#detail-activity", Static)
        assert "» user: msg: typed in the app" in str(activity.render())


async def test_what_is_typed_in_a_running_agents_detail_goes_to_it(tmp_path: Path) -> None:
    app = _listener_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _listener_detail(pilot)
        assert isinstance(app.screen, AgentDetailScreen)
        # `m` (in the key bar) and the message, no click and no tab: the keys went to the
        # left-hand pane, and the message was lost. Typed in the box, `d` and `m` are letters.
        await pilot.press("m")
        assert isinstance(app.focused, Input) and app.focused.id == "detail-send"
        await pilot.press("m", "s", "g", "colon", "space", "h", "i", "enter")
        state = await wait_for_state(pilot, lambda s: s.agents["Listener"].status == "done")
        assert state.agents["Listener"].result == "ready\ngot msg: hi\n"


async def test_the_message_box_is_there_only_while_the_agent_runs(tmp_path: Path) -> None:
    app = app_for(tmp_path, text='Task("Quick", "Do it.", "coder")\n')
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await wait_for_state(pilot, lambda s: s.status == "completed")
        await pilot.press("alt+2", "enter")
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, AgentDetailScreen) and detail.agent_name == "Quick"
        # (it said "A message to this agent while it runs" to an agent that was done)
        assert not detail.query_one("#detail-send", Input).display
