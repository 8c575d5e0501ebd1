"""Fixes from a newcomer's review of the main screen, each driven with Pilot."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from textual._ansi_sequences import ANSI_SEQUENCES_KEYS
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Footer, Input, Label, OptionList, TextArea
from textual.widgets._footer import FooterKey

from swarmtui.engine.events import AgentUsage, Event
from swarmtui.engine.settings import RunSettings
from swarmtui.ui.app import SwarmApp, make_app
from swarmtui.ui.screens.agent_detail import AgentDetailScreen, ArtifactPager
from swarmtui.ui.screens.confirm_quit import ConfirmQuitScreen
from swarmtui.ui.screens.help import binding_rows
from swarmtui.ui.screens.memory_form import MemoryFormScreen
from swarmtui.ui.screens.replay import ReplayScreen
from swarmtui.ui.widgets.agents_panel import AgentsPanel
from swarmtui.ui.widgets.batch_editor import Highlight, LazyHighlights
from swarmtui.ui.widgets.diagnostics_list import MAX_SHOWN, DiagnosticsList
from swarmtui.ui.widgets.status_bar import StatusBar

from .main_data import DIAGNOSTICS_BATCH, mid_run_events, settle, show_session, wait_for_state
from .replay_data import ScreenHost, make_sessions

SIZE = (140, 42)


def app_for(tmp_path: Path, text: str | None = None, **kwargs: object) -> SwarmApp:
    settings = kwargs.pop("settings", None) or RunSettings(rehearsal_seconds=0.01)
    return make_app(
        text=text,
        settings=settings,  # type: ignore[arg-type]
        sessions_dir=tmp_path / "sessions",
        freeze_gc=False,
        **kwargs,  # type: ignore[arg-type]
    )


def _with_usage(events: list[Event]) -> list[Event]:
    extra: list[Event] = [
        AgentUsage(agent="Backend", tokens_in=10_000, tokens_out=2_300, cost_usd=0.04, t=5.5),
        AgentUsage(agent="Frontend", tokens_in=500, tokens_out=200, cost_usd=0.01, t=5.6),
    ]
    for offset, event in enumerate(extra, start=1):
        event.seq = len(events) + offset
    return events + extra


async def test_tokens_and_cost_show_in_the_agents_panel_and_status_bar(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await show_session(pilot, _with_usage(mid_run_events()))
        panel = screen.query_one(AgentsPanel)
        rows = {panel.render_row(i, 100).plain for i in range(panel.row_count)}
        backend = next(row for row in rows if row[2:].startswith("Backend"))
        assert "12.3k tok" in backend and "$0.04" in backend, backend
        assert "tokens" in panel.render_header(0, 100).plain
        status = str(screen.status_bar.render_status())
        assert "13.0k tok" in status and "$0.05" in status, status


async def test_tokens_and_cost_are_hidden_when_zero(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await show_session(pilot, mid_run_events())
        panel = screen.query_one(AgentsPanel)
        assert "tokens" not in panel.render_header(0, 100).plain
        assert not any("tok" in panel.render_row(i, 100).plain for i in range(panel.row_count))
        status = str(screen.status_bar.render_status())
        assert "tok" not in status and "$" not in status, status


async def type_in_terminal(pilot: Pilot[Any], data: str) -> None:
    """Send `data` as a terminal would: through Textual's own input parser to the app."""
    driver = pilot.app._driver
    assert driver is not None
    for event in XTermParser().feed(data):
        driver.send_message(event)
        await pilot.pause()


async def test_alt_digit_characters_focus_the_panes_outside_the_editor(tmp_path: Path) -> None:
    # What a terminal's alt+1…6 (ESC+digit) becomes once Textual has read it.
    characters = [ANSI_SEQUENCES_KEYS[f"\x1b{n}"] for n in range(1, 7)]
    assert characters == ["¡", "™", "£", "¢", "∞", "§"]
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        expected = ["editor", "agents", "todos", "memory-tree", "log", "timeline"]
        for number, widget_id in enumerate(expected, start=1):
            await pilot.press("f6")  # from the log pane
            await type_in_terminal(pilot, f"\x1b{number}")
            assert app.focused is not None and app.focused.id == widget_id, number
        editor = app.main_screen.editor
        await pilot.press("f2")
        assert app.focused is editor
        before = editor.text
        await type_in_terminal(pilot, "\x1b2")  # the editor types it: focus stays
        assert app.focused is editor and editor.text != before and "™" in editor.text


