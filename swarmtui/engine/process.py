"""Run a command so that nothing it starts outlives it, streaming its output; never hang on it.

Three layers make sure no descendant survives a command, a cancel, a timeout or swarmtui itself:

- On Linux the command runs under a small launcher (`confine/reaper.py`), a *child subreaper*:
  every descendant stays in its tree even after `setsid`, `set -m` or GNU `timeout`, and when the
  command ends, is cancelled (SIGTERM to the launcher) or swarmtui dies (the kernel's
  `PR_SET_PDEATHSIG`), the launcher kills the whole tree. A sandboxed command (bubblewrap with its
  own PID namespace) needs no launcher: the namespace dies with its first process.
- The command starts a new session, so its process group can be killed at once; elsewhere than
  on Linux that group is all we can kill.
- A watchdog (a small bash process in its own session, started with the first command) holds the
  read end of a pipe listing our live groups; when swarmtui dies the pipe closes and it signals
  them all, in case the kernel's death signal was lost (it follows the thread that forked).

Output is read from pipes we own, not asyncio's: the exit of the command is known when it exits,
and a leftover process still holding a pipe (one that escaped everything above) delays the end by
at most `PIPE_GRACE` seconds instead of forever.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import ctypes
import errno
import functools
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

READ_SIZE = 65536
# After the command exits, how long its output pipes may take to reach end-of-file.
PIPE_GRACE = 2.0

OnOutput = Callable[[str, str], None]  # (stream, text)
_T = TypeVar("_T")

REAPER = Path(__file__).parent / "confine" / "reaper.py"

_WATCHDOG_SCRIPT = r"""
declare -A groups
while read -r op pgid sig; do
  if [[ $op == + ]]; then groups[$pgid]=${sig:-KILL}; else unset "groups[$pgid]"; fi
done
for pgid in "${!groups[@]}"; do kill "-${groups[$pgid]}" -- "-$pgid" 2>/dev/null; done
"""


class _Watchdog:
    """The process that signals our live process groups once our end of its pipe closes."""

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
# Groups led by a launcher: they are stopped with SIGTERM to the launcher, which then kills its
# whole tree (a SIGKILL would kill the launcher first and free the escaped descendants).
_LAUNCHED: set[int] = set()


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


def launcher_available() -> bool:
    """Whether commands can run under the subreaper launcher here (Linux, a Python to run it)."""
    return _prctl() is not None and bool(sys.executable) and REAPER.is_file()


def _check_executable(program: str, cwd: Any, env: Mapping[str, str] | None) -> None:
    """Raise what exec would raise for a missing PROGRAM, before the launcher hides it."""
    if "/" in program:
        path = Path(program) if os.path.isabs(program) else Path(cwd or ".") / program
        found = path.is_file() and os.access(path, os.X_OK)
    else:
        search = (env if env is not None else os.environ).get("PATH", os.defpath)
        found = shutil.which(program, path=search) is not None
    if not found:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), program)


async def spawn(
    argv: Sequence[str], *, reap: bool = True, **kwargs: Any
) -> asyncio.subprocess.Process:
    """`asyncio.create_subprocess_exec` in a new process group that dies with this process.

    With REAP (and on Linux) the command runs under the subreaper launcher, so its descendants
    die with it too; the process returned is then the launcher's, which exits with the
    command's status. Pass `reap=False` for a command that confines its descendants itself
    (bubblewrap with `--unshare-pid`). End it with `kill_group(process.pid)`, or `forget_group`
    it when it ended by itself. Raises `FileNotFoundError` for a program that is not there.
    """
    if reap and launcher_available():
        env = kwargs.get("env")
        _check_executable(argv[0], kwargs.get("cwd"), env)
        ctype = (env if env is not None else os.environ).get("LC_CTYPE")
        ctype_spec = "-" if ctype is None else f"={ctype}"
        launcher = [sys.executable, "-I", "-S", str(REAPER), str(os.getpid()), ctype_spec, "--"]
        # The launcher asks for its own death signal (SIGTERM: it must kill its tree first).
        return await _start([*launcher, *argv], launched=True, start_new_session=True, **kwargs)
    return await _start(
        list(argv), launched=False, start_new_session=True, preexec_fn=_die_with_parent(), **kwargs
    )


async def _start(argv: list[str], *, launched: bool, **kwargs: Any) -> asyncio.subprocess.Process:
    """The process of ARGV, registered with the watchdog. A cancel while it is being made does
    not interrupt the making: asyncio would then kill its first process alone, and a sandbox
    killed while it sets up leaves its namespace's first process running, orphaned, with the
    command. It is made, then killed with its group, and the cancel goes on."""
    making = asyncio.ensure_future(asyncio.create_subprocess_exec(*argv, **kwargs))
    try:
        process = await asyncio.shield(making)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            process = await _despite_cancels(making)
            _register(process.pid, launched)
            kill_group(process.pid)
            await _despite_cancels(asyncio.ensure_future(process.wait()))
        raise
    _register(process.pid, launched)
    return process


def _register(pgid: int, launched: bool) -> None:
    if launched:
        _LAUNCHED.add(pgid)
    _WATCHDOG.send(f"+ {pgid} {'TERM' if launched else 'KILL'}\n")


async def _despite_cancels(future: asyncio.Future[_T]) -> _T:
    """FUTURE's result, waited for through any further cancel (they are for the caller, who is
    already being cancelled)."""
    while not future.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(future)
    return future.result()


def forget_group(pgid: int) -> None:
    """The group ended: the watchdog must not signal the number once it is reused."""
    _LAUNCHED.discard(pgid)
    _WATCHDOG.send(f"- {pgid}\n")


def kill_group(pgid: int) -> None:
    """Kill the group PGID and everything it started; the caller then waits for its leader.

    A launcher gets SIGTERM and kills its whole tree before it exits, so once its process has
    been waited for, nothing of it is left.
    """
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if pgid in _LAUNCHED:
            os.kill(pgid, signal.SIGTERM)
        else:
            os.killpg(pgid, signal.SIGKILL)
    forget_group(pgid)


class _End:
    """One end of a pipe of ours, closed exactly once (by its task or, at the latest, by us)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def close(self) -> None:
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            os.close(fd)


