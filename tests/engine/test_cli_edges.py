"""The CLI at its edges: Ctrl-C with --json, bad numbers and sessions folders, no TTY."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .helpers import host_pids, wait_for_agent_start

CLI = [sys.executable, "-m", "swarmtui"]
BATCH = 'Task("Sleeper", "Sleep.", "coder")\nTask("Other", "Work.", "coder")\n'


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    # stdin is not a terminal either: --json must never open the app.
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )


def test_ctrl_c_with_json_prints_the_cancelled_session(tmp_path: Path) -> None:
    batch = tmp_path / "slow.swarm.js"
    batch.write_text(BATCH)
    sessions = tmp_path / "sessions"
    proc = subprocess.Popen(
        [
            *CLI,
            "run",
            str(batch),
            "--headless",
            "--json",
            "--backend",
            "command",
            "--command",
            "exec sleep 60",
            "--sessions-dir",
            str(sessions),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_agent_start(sessions, proc)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 1, err
    # Nothing of either agent outlives the run. One cancelled while its sandbox was being made
    # left the sandbox's first process running its command, orphaned (polled: a dying process
    # leaves /proc when the kernel has reaped it, which nothing here can wait on).
    deadline = time.monotonic() + 10
    while left := host_pids(str(sessions)):
        assert time.monotonic() < deadline, f"still running after the run: {left}"
        time.sleep(0.01)
    document = json.loads(out)
    assert document["summary"]["status"] == "cancelled"
    assert document["state"]["status"] == "cancelled"
    replayed = _cli(
        "replay", document["summary"]["session_id"], "--json", "--sessions-dir", str(sessions)
    )
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout == out


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN", "infinity"])
def test_rehearsal_seconds_must_be_finite(value: str, tmp_path: Path) -> None:
    batch = tmp_path / "b.swarm.js"
    batch.write_text(BATCH)
    sessions = tmp_path / "sessions"
    ran = _cli(
        "run", str(batch), "--headless", "--rehearsal-seconds", value,
        "--sessions-dir", str(sessions),
    )  # fmt: skip
    assert ran.returncode == 2, ran.stdout
    assert "--rehearsal-seconds" in ran.stderr
    assert not sessions.exists()


def test_budget_must_be_finite(tmp_path: Path) -> None:
    batch = tmp_path / "b.swarm.js"
    batch.write_text(BATCH)
    ran = _cli("run", str(batch), "--headless", "--budget-usd", "nan")
    assert ran.returncode == 2 and "--budget-usd" in ran.stderr


def test_a_command_template_that_would_run_a_prompt_is_refused_before_any_session(
    tmp_path: Path,
) -> None:
    batch = tmp_path / "b.swarm.js"
    batch.write_text(BATCH)
    sessions = tmp_path / "sessions"
    ran = _cli(
        "run", str(batch), "--headless", "--backend", "command",
        "--command", "sh -c 'llm {prompt}'", "--sessions-dir", str(sessions),
    )  # fmt: skip
    assert ran.returncode == 2, ran.stderr
    assert "{prompt} in a script another shell reads" in ran.stderr
    assert not sessions.exists() or not any(sessions.iterdir())


def test_a_sessions_dir_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    batch = tmp_path / "b.swarm.js"
    batch.write_text(BATCH)
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    for where in (blocker, blocker / "below"):
        ran = _cli(
            "run", str(batch), "--json", "--rehearsal-seconds", "0.001",
            "--sessions-dir", str(where),
        )  # fmt: skip
        assert ran.returncode == 2, ran.stderr
        lines = ran.stderr.strip().splitlines()
        assert len(lines) == 1 and str(where) in lines[0] and "file" in lines[0]
        assert "Errno" not in ran.stderr and ran.stdout == ""
    assert blocker.read_text() == "not a folder"


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc")
def test_a_sessions_dir_that_cannot_be_created_is_a_usage_error(tmp_path: Path) -> None:
    batch = tmp_path / "b.swarm.js"
    batch.write_text(BATCH)
    ran = _cli("run", str(batch), "--json", "--sessions-dir", "/proc/nope")
    assert ran.returncode == 2, ran.stderr
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1 and "/proc/nope" in lines[0] and "cannot be created" in lines[0]
    assert "Errno" not in ran.stderr


def test_json_implies_headless_without_a_terminal(tmp_path: Path) -> None:
    batch = tmp_path / "b.swarm.js"
    batch.write_text(BATCH)
    sessions = str(tmp_path / "sessions")
    ran = _cli(
        "run", str(batch), "--json", "--rehearsal-seconds", "0.001", "--sessions-dir", sessions
    )
    assert ran.returncode == 0, ran.stderr
    document = json.loads(ran.stdout)
    assert document["summary"]["status"] == "completed"
    replayed = _cli(
        "replay", document["summary"]["session_id"], "--json", "--sessions-dir", sessions
    )
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout == ran.stdout
    for command in ("run", "replay"):
        assert "implies --headless" in " ".join(_cli(command, "--help").stdout.split())


def test_a_file_that_is_not_utf8_is_a_usage_error_like_lint(tmp_path: Path) -> None:
    batch = tmp_path / "binary.swarm.js"
    batch.write_bytes(b'Task("A", "x")\n\xff\xfe\x00')
    run = _cli("run", str(batch), "--headless", "--sessions-dir", str(tmp_path / "s"))
    lint = _cli("lint", str(batch))
    assert (run.returncode, lint.returncode) == (2, 2)
    assert "not UTF-8 text (byte 0xff at offset 15)" in run.stderr
    assert run.stderr.strip().endswith(lint.stderr.strip().split(": ", 1)[-1])
    assert not (tmp_path / "s").exists()