async def test_palette_lists_each_focus_command_once(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = [command.title for command in app.get_system_commands(app.main_screen)]
        focus = [title for title in titles if "agents" in title.lower()]
        assert focus == ["Focus agents"], focus
        assert "Agents" not in titles


def _many_problems(lines: int) -> str:
    body = [
        f'Task("Agent {i}", "Write part {i}", "nosuchtype", {{bogus: 1}})' for i in range(lines)
    ]
    return "[Single Message - Big]:\n" + "\n".join(body) + "\n"


async def test_a_huge_diagnostics_list_shows_the_first_ones_and_a_count(tmp_path: Path) -> None:
    app = app_for(tmp_path, text=_many_problems(300))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        listing = screen.query_one(DiagnosticsList)
        total = len(screen.document.diagnostics)
        assert total > MAX_SHOWN
        assert listing.option_count == MAX_SHOWN + 1
        more = listing.get_option_at_index(MAX_SHOWN)
        assert more.disabled and f"+{total - MAX_SHOWN:,} more" in str(more.prompt)
        assert "errors" in str(listing.border_title)
        # Every problem is still underlined in the editor, the last one included.
        last = max(screen.document.diagnostics, key=lambda d: d.line)
        assert screen.editor._by_line.get(last.line - 1)


async def test_the_editor_highlights_painted_rows_as_textarea_would(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = app.main_screen.editor
        await pilot.press("ctrl+end", "enter", *'Task("x", "`a', "enter", *'b`")')
        lazy = editor._highlights
        assert isinstance(lazy, LazyHighlights)
        rows = editor.document.line_count
        mine = {row: sorted(lazy[row]) for row in range(rows)}
        full: defaultdict[int, list[Highlight]] = defaultdict(list)
        editor._highlights = full
        TextArea._build_highlight_map(editor)  # Textual's own: the whole document at once
        assert any(mine.values())
        assert mine == {row: sorted(full[row]) for row in range(rows)}


async def test_the_confirm_dialog_wraps_a_long_detail(tmp_path: Path) -> None:
    detail = "The batch has unsaved changes (" + "/very/long/folder" * 8 + "/batch.swarm.js)."
    app = app_for(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        app.push_screen(ConfirmQuitScreen(question="Quit swarmtui?", detail=detail))
        await pilot.pause()
        label = app.screen.query_one("#detail", Label)
        dialog = app.screen.query_one("#dialog")
        assert label.size.height > 1
        assert label.region.right <= dialog.content_region.right
        shown = "".join(strip.text for strip in label.render_lines(label.region.reset_offset))
        assert "batch.swarm.js)." in shown.replace(" ", "")


async def test_replaying_an_interrupted_session_says_interrupted(tmp_path: Path) -> None:
    sessions = make_sessions(tmp_path / "sessions")
    app = ScreenHost(lambda: ReplayScreen(sessions["interrupted"]))
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReplayScreen) and screen.cursor is not None
        status = str(screen.query_one(StatusBar).render_status())
        assert "· interrupted ·" in status and "running" not in status, status
        await pilot.press("left")  # one event earlier the session was still running
        assert "· running ·" in str(screen.query_one(StatusBar).render_status())
    finished = ScreenHost(lambda: ReplayScreen(sessions["release"]))
    async with finished.run_test(size=(140, 40)) as pilot:
        await finished.workers.wait_for_complete()
        await pilot.pause()
        assert "interrupted" not in str(finished.screen.query_one(StatusBar).render_status())


def _binding_ids(app: SwarmApp) -> set[str]:
    return {b.binding.id or "" for b in app.main_screen.active_bindings.values()}


TWO_AGENTS = """[Single Message - Two]:
Task("Alpha", "Build the thing.", "coder")
Task("Gamma", "Build another thing.", "coder")
"""


async def test_cancel_and_retry_show_only_where_they_apply(tmp_path: Path) -> None:
    app = app_for(tmp_path, text=TWO_AGENTS, settings=RunSettings(rehearsal_seconds=30))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await wait_for_state(pilot, lambda s: all(a.status == "running" for a in s.agents.values()))
        agents = app.main_screen.query_one(AgentsPanel)
        assert app.focused is agents and agents.selected == "Alpha"
        ids = _binding_ids(app)
        assert "agent.cancel" in ids and "agent.retry" not in ids, ids
        await pilot.press("x")  # Gamma keeps the session running
        await wait_for_state(pilot, lambda s: s.agents["Alpha"].status == "cancelled")
        ids = _binding_ids(app)
        assert "agent.retry" in ids and "agent.cancel" not in ids, ids
        await pilot.press("X")
        await settle(pilot)
        assert not app.main_screen.controller.running
        ids = _binding_ids(app)
        assert "agent.detail" in ids
        assert "agent.cancel" not in ids and "agent.retry" not in ids, ids
        footer = app.main_screen.query_one(Footer)
        shown = {key.description for key in footer.query(FooterKey)}
        assert "Detail" in shown and not shown & {"Cancel", "Retry"}, shown


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
        assert app.focused is detail.query_one("#detail-artifacts", OptionList)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ArtifactPager)


async def test_opening_a_binary_file_says_so_and_keeps_the_text(tmp_path: Path) -> None:
    binary = tmp_path / "image.swarm.js"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        before = screen.editor.text
        screen.document.open_path(binary)
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert messages == [f"{binary} is not a text file (UTF-8)"], messages
        assert screen.editor.text == before and screen.document.path is None


@pytest.mark.parametrize("args", [["run", "missing.swarm.js"], ["run", "image.swarm.js"]])
def test_run_of_an_unreadable_file_exits_2_like_headless(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "image.swarm.js").write_bytes(b"\xff\xfe\x00")
    command = [sys.executable, "-m", "swarmtui", *args, "--sessions-dir", str(tmp_path / "s")]
    app = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    headless = subprocess.run(
        [*command, "--headless"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert headless.returncode == 2
    assert app.returncode == 2, app.stderr
    assert app.stderr.count("\n") == 1 and app.stderr.startswith("swarmtui: "), app.stderr
    assert args[1] in app.stderr
    if "missing" in args[1]:
        assert app.stderr == headless.stderr


class FormHost(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.results: list[tuple[str, str, str] | None] = []

    def on_mount(self) -> None:
        self.push_screen(MemoryFormScreen(), self.results.append)


@pytest.mark.parametrize(
    ("key", "namespace", "problem"),
    [
        ("swarm/my key", "default", "no spaces"),
        ("'swarm/plan'", "default", "no quotes"),
        ("swarm/plan", "my space", "no spaces"),
    ],
)
async def test_the_memory_form_refuses_keys_the_batch_language_cannot_name(
    key: str, namespace: str, problem: str
) -> None:
    app = FormHost()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        form = app.screen
        assert isinstance(form, MemoryFormScreen)
        form.query_one("#key", Input).value = key
        form.query_one("#value", Input).value = '"done"'
        form.query_one("#namespace", Input).value = namespace
        form.query_one("#namespace", Input).focus()
        await pilot.press("enter")
        assert app.screen is form and app.results == []
        assert problem in str(form.query_one("#error", Label).render())
        form.query_one("#key", Input).value = "swarm/plan"
        form.query_one("#namespace", Input).value = "default"
        form.query_one("#namespace", Input).focus()
        await pilot.press("enter")
        assert app.results == [("swarm/plan", '"done"', "default")]


@pytest.mark.parametrize("size", [SIZE, (80, 24)])
async def test_f8_reaches_the_diagnostics_from_the_editor(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = app_for(tmp_path, text=DIAGNOSTICS_BATCH)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.main_screen
        assert app.focused is screen.editor
        await pilot.press("f8")
        listing = screen.query_one(DiagnosticsList)
        assert app.focused is listing and listing.region.height > 0
        await pilot.press("enter")  # the first diagnostic: the cursor moves to it
        first = listing.diagnostics[0]
        assert app.focused is screen.editor
        assert screen.editor.cursor_location == (first.line - 1, first.column - 1)
        ids = {b.binding.id for b in screen.active_bindings.values()}
        assert "focus.diagnostics" in ids


async def test_the_editor_gets_half_a_wide_screen(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        editor = app.main_screen.editor
        assert editor.size.width >= 0.45 * 160, editor.size  # was 62 of 160


async def test_the_agents_panel_keeps_the_status_column_at_100_columns(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await show_session(pilot, mid_run_events())
        panel = screen.query_one(AgentsPanel)
        width = panel.scrollable_content_region.width
        assert "status" in panel.render_header(0, width).plain
        rows = [panel.render_row(i, width).plain for i in range(panel.row_count)]
        assert any(" running " in row for row in rows), rows


async def test_help_on_the_editor_lists_the_screen_keys_first_in_order(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.focused is app.main_screen.editor
        groups = binding_rows(app.main_screen)
        name, rows = groups[0]
        assert name == "This screen", [g for g, _ in groups]
        descriptions = [row.description for row in rows]
        assert descriptions[:3] == ["Run", "Save", "Open"], descriptions
        for missing in ("Pause/resume", "Store key", "Cancel all", "Focus diagnostics"):
            assert missing in descriptions, missing
        pause = next(row for row in rows if row.description == "Pause/resume")
        assert not pause.enabled  # no session: listed, marked as not available
        assert descriptions.index("Focus editor") < descriptions.index("Focus timeline")


async def test_help_over_the_replay_lists_its_keys_in_order(tmp_path: Path) -> None:
    sessions = make_sessions(tmp_path / "sessions")
    app = ScreenHost(lambda: ReplayScreen(sessions["release"]))
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        rows = dict(binding_rows(app.screen))["This screen"]
        keys = [row.keys[0] for row in rows]
        assert keys[:7] == ["space", "←", "→", "⇧←", "⇧→", "home", "end"], keys
        footer = {key.description for key in app.screen.query_one(Footer).query(FooterKey)}
        assert {"-10%", "+10%"} <= footer, footer
