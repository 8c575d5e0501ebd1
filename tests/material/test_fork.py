"""Forks of real sessions: what stays done (not run again), what runs, what is carried over, the
done-when of issue 16 through `swarmtui fork`, and bad input."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from swarmtui.engine.events import Control, SessionForked
from swarmtui.engine.fork import MemoryEdit
from swarmtui.engine.settings import RunSettings
from swarmtui.store import (
    fork_live_session,
    fork_recording,
    list_sessions,
    read_events,
    read_fork_source,
    replay_state,
)
from swarmtui.store.compare import compare_sessions
from swarmtui.store.points import Point, PointError, point_at
from swarmtui.store.schema import SCHEMA_VERSION, create_schema
from swarmtui.ui.widgets.log_panel import describe

from ..workspace.helpers import batch_in, make_repo
from .forks import (
    AGENTS,
    COMMAND,
    PIPELINE,
    cli,
    done_by,
    events,
    interrupted_run,
    record,
    rehearsal_settings,
    run_live,
    started_after_fork,
)
from .sessions import damaged_copy


def _finished(folder: Path, agent: str) -> int:
    """The number (position) of AGENT's done `agent_finished` event in FOLDER's log."""
    recorded = events(folder)
    return next(
        i + 1
        for i, e in enumerate(recorded)
        if e["type"] == "agent_finished" and e["agent"] == agent and e["status"] == "done"
    )


async def test_a_fork_runs_what_was_not_done_and_carries_the_rest(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    source_path = await record(sessions, rehearsal_settings())
    source = read_fork_source(source_path)
    assert source.note is None and source.text == PIPELINE
    point = source.point(str(_finished(source_path, "Builder")))  # Planner, Builder done
    recording = fork_recording(
        source.path,
        source.session_id,
        source.events,
        point,
        PIPELINE,
        memory=(MemoryEdit("swarm/config", {"mode": "safe"}),),
    )
    fork = await run_live(
        fork_live_session(recording, settings=rehearsal_settings(), sessions_dir=sessions)
    )
    state = fork.state
    assert state.status == "completed"
    assert [state.agents[name].status for name in AGENTS] == ["done"] * 4

    # What stayed done did not run again: one start each (the source's, taken up).
    starts = [e["agent"] for e in events(fork.path, "agent_started")]
    assert starts.count("Planner") == 1 and starts.count("Builder") == 1
    assert started_after_fork(fork.path) == ["Checker", "Shipper"]
    [forked] = events(fork.path, "session_forked")
    assert forked["carried"] == ["Planner", "Builder"]
    assert forked["again"] == {
        "Checker": "waiting at the point",
        "Shipper": "waiting at the point",
    }
    assert state.agents["Checker"].attempts == 1  # from scratch, not a second attempt
    [forked_event] = [e for e in read_events(fork.path) if isinstance(e, SessionForked)]
    assert describe(forked_event) == (
        "session",
        "forked here: Planner, Builder stay done, 2 agents run",
    )

    # The files recorded up to the point are carried over, the others written anew.
    carried = ["notes/brief.md", "artifacts/planner.md", "artifacts/builder.md"]
    assert sorted(forked["files"]) == sorted(carried) and forked["file_problems"] == []
    for relative in carried:
        assert (fork.path / relative).read_bytes() == (source_path / relative).read_bytes()
    assert (fork.path / "artifacts" / "shipper.md").is_file()

    # Memory and todos are the folded state at the point, with the user's value.
    config = state.memory[("default", "swarm/config")]
    assert config.value == {"mode": "safe"} and config.by == "user"
    assert state.memory[("default", "swarm/plan")].by == "Planner"
    assert state.todos["1"].status == "completed" and state.todos["2"].status == "completed"

    # Where it came from: in its events, its state, its session row and the listing.
    origin = events(fork.path, "session_started")[0]["forked_from"]
    assert origin["session_id"] == source_path.name and origin["seq"] == point.events
    assert state.forked_from is not None and state.forked_from.carried == ["Planner", "Builder"]
    listed = {info.path.name: info for info in list_sessions(sessions)}
    assert listed[fork.path.name].forked_from == source_path.name
    assert listed[fork.path.name].forked_at == point.events
    assert listed[source_path.name].forked_from is None
    # A replay of the fork folds to the state the run ended with.
    assert replay_state(fork.path).to_json() == state.to_json()


async def test_a_changed_task_runs_again_with_what_read_its_keys(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    source_path = await record(sessions, rehearsal_settings())
    source = read_fork_source(source_path)
    end = source.point(str(len(source.events)))
    changed = PIPELINE.replace("Plan. Store", "Plan carefully. Store").replace(
        'Task("Shipper", "Wait for', 'Task("Shipper2", "Wait for'
    )
    recording = fork_recording(source.path, source.session_id, source.events, end, changed)
    fork = await run_live(
        fork_live_session(recording, settings=rehearsal_settings(), sessions_dir=sessions)
    )
    [forked] = events(fork.path, "session_forked")
    assert forked["carried"] == []
    assert forked["again"] == {
        "Planner": "its task changed (instructions)",
        "Builder": "waits for swarm/plan, which Planner stores again",
        "Checker": "waits for swarm/build, which Builder stores again",
        "Shipper2": "new in the batch",
    }
    assert forked["dropped_agents"] == ["Shipper"]
    dropped = [(e["key"], e["by"]) for e in events(fork.path, "memory_deleted")]
    assert dropped == [("swarm/plan", "fork"), ("swarm/build", "fork"), ("swarm/verdict", "fork")]
    # The release the dropped shipper stored stays (memory outlives the agents that wrote it).
    assert ("default", "swarm/release") in fork.state.memory
    assert fork.state.status == "completed" and "Shipper" not in fork.state.agents
    assert started_after_fork(fork.path) == ["Planner", "Builder", "Checker", "Shipper2"]


def test_fork_at_the_midpoint_changes_only_what_the_value_reaches(tmp_path: Path) -> None:
    """Issue 16's done-when: fork at the midpoint of a replay, change one memory value, run:
    only the agents after the point run, and the comparison with the original shows exactly
    the changed value's consequences."""
    sessions = tmp_path / "sessions"
    batch = tmp_path / "release.swarm.js"
    batch.write_text(PIPELINE)
    common = ["--sessions-dir", str(sessions), "--backend", "command", "--command", COMMAND]
    run = cli("run", str(batch), "--json", *common)
    assert run.returncode == 0, run.stderr
    original = Path(json.loads(run.stdout)["summary"]["path"])
    midpoint = len(events(original)) // 2
    done = done_by(original, midpoint)
    assert done and "Shipper" not in done  # (a point with agents on both sides)

    forked = cli(
        "fork",
        original.name,
        "--at",
        str(midpoint),
        "--set",
        'swarm/config={"mode": "hold"}',
        "--json",
        *common,
    )
    assert forked.returncode == 1, forked.stderr  # the shipper refused the held release
    notes = [line for line in forked.stderr.splitlines() if "note:" in line]
    assert notes == [
        f"swarmtui: note: forking {original.name} at event {midpoint} "
        f"({notes[0].split('(')[1].split(')')[0]}): "
        f"{', '.join(a for a in AGENTS if a in done)} stay{'s' if len(done) == 1 else ''} done; "
        f"{', '.join(a for a in AGENTS if a not in done)} run"
    ]
    fork = Path(json.loads(forked.stdout)["summary"]["path"])
    assert started_after_fork(fork) == [a for a in AGENTS if a not in done]
    # The carried agents were not run again: their only starts in the fork's log are the
    # source's, taken up before the point (the fork's history), none after it.
    before = [e["agent"] for e in events(original)[:midpoint] if e["type"] == "agent_started"]
    in_fork = [e["agent"] for e in events(fork, "agent_started")]
    for agent in done:
        assert in_fork.count(agent) == before.count(agent) == 1, agent
    assert cli("replay", str(fork), "--json").stdout == forked.stdout

    c = compare_sessions(original, fork)
    assert c.same_batch and c.notes == ()
    assert {(m.key, m.change) for m in c.memory} == {
        ("swarm/config", "changed"),
        ("swarm/release", "removed"),
    }
    assert [(a.name, a.changed_fields) for a in c.agents if a.change != "same"] == [
        ("Shipper", ("status", "reason"))
    ]
    shipper = c.agents[-1]
    assert shipper.b is not None and shipper.b.status == "failed"
    assert c.artifacts == ()
    # `swarmtui diff --json` says the same to a script.
    diff = cli("diff", original.name, fork.name, "--json", "--sessions-dir", str(sessions))
    assert diff.returncode == 0, diff.stderr
    said = json.loads(diff.stdout)
    assert said["same_batch"] and said["notes"] == [] and said["artifacts"] == []
    assert {(m["key"], m["change"]) for m in said["memory"]} == {
        ("swarm/config", "changed"),
        ("swarm/release", "removed"),
    }
    assert [(a["name"], a["changed"]) for a in said["agents"] if a["change"] != "same"] == [
        ("Shipper", ["status", "reason"])
    ]


