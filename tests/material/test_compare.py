"""`compare_sessions` and `swarmtui diff` on real rehearsal sessions with known differences."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from swarmtui.store import SessionStoreError
from swarmtui.store.compare import MAX_DIFF_BYTES, compare_sessions, session_files

from ..workspace.helpers import batch_in, make_repo, run_batch, settings
from .sessions import (
    BATCH,
    HOSTILE_VALUE,
    OTHER_BATCH,
    Pair,
    copy_session,
    damaged_copy,
    run_session,
    wait_for_agent_start,
)

CLI = [sys.executable, "-m", "swarmtui"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120)


def test_agents_memory_and_artifacts_of_two_runs(pair: Pair) -> None:
    c = compare_sessions(pair.a, pair.b)
    assert c.same_batch and c.batch_diff == () and c.notes == ()
    assert (c.a.status, c.b.status) == ("completed", "failed")

    assert [(x.name, x.change, x.changed_fields) for x in c.agents] == [
        ("Planner", "same", ()),
        ("Builder", "changed", ("status", "attempts", "reason")),
        ("Checker", "changed", ("status", "attempts", "reason")),
    ]
    builder, checker = c.agents[1], c.agents[2]
    assert builder.a is not None and builder.b is not None
    assert (builder.a.status, builder.b.status) == ("done", "cancelled")
    assert builder.b.reason == "cancelled by user"
    assert checker.b is not None and checker.b.status == "failed"
    assert checker.b.reason == "waits for swarm/build, but Builder was cancelled"
    # Times are compared side by side: the planner ran 0.02 s in A and 0.03 s in B.
    planner = c.agents[0]
    assert planner.a is not None and planner.b is not None
    assert planner.a.run_seconds < planner.b.run_seconds

    assert [(m.key, m.change) for m in c.memory] == [
        ("swarm/build", "removed"),
        ("swarm/config", "changed"),
        ("swarm/evil", "added"),
        ("swarm/plan", "changed"),
    ]
    config = c.memory[1]
    assert (config.a, config.b, config.a_by, config.b_by) == (
        {"mode": "fast"},
        {"mode": "safe"},
        "batch",
        "user",
    )
    assert config.diff == (
        "--- A/swarm/config",
        "+++ B/swarm/config",
        "@@ -1,3 +1,3 @@",
        " {",
        '-  "mode": "fast"',
        '+  "mode": "safe"',
        " }",
    )
    assert c.memory[2].b == HOSTILE_VALUE and c.memory_unchanged == 0

    assert [(f.path, f.change, f.binary) for f in c.artifacts] == [
        ("artifacts/builder.md", "removed", False),
        ("artifacts/checker.md", "removed", False),
        ("artifacts/planner.md", "changed", False),
    ]
    planner_report = c.artifacts[2].diff
    assert "-- simulated duration: 0.020 s" in planner_report
    assert "+- simulated duration: 0.030 s" in planner_report
    assert c.artifacts[0].diff[2:4] == ("@@ -1,12 +0,0 @@", "-# Builder — REHEARSAL")

    # The critical path of each, and the speed-up of each as the fold computed it.
    assert c.a.critical_path == ("Planner", "Builder", "Checker")
    assert c.b.critical_path == ("Planner",)
    assert c.a.speedup == c.a.state.metrics.speedup > 0
    assert c.a.critical_path_seconds == pytest.approx(
        sum(a.run_seconds for a in c.a.state.agents.values())
    )
    ratio = c.wall_ratio
    assert ratio is not None and ratio == pytest.approx(c.b.wall_seconds / c.a.wall_seconds)


def test_json_for_scripts_by_id_or_folder(pair: Pair) -> None:
    expected = json.loads(json.dumps(compare_sessions(pair.a, pair.b).to_json()))
    by_folder = _cli("diff", str(pair.a), str(pair.b), "--json")
    assert by_folder.returncode == 0, by_folder.stderr
    assert json.loads(by_folder.stdout) == expected
    by_id = _cli(
        "diff", pair.a.name, pair.b.name, "--json", "--sessions-dir", str(pair.sessions_dir)
    )
    assert by_id.returncode == 0, by_id.stderr
    assert json.loads(by_id.stdout) == expected
    document = json.loads(by_id.stdout)
    assert document["a"]["critical_path"] == ["Planner", "Builder", "Checker"]
    assert [m["change"] for m in document["memory"]] == ["removed", "changed", "added", "changed"]
    assert document["agents"][2]["b"]["status"] == "failed"


def test_text_in_a_pipe_with_outside_text_escaped(pair: Pair) -> None:
    # Standard output is a pipe here: the app cannot open, so the comparison is printed.
    done = _cli("diff", str(pair.a), str(pair.b))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "\x1b" not in out and "\x07" not in out
    assert "+\\x1b]0;pwned\\x07\\x1b[2Jhello" in out
    assert "  Builder  done -> cancelled  1 -> 0" in out
    assert "  Checker in B: waits for swarm/build, but Builder was cancelled" in out
    assert "agents (2 of 3 differ beyond their times)" in out
    assert "memory (2 changed, 1 added, 1 removed, 0 unchanged)" in out
    assert "  ~ swarm/config  (written by batch -> user)" in out
    assert "artifacts (1 changed, 0 added, 2 removed, 0 unchanged)" in out
    assert "   critical path: Planner -> Builder -> Checker" in out


def test_sessions_of_different_batches_are_compared_and_said_so(pair: Pair, tmp_path: Path) -> None:
    other = run_session(OTHER_BATCH, tmp_path / "sessions", 0.01)
    c = compare_sessions(pair.a, other)
    assert not c.same_batch
    assert c.notes == ("different batches: agents are matched by name",)
    assert "-[Single Message - Pipeline]:" in c.batch_diff
    assert "+[Single Message - Other]:" in c.batch_diff
    assert [(x.name, x.change) for x in c.agents] == [
        ("Planner", "only_a"),
        ("Builder", "only_a"),
        ("Checker", "only_a"),
        ("Writer", "only_b"),
        ("Linter", "only_b"),
    ]
    text = _cli("diff", str(pair.a), str(other)).stdout
    assert "! different batches: agents are matched by name" in text
    assert "  Writer   done (only in B)" in text


def test_an_interrupted_session_is_compared_up_to_its_last_event(
    pair: Pair, tmp_path: Path
) -> None:
    batch = tmp_path / "pipeline.swarm.js"
    batch.write_text(BATCH)
    sessions = tmp_path / "sessions"
    # Every rehearsal agent takes a minute: the run is killed while the planner runs.
    run = [str(batch), "--headless", "--rehearsal-seconds", "60", "--sessions-dir", str(sessions)]
    proc = subprocess.Popen(
        [*CLI, "run", *run],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        folder = wait_for_agent_start(sessions, proc)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    c = compare_sessions(pair.a, folder)
    assert c.b.status == "interrupted"
    last = c.b.state.seq
    assert c.b.events == last > 0
    assert c.b.note is not None
    assert c.b.note.startswith(f"interrupted: compared up to its last event (#{last}, ")
    assert c.notes == (f"B {c.b.note}",)
    planner = c.agents[0].b
    assert planner is not None and planner.status == "running" and planner.wall_seconds is None
    assert [(m.key, m.change) for m in c.memory] == [
        ("swarm/build", "removed"),
        ("swarm/plan", "removed"),
    ]
    text = _cli("diff", str(pair.a), str(folder))
    assert text.returncode == 0 and "! B interrupted: compared up to its last event" in text.stdout


def test_a_damaged_log_is_compared_up_to_its_last_good_event(pair: Pair, tmp_path: Path) -> None:
    broken = damaged_copy(pair.a, tmp_path / "broken", 6)
    c = compare_sessions(pair.a, broken)
    assert c.b.events == 5 and c.b.state.seq == 5
    assert c.b.status == "interrupted"
    assert c.b.note is not None
    assert c.b.note.startswith(
        "damaged log: compared up to event #5 (event #6 is not a valid event"
    )
    assert c.notes[-1] == f"B {c.b.note}"
    # Nothing after event 5 counts: no agent had finished by then.
    assert all(x.b is not None and x.b.status != "done" for x in c.agents)


def test_binary_links_and_large_files_are_said_so_never_followed(
    pair: Pair, tmp_path: Path
) -> None:
    a = copy_session(pair.a, tmp_path / "a")
    b = copy_session(pair.a, tmp_path / "b")
    (a / "artifacts" / "code" / "blob.bin").write_bytes(b"\x00\x01\x02")
    (b / "artifacts" / "code" / "blob.bin").write_bytes(b"\x00\x01\x03\x04")
    outside = tmp_path / "outside-secret.txt"
    outside.write_text("do not read me\n")
    (b / "artifacts" / "secret.txt").symlink_to(outside)
    big = b"x" * (MAX_DIFF_BYTES + 10)
    (a / "artifacts" / "logs" / "big.log").write_bytes(big + b"a")
    (b / "artifacts" / "logs" / "big.log").write_bytes(big + b"b")
    (b / "artifacts" / "code" / "same.txt").write_text("one\n")
    (a / "artifacts" / "code" / "same.txt").write_text("one\n")

    c = compare_sessions(a, b)
    changes = {f.path: f for f in c.artifacts}
    assert set(changes) == {
        "artifacts/code/blob.bin",
        "artifacts/secret.txt",
        "artifacts/logs/big.log",
    }
    blob = changes["artifacts/code/blob.bin"]
    assert (blob.change, blob.binary, blob.note, blob.diff) == ("changed", True, "binary", ())
    assert (blob.a_bytes, blob.b_bytes) == (3, 4)
    link = changes["artifacts/secret.txt"]
    assert (link.change, link.note, link.diff) == ("added", "symbolic link", ())
    large = changes["artifacts/logs/big.log"]
    assert (large.change, large.note, large.diff) == ("changed", "too large to diff", ())
    # Unchanged files are counted; the session's own log, lock and batch are not its products.
    assert c.artifacts_unchanged == 4  # three reports and same.txt
    assert not {"session.db", "session.lock", "batch.swarm.js"} & set(session_files(a))
    assert "do not read me" not in json.dumps(c.to_json())

    text = _cli("diff", str(a), str(b)).stdout
    assert "  ~ artifacts/code/blob.bin  (3 -> 4 bytes, binary)" in text
    assert "  + artifacts/secret.txt  (- -> 0 bytes, symbolic link)" in text


def test_the_same_session_twice_has_no_differences(pair: Pair) -> None:
    c = compare_sessions(pair.a, pair.a)
    assert c.notes == ("A and B are the same session",)
    assert {x.change for x in c.agents} == {"same"}
    assert c.memory == () and c.artifacts == ()
    assert c.memory_unchanged == 3 and c.artifacts_unchanged == 3


def test_what_is_not_a_session_is_one_line(pair: Pair, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SessionStoreError, match="no such session database"):
        compare_sessions(pair.a, empty)
    done = _cli("diff", str(pair.a), str(empty), "--json")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"swarmtui: {empty / 'session.db'}: no such session database\n"
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    sqlite3.connect(foreign / "session.db").execute("CREATE TABLE t (x)").connection.close()
    done = _cli("diff", str(foreign), str(pair.b))
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert "not a swarmtui session database" in done.stderr and "Traceback" not in done.stderr
    missing = _cli("diff", "nope", str(pair.b), "--sessions-dir", str(tmp_path))
    assert missing.returncode == 2
    assert missing.stderr == f"swarmtui: {tmp_path}: no session 'nope'\n"


async def test_agents_worktrees_are_compared_by_their_kept_patches(tmp_path: Path) -> None:
    """Two runs in git worktrees: what each agent changed differs through its patch; the
    checkouts themselves (and their git files, which name each session's worktree) are not
    listed file by file."""
    repo = make_repo(tmp_path / "repo")
    batch = batch_in(repo, 'Task("a", "Edit line one.", {type: "coder"})\n')
    sessions = tmp_path / "sessions"
    first = await run_batch(batch, sessions, settings("sed -i s/one/AAA/ f.txt; echo ok"))
    second = await run_batch(batch, sessions, settings("sed -i s/one/BBB/ f.txt; echo ok"))
    c = compare_sessions(first.path, second.path)
    changed = {a.path: a for a in c.artifacts}
    assert not [p for p in changed if p.startswith(("worktrees/", "worktree-objects/"))]
    patch = changed["artifacts/diffs/a.patch"]
    assert patch.change == "changed"
    assert "-+AAA" in patch.diff and "++BBB" in patch.diff
    assert not [p for p in session_files(first.path) if p.startswith("worktrees/")]
