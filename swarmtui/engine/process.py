"""Run a command in its own process group, streaming its output, and kill the whole group.

The child starts a new session, so it and everything it spawns (grandchildren included) share one
process group: cancelling, a timeout, or the command's own end kills that group, and no leftover
background process can keep our pipes open.

The groups also die with this process, however it ends (even SIGKILL, which runs no code of
ours): on Linux the kernel kills each direct child when we die (`PR_SET_PDEATHSIG`), and a
watchdog (a small bash process in its own session, started with the first command) holds the
read end of a pipe listing our live groups; when we die the pipe closes and it kills them all,
grandchildren included.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import ctypes
import functools
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

READ_SIZE = 65536
# After the group is killed, how long its pipes may take to reach end-of-file.
_DRAIN_SECONDS = 2.0

OnOutput = Callable[[str, str], None]  # (stream, text)


_WATCHDOG_SCRIPT = r"""
declare -A groups
while read -r op pgid; do
  if [[ $op == + ]]; then groups[$pgid]=1; else unset "groups[$pgid]"; fi
done
for pgid in "${!groups[@]}"; do kill -KILL -- "-$pgid" 2>/dev/null; done
"""


class _Watchdog:
    """The process that kills our live process groups once our end of its pipe closes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._owner = 0  # the pid that started it (a forked child must not share it)
        self._process: subprocess.Popen[bytes] | None = None

    def _pipe(self) -> int | None:
        with self._lock:
            if self._fd is not None and self._owner == os.getpid():
                return self._fd
            read_end, write_end = os.pipe()  # (not inherited by the commands we start)
            try:
                self._process = subprocess.Popen(
                    ["bash", "-c", _WATCHDOG_SCRIPT],
                    stdin=read_end,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,  # a Ctrl-C or kill of our group must not reach it
                )
            except OSError:
                os.close(write_end)
                return None
            finally:
                os.close(read_end)
            os.set_blocking(write_end, False)  # never stall the loop on it
            self._fd, self._owner = write_end, os.getpid()
            return write_end

    def send(self, line: str) -> None:
        fd = self._pipe()
        if fd is not None:
            with contextlib.suppress(OSError):  # (it died: the kernel's PDEATHSIG still holds)
                os.write(fd, line.encode("ascii"))


_WATCHDOG = _Watchdog()


@functools.cache
def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return prctl


def _die_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` asking Linux to SIGKILL the child when its parent dies.

    (Strictly, when the thread that started it ends: the event loop's, which outlives it.)
    """
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()
    sigkill = int(signal.SIGKILL)

    def preexec() -> None:  # runs in the forked child: nothing here may take a lock
        prctl(_PR_SET_PDEATHSIG, sigkill, 0, 0, 0)
        if os.getppid() != parent:  # we died between the fork and the prctl
            os._exit(137)

    return preexec


_PR_SET_PDEATHSIG = 1


async def spawn(argv: Sequence[str], **kwargs: Any) -> asyncio.subprocess.Process:
    """`asyncio.create_subprocess_exec` in a new process group that dies with this process.

    End the group with `kill_group(process.pid)`, or `forget_group` it when it ended by itself.
    """
    process = await asyncio.create_subprocess_exec(
        *argv, start_new_session=True, preexec_fn=_die_with_parent(), **kwargs
    )
    _WATCHDOG.send(f"+ {process.pid}\n")
    return process


def forget_group(pgid: int) -> None:
    """The group ended: the watchdog must not kill the number once it is reused."""
    _WATCHDOG.send(f"- {pgid}\n")


def kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
    forget_group(pgid)


async def _pump(stream: asyncio.StreamReader | None, name: str, on_output: OnOutput) -> None:
    if stream is None:
        return
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    while True:
        data = await stream.read(READ_SIZE)
        if not data:
            break
        text = decoder.decode(data)
        if text:
            on_output(name, text)
    tail = decoder.decode(b"", final=True)
    if tail:
        on_output(name, tail)


async def run_process(
    argv: list[str],
    *,
    cwd: Path,
    on_output: OnOutput,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
    timeout: float | None = None,
) -> int:
    """Run ARGV; returns its exit status. Raises TimeoutError after TIMEOUT seconds.

    On cancellation or timeout the process group is killed before the exception propagates.
    """
    proc = await spawn(
        argv,
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    pgid = proc.pid
    readers = [
        asyncio.create_task(_pump(proc.stdout, "stdout", on_output)),
        asyncio.create_task(_pump(proc.stderr, "stderr", on_output)),
    ]
    try:
        if stdin is not None and proc.stdin is not None:
            proc.stdin.write(stdin)
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                await proc.stdin.drain()
            proc.stdin.close()
        async with asyncio.timeout(timeout):
            status = await proc.wait()
        kill_group(pgid)  # leftovers of the command must not outlive it
        _, pending = await asyncio.wait(readers, timeout=_DRAIN_SECONDS)
        for task in pending:
            task.cancel()
        return status
    except BaseException:
        kill_group(pgid)
        for task in readers:
            task.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.shield(proc.wait())
        raise
