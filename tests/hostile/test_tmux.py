"""Issue 11.1 in a real terminal: tmux runs swarmtui over a hostile session; the pane's title
and tmux's clipboard (OSC 52, accepted with `set-clipboard on`) must not change.

A control run first prints the same escapes raw and checks that tmux does obey them, so the
test would see an escape that got through (tmux is part of the machine's base packages)."""

from __future__ import annotations

import os
import select
import shlex
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from .hostile import CLI, COMMAND, DEADLINE, environment

CLEAN = "clean-title"


class Tmux:
    """A private tmux server (its own socket, no configuration) with one 160x45 pane."""

    def __init__(self, home: Path) -> None:
        self.socket = f"swarmtui-test-{uuid.uuid4().hex[:8]}"
        self.home = home
        env = environment(home)
        env.pop("TMUX", None)
        self.env = env
        self(
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "t",
            "-c",
            str(home),
            "-x",
            "160",
            "-y",
            "45",
            "sh",
        )
        self("set-option", "-g", "set-clipboard", "on")
        self("set-option", "-g", "allow-rename", "on")
        self.reset()

    def __call__(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=DEADLINE,
        )
        assert done.returncode == 0, f"tmux {args}: {done.stderr}"
        return done.stdout

    def reset(self) -> None:
        self("select-pane", "-t", "t", "-T", CLEAN)
        for name in self.buffers():
            self("delete-buffer", "-b", name)

    def title(self) -> str:
        return self("display-message", "-p", "-t", "t", "#{pane_title}").strip()

    def buffers(self) -> list[str]:
        return self("list-buffers", "-F", "#{buffer_name}").split()

    def type_and_wait(self, command: str) -> None:
        """Type COMMAND in the pane's shell and wait until it has run (tmux wait-for)."""
        channel = uuid.uuid4().hex
        line = f"{command}; tmux -L {self.socket} wait-for -S {channel}"
        self("send-keys", "-t", "t", line, "Enter")
        self("wait-for", channel)

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=30)


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    (tmp_path / "config").mkdir()
    server = Tmux(tmp_path)
    try:
        yield server
    finally:
        server.kill()


def _swarmtui(*args: str) -> str:
    return shlex.join([*CLI, *args])


def test_tmux_obeys_the_raw_escapes_it_is_given(tmux: Tmux) -> None:
    # The control: without swarmtui in between, the same bytes do change title and clipboard.
    tmux.type_and_wait("printf '\\033]0;PWNED\\007\\033]52;c;aGFja2Vk\\007'")
    assert tmux.title() == "PWNED"
    assert tmux.buffers() != []


def test_headless_commands_leave_title_and_clipboard_alone(
    tmux: Tmux, hostile: dict[str, Path]
) -> None:
    session, batch = hostile["session"], hostile["batch"]
    sessions = tmux.home / "sessions"
    commands = [
        _swarmtui("replay", str(session), "--headless"),
        _swarmtui("sessions", "--sessions-dir", str(hostile["sessions"])),
        _swarmtui("diff", str(session), str(session), "--headless"),
        _swarmtui("lint", str(batch)),
        _swarmtui("export", str(session)),
        _swarmtui(
            "run",
            str(batch),
            "--headless",
            "--backend",
            "command",
            "--command",
            COMMAND,
            "--sessions-dir",
            str(sessions),
        ),
    ]
    for command in commands:
        tmux.type_and_wait(command)
        assert tmux.title() == CLEAN, command
        assert tmux.buffers() == [], command


def test_the_app_replaying_it_leaves_title_and_clipboard_alone(
    tmux: Tmux, hostile: dict[str, Path]
) -> None:
    # The pane's output goes to a pipe we read, so the app is quit once it has drawn the
    # session's (escaped) title, without guessing how long that takes.
    fifo = tmux.home / "pane.out"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        tmux("pipe-pane", "-t", "t", f"cat > {shlex.quote(str(fifo))}")
        channel = uuid.uuid4().hex
        replay = _swarmtui("replay", str(hostile["session"]))
        line = f"{replay}; tmux -L {tmux.socket} wait-for -S {channel}"
        tmux("send-keys", "-t", "t", line, "Enter")
        seen = bytearray()
        deadline = time.monotonic() + DEADLINE
        # The title, drawn with its escapes visible (the typed command holds only the folder name).
        while b"\\u202eeltit" not in seen:
            assert time.monotonic() < deadline, f"the app did not draw: {bytes(seen[-300:])!r}"
            ready, _, _ = select.select([reader], [], [], 1.0)
            if ready:
                seen += os.read(reader, 65536)
        tmux("send-keys", "-t", "t", "C-q")
        tmux("wait-for", channel)
    finally:
        os.close(reader)
    assert tmux.title() == CLEAN
    assert tmux.buffers() == []
