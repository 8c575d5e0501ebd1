"""The approval queue in the app: what waits shows on its agent and in the status bar, one key
opens the queue, and from there the user approves once, approves a pattern for the session, or
denies with a reason. Real sessions (command backend, real sandboxed commands, a stand-in for
Claude Code), driven with Pilot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, OptionList

from swarmtui.engine.events import ApprovalDecided, ApprovalRequested, Event
from swarmtui.engine.settings import RunSettings
from swarmtui.policy.tables import PermissionsConfig, SandboxConfig
from swarmtui.store import read_events
from swarmtui.ui.screens.approvals import ApprovalsScreen
from swarmtui.ui.widgets.agents_panel import AgentsPanel
from swarmtui.ui.widgets.status_bar import StatusBar
from tests.backends.test_claude_permissions import StandIn

from .helpers import SIZE, app_for, settle, show_session, steady, top, wait_for_state
from .live_sessions import mid_run_events

BATCH = """\
[Single Message - Release]:
Bash("echo approved > approved.txt")
Bash("echo refused > refused.txt")
"""


def _settings(**changes: Any) -> RunSettings:
    values: dict[str, Any] = {
        "backend": "command",
        "command_template": "echo done",
        "approvals": "wait",
        **changes,
    }
    return RunSettings(**values)


async def test_approve_once_and_deny_with_a_reason_from_the_queue(tmp_path: Path) -> None:
    app = app_for(tmp_path, BATCH, settings=_settings())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        state = await wait_for_state(pilot, lambda s: len(s.awaiting) == 2)
        main = app.main_screen
        bar = main.query_one(StatusBar).render_status().plain
        assert "⚑ 2 awaiting approval (a)" in bar
        await pilot.press("a")
        await pilot.pause()
        queue = top(app)
        assert isinstance(queue, ApprovalsScreen)
        listed = queue.query_one(OptionList)
        assert listed.option_count == 2
        assert (
            str(listed.get_option_at_index(0).prompt) == "batch  Bash  echo approved > approved.txt"
        )
        detail = str(queue.query_one("#approvals-detail").render())
        assert "the batch itself" in detail
        assert "no rule matches 'echo approved > approved.txt'; the default is ask" in detail
        assert "Bash(echo:*) for the rest of the session" in detail
        assert str(main.controller.session_path) in detail  # the folder it runs in
        await pilot.press("y")
        state = await wait_for_state(pilot, lambda s: len(s.awaiting) == 1)
        await pilot.pause()
        assert listed.option_count == 1
        await pilot.press("n")
        await pilot.pause()
        reason = queue.query_one("#deny-reason", Input)
        assert reason.has_focus
        await pilot.press(*"not in this repo")
        await pilot.press("enter")
        state = await wait_for_state(pilot, lambda s: s.status != "running")
        await settle(pilot)
        assert str(queue.query_one("#approvals-title").render()) == "Nothing waits for approval."
        assert not listed.display  # (no empty box under it)
        await pilot.press("escape")
        await pilot.pause()
        assert top(app) is main
    folder = main.controller.session_path
    assert folder is not None
    assert (folder / "approved.txt").read_text() == "approved\n"
    assert not (folder / "refused.txt").exists()
    assert [(b.status, b.permission) for b in state.bash.values()] == [
        ("done", "approved by the user"),
        ("denied", "denied by the user: not in this repo"),
    ]
    decided = [e for e in read_events(folder) if isinstance(e, ApprovalDecided)]
    assert [(e.by, e.verdict, e.reason) for e in decided] == [
        ("user", "allow", "approved by the user"),
        ("user", "deny", "not in this repo"),
    ]


async def test_approving_the_pattern_lets_every_command_it_covers_through(tmp_path: Path) -> None:
    app = app_for(tmp_path, BATCH, settings=_settings())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await wait_for_state(pilot, lambda s: len(s.awaiting) == 2)
        await pilot.press("f9")  # (the other key: works from the editor too)
        await pilot.pause()
        assert isinstance(top(app), ApprovalsScreen)
        await pilot.press("s")
        state = await wait_for_state(pilot, lambda s: s.status != "running")
    assert [b.status for b in state.bash.values()] == ["done", "done"]
    assert [(a.by, a.scope, a.rule) for a in state.approvals] == [
        ("user", "session", "Bash(echo:*)"),
        ("rule", "once", "Bash(echo:*)"),
    ]


async def test_an_agent_waiting_for_claudes_permission_shows_it_and_is_approved_in_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stand_in = StandIn(tmp_path / "stand-in", monkeypatch)
    stand_in.wants(("Write", {"file_path": "notes/plan.md", "content": "the plan"}))
    batch = 'Task("Coder", "Write the plan.", "coder")\n'
    app = app_for(tmp_path, batch, settings=RunSettings(**stand_in.settings(approvals="wait")))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        state = await wait_for_state(pilot, lambda s: bool(s.agents["Coder"].awaiting))
        panel = app.main_screen.query_one(AgentsPanel)
        row = panel.render_row(0, 130).plain
        assert "Coder" in row and "⚑ awaiting approval (a)" in row
        await pilot.press("a")
        await pilot.pause()
        queue = top(app)
        assert isinstance(queue, ApprovalsScreen)
        assert str(queue.query_one(OptionList).get_option_at_index(0).prompt) == (
            "Coder  Write  notes/plan.md"
        )
        await pilot.press("y")
        state = await wait_for_state(pilot, lambda s: s.status != "running")
        await settle(pilot)
        assert "awaiting approval" not in panel.render_row(0, 130).plain
    assert state.agents["Coder"].status == "done"
    assert stand_in.answers() == [
        {"behavior": "allow", "updatedInput": {"file_path": "notes/plan.md", "content": "the plan"}}
    ]


async def test_the_queue_key_is_in_the_palette_and_can_be_remapped(tmp_path: Path) -> None:
    app = app_for(tmp_path, BATCH, settings=_settings(), keymap={"approvals.open": "f10"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main: Screen[Any] = app.main_screen
        commands = {c.title: c.help for c in app.get_system_commands(main)}
        assert commands["Approvals"] == (
            "Open the approval queue: what waits for your decision (f10)"
        )
        await pilot.press("f10")
        await pilot.pause()
        queue = top(app)
        assert isinstance(queue, ApprovalsScreen)
        assert str(queue.query_one("#approvals-title").render()) == "Nothing waits for approval."
        assert not queue.query_one(OptionList).display  # (no empty box under it)
        shown: Screen[Any] = queue
        titles = {c.title for c in app.get_system_commands(shown)}
        assert "Close" in titles and "Approve once" not in titles  # nothing to approve


def _awaiting_events() -> list[Event]:
    """A session mid-run where Backend (a claude agent) and the batch wait for approval."""
    events = mid_run_events()
    last = events[-1].t
    events += [
        ApprovalRequested(
            seq=len(events) + 1,
            t=last + 0.1,
            id="r1",
            kind="tool",
            agent="Backend",
            tool="Bash",
            subject="npm install express@5 \x1b]0;title\x07",
            reason="no rule matches 'npm install express@5'; the default is ask",
            pattern="Bash(npm install:*)",
        ),
        ApprovalRequested(
            seq=len(events) + 2,
            t=last + 0.2,
            id="r2",
            kind="bash",
            op=7,
            tool="Bash",
            subject="gh pr create --fill",
            cwd="repo",
            reason="asks by Bash(gh pr:*) (swarmtui.toml: permissions.ask)",
            rule="Bash(gh pr:*)",
            pattern="Bash(gh pr:*)",
        ),
    ]
    return events


def test_snapshot_of_the_queue_and_the_waiting_agent(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await steady(pilot)
        await show_session(pilot, _awaiting_events())
        await pilot.press("alt+2")
        await pilot.press("a")
        await pilot.pause()

    app = app_for(tmp_path, settings=RunSettings(rehearsal_seconds=0.01))
    assert snap_compare(app, terminal_size=(130, 38), run_before=run_before)


async def test_the_app_says_once_when_commands_run_unsandboxed(tmp_path: Path) -> None:
    settings = _settings(
        approvals="deny",
        sandbox=SandboxConfig(enabled=False),
        permissions=PermissionsConfig(allow=("Bash(echo:*)",)),
    )
    app = app_for(tmp_path, BATCH, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        state = await wait_for_state(pilot, lambda s: s.status != "running")
        await settle(pilot)
        said = [n.message for n in app._notifications if "sandbox off" in n.message]
    assert said == ["sandbox off ([sandbox] enabled = false): allowed commands run unconfined"]
    assert [b.status for b in state.bash.values()] == ["done", "done"]
