"""Notifications: the terminal's (a real pseudo-terminal) and the [notify] command (a real,
sandboxed subprocess)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import pytest

from swarmtui.engine.confine.gate import Gate
from swarmtui.engine.confine.notify import (
    Notification,
    Notifier,
    notify_terminal,
    terminal_kinds,
)
from swarmtui.engine.confine.sandbox import SandboxStatus, sandbox_status
from swarmtui.policy.tables import validate_table

WAITING = Notification(
    "approval_requested",
    "coder waits for approval: npm install",
    session="session-1",
    agent="coder",
    details={"command": "npm install"},
)


@pytest.fixture
def terminal() -> Iterator[tuple[TextIO, int]]:
    """A real pseudo-terminal: what is written to the first is read from the second."""
    leader, follower = os.openpty()
    stream = open(follower, "w", encoding="utf-8")  # noqa: SIM115
    try:
        yield stream, leader
    finally:
        stream.close()
        os.close(leader)


def read_all(fd: int) -> bytes:
    os.set_blocking(fd, False)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except BlockingIOError:
            return b"".join(chunks)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


@pytest.mark.parametrize(
    ("environ", "kinds"),
    [
        ({"TERM": "xterm-256color"}, {"bell"}),
        ({"TERM_PROGRAM": "iTerm.app"}, {"bell", "osc9"}),
        ({"TERM_PROGRAM": "WezTerm"}, {"bell", "osc9"}),
        ({"WT_SESSION": "1"}, {"bell", "osc9"}),
        ({"TERM": "xterm-kitty"}, {"bell", "osc9"}),
        ({"TERM": "foot"}, {"bell", "osc777"}),
        ({"TERM": "rxvt-unicode-256color"}, {"bell", "osc777"}),
        ({"TERM_PROGRAM": "ghostty"}, {"bell", "osc9", "osc777"}),
        ({"TERM_PROGRAM": "iTerm.app", "TMUX": "/tmp/t,1,0"}, {"bell"}),
        ({"TERM": "screen-256color", "TERM_PROGRAM": "WezTerm"}, {"bell"}),
    ],
)
def test_the_terminal_is_recognised_from_its_environment(
    environ: dict[str, str], kinds: set[str]
) -> None:
    assert terminal_kinds(environ) == kinds


def test_a_terminal_gets_its_own_notification(terminal: tuple[TextIO, int]) -> None:
    stream, leader = terminal
    assert notify_terminal(WAITING, stream, {"TERM_PROGRAM": "iTerm.app"})
    assert read_all(leader) == b"\x1b]9;swarmtui: coder waits for approval: npm install\x07"
    assert notify_terminal(WAITING, stream, {"TERM": "foot"})
    assert read_all(leader) == b"\x1b]777;notify;swarmtui;coder waits for approval: npm install\x07"
    assert notify_terminal(WAITING, stream, {"TERM": "xterm", "TMUX": "x"})
    assert read_all(leader) == b"\x07"


def test_text_from_outside_cannot_end_the_sequence_or_start_another(
    terminal: tuple[TextIO, int],
) -> None:
    stream, leader = terminal
    hostile = Notification(
        "agent_failed",
        "bad\x1b]0;pwned\x07\x1b[2J\x9b31m\u202egnp.exe;x\nnext line",
        title="t\x1b]52;c;Zm9v\x07",
    )
    for environ in ({"TERM_PROGRAM": "iTerm.app"}, {"TERM": "foot"}):
        assert notify_terminal(hostile, stream, environ)
        written = read_all(leader).decode("utf-8")
        assert written.count("\x1b") == 1 and written.startswith("\x1b]")
        assert written.count("\x07") == 1 and written.endswith("\x07")
        assert "\u202e" not in written and "\x9b" not in written and "\n" not in written
    assert written == "\x1b]777;notify;t ]52,c,Zm9v;bad ]0,pwned [2J 31m gnp.exe,x next line\x07"


def test_nothing_is_written_to_what_is_not_a_terminal(tmp_path: Path) -> None:
    with open(tmp_path / "out.txt", "w", encoding="utf-8") as stream:
        assert not notify_terminal(WAITING, stream, {"TERM_PROGRAM": "iTerm.app"})
    assert (tmp_path / "out.txt").read_bytes() == b""


def notifier(
    tmp_path: Path, status: SandboxStatus | None = None, **notify: Any
) -> tuple[Notifier, Path]:
    drop = tmp_path / "drop"
    drop.mkdir(exist_ok=True)
    gate = Gate(
        validate_table("sandbox", {"write": [str(drop)]}, "test.toml"),
        validate_table("permissions", {}, "test.toml"),
        status or sandbox_status(),
        environ={"PATH": "/usr/bin:/bin", "OPENAI_API_KEY": "sk-secret-notify"},
    )
    return Notifier(validate_table("notify", notify, "test.toml"), gate), drop


async def test_the_command_gets_the_event_as_json_on_stdin_in_the_sandbox(tmp_path: Path) -> None:
    command = (
        f"cat > {tmp_path}/drop/event.json; env > {tmp_path}/drop/env.txt; "
        f"touch {tmp_path}/escaped 2>/dev/null; true"
    )
    sender, drop = notifier(tmp_path, command=command, terminal=False)
    assert await sender.notify(WAITING) is None
    event = json.loads((drop / "event.json").read_text())
    assert event == {
        "event": "approval_requested",
        "title": "swarmtui",
        "message": "coder waits for approval: npm install",
        "session": "session-1",
        "agent": "coder",
        "command": "npm install",
    }
    env = (drop / "env.txt").read_text()
    assert "SWARMTUI_EVENT=approval_requested" in env
    assert "SWARMTUI_MESSAGE=coder waits for approval: npm install" in env
    assert "sk-secret-notify" not in env
    assert not (tmp_path / "escaped").exists()  # sandboxed: only the configured folder


async def test_a_failing_or_slow_command_is_one_line_and_never_raises(tmp_path: Path) -> None:
    failing, _ = notifier(tmp_path, command="echo boom >&2; exit 3", terminal=False)
    assert await failing.notify(WAITING) == "the [notify] command exited with status 3: boom"
    slow, _ = notifier(tmp_path, command="exec sleep 600", terminal=False, timeout=0.2)
    assert await slow.notify(WAITING) == (
        "the [notify] command took longer than 0.2 s and was stopped"
    )


async def test_only_the_chosen_events_notify(tmp_path: Path) -> None:
    sender, drop = notifier(
        tmp_path, command=f"touch {tmp_path}/drop/ran", events=["session_ended"], terminal=False
    )
    assert await sender.notify(WAITING) is None
    assert not (drop / "ran").exists()
    ended = Notification("session_ended", "session-1 completed")
    assert await sender.notify(ended) is None
    assert (drop / "ran").exists()


async def test_without_a_sandbox_the_command_is_not_run_and_says_why(tmp_path: Path) -> None:
    missing = SandboxStatus(None, reason="bubblewrap was not found")
    sender, drop = notifier(tmp_path, missing, command=f"touch {tmp_path}/drop/ran")
    problem = await sender.notify(WAITING)
    assert problem is not None
    assert problem.startswith("the [notify] command was not run: ")
    assert problem.endswith("but no sandbox: bubblewrap was not found")
    assert not (drop / "ran").exists()