def test_a_fork_runs_on_the_backend_and_command_its_source_was_given(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    batch = tmp_path / "release.swarm.js"
    batch.write_text(PIPELINE)
    where = ["--sessions-dir", str(sessions)]
    run = cli("run", str(batch), "--json", *where, "--backend", "command", "--command", COMMAND)
    assert run.returncode == 0, run.stderr
    original = Path(json.loads(run.stdout)["summary"]["path"])
    # No --backend, no --command: those of the source (it said "the command backend needs
    # --command TEMPLATE").
    forked = cli("fork", original.name, "--at", "50%", "--json", "--headless", *where)
    assert forked.returncode == 0, forked.stderr
    fork = Path(json.loads(forked.stdout)["summary"]["path"])
    [started] = events(fork, "session_started")
    assert started["backend"] == "command"
    assert started["backend_options"]["command_template"] == COMMAND


def test_a_point_outside_the_recording_names_the_range(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    batch = tmp_path / "release.swarm.js"
    batch.write_text(PIPELINE)
    run = cli("run", str(batch), "--json", "--sessions-dir", str(sessions))
    original = Path(json.loads(run.stdout)["summary"]["path"])
    total = len(events(original))
    where = ["--sessions-dir", str(sessions), "--headless"]
    for at, said in (
        ("999", f"--at 999: {original.name} has no event 999 (events 0–{total}, times 0s–"),
        ("-1", f"--at -1: {original.name} has no event -1 (events 0–{total}, times 0s–"),
        ("1h", "--at '1h': not an event number (120) or a time (12.5s, 1m30s, 40%)"),
        ("9m", f"--at 9m: after the end of {original.name} (events 0–{total}, times 0s–"),
    ):
        refused = cli("fork", original.name, "--at", at, *where)
        assert refused.returncode == 2, at
        assert refused.stderr.startswith(f"swarmtui: {said}"), refused.stderr
        assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    bad = cli("fork", original.name, "--at", "3", "--set", "no value", *where)
    assert bad.returncode == 2
    assert bad.stderr == "swarmtui: --set 'no value': expected KEY=VALUE\n"
    spaced = cli("fork", original.name, "--at", "3", "--set", "a key=1", *where)
    assert spaced.stderr.startswith("swarmtui: --set 'a key=1': A key has no spaces")
    missing = cli("fork", "nope", "--at", "3", *where)
    assert missing.returncode == 2 and "no session 'nope'" in missing.stderr
    assert len(list(sessions.iterdir())) == 1  # nothing was made


def test_a_damaged_log_forks_up_to_its_last_readable_event(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    batch = tmp_path / "release.swarm.js"
    batch.write_text(PIPELINE)
    run = cli("run", str(batch), "--json", "--sessions-dir", str(sessions))
    original = Path(json.loads(run.stdout)["summary"]["path"])
    damaged = damaged_copy(original, sessions / "session-20261130-000000-damaged", 20)
    where = ["--sessions-dir", str(sessions), "--headless"]
    past = cli("fork", damaged.name, "--at", "20", *where)
    assert past.returncode == 2
    assert past.stderr.startswith(
        f"swarmtui: --at 20: {damaged.name} has no event 20 (events 0–19, times 0s–"
    )
    forked = cli("fork", damaged.name, "--at", "19", "--json", *where)
    assert forked.returncode == 0, forked.stderr
    assert forked.stderr.startswith(
        f"swarmtui: note: {damaged.name}: damaged log, read up to its last readable event "
        "(event #19, "
    )
    assert "event #20 is not a valid event" in forked.stderr.splitlines()[0]
    state = json.loads(forked.stdout)["state"]
    assert state["status"] == "completed"
    assert state["forked_from"]["note"].startswith(f"{damaged.name}: damaged log")


def test_an_interrupted_session_forks_from_where_it_stopped(tmp_path: Path) -> None:
    sessions, folder = interrupted_run(tmp_path)
    recorded = len(events(folder))
    forked = cli(
        "fork",
        folder.name,
        "--at",
        "100%",
        "--headless",
        "--json",
        "--sessions-dir",
        str(sessions),
        "--command",
        COMMAND,
    )
    assert forked.returncode == 0, forked.stderr
    assert forked.stderr.startswith(
        f"swarmtui: note: {folder.name}: interrupted, its recording stops at event #{recorded}"
    )
    state = json.loads(forked.stdout)["state"]
    assert state["forked_from"]["carried"] == ["Planner", "Builder"]
    assert [a["status"] for a in state["agents"]] == ["done"] * 4
    fork = Path(json.loads(forked.stdout)["summary"]["path"])
    assert started_after_fork(fork) == ["Checker", "Shipper"]


async def test_only_regular_files_inside_the_source_are_carried(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    source_path = await record(sessions, rehearsal_settings())
    outside = tmp_path / "secret.txt"
    outside.write_text("not the session's\n")
    planner = source_path / "artifacts" / "planner.md"
    planner.unlink()
    planner.symlink_to(outside)
    builder = source_path / "artifacts" / "builder.md"
    builder.unlink()
    os.mkfifo(builder)  # a read of it would wait for a writer forever
    (source_path / "notes").rename(source_path / "elsewhere")
    (source_path / "notes").symlink_to(source_path / "elsewhere")
    source = read_fork_source(source_path)
    point = source.point(str(len(source.events)))
    recording = fork_recording(source.path, source.session_id, source.events, point, PIPELINE)
    fork = await run_live(
        fork_live_session(recording, settings=RunSettings(), sessions_dir=sessions)
    )
    [forked] = events(fork.path, "session_forked")
    assert sorted(forked["file_problems"]) == [
        "artifacts/builder.md: not carried over (not a regular file)",
        "artifacts/planner.md: not carried over (a symbolic link)",
        "notes/brief.md: not carried over (notes is a symbolic link or no folder)",
    ]
    assert not (fork.path / "artifacts" / "planner.md").exists()
    assert not (fork.path / "notes").exists()
    assert fork.state.status == "completed"  # every agent was done: nothing ran
    assert started_after_fork(fork.path) == []


def test_a_completed_session_forked_headless_with_another_batch(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    batch = tmp_path / "release.swarm.js"
    batch.write_text(PIPELINE)
    run = cli("run", str(batch), "--json", "--sessions-dir", str(sessions))
    original = Path(json.loads(run.stdout)["summary"]["path"])
    other = tmp_path / "other.swarm.js"
    other.write_text(PIPELINE.replace("Ship it", "Ship it today"))
    (original / "batch.swarm.js").unlink()
    where = ["--sessions-dir", str(sessions), "--headless"]
    lost = cli("fork", original.name, "--at", "50%", *where)
    assert lost.returncode == 2
    assert lost.stderr.startswith(f"swarmtui: {original / 'batch.swarm.js'}: cannot be read (")
    assert lost.stderr.rstrip().endswith("; --batch FILE gives the fork a batch")
    forked = cli("fork", original.name, "--at", "50%", "--batch", str(other), "--json", *where)
    assert forked.returncode == 0, forked.stderr
    fork = Path(json.loads(forked.stdout)["summary"]["path"])
    assert (fork / "batch.swarm.js").read_text() == other.read_text()
    listed = json.loads(cli("sessions", "--sessions-dir", str(sessions), "--json").stdout)
    assert {s["id"]: s["forked_from"] for s in listed} == {
        original.name: None,
        fork.name: original.name,
    }
    text = cli("sessions", "--sessions-dir", str(sessions)).stdout.splitlines()
    assert text[0].split() == [
        "ID", "STATUS", "STARTED", "WALL", "AGENTS", "SPEED-UP", "FROM", "TITLE"
    ]  # fmt: skip
    assert f"{original.name}@" in next(line for line in text if line.startswith(fork.name))


async def test_a_session_recorded_before_forks_is_read_and_upgraded(tmp_path: Path) -> None:
    """A session database of schema version 1 (no fork columns) is listed as it was, and
    brought up to this version when a writer opens it again (a resume)."""
    sessions = tmp_path / "sessions"
    folder = await record(sessions, rehearsal_settings())
    db = folder / "session.db"
    conn = sqlite3.connect(db)
    try:
        conn.execute("ALTER TABLE session DROP COLUMN forked_from")
        conn.execute("ALTER TABLE session DROP COLUMN forked_at")
        conn.execute("PRAGMA user_version=1")
        conn.commit()
    finally:
        conn.close()
    [info] = list_sessions(sessions)
    assert info.error is None and info.status == "completed" and info.forked_from is None

    conn = sqlite3.connect(db, isolation_level=None)
    try:
        create_schema(conn)  # (what a writer does when it opens the log)
        columns = {row[1] for row in conn.execute("PRAGMA table_info(session)")}
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()
    assert {"forked_from", "forked_at"} <= columns and version == SCHEMA_VERSION == 2
    [info] = list_sessions(sessions)
    assert info.error is None and info.status == "completed" and info.forked_from is None


def test_a_fork_of_a_session_whose_agents_had_worktrees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fork's agents build on the branches of the agents it carried over; their diffs come
    with them; deleting the fork removes its own branches, never its source's."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")  # (no user's git configuration)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    repo = make_repo(tmp_path / "repo", {"README": "the project\n"})
    batch = batch_in(repo, PIPELINE, "release.swarm.js")
    sessions = tmp_path / "sessions"
    script = f'echo "$SWARM_AGENT" > "$SWARM_AGENT.txt"; {COMMAND}'
    common = ["--sessions-dir", str(sessions), "--backend", "command", "--command", script]
    run = cli("run", str(batch), "--json", *common)
    assert run.returncode == 0, run.stderr
    original = Path(json.loads(run.stdout)["summary"]["path"])
    ran = {a["name"]: a for a in json.loads(run.stdout)["state"]["agents"]}
    source_branches = sorted(ran[a]["worktree"]["branch"] for a in AGENTS)

    at = _finished(original, "Builder")  # Planner and Builder done
    forked = cli("fork", original.name, "--at", str(at), "--json", *common)
    assert forked.returncode == 0, forked.stderr
    fork = Path(json.loads(forked.stdout)["summary"]["path"])
    state = {a["name"]: a for a in json.loads(forked.stdout)["state"]["agents"]}
    assert started_after_fork(fork) == ["Checker", "Shipper"]
    own = sorted(state[a]["worktree"]["branch"] for a in ("Checker", "Shipper"))
    assert all(branch.startswith(f"swarm/{fork.name}/") for branch in own)
    assert repo.branches() == sorted(source_branches + own)
    # The checker started from the carried builder's work, in the source's branch.
    builder = state["Builder"]["worktree"]["branch"]
    assert builder == ran["Builder"]["worktree"]["branch"]
    assert repo.is_ancestor(repo.tip(builder), repo.tip(state["Checker"]["worktree"]["branch"]))
    # The carried agents' diffs come with them (their replay shows them without git).
    for agent in ("Planner", "Builder"):
        patch = state[agent]["worktree"]["patch"]
        assert patch and (fork / patch).read_bytes() == (original / patch).read_bytes()

    deleted = cli("delete", fork.name, "--yes", "--sessions-dir", str(sessions))
    assert deleted.returncode == 0, deleted.stderr
    assert not fork.exists()
    assert repo.branches() == source_branches  # the source's branches are the source's


def test_100_percent_is_the_whole_recording() -> None:
    """`--at 100%` takes every event, whatever the end's time: 0.886…×100/100 falls short of
    0.886…, and the last event was left out (a killed run's fork lost its last event)."""
    end = 0.8860166606077237
    assert end * 100 / 100 < end  # (the rounding the point must not suffer)
    recorded = [
        Control(seq=1, t=0.1, action="pause"),
        Control(seq=2, t=end, action="resume"),
    ]
    assert point_at(recorded, "100%") == Point(2, end)
    assert point_at(recorded, "100%", end).events == 2
    assert point_at(recorded, "50%", end).events == 1


def test_a_share_over_100_percent_is_said_to_be_one() -> None:
    recorded = [Control(seq=1, t=0.5, action="pause")]
    with pytest.raises(PointError, match=r"--at 500%: a share of the session is 0–100%"):
        point_at(recorded, "500%")
    with pytest.raises(PointError, match=r"not an event number"):
        point_at(recorded, "abc%")
