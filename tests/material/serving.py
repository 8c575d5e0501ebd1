"""`swarmtui serve` started for real in another process, on 127.0.0.1 and a free port."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CLI = [sys.executable, "-m", "swarmtui"]


@dataclass(frozen=True)
class Served:
    base: str  # http://127.0.0.1:PORT/
    port: int
    token: str | None
    printed: str  # what the server printed when it started
    process: subprocess.Popen[str]


@contextmanager
def serving(*args: str, cwd: Path, host: str = "127.0.0.1") -> Iterator[Served]:
    """Start `swarmtui serve --port 0 ARGS` and stop it (SIGINT) afterwards, checking it exits
    cleanly and that every app it started ends."""
    process = subprocess.Popen(
        [*CLI, "serve", "--port", "0", "--host", host, *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # blocks until the port is bound (or it failed)
        found = re.search(r"http://\S+?:(\d+)/(?:\?token=(\S+))?", first)
        assert found, f"no address printed: {first!r} {process.stderr and process.stderr.read()}"
        port = int(found.group(1))
        yield Served(f"http://127.0.0.1:{port}/", port, found.group(2), first, process)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            status = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert status == 0, process.stderr.read() if process.stderr else status
    # Each app was told to quit; it may take a moment to finish (a deadline, not a sleep).
    deadline = time.monotonic() + 30
    while app_processes(cwd):
        assert time.monotonic() < deadline, "an app process outlived the server"
        time.sleep(0.05)


def app_processes(cwd: Path) -> list[int]:
    """Processes of apps started by a server whose sessions folder is under CWD."""
    marker = str(cwd).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"served-app" in cmdline and marker in cmdline:
            found.append(int(entry.name))
    return found
