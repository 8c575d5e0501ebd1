"""The app's terminal goes away (its window closed, the connection dropped): a running session
ends as cancelled, recorded, and the app exits. Real processes on real pseudo-terminals, closed
for real."""

from __future__ import annotations

import asyncio
import fcntl
import io
import json
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest
from textual.drivers._writer_thread import MAX_QUEUED_WRITES, WriterThread

from swarmtui.ui.terminal import HangupWatch, TerminalOutput

from ..hostile.hostile import CLI, DEADLINE, environment

BATCH = 'Task("Only", "do it", "coder")\n'
# The session leader when the app is not one (started by a script): it outlives the hang-up
# (so the test can wait for the app through it), and the app gets no signal from the kernel.
WRAPPER = (
    "import signal, subprocess, sys\n"
    "signal.signal(signal.SIGHUP, lambda *_: None)\n"
    "sys.exit(subprocess.call(sys.argv[1:]))\n"
)
CLOSED = "ended: the terminal closed"


def _controlling_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class AppTerminal:
    """The app in a pseudo-terminal that is its controlling terminal, as in a terminal window:
    closing our end hangs it up, as closing the window (or `tmux kill-session`) does."""

    def __init__(self, tmp_path: Path, *, through_script: bool, run: bool = True) -> None:
        batch = tmp_path / "one.swarm.js"
        batch.write_text(BATCH, encoding="utf-8")
        (tmp_path / "config").mkdir(exist_ok=True)
        self.sessions = tmp_path / "sessions"
        args = [*CLI, "run", str(batch), "--rehearsal-seconds", "600"]
        args += ["--sessions-dir", str(self.sessions)]
        if not run:  # (the app with the batch in its editor, nothing running)
            args = [*CLI, str(batch)]
        if through_script:
            args = [sys.executable, "-c", WRAPPER, *args]
        self.leader, follower = os.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
        self.process = subprocess.Popen(
            args,
            stdin=follower,
            stdout=follower,
            stderr=follower,
            env=environment(tmp_path),
            cwd=tmp_path,
            start_new_session=True,
            preexec_fn=_controlling_terminal,
        )
        os.close(follower)
        self.shown = b""
        self.open = True

    def wait_for(self, text: bytes) -> None:
        """Read what the terminal shows until TEXT appears (select with a deadline)."""
        deadline = time.monotonic() + DEADLINE
        while text not in self.shown:
            left = deadline - time.monotonic()
            assert left > 0, f"{text!r} never showed: {self.shown[-2000:]!r}"
            assert self.process.poll() is None, f"the app ended: {self.shown[-2000:]!r}"
            ready, _, _ = select.select([self.leader], [], [], left)
            if ready:
                self.shown += os.read(self.leader, 65536)

    def close(self) -> None:
        """Close the terminal: the kernel hangs it up."""
        if self.open:
            self.open = False
            os.close(self.leader)

    def session(self) -> dict[str, object]:
        """The recorded session, as its replay tells it."""
        [folder] = self.sessions.iterdir()
        done = subprocess.run(
            [*CLI, "replay", str(folder), "--json"],
            capture_output=True,
            text=True,
            timeout=DEADLINE,
        )
        assert done.returncode == 0, done.stderr
        state: dict[str, object] = json.loads(done.stdout)["state"]
        return state

    def __enter__(self) -> AppTerminal:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _session_runs(terminal: AppTerminal) -> None:
    terminal.wait_for(b"started (attempt 1)")


@pytest.mark.parametrize("through_script", [False, True], ids=["app-leads", "script-leads"])
def test_closing_the_terminal_ends_the_running_session_and_the_app(
    tmp_path: Path, through_script: bool
) -> None:
    # The app leading its session gets SIGHUP and SIGCONT from the kernel; started by a script,
    # it gets no signal at all: either way it sees the terminal gone.
    with AppTerminal(tmp_path, through_script=through_script) as terminal:
        _session_runs(terminal)
        terminal.close()
        # (the deadline of a test that would hang, not a synchronisation)
        assert terminal.process.wait(timeout=DEADLINE) == 0
    state = terminal.session()
    assert (state["status"], state["reason"]) == ("cancelled", CLOSED)
    agents = state["agents"]
    assert isinstance(agents, list)
    assert [(a["name"], a["status"]) for a in agents] == [("Only", "cancelled")]


def test_closing_the_terminal_of_an_idle_app_started_by_a_script_ends_it(tmp_path: Path) -> None:
    with AppTerminal(tmp_path, through_script=True, run=False) as terminal:
        terminal.wait_for(b"Palette")
        terminal.close()
        assert terminal.process.wait(timeout=DEADLINE) == 0


def test_writes_after_the_terminal_has_gone_are_dropped_and_the_writer_stops() -> None:
    # Textual's own writer thread on our output: once the terminal hangs up, far more writes
    # than its queue holds neither kill it nor wait on it, and stopping it returns.
    leader, follower = os.openpty()
    told: list[str] = []
    output = TerminalOutput(follower, lambda: told.append("lost"))
    writer = WriterThread(io.TextIOWrapper(io.BufferedWriter(output), encoding="utf-8"))
    writer.start()
    try:
        writer.write("first frame")
        shown = b""
        deadline = time.monotonic() + DEADLINE
        while b"first frame" not in shown:
            assert time.monotonic() < deadline, shown
            ready, _, _ = select.select([leader], [], [], deadline - time.monotonic())
            if ready:
                shown += os.read(leader, 65536)
        os.close(leader)  # the terminal hangs up

        def frames() -> None:
            for number in range(10 * MAX_QUEUED_WRITES):
                writer.write(f"frame {number}\n")
            writer.stop()

        writing = threading.Thread(target=frames, daemon=True)
        writing.start()
        writing.join(timeout=DEADLINE)  # (the deadline of a write that would wait forever)
        assert not writing.is_alive() and not writer.is_alive()
        assert output.failed and told == ["lost"]  # said once
    finally:
        os.close(follower)


async def test_a_hang_up_is_heard_on_the_event_loop_and_typing_is_not() -> None:
    leader, follower = os.openpty()
    heard: list[str] = []
    hung_up = asyncio.Event()

    def told() -> None:
        heard.append("hung up")
        hung_up.set()

    watch = HangupWatch(follower, told)
    try:
        os.write(leader, b"typed\n")
        ready, _, _ = select.select([follower], [], [], DEADLINE)
        assert ready and os.read(follower, 100) == b"typed\n"
        for _ in range(2):  # (the loop polls its readers once, and runs what they woke)
            await asyncio.sleep(0)
        assert heard == []
        os.close(leader)
        await asyncio.wait_for(hung_up.wait(), DEADLINE)
        for _ in range(2):
            await asyncio.sleep(0)
        assert heard == ["hung up"]  # once
    finally:
        watch.close()
        os.close(follower)
