"""The CLI as a daily tool: help, usage errors before any session, the headless summary, the
sessions table, and the app refusing to start without a terminal."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

CLI = [sys.executable, "-m", "swarmtui"]
BATCH = """\
Bash("echo hi && exit 3")
memory.store("notes", "x")
Task("A", "Write the notes. Store the result in 'a'.", "general")
Task("B", "Read 'a' and sum it up.", "general")
"""


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
    )


def test_dash_h_is_help_and_help_names_swarmtui_file() -> None:
    short = _cli("-h")
    assert short.returncode == 0, short.stderr
    assert short.stdout == _cli("--help").stdout
    assert "swarmtui FILE" in short.stdout
    assert _cli("run", "-h").returncode == 0


def test_openai_without_a_model_is_a_usage_error_before_any_session(tmp_path: Path) -> None:
    batch = tmp_path / "b.js"
    batch.write_text(BATCH)
    sessions = tmp_path / "sessions"
    result = _cli(
        "run",
        str(batch),
        "--headless",
        "--backend",
        "openai",
        "--sessions-dir",
        str(sessions),
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "needs a model" in result.stderr
    assert not sessions.exists() or not any(sessions.iterdir())


def test_the_app_without_a_terminal_says_so_in_one_line(tmp_path: Path) -> None:
    started = time.monotonic()
    result = _cli(str(tmp_path / "b.js"), cwd=tmp_path)  # stdin /dev/null, stdout a pipe
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "--headless" in result.stderr
    assert time.monotonic() - started < 60  # (a hang fails here instead of spinning forever)


def test_the_summary_lists_bash_operations_and_warnings(tmp_path: Path) -> None:
    batch = tmp_path / "b.js"
    batch.write_text(BATCH)
    env = {**os.environ, "NO_COLOR": "1"}
    result = subprocess.run(
        [
            *CLI,
            "run",
            str(batch),
            "--headless",
            "--backend",
            "command",
            "--command",
            "true",
            "--budget-usd",
            "1",
            "--allow",
            "Bash(echo hi*)",
            "--allow",
            "Bash(exit *)",
            "--sessions-dir",
            str(tmp_path / "s"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    out = result.stdout
    assert "bash op 0: echo hi && exit 3 -> " in out and "exit status 3" in out, out
    # The run's warning (a budget the command backend cannot enforce) is in the summary.
    assert "warning: " in out and "budget" in out, out


def test_sessions_prints_aligned_columns_under_a_header(tmp_path: Path) -> None:
    batch = tmp_path / "b.js"
    batch.write_text(BATCH)
    sessions = str(tmp_path / "s")
    for _ in range(2):
        _cli(
            "run",
            str(batch),
            "--headless",
            "--rehearsal-seconds",
            "0.01",
            "--sessions-dir",
            sessions,
        )
    lines = _cli("sessions", "--sessions-dir", sessions).stdout.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "STARTED", "WALL", "AGENTS", "SPEED-UP", "TITLE"]
    assert len(lines) == 3
    # Every column starts at the same place on every line.
    for word in ("STATUS", "STARTED", "TITLE"):
        column = lines[0].index(word)
        assert all(line[column - 2 : column] == "  " for line in lines[1:]), lines
        assert all(line[column] != " " for line in lines[1:]), lines


def test_the_headless_line_of_a_waiting_agent_shows_how_long_it_has_waited() -> None:
    """`run --headless` prints its agents' lines as the clock moves: a waiting agent's clock
    is its wait so far."""
    from swarmtui.commands.session_text import agent_lines
    from swarmtui.engine.events import AgentWaiting

    from .test_metrics import _started, _state

    state = _state([_started("A", waits={"A": ["k"]}), AgentWaiting(agent="A", keys=["k"], t=1.0)])
    [line] = agent_lines(state, now=4.0)
    assert line.startswith("waiting      3.00s  A") and "waits for k" in line, line
