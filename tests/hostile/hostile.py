"""A hostile session made for real (the command backend runs a program that prints terminal
escapes; names, keys, values, todos and file names carry them too) and a real terminal (a pty)
to run swarmtui in and read every byte it wrote."""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

CLI = [sys.executable, "-m", "swarmtui"]
# Generous: a loaded machine can take seconds; a test that hangs fails here instead.
DEADLINE = 60.0

# What must never reach a terminal raw, as bytes (UTF-8): the window title (OSC 0), the
# clipboard (OSC 52), clearing the screen, an 8-bit CSI, a right-to-left override.
TITLE = b"\x1b]0;PWNED"
CLIPBOARD = b"\x1b]52;"
CLEAR = b"\x1b[2J"
C1_CSI = "\x9b".encode()
RLO = "\u202e".encode()
MARKERS = (TITLE, CLIPBOARD, C1_CSI, RLO)

# The same escapes in JavaScript string syntax (the batch language unescapes them); the title
# of the message holds them raw.
E = "\\x1b]0;PWNED\\x07"
BATCH = f"""// A batch whose every string carries terminal escapes.
[Single Message - Hostile \x1bP\u202eeltit\x9b2J]:
Task("evil{E}\\u202eagent", "Store the result in memory under 'keys/{E}k'.", "coder")
Task("failer\\x9b2J", "Fail with a hostile reason.", "coder")
memory.store("mem/\\x1b]52;c;aGFja2Vk\\x07", "value {E}\\u202e")
TodoWrite({{ todos: [{{ id: "1", content: "todo {E}", status: "pending", priority: "high" }}] }})
Write("docs/evil{E}.md", "content {E}")
Bash("printf 'bash \\\\033]0;PWNED\\\\007 \\\\033]52;c;aGFja2Vk\\\\007\\\\n'")
"""
# Every agent prints escapes with colours among them; `failer` fails, its reason too.
COMMAND = (
    "printf '\\033]0;PWNED\\007\\033]52;c;aGFja2Vk\\007\\033[2J\\033[31mred\\033[0m "
    "\\342\\200\\256evil\\302\\2332J\\n'; "
    'if [ "${SWARM_AGENT#failer}" != "$SWARM_AGENT" ]; then '
    "printf 'boom \\033]0;PWNED\\007\\n' >&2; exit 3; fi"
)


def write_batch(folder: Path) -> Path:
    path = folder / "hostile.swarm.js"
    path.write_text(BATCH, encoding="utf-8")
    return path


def run_args(batch: Path, sessions: Path) -> list[str]:
    return [
        "run",
        str(batch),
        "--headless",
        "--backend",
        "command",
        "--command",
        COMMAND,
        "--sessions-dir",
        str(sessions),
    ]


def environment(home: Path) -> dict[str, str]:
    """The environment of a swarmtui under test: its own configuration, a real terminal type."""
    env = dict(os.environ)
    env.update(SWARMTUI_CONFIG_DIR=str(home / "config"), TERM="xterm-256color", COLUMNS="160")
    env.pop("NO_COLOR", None)
    return env


def in_pty(
    args: list[str],
    *,
    env: dict[str, str],
    cwd: Path,
    until: bytes | None = None,
    then: bytes = b"",
    size: tuple[int, int] = (45, 160),
    deadline: float = DEADLINE,
) -> tuple[int, bytes]:
    """Run swarmtui ARGS on a new pseudo-terminal; every byte it wrote, and its exit status.

    When UNTIL is given, THEN is typed once UNTIL has appeared in the output (an app to quit)."""
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
    process = subprocess.Popen(
        [*CLI, *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd=cwd,
        start_new_session=True,
        preexec_fn=_controlling_terminal,
    )
    os.close(follower)
    out = bytearray()
    typed = until is None
    ends = time.monotonic() + deadline
    try:
        while time.monotonic() < ends:
            ready, _, _ = select.select([leader], [], [], 1.0)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the other side has closed
                break
            if not chunk:
                break
            out += chunk
            if not typed and until is not None and until in out:
                typed = True
                os.write(leader, then)
        else:
            raise AssertionError(
                f"swarmtui {' '.join(args[:2])} did not end: {bytes(out[-400:])!r}"
            )
        status = process.wait(timeout=deadline)
    finally:
        os.close(leader)
        if process.poll() is None:
            process.kill()
            process.wait()
    return status, bytes(out)


def _controlling_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=DEADLINE
    )


def raw_markers(output: bytes) -> list[bytes]:
    """The hostile sequences found raw in OUTPUT."""
    return [marker for marker in MARKERS if marker in output]


Check = Callable[[bytes], list[bytes]]
