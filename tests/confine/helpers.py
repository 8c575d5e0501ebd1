"""Helpers for the confinement tests: processes seen through /proc and pid file descriptors."""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Commands that leave their process group or session, each printing its own marker's pid. The
# sleeps' lengths are markers (how /proc tells them from anything else), never waited for.
ESCAPERS = {
    "setsid": "setsid sleep 7301 & echo setsid=$!",
    "set -m": "set -m; sleep 7302 & echo set-m=$!; set +m",
    "timeout": "timeout 300 sleep 7303 & echo timeout=$!",
    "nohup": "nohup sleep 7304 >/dev/null 2>&1 & echo nohup=$!",
}
ESCAPE_SCRIPT = "; ".join(ESCAPERS.values()) + "; echo ready; wait"


def pids_in(text: str) -> dict[str, int]:
    """The `name=pid` lines a command printed."""
    found: dict[str, int] = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and value.strip().isdigit():
            found[name.strip()] = int(value)
    return found


def running(pid: int, marker: str) -> bool:
    """Whether PID is still a live process whose command line holds MARKER."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    state = status[status.rfind(")") + 2 :].split()[0]
    return marker.encode() in cmdline and state != "Z"


def gone_within(pid: int, seconds: float) -> bool:
    """Wait (on a pid file descriptor, no polling) until PID ends; False if it is still there."""
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        readable, _, _ = select.select([pidfd], [], [], seconds)
        return bool(readable)
    finally:
        os.close(pidfd)


class Output:
    """What a command printed, by stream, with an event set once it printed a `ready` line."""

    def __init__(self) -> None:
        self.text = ""
        self.stderr = ""
        self.ready = asyncio.Event()

    def __call__(self, stream: str, text: str) -> None:
        if stream == "stdout":
            self.text += text
            if "ready\n" in self.text:
                self.ready.set()
        else:
            self.stderr += text


@contextlib.contextmanager
def host_folder() -> Iterator[Path]:
    """A fresh folder on the host outside /tmp (which is private in a sandbox) and $HOME."""
    folder = Path(tempfile.mkdtemp(prefix="swarmtui-test-", dir="/var/tmp"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder)
