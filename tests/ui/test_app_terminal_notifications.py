"""The app tells the terminal when a request waits for approval: the bell, and a desktop
notification (OSC 9 / OSC 777) where the terminal shows one. The app on a real
pseudo-terminal, a real session whose Bash operation waits for the user."""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest

from ..hostile.hostile import CLI, DEADLINE, environment

BATCH = 'Bash("echo notified")\n'


def _controlling_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _shown_until(tmp_path: Path, env: dict[str, str], wanted: bytes) -> bytes:
    """Run the batch in the app on a pseudo-terminal; what it wrote until WANTED appeared."""
    batch = tmp_path / "ask.swarm.js"
    batch.write_text(BATCH, encoding="utf-8")
    (tmp_path / "config").mkdir(exist_ok=True)
    args = [*CLI, "run", str(batch), "--backend", "command", "--command", "echo {prompt}"]
    args += ["--sessions-dir", str(tmp_path / "sessions")]
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    process = subprocess.Popen(
        args,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd=tmp_path,
        start_new_session=True,
        preexec_fn=_controlling_terminal,
    )
    os.close(follower)
    shown = b""
    try:
        deadline = time.monotonic() + DEADLINE  # (a bound on a hang, not a synchronisation)
        while wanted not in shown:
            left = deadline - time.monotonic()
            assert left > 0, f"{wanted!r} never showed: {shown[-1500:]!r}"
            assert process.poll() is None, f"the app ended: {shown[-1500:]!r}"
            ready, _, _ = select.select([leader], [], [], left)
            if ready:
                shown += os.read(leader, 65536)
    finally:
        os.close(leader)  # (the terminal hangs up: the app ends)
        try:
            process.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return shown


@pytest.mark.parametrize(
    ("terminal", "sequence"),
    [
        ({"TERM_PROGRAM": "WezTerm"}, b"\x1b]9;swarmtui: the batch waits for approval: Bash "),
        ({"TERM": "foot"}, b"\x1b]777;notify;swarmtui;the batch waits for approval: Bash "),
    ],
    ids=["osc9", "osc777"],
)
def test_a_request_waiting_for_approval_notifies_the_desktop(
    tmp_path: Path, terminal: dict[str, str], sequence: bytes
) -> None:
    env = {**environment(tmp_path), **terminal}
    env.pop("TMUX", None)
    shown = _shown_until(tmp_path, env, sequence)
    after = shown[shown.index(sequence) + len(sequence) :]
    assert after.startswith(b"echo notified\x07")


def test_inside_tmux_only_the_bell_rings(tmp_path: Path) -> None:
    env = {**environment(tmp_path), "TMUX": "/tmp/tmux-0/default,1,0", "TERM_PROGRAM": "WezTerm"}
    # The status bar counts the request: painted after the bell was written (same writer).
    shown = _shown_until(tmp_path, env, b"1 awaiting approval")
    assert b"\x1b]9;" not in shown and b"\x1b]777;" not in shown
    # A bell of its own, not the end of another sequence (Textual ends some OSC with BEL).
    assert b"\x07" in re.sub(rb"\x1b\][^\x07\x1b]*(\x07|\x1b\\)", b"", shown)