async def _pump(end: _End, name: str, on_output: OnOutput) -> None:
    """Read END to its end of file, passing decoded text on."""
    loop = asyncio.get_running_loop()
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    os.set_blocking(end.fd, False)
    while True:
        try:
            data = os.read(end.fd, READ_SIZE)
        except BlockingIOError:
            await _ready(loop.add_reader, loop.remove_reader, end.fd)
            continue
        if not data:
            break
        text = decoder.decode(data)
        if text:
            on_output(name, text)
    tail = decoder.decode(b"", final=True)
    if tail:
        on_output(name, tail)


async def _feed(end: _End, data: bytes, more: AsyncIterator[bytes] | None = None) -> None:
    """Write DATA (then what MORE yields, until it ends) to END, then close it; a reader that
    went away ends it early."""
    loop = asyncio.get_running_loop()
    try:
        os.set_blocking(end.fd, False)
        chunk: bytes | None = data
        while chunk is not None:
            view = memoryview(chunk)
            while view:
                try:
                    view = view[os.write(end.fd, view) :]
                except BlockingIOError:
                    await _ready(loop.add_writer, loop.remove_writer, end.fd)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the command did not read it all: its exit status tells the story
            chunk = None if more is None else await anext(more, None)
    finally:
        end.close()


async def _ready(add: Callable[..., None], remove: Callable[[int], object], fd: int) -> None:
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def wake() -> None:
        if not future.done():
            future.set_result(None)

    add(fd, wake)
    try:
        await future
    finally:
        remove(fd)


async def run_process(
    argv: list[str],
    *,
    cwd: Path,
    on_output: OnOutput,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
    timeout: float | None = None,
    reap: bool = True,
    pipe_grace: float = PIPE_GRACE,
    more_stdin: AsyncIterator[bytes] | None = None,
) -> int:
    """Run ARGV; returns its exit status. Raises TimeoutError after TIMEOUT seconds.

    STDIN is written to the command's standard input, then whatever MORE_STDIN yields while the
    command runs; the input is closed after that (or when the command exits).

    On cancellation or timeout the command and everything it started are killed before the
    exception propagates. After the command exits, its output is read for at most PIPE_GRACE
    seconds more: a process holding the pipe no longer delays the result.
    """
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    in_read, in_write = os.pipe() if stdin is not None else (None, None)
    ours = [_End(out_read), _End(err_read)] + ([_End(in_write)] if in_write is not None else [])
    try:
        try:
            proc = await spawn(
                argv,
                reap=reap,
                cwd=cwd,
                env=dict(env) if env is not None else None,
                stdin=in_read if in_read is not None else asyncio.subprocess.DEVNULL,
                stdout=out_write,
                stderr=err_write,
            )
        finally:
            for fd in (out_write, err_write, in_read):
                if fd is not None:
                    os.close(fd)
        return await _supervise(proc, ours, on_output, stdin, timeout, pipe_grace, more_stdin)
    finally:
        for end in ours:
            end.close()


async def _supervise(
    proc: asyncio.subprocess.Process,
    ends: list[_End],
    on_output: OnOutput,
    stdin: bytes | None,
    timeout: float | None,
    pipe_grace: float,
    more_stdin: AsyncIterator[bytes] | None = None,
) -> int:
    pgid = proc.pid
    tasks = [
        asyncio.create_task(_pump(ends[0], "stdout", on_output)),
        asyncio.create_task(_pump(ends[1], "stderr", on_output)),
    ]
    feeder = None
    if stdin is not None:
        feeder = asyncio.create_task(_feed(ends[2], stdin, more_stdin))
    try:
        async with asyncio.timeout(timeout):
            status = await proc.wait()
    except BaseException:
        kill_group(pgid)
        with contextlib.suppress(BaseException):
            await asyncio.shield(proc.wait())
        for task in [*tasks, *([feeder] if feeder else [])]:
            task.cancel()
        await asyncio.gather(*tasks, *([feeder] if feeder else []), return_exceptions=True)
        raise
    if feeder is not None:  # nobody reads its input any more
        feeder.cancel()
        await asyncio.gather(feeder, return_exceptions=True)
    if pgid in _LAUNCHED:
        forget_group(pgid)  # the launcher killed what was left before it exited
    else:
        kill_group(pgid)  # leftovers of the command must not outlive it
    _, pending = await asyncio.wait(tasks, timeout=pipe_grace)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return status
