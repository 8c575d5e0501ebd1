"""Issue 11.10: signals end a session as Ctrl-C does; an unreadable configuration folder is one
line. Real processes, real signals, real file modes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ..engine.helpers import wait_for_events
from ..store.test_read_only_sessions import _unprivileged
from .hostile import DEADLINE, environment

CLI = [sys.executable, "-m", "swarmtui"]
BATCH = """[Single Message - Long]:
Task("Sleeper", "Sleep a long time.", "coder")
Task("Other", "Sleep too.", "coder")
"""
SLEEP = "echo started; exec sleep 600"
COMMAND = ["--backend", "command", "--command", SLEEP, "--sessions-dir"]


def _start(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    batch = tmp_path / "long.swarm.js"
    batch.write_text(BATCH, encoding="utf-8")
    (tmp_path / "config").mkdir(exist_ok=True)
    return subprocess.Popen(
        [*CLI, "run", str(batch), *args, *COMMAND, str(tmp_path / "sessions")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(tmp_path),
        cwd=tmp_path,
    )


def _replayed(session: Path) -> dict[str, object]:
    done = subprocess.run(
        [*CLI, "replay", str(session), "--json"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    state: dict[str, object] = json.loads(done.stdout)["state"]
    return state


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_ends_a_headless_run_as_cancelled(tmp_path: Path, number: signal.Signals) -> None:
    run = _start(tmp_path, "--json")
    session = wait_for_events(tmp_path / "sessions", run, "type = 'agent_output'", count=2)
    run.send_signal(number)
    out, err = run.communicate(timeout=DEADLINE)
    assert run.returncode == 1
    assert f"ended by {number.name}" in err and err.count("\n") == 1, err
    printed = json.loads(out)
    assert printed["state"]["status"] == "cancelled"
    assert printed["state"]["reason"] == f"ended by {number.name}"
    agents = {a["name"]: a for a in printed["summary"]["agents"]}
    assert {a["status"] for a in agents.values()} == {"cancelled"}
    assert _replayed(session) == printed["state"]


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_ends_the_apps_session_as_cancelled(
    tmp_path: Path, number: signal.Signals
) -> None:
    # The app on a terminal of its own (a pty), running the batch; the signal comes from outside.
    leader, follower = os.openpty()
    run = _start_app(tmp_path, follower)
    os.close(follower)
    try:
        session = wait_for_events(tmp_path / "sessions", run, "type = 'agent_output'", count=2)
        run.send_signal(number)
        _drain(leader, run)
        assert run.wait(timeout=DEADLINE) == 0
    finally:
        os.close(leader)
        if run.poll() is None:
            run.kill()
    state = _replayed(session)
    assert (state["status"], state["reason"]) == ("cancelled", f"ended by {number.name}")


def _start_app(tmp_path: Path, terminal: int) -> subprocess.Popen[str]:
    batch = tmp_path / "long.swarm.js"
    batch.write_text(BATCH, encoding="utf-8")
    (tmp_path / "config").mkdir(exist_ok=True)
    return subprocess.Popen(
        [*CLI, "run", str(batch), *COMMAND, str(tmp_path / "sessions")],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        text=True,
        env=environment(tmp_path),
        cwd=tmp_path,
        start_new_session=True,
    )


def _drain(leader: int, process: subprocess.Popen[str]) -> None:
    """Read the terminal until the app has exited (it must not block on a full pty)."""
    import select

    while process.poll() is None:
        ready, _, _ = select.select([leader], [], [], 1.0)
        if ready:
            try:
                os.read(leader, 65536)
            except OSError:
                return


def test_an_unreadable_configuration_folder_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "swarmtui.toml").write_text("max_parallel = 2\n", encoding="utf-8")
    batch = tmp_path / "x.swarm.js"
    batch.write_text(BATCH, encoding="utf-8")
    config.chmod(0)
    try:
        for args in (["config"], ["run", str(batch), "--headless"]):
            done = subprocess.run(
                [*_unprivileged(), *CLI, *args],
                capture_output=True,
                text=True,
                env=environment(tmp_path),
                cwd=tmp_path,
                timeout=60,
            )
            assert done.returncode == 2, done.stderr
            assert (
                done.stderr
                == f"swarmtui: {config / 'swarmtui.toml'}: cannot be read (Permission denied)\n"
            )
    finally:
        config.chmod(0o755)
