"""A merge made after the session (the merge view, `swarmtui merge`) is recorded in the
session's event log (`branches_merged`): the replay shows it — headless and in the app, with no
git on PATH — and the session's status, axis and figures stay what they were."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from swarmtui.engine.events import BranchesMerged
from swarmtui.store import read_events
from swarmtui.store.schema import LOCK_NAME
from swarmtui.ui.screens.merge import MergeScreen
from swarmtui.ui.screens.replay import ReplayScreen
from swarmtui.ui.widgets.log_panel import LogPanel

from ..hostile.test_app_render import assert_clean
from ..ui.helpers import SIZE, ScreenHost, workers_done
from .helpers import CLI, Ran, Repo, batch_in, cli, make_repo, run_batch, run_sync, settings

TWO_CODERS = (
    'Task("a", "Edit line one.", {type: "coder"})\nTask("b", "Edit line four.", {type: "coder"})\n'
)
CLEAN = (
    'case "$SWARM_AGENT" in a) sed -i s/one/AAA/ f.txt;; b) sed -i s/four/BBB/ f.txt;; esac; '
    "echo ok"
)


def _session(tmp_path: Path) -> tuple[Repo, Ran]:
    repo = make_repo(tmp_path / "repo")
    ran = run_sync(batch_in(repo, TWO_CODERS), tmp_path / "sessions", settings(CLEAN))
    assert ran.state.status == "completed"
    return repo, ran


def _without_git(tmp_path: Path) -> dict[str, str]:
    nothing = tmp_path / "no-programs"
    nothing.mkdir(exist_ok=True)
    return {**os.environ, "PATH": str(nothing)}


def test_swarmtui_merge_is_recorded_and_replayed_without_git(tmp_path: Path) -> None:
    repo, ran = _session(tmp_path)
    before = read_events(ran.path)
    main = repo.tip("main")
    merged = cli("merge", str(ran.path), "--all", "--into", "for-review")
    assert merged.returncode == 0, merged.stderr
    assert merged.stderr == ""
    events = read_events(ran.path)
    assert events[: len(before)] == before  # (appended, nothing else changed)
    [record] = events[len(before) :]
    assert isinstance(record, BranchesMerged)
    assert (record.seq, record.t) == (before[-1].seq + 1, before[-1].t)
    assert (record.target, record.new_branch, record.by) == ("for-review", True, "cli")
    assert (record.agents, record.already) == (["a", "b"], [])
    assert (record.previous, record.commit) == (main, repo.tip("for-review"))
    assert (record.files, record.working_tree_files) == (1, 0)
    # Merging the same work again merges nothing, and records nothing.
    again = cli("merge", str(ran.path), "--all", "--into", "for-review")
    assert again.returncode == 0 and "already" in again.stdout
    assert len(read_events(ran.path)) == len(events)
    # The replay shows it, with no git to run.
    env = _without_git(tmp_path)
    text = subprocess.run(
        [*CLI, "replay", str(ran.path), "--headless"], capture_output=True, text=True, env=env
    )
    assert text.returncode == 0, text.stderr
    line = f"merged a, b into for-review (a new branch) at {record.commit[:10]} (1 file)"
    assert line in text.stdout, text.stdout
    document = subprocess.run(
        [*CLI, "replay", str(ran.path), "--json"], capture_output=True, text=True, env=env
    )
    state = json.loads(document.stdout)["state"]
    [merge] = state["workspace"]["merges"]
    assert merge["commit"] == record.commit and merge["by"] == "cli"
    # The session is what it was: its end, its axis, its figures.
    assert state["status"] == "completed"
    assert state["metrics"]["wall_seconds"] == round(ran.state.metrics.wall_seconds, 3)


def test_a_merge_while_another_process_writes_the_session_is_made_but_said_unrecorded(
    tmp_path: Path,
) -> None:
    repo, ran = _session(tmp_path)
    count = len(read_events(ran.path))
    with (ran.path / LOCK_NAME).open("r+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # (as a resumed run of the session would)
        merged = cli("merge", str(ran.path), "--all", "--into", "elsewhere")
    assert merged.returncode == 0
    assert "merged a, b into elsewhere" in merged.stdout
    assert "the merge is not recorded in the session" in merged.stderr
    assert "still running" in merged.stderr
    assert repo.ok("rev-parse", "--verify", "refs/heads/elsewhere")
    assert len(read_events(ran.path)) == count


async def test_the_merge_view_records_its_merge_and_the_replay_shows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo")
    ran = await run_batch(batch_in(repo, TWO_CODERS), tmp_path / "sessions", settings(CLEAN))
    assert ran.state.status == "completed"
    app = ScreenHost(lambda: MergeScreen(ran.path))
    async with app.run_test(size=SIZE) as pilot:
        await workers_done(app)
        await pilot.pause()
        merge = app.screen
        assert isinstance(merge, MergeScreen)
        await pilot.press("i")
        merge.query_one("#merge-into", Input).value = "from-the-app"
        await pilot.press("enter")
        await workers_done(app)
        await pilot.pause()
        assert app.focused is merge.query_one(DataTable)
        await pilot.press("a")
        await workers_done(app)
        await pilot.pause()
        await pilot.press("m")
        await workers_done(app)
        await pilot.pause()
        assert "Merged a, b into from-the-app" in str(merge.query_one("#merge-result").render())
    record = read_events(ran.path)[-1]
    assert isinstance(record, BranchesMerged)
    assert (record.target, record.by, record.commit) == (
        "from-the-app",
        "app",
        repo.tip("from-the-app"),
    )
    # The app's replay, with no git on PATH: the log tells the merge.
    monkeypatch.setenv("PATH", _without_git(tmp_path)["PATH"])
    app = ScreenHost(lambda: ReplayScreen(ran.path))
    async with app.run_test(size=SIZE) as pilot:
        await workers_done(app)
        await pilot.pause()
        await pilot.press("end")
        await workers_done(app)
        await pilot.pause()
        replay = app.screen
        assert isinstance(replay, ReplayScreen)
        log = replay.query_one(LogPanel)
        lines = [log.render_row(i, 200).plain for i in range(log.row_count)]
        assert any("merged a, b into from-the-app" in line for line in lines), lines[-5:]
        assert replay.cursor is not None and replay.cursor.state.status == "completed"


HOSTILE_NAME = "a\x1b]0;PWNED\x07\u202e"
# Both agents write the same file, whose name holds an escape, differently: each branch merges
# cleanly on its own, the two together conflict on that file.
HOSTILE_FILE = "evil\\033]0;PWNED\\007.txt"
RIVALS = (
    'Task("a\\u001b]0;PWNED\\u0007\\u202e", "Write the file.", {type: "coder"})\n'
    'Task("b", "Write the file too.", {type: "coder"})\n'
)
RIVAL_SCRIPT = f'printf "%s\\n" "$SWARM_AGENT" > "$(printf \'{HOSTILE_FILE}\')"; echo ok'


async def test_the_merge_view_shows_outside_names_visibly(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    ran = await run_batch(batch_in(repo, RIVALS), tmp_path / "sessions", settings(RIVAL_SCRIPT))
    assert ran.state.status == "completed", [a.reason for a in ran.state.agents.values()]
    app = ScreenHost(lambda: MergeScreen(ran.path))
    async with app.run_test(size=SIZE) as pilot:
        await workers_done(app)
        # The table sizes its columns to the rows added when it is next idle, which may take
        # many turns of a busy machine (50 were once not enough under the full suite); read
        # before that, a long name is cut. Read again until it is whole, up to a deadline.
        name = "a\\x1b]0;PWNED\\x07\\u202e"
        deadline = time.monotonic() + 60
        text = assert_clean(app, "merge view")
        while name not in text and time.monotonic() < deadline:
            await pilot.pause()
            text = assert_clean(app, "merge view")
        merge = app.screen
        assert isinstance(merge, MergeScreen) and merge.view is not None
        assert [c.status for c in merge.view.checks] == ["clean", "clean"]
        assert name in text, text
        await pilot.press("a")  # both: they conflict on the file with the hostile name
        await workers_done(app)
        await pilot.pause()
        plan = str(merge.query_one("#merge-plan").render())
        assert "evil\\x1b]0;PWNED\\x07.txt" in plan, plan
        assert_clean(app, "merge view, the conflict")
