"""End to end through the CLI: run --json, replay --json (byte-identical), sessions, export."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from swarmtui import locations

EXAMPLES = locations.builtin_examples_dir()
CLI = [sys.executable, "-m", "swarmtui"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120)


def _examples() -> list[Path]:
    """The example batches shipped in the package; a stand-in path when there are none, so the
    test fails, loudly, instead of pytest skipping an empty parameter set."""
    found = sorted(EXAMPLES.glob("*.swarm.js"))
    return found or [EXAMPLES / "NO-EXAMPLES"]


@pytest.mark.parametrize("example", _examples(), ids=lambda p: p.name)
def test_run_and_replay_json_are_identical(example: Path, tmp_path: Path) -> None:
    assert example.is_file(), f"no example batches (*.swarm.js) in {EXAMPLES}"
    sessions = str(tmp_path / "sessions")
    ran = _cli(
        "run",
        str(example),
        "--headless",
        "--json",
        "--rehearsal-seconds",
        "0.01",
        "--sessions-dir",
        sessions,
    )
    # Every example is a valid batch: with the rehearsal backend all of it completes.
    assert ran.returncode == 0, ran.stderr
    document = json.loads(ran.stdout)
    summary = document["summary"]
    assert summary["status"] == "completed"
    assert all(a["status"] == "done" for a in summary["agents"]), summary["agents"]
    for key in (
        "session_id",
        "path",
        "wall_seconds",
        "sequential_seconds",
        "critical_path_seconds",
        "speedup",
        "agents",
    ):
        assert key in summary
    assert summary["agents"] and {
        "name",
        "type",
        "status",
        "started_at",
        "finished_at",
        "run_seconds",
        "wait_seconds",
        "waits",
        "stores",
        "reason",
    } <= set(summary["agents"][0])
    assert (Path(summary["path"]) / "batch.swarm.js").read_text() == example.read_text()
    replayed = _cli(
        "replay", summary["session_id"], "--headless", "--json", "--sessions-dir", sessions
    )
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout == ran.stdout
    by_path = _cli("replay", summary["path"], "--headless", "--json")
    assert by_path.stdout == ran.stdout
    exported = _cli("export", summary["session_id"], "--sessions-dir", sessions)
    lines = exported.stdout.splitlines()
    assert len(lines) == document["state"]["seq"]
    assert [json.loads(line)["seq"] for line in lines] == list(range(1, len(lines) + 1))


def test_run_exit_codes_and_sessions_listing(tmp_path: Path) -> None:
    sessions = str(tmp_path / "sessions")
    missing = _cli("run", str(tmp_path / "nope.swarm.js"), "--headless", "--sessions-dir", sessions)
    assert missing.returncode == 2 and "nope.swarm.js" in missing.stderr
    bad = tmp_path / "bad.swarm.js"
    bad.write_text(
        'Task("A", "Wait for \'swarm/never\' in memory.", "coder")\n'
        'Task("B", "Just work.", "coder", { waits: ["swarm/never"] })\n'
    )
    ran = _cli(
        "run", str(bad), "--headless", "--rehearsal-seconds", "0.01", "--sessions-dir", sessions
    )
    assert ran.returncode == 1
    assert "failed" in ran.stdout
    no_template = _cli(
        "run", str(bad), "--headless", "--backend", "command", "--sessions-dir", sessions
    )
    assert no_template.returncode == 2 and "--command" in no_template.stderr
    listed = _cli("sessions", "--sessions-dir", sessions, "--json")
    infos = json.loads(listed.stdout)
    assert len(infos) == 1 and infos[0]["status"] == "failed" and infos[0]["agents"] == 2
    text = _cli("sessions", "--sessions-dir", sessions)
    assert infos[0]["id"] in text.stdout


def test_a_batch_with_a_syntax_error_is_not_completed(tmp_path: Path) -> None:
    bad = tmp_path / "syntax.swarm.js"
    bad.write_text('Task("A", "ok", "coder")\nTask("B", "unclosed\n')
    ran = _cli(
        "run",
        str(bad),
        "--headless",
        "--json",
        "--rehearsal-seconds",
        "0.01",
        "--sessions-dir",
        str(tmp_path / "s"),
    )
    assert ran.returncode == 1
    document = json.loads(ran.stdout)
    assert document["summary"]["status"] == "failed"
    assert any(d["severity"] == "error" for d in document["state"]["diagnostics"])


def test_a_fork_before_any_agent_is_done_says_so_in_good_english(tmp_path: Path) -> None:
    batch = tmp_path / "pair.swarm.js"
    batch.write_text('Task("Alpha", "Build it.", "coder")\nTask("Beta", "Test it.", "tester")\n')
    sessions = str(tmp_path / "sessions")
    common = ["--headless", "--rehearsal-seconds", "0", "--sessions-dir", sessions]
    assert _cli("run", str(batch), *common).returncode == 0
    (source,) = (tmp_path / "sessions").iterdir()
    forked = _cli("fork", str(source), "--at", "1", *common)
    assert forked.returncode == 0, forked.stderr
    assert f"forking {source.name} at event 1 (" in forked.stderr
    assert "): no agent stays done; Alpha, Beta run\n" in forked.stderr, forked.stderr


def test_sessions_of_a_folder_that_does_not_exist_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _cli("sessions", "--sessions-dir", str(empty)).stdout.strip() == "no sessions"
    typo = _cli("sessions", "--sessions-dir", str(tmp_path / "sesions"))
    assert typo.returncode == 0
    assert typo.stdout.strip() == f"no sessions: {tmp_path / 'sesions'} does not exist"
