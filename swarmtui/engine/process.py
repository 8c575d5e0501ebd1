"""Run a command in its own process group, streaming its output, and kill the whole group.

The child starts a new session, so it and everything it spawns (grandchildren included) share one
process group: cancelling, a timeout, or the command's own end kills that group, and no leftover
background process can keep our pipes open.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import signal
from collections.abc import Callable, Mapping
from pathlib import Path

READ_SIZE = 65536
# After the group is killed, how long its pipes may take to reach end-of-file.
_DRAIN_SECONDS = 2.0

OnOutput = Callable[[str, str], None]  # (stream, text)


def kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


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
    proc = await asyncio.create_subprocess_exec(
        *argv,
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
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
