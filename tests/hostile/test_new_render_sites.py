"""Issue 11.1 at the render sites added since: what a Dask worker, a model server, Claude Code,
git, a message's sender and a batch's agents are called reaches the screen and the terminal only
through the shared safe-text function — the agents panel's worker column, the status bar's
cluster, the log's pre-flight, server-wait and merge lines, the agent detail's activity,
worktree and diff, the editor's diagnostic line, the merge view, `run --estimate`, `send`,
`config` and `replay --headless`."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

from textual.widgets import Static

from swarmtui.engine.events import (
    AgentActivity,
    AgentCommitted,
    AgentMessage,
    AgentPlan,
    AgentServerSlot,
    AgentServerWait,
    AgentStarted,
    BranchesMerged,
    ClusterChanged,
    EndpointChecked,
    Event,
    FileChange,
    MessageStarted,
    PlacedOnWorker,
    SessionStarted,
    WorkspaceOpened,
    WorktreeCreated,
)
from swarmtui.ui.screens.agent_detail import AgentDetailScreen
from swarmtui.ui.widgets.agents_panel import AgentsPanel
from swarmtui.ui.widgets.log_panel import LogPanel

from ..ui.helpers import SIZE, app_for, settle, show_session
from .test_app_render import DANGEROUS, assert_clean

CLI = [sys.executable, "-m", "swarmtui"]
# A window title (OSC 0), the clipboard (OSC 52), a screen clear, a right-to-left override, and
# markup that must stay text.
EVIL = "x\x1b]0;PWNED\x07\x1b]52;c;aGk=\x07\x1b[2J\u202e[b]y"
SHOWN = "\\x1b]0;PWNED\\x07"
NAME = f"agent{EVIL}"


def _events() -> list[Event]:
    made: list[Event] = [
        SessionStarted(
            session_id="s",
            title="t",
            backend="openai",
            started_at="2026-01-01T00:00:00Z",
            agents=[AgentPlan(name=NAME)],
        ),
        ClusterChanged(executor=f"tcp://cluster{EVIL}:8786", workers=1, slots=2),
        EndpointChecked(
            backend="openai",
            endpoint=f"http://server{EVIL}/v1",
            detail=f"llama.cpp{EVIL}",
            max_parallel=1,
            limit_source="learned",
        ),
        WorkspaceOpened(repo=f"/repo{EVIL}", head="a" * 40, branch=f"main{EVIL}"),
        MessageStarted(index=1),
        WorktreeCreated(
            agent=NAME, path="worktrees/agent", branch=f"swarm/s/{EVIL}", base="a" * 40
        ),
        AgentStarted(agent=NAME),
        PlacedOnWorker(agent=NAME, attempt=1, worker="tcp://10.0.0.1:1", name=f"worker{EVIL}"),
        AgentServerWait(agent=NAME, endpoint=f"http://server{EVIL}/v1", limit=1),
        AgentServerSlot(agent=NAME, endpoint=f"http://server{EVIL}/v1"),
        AgentActivity(
            agent=NAME,
            backend_session=f"session{EVIL}",
            tool=f"Tool{EVIL}",
            file=f"src/file{EVIL}.py",
        ),
        AgentMessage(agent=NAME, text=f"hello {EVIL}", by=f"someone{EVIL}", delivery="stdin"),
        AgentCommitted(
            agent=NAME,
            branch=f"swarm/s/{EVIL}",
            commit="c" * 40,
            base="a" * 40,
            added=1,
            files=[FileChange(path=f"file{EVIL}.py", added=1)],
            patch=f"artifacts/diffs/{EVIL}.patch",
        ),
        BranchesMerged(
            target=f"review{EVIL}",
            new_branch=True,
            previous="a" * 40,
            commit="d" * 40,
            agents=[NAME],
            files=1,
        ),
    ]
    for seq, event in enumerate(made, start=1):
        event.seq, event.t = seq, seq * 0.1
    return made


def _clean_output(text: str, where: str) -> None:
    raw = sorted({f"U+{ord(c):04X}" for c in text if c not in "\n" and _dangerous(c)})
    assert raw == [], f"{where}: raw control characters: {raw}"


def _dangerous(char: str) -> bool:
    return unicodedata.category(char) in DANGEROUS


async def test_the_panels_the_log_and_the_agent_detail(tmp_path: Path) -> None:
    app = app_for(tmp_path, "")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await show_session(pilot, _events())
        assert screen.query_one(AgentsPanel).show_worker
        text = assert_clean(app, "main screen")
        assert "⛁ tcp://cluster" in text  # (the status bar's cluster)
        log = screen.query_one(LogPanel)  # pre-flight, server waits, the merge: drawn whole
        lines = "\n".join(log.render_row(i, 400).plain for i in range(log.row_count))
        _clean_output(lines, "log")
        assert f"pre-flight http://serverx{SHOWN}" in lines
        assert f"waits for the server http://serverx{SHOWN}" in lines
        assert f"into reviewx{SHOWN}" in lines
        await pilot.press("f3", "enter")
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, AgentDetailScreen)
        assert_clean(app, "agent detail")
        activity = str(detail.query_one("#detail-activity", Static).render())
        _clean_output(activity, "agent detail, its backend")
        for shown in ("session", "Tool", "src/file", "someone", "hello "):
            assert f"{shown}x{SHOWN}" in activity, (shown, activity)
        await pilot.press("d")  # the diff: its title names the branch, its patch is not here
        await pilot.pause()
        text = assert_clean(app, "agent diff")
        assert "[b]y" in text  # markup in a branch name stays text
        assert f"artifacts/diffs/x{SHOWN}" in text


async def test_the_editor_line_of_a_diagnostic(tmp_path: Path) -> None:
    # SW024 quotes the command it warns about; the pane's border line reads markup.
    batch = 'Bash("cd /x\\u001b[2J\\u202e[b]y && make")\n'
    app = app_for(tmp_path, batch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        border = app.main_screen.document._border_subtitle
        assert border is not None
        subtitle = border.plain
        assert subtitle.startswith("SW024 `cd /x\\x1b[2J\\u202e[b]y` leaves"), subtitle
        assert_clean(app, "editor")


def test_estimate_and_config_on_the_terminal(tmp_path: Path) -> None:
    batch = tmp_path / "evil.swarm.js"
    batch.write_text(
        'Task("agent\\u001b]0;PWNED\\u0007\\u202e", "Do it.", "coder")\n', encoding="utf-8"
    )
    env = {"SWARMTUI_CONFIG_DIR": str(tmp_path / "config"), "PATH": "/usr/bin:/bin"}
    args = ["run", str(batch), "--estimate", "--backend", "openai", "--model", "m\x1b[2J"]
    text = subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    _clean_output(text.stdout + text.stderr, "run --estimate")
    assert "agent\\x1b]0;PWNED\\x07\\u202e" in text.stdout
    document = subprocess.run(
        [*CLI, *args, "--json"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    _clean_output(document.stdout, "run --estimate --json")
    names = [a["name"] for a in json.loads(document.stdout)["agents"]]
    assert names == ["agent\x1b]0;PWNED\x07\u202e"]  # (the same value, escaped as JSON)
    # A project's configuration file names anything.
    (tmp_path / "swarmtui.toml").write_text(
        '[backends.openai]\nmodel = "m\\u001b]0;PWNED\\u0007\\u202e\\u009b2J"\n', encoding="utf-8"
    )
    shown = subprocess.run([*CLI, "config"], capture_output=True, text=True, env=env, cwd=tmp_path)
    _clean_output(shown.stdout + shown.stderr, "config")
    assert "PWNED\\u0007\\u202e\\x9b2J" in shown.stdout  # (bidi and C1: not raw either)
