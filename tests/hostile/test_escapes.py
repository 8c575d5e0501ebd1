"""Issues 11.2 and 11.9 end to end, through `swarmtui run` as a user runs it: an agent whose
program starts children that leave its process group or session (`setsid`, `set -m`, GNU
`timeout`, `nohup`) and keeps them holding its output pipe ends at Ctrl-C at once, and none of
them survives; and OPENAI_API_KEY in swarmtui's environment never reaches the agent's program
(it dumps its environment into an artifact), nor anything the session keeps."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ..engine.helpers import wait_for_events
from .hostile import DEADLINE, environment

CLI = [sys.executable, "-m", "swarmtui"]
COMMAND = ["--backend", "command", "--command"]
KEY = "sk-test-" + "K3Y" * 8
MARK = "36711"  # an unusual number of seconds, to find the escaped sleepers by
ESCAPER = (
    f"setsid sleep {MARK} & (set -m; sleep {MARK} &) & timeout 900 sleep {MARK} & "
    f"nohup sleep {MARK} >/dev/null 2>&1 & env > artifacts/environment.txt; echo started; "
    f"sleep {MARK}"
)
BATCH = '[Single Message - Escape]:\nTask("Escaper", "Start children that escape.", "coder")\n'


def _sleepers() -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if argv[:2] == [b"sleep", MARK.encode()]:
                found.append(int(entry))
    return found


def test_ctrl_c_ends_at_once_and_no_escaped_child_or_key_remains(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    batch = tmp_path / "escape.swarm.js"
    batch.write_text(BATCH, encoding="utf-8")
    sessions = tmp_path / "sessions"
    run = subprocess.Popen(
        [*CLI, "run", str(batch), "--headless", *COMMAND, ESCAPER, "--sessions-dir", str(sessions)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**environment(tmp_path), "OPENAI_API_KEY": KEY},
        cwd=tmp_path,
    )
    try:
        session = wait_for_events(sessions, run, "type = 'agent_output'")
        deadline = time.monotonic() + DEADLINE
        while len(_sleepers()) < 5:  # all of them started (the last is the agent's own)
            assert time.monotonic() < deadline, _sleepers()
            time.sleep(0.02)
        run.send_signal(signal.SIGINT)
        run.communicate(timeout=DEADLINE)  # not the 10 minutes the pipe's holders would take
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert run.returncode == 1
    assert _sleepers() == []
    environment_file = session / "artifacts" / "environment.txt"
    assert "PATH=" in environment_file.read_text()
    kept = [p for p in session.rglob("*") if p.is_file() and KEY.encode() in p.read_bytes()]
    assert kept == []
