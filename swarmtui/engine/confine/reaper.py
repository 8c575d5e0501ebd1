"""The launcher between swarmtui and an unsandboxed command: it outlives nothing it started.

Run as `python -I -S reaper.py PARENT_PID CTYPE -- COMMAND...` (standard library only, so it
starts fast and imports nothing of ours); CTYPE is `=VALUE` or `-`, the LC_CTYPE the command must
get (Python may set its own at start-up: the command's environment must be exactly the one given).

It becomes a child subreaper, so every descendant of COMMAND, even one that left its process group
or session (`setsid`, `set -m`, GNU `timeout`), stays in its process tree. It exits with COMMAND's
status once COMMAND ends, after killing every descendant still alive: nothing left over can hold
the output pipes open. SIGTERM, SIGINT or SIGHUP (also
sent by the kernel when swarmtui dies, however it dies) kill the whole tree too.

Killing is by pid file descriptor after checking the process's start time, so a pid reused by an
unrelated process in the meantime is never hit.
"""

from __future__ import annotations

import ctypes
import errno
import os
import sys

# This runs once per command, so it imports as little as it can: not `typing` (which alone
# would double its start-up time), and `_signal`, the C module under `signal`, without `enum`.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import signal
    from typing import NoReturn
else:
    import _signal as signal

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
# Python ignores these itself; the command must get the defaults back.
_RESTORED = (signal.SIGPIPE, signal.SIGXFSZ, *_STOP_SIGNALS)


def _prctl(option: int, value: int) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    prctl = libc.prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return int(prctl(option, value, 0, 0, 0)) == 0


def _stat(pid: str) -> tuple[str, int, int] | None:
    """(state, parent pid, start time) of PID, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            text = handle.read().decode("ascii", "replace")
    except OSError:
        return None
    # The command name may hold spaces and parentheses: the fields start after the last ')'.
    fields = text[text.rfind(")") + 2 :].split()
    try:
        return fields[0], int(fields[1]), int(fields[19])
    except (IndexError, ValueError):
        return None


def live_descendants(root: int) -> dict[int, int]:
    """Every live (not zombie) descendant of ROOT: pid -> start time."""
    parents: dict[int, int] = {}
    started: dict[int, int] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return {}
    for entry in entries:
        if not entry.isdigit():
            continue
        info = _stat(entry)
        if info is None or info[0] == "Z":
            continue
        parents[int(entry)] = info[1]
        started[int(entry)] = info[2]
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    found: dict[int, int] = {}
    stack = list(children.get(root, []))
    while stack:
        pid = stack.pop()
        if pid not in found:
            found[pid] = started[pid]
            stack.extend(children.get(pid, []))
    return found


def _kill_exactly(pid: int, start: int) -> None:
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:
        return  # gone already (or no pidfd here: then a reused pid is not worth the risk)
    try:
        info = _stat(str(pid))
        if info is not None and info[2] == start:
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
    except OSError:
        pass  # it ended meanwhile
    finally:
        os.close(pidfd)


def kill_tree() -> None:
    """Kill every descendant and reap them all; returns when none is left."""
    me = os.getpid()
    while True:
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass  # reap what has ended already
        except ChildProcessError:
            return  # no child left: for a subreaper, that means no descendant either
        alive = live_descendants(me)
        if not alive:
            return  # (children we cannot see without /proc: nothing more can be done)
        for pid, start in alive.items():
            _kill_exactly(pid, start)
        # The topmost of them are our children (orphans are reparented to us): one will end.
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def _exit_like(status: int) -> NoReturn:
    if os.WIFSIGNALED(status):
        import resource  # (only on this path: it costs start-up time)

        number = os.WTERMSIG(status)
        resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
        signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
        os._exit(128 + number)
    os._exit(os.waitstatus_to_exitcode(status))


def _on_stop(number: int, _frame: object) -> None:
    kill_tree()
    os._exit(128 + number)


def main(argv: list[str]) -> NoReturn:
    if len(argv) < 5 or argv[3] != "--":
        os.write(2, b"usage: reaper.py PARENT_PID CTYPE -- COMMAND...\n")
        os._exit(2)
    parent, ctype, command = int(argv[1]), argv[2], argv[4:]
    environment = dict(os.environ)
    if ctype.startswith("="):
        environment["LC_CTYPE"] = ctype[1:]
    else:
        environment.pop("LC_CTYPE", None)
    for number in _STOP_SIGNALS:
        signal.signal(number, _on_stop)
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    _prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))
    if os.getppid() != parent:  # swarmtui died before we could ask to be told
        os._exit(128 + int(signal.SIGTERM))
    try:
        child = os.posix_spawnp(command[0], command, environment, setsigdef=_RESTORED)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        os.write(2, f"swarmtui: cannot run {command[0]}: {reason}\n".encode(errors="replace"))
        os._exit(126 if exc.errno in (errno.EACCES, errno.ENOEXEC) else 127)
    while True:
        pid, status = os.waitpid(-1, 0)
        if pid == child:
            break
    kill_tree()
    _exit_like(status)


if __name__ == "__main__":
    main(sys.argv)
