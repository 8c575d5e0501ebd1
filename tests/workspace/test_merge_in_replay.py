"""The merge view of a replay shows what the session recorded (each branch's changes and kept
patch, the conflicts it met, the merges made since) and runs no command at all; merging is
done on purpose, from the sessions browser (f9), which checks the branches with git."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from textual.widgets import DataTable, Input, Static

from swarmtui.engine.events import BranchesMerged
from swarmtui.store import read_events
from swarmtui.ui.messages import AgentChosen
from swarmtui.ui.screens.agent_detail import AgentDetailScreen
from swarmtui.ui.screens.merge import MergeScreen
from swarmtui.ui.screens.merge_record import RecordedMergeScreen
from swarmtui.ui.screens.replay import ReplayScreen
from swarmtui.ui.screens.sessions import SessionsScreen
from tests.ui.helpers import SIZE, ScreenHost, settle, workers_done

from .helpers import (
    Ran,
    Repo,
    batch_in,
    cli,
    make_repo,
    press_done,
    run_batch,
    sessions_app,
    settings,
)

# a and b rewrite the same line: each is fine alone, the tester (waiting for both) fails on
# the merge of their branches before it starts.
RIVALS = (
    'Task("a", "Rewrite line two.", {type: "coder"})\n'
    'Task("b", "Rewrite line two too.", {type: "coder"})\n'
    'Task("tester", "Test.", {type: "tester", dependsOn: ["a", "b"]})\n'
)
RIVAL_SCRIPT = (
    'case "$SWARM_AGENT" in a) sed -i s/two/AAA/ f.txt;; b) sed -i s/two/BBB/ f.txt;; esac; '
    "echo done"
)
# What starts a process, as Python audits it (asyncio's subprocesses go through Popen).
LAUNCHES = frozenset({"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.fork"})
_launched: list[list[str]] | None = None  # collected while `launches()` is open


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _launched is not None and event in LAUNCHES:
        _launched.append([event, *map(str, args[:2])])


sys.addaudithook(_audit)  # (hooks cannot be removed: this one only records inside launches())


@contextmanager
def launches() -> Iterator[list[list[str]]]:
    """Every process this process starts (any thread) while the block runs."""
    global _launched
    found: list[list[str]] = []
    _launched = found
    try:
        yield found
    finally:
        _launched = None


async def _rivals(tmp_path: Path) -> tuple[Repo, Ran]:
    repo = make_repo(tmp_path / "repo")
    ran = await run_batch(batch_in(repo, RIVALS), tmp_path / "sessions", settings(RIVAL_SCRIPT))
    assert ran.state.agents["tester"].status == "failed"
    return repo, ran


def _cells(screen: RecordedMergeScreen) -> dict[str, str]:
    table = screen.query_one(DataTable)
    return {
        str(table.get_row_at(i)[0]): str(table.get_row_at(i)[1]) for i in range(table.row_count)
    }


async def test_the_replays_merge_view_shows_the_record_and_runs_nothing(tmp_path: Path) -> None:
    repo, ran = await _rivals(tmp_path)
    merged = cli("merge", str(ran.path), "a", "--into", "for-review")
    assert merged.returncode == 0, merged.stderr
    tips = {b: repo.tip(b) for b in repo.branches()}
    app = ScreenHost(lambda: ReplayScreen(ran.path))
    with launches() as started:
        async with app.run_test(size=SIZE) as pilot:
            await workers_done(app)
            await pilot.pause()
            await pilot.press("M")
            await workers_done(app)
            await pilot.pause()
            view = app.screen
            assert isinstance(view, RecordedMergeScreen)
            cells = _cells(view)
            assert cells["a"] == "+1 -1 in 1 file · merged into for-review"
            assert cells["b"] == "+1 -1 in 1 file"
            assert cells["tester"].startswith("failed: merge: ") and cells["tester"].endswith(
                "(f.txt)"
            )
            header = str(view.query_one("#merge-header", Static).render())
            assert "a replay runs no git" in header and "f9 in the sessions browser" in header
            merges = str(view.query_one("#merge-result", Static).render())
            assert "merged a into for-review (a new branch)" in merges
            await pilot.press("down", "d")  # b's kept patch, read from the session folder
            await pilot.pause()
            patch = str(view.query_one("#merge-diff", Static).render())
            assert "-two" in patch and "+BBB" in patch
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, ReplayScreen)
            # The agent's detail and its diff, in the replay: read from the session too.
            app.screen.post_message(AgentChosen("a"))
            await press_done(pilot, "d")
            detail = app.screen
            assert isinstance(detail, AgentDetailScreen)
            assert "+AAA" in str(detail.query_one("#detail-diff", Static).render())
    assert started == []
    assert {b: repo.tip(b) for b in repo.branches()} == tips


async def test_the_sessions_browser_merges_with_git_and_records_it(tmp_path: Path) -> None:
    repo, ran = await _rivals(tmp_path)
    app = sessions_app(ran.path.parent)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press_done(pilot, "ctrl+l")
        assert isinstance(app.screen, SessionsScreen)
        await press_done(pilot, "f9")
        merge = app.screen
        assert isinstance(merge, MergeScreen) and merge.view is not None
        # Checked against the repository now: the tester's branch was never made.
        assert [(c.agent, c.status) for c in merge.view.checks] == [
            ("a", "clean"),
            ("b", "clean"),
        ]
        await pilot.press("i")
        merge.query_one("#merge-into", Input).value = "review"
        await press_done(pilot, "enter")
        await press_done(pilot, "space")
        await press_done(pilot, "m")
        assert "Merged a into review" in str(merge.query_one("#merge-result").render())
    record = read_events(ran.path)[-1]
    assert isinstance(record, BranchesMerged)
    assert (record.target, record.by, record.agents) == ("review", "app", ["a"])
    assert repo.tip("review") == repo.tip(ran.branch("a"))


async def test_a_forks_view_marks_the_agents_it_carried_from_its_source(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    batch = batch_in(
        repo,
        'Task("coder", "Edit line one.", {type: "coder"})\n'
        'Task("tester", "Test it.", {type: "tester", dependsOn: ["coder"]})\n',
    )
    script = 'case "$SWARM_AGENT" in coder) sed -i s/one/ONE/ f.txt;; esac; echo ok'
    ran = await run_batch(batch, tmp_path / "sessions", settings(script))
    coder_done = next(e.seq for e in ran.of("agent_finished", agent="coder") if e.status == "done")
    where = ["--sessions-dir", str(ran.path.parent), "--headless", "--json"]
    command = ["--backend", "command", "--command", script, "--allow", "Bash"]
    forked = cli("fork", ran.path.name, "--at", str(coder_done), *where, *command)
    assert forked.returncode == 0, forked.stderr
    fork = Path(json.loads(forked.stdout)["summary"]["path"])
    app = ScreenHost(lambda: ReplayScreen(fork))
    async with app.run_test(size=SIZE) as pilot:
        await workers_done(app)
        await press_done(pilot, "M")
        view = app.screen
        assert isinstance(view, RecordedMergeScreen)
        cells = _cells(view)
        assert cells["coder"].endswith(" · carried from the source")
        assert not cells["tester"].endswith(" · carried from the source")
