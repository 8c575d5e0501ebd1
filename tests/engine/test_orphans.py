"""Commands die with the engine: a SIGKILLed run leaves no runner, bash or grandchild behind."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from .helpers import host_pids, start_command_run, wait_for_agent_start

CLI = [sys.executable, "-m", "swarmtui"]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pidfd is Linux's")


def _gone_within(pidfd: int, seconds: float) -> bool:
    readable, _, _ = select.select([pidfd], [], [], seconds)
    return bool(readable)


def _wait_for_process(cmdline: str, proc: subprocess.Popen[bytes]) -> int:
    """The host pid of the process whose whole command line is CMDLINE (NUL-separated), once it
    runs (polled: there is no event to wait on; the agent's own pids are its PID namespace's)."""
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, f"{cmdline!r} never ran"
        found = host_pids(cmdline, exact=True)
        # (two for a moment: bash's child for the background job carries bash's command line
        # until it execs the sleep)
        if len(found) == 1:
            return found[0]
        time.sleep(0.02)


def test_a_sigkilled_run_takes_its_command_and_grandchild_with_it(tmp_path: Path) -> None:
    batch = tmp_path / "orphans.swarm.js"
    batch.write_text('Task("Sleeper", "Sleep.", "coder")\n')
    sessions = tmp_path / "sessions"
    # bash (the engine's child, sandboxed) starts a background sleep (a grandchild) and waits
    # for it; the sleep's length marks it in the host's process table.
    marker = f"30.{os.getpid()}"
    command = f"sleep {marker} & wait"
    proc = start_command_run(batch, sessions, command)
    pidfds: list[int] = []
    try:
        wait_for_agent_start(sessions, proc)
        agent_bash = f"bash\0-c\0{command}\0"
        for cmdline in (agent_bash, f"sleep\0{marker}\0"):
            pidfds.append(os.pidfd_open(_wait_for_process(cmdline, proc)))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert _gone_within(pidfds[0], 10), "the agent's bash outlived the killed engine"
        assert _gone_within(pidfds[1], 10), "the agent's background sleep outlived the engine"
    finally:
        proc.kill()
        proc.wait()
        for fd in pidfds:
            os.close(fd)


def test_the_kernel_kills_the_direct_child_even_without_the_watchdog(tmp_path: Path) -> None:
    # An engine whose watchdog is gone too (killed first) still takes its direct child along:
    # that is PR_SET_PDEATHSIG's job.
    script = textwrap.dedent(
        f"""
        import asyncio, os, signal, sys
        from pathlib import Path
        from swarmtui.engine import process

        async def main() -> None:
            child = await process.spawn(["sleep", "30"])
            Path({str(tmp_path / "child.pid")!r}).write_text(str(child.pid))
            watchdog = process._WATCHDOG._process
            assert watchdog is not None
            watchdog.kill()
            watchdog.wait()
            os.kill(os.getpid(), signal.SIGKILL)

        asyncio.run(main())
        """
    )
    engine = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    pid_file = tmp_path / "child.pid"
    try:
        assert engine.wait(timeout=60) == -signal.SIGKILL, (
            engine.stderr.read() if engine.stderr else ""
        )
        assert pid_file.exists(), "the engine never started its child"
        try:
            pidfd = os.pidfd_open(int(pid_file.read_text()))
        except ProcessLookupError:
            return  # already gone and reaped
        try:
            assert _gone_within(pidfd, 10), "the direct child outlived its killed parent"
        finally:
            os.close(pidfd)
    finally:
        engine.kill()
        engine.wait()


async def test_what_an_agent_or_a_command_starts_ends_with_it_in_the_sandbox(
    tmp_path: Path,
) -> None:
    from swarmtui.batch.models import BashOp, TaskOp

    from .helpers import REAL, host_pids, one_message, run

    # Each starts descendants that leave its process group and session, then exits at once.
    marker = f"{os.getpid()}.77"
    escape = (
        f"setsid sleep 301.{marker} & (set -m; sleep 302.{marker} &); nohup sleep 303.{marker} &"
    )
    batch = one_message(BashOp(index=0, command=escape), TaskOp(index=1, name="Escaper"))
    r = await run(batch, tmp_path, **{**REAL, "command_template": escape})
    assert r.state.bash[0].status == "done" and r.state.agents["Escaper"].status == "done"
    assert host_pids(marker) == []
