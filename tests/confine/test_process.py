"""No descendant outlives a command, its cancel, its timeout or a killed engine; nothing hangs."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from swarmtui.engine import process
from swarmtui.engine.process import run_process, spawn

from .helpers import ESCAPE_SCRIPT, ESCAPERS, Output, gone_within, pids_in, running

# A bound on each test's waiting, never a synchronisation: a hang fails instead of stalling CI.
BOUND = 60

MARKERS = {"setsid": "7301", "set-m": "7302", "timeout": "7303", "nohup": "7304"}


def assert_all_gone(pids: dict[str, int]) -> None:
    assert set(pids) == set(MARKERS), f"the command did not start every escaper: {pids}"
    survivors = [name for name, pid in pids.items() if running(pid, MARKERS[name])]
    assert not survivors, f"descendants outlived their command: {survivors}"


def test_the_launcher_is_used_here() -> None:
    # Everything below is about the launcher's guarantees: make sure they are the ones tested.
    assert process.launcher_available()


async def test_escaped_descendants_die_when_the_command_ends_and_the_pipe_is_not_waited_for(
    tmp_path: Path,
) -> None:
    out = Output()
    # Each escaper holds stdout; the command ends at once without waiting for them.
    script = "; ".join(ESCAPERS.values()) + "; echo done"
    async with asyncio.timeout(BOUND):
        status = await run_process(["bash", "-c", script], cwd=tmp_path, on_output=out)
    assert status == 0
    assert out.text.endswith("done\n")
    assert_all_gone(pids_in(out.text))


async def test_cancel_kills_every_escaped_descendant(tmp_path: Path) -> None:
    out = Output()
    task = asyncio.create_task(
        run_process(["bash", "-c", ESCAPE_SCRIPT], cwd=tmp_path, on_output=out)
    )
    async with asyncio.timeout(BOUND):
        await out.ready.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert_all_gone(pids_in(out.text))


async def test_timeout_kills_every_escaped_descendant(tmp_path: Path) -> None:
    out = Output()
    async with asyncio.timeout(BOUND):
        with pytest.raises(TimeoutError):
            await run_process(["bash", "-c", ESCAPE_SCRIPT], cwd=tmp_path, on_output=out, timeout=3)
    assert out.ready.is_set(), "the command was not even started within its timeout"
    assert_all_gone(pids_in(out.text))


def test_a_sigkilled_engine_takes_every_escaped_descendant_with_it(tmp_path: Path) -> None:
    # The engine prints the pids once its command is ready, then the test SIGKILLs it.
    engine_code = textwrap.dedent(
        f"""
        import asyncio, sys
        from pathlib import Path
        from swarmtui.engine.process import run_process

        def show(stream, text):
            sys.stdout.write(text)
            sys.stdout.flush()

        asyncio.run(run_process(["bash", "-c", {ESCAPE_SCRIPT!r}], cwd=Path("."), on_output=show))
        """
    )
    engine = subprocess.Popen(
        [sys.executable, "-c", engine_code],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert engine.stdout is not None
        lines = []
        for line in engine.stdout:
            lines.append(line)
            if line == "ready\n":
                break
        pids = pids_in("".join(lines))
        problem = engine.stderr.read() if engine.stderr and not lines else ""
        assert set(pids) == set(MARKERS), "".join(lines) + problem
        engine.send_signal(signal.SIGKILL)
        assert engine.wait(timeout=BOUND) == -signal.SIGKILL
        for name, pid in pids.items():
            assert gone_within(pid, BOUND) or not running(pid, MARKERS[name]), name
    finally:
        engine.kill()
        engine.wait()


async def test_a_pipe_held_outside_the_tree_delays_the_result_only_by_the_grace(
    tmp_path: Path,
) -> None:
    # The command hands its stdout to this test (SCM_RIGHTS) and exits: no process of its tree
    # holds the pipe, yet it never reaches end-of-file while we keep the copy.
    address = str(tmp_path / "fd.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(address)
    server.listen(1)
    held: list[int] = []

    def receive() -> None:
        connection, _ = server.accept()
        with connection:
            _, fds, _, _ = socket.recv_fds(connection, 16, 1)
            held.extend(fds)
            connection.sendall(b"k")

    receiver = threading.Thread(target=receive)
    receiver.start()
    sender = textwrap.dedent(
        f"""
        import socket
        s = socket.socket(socket.AF_UNIX)
        s.connect({address!r})
        socket.send_fds(s, [b"x"], [1])
        s.recv(1)
        print("sent", flush=True)
        """
    )
    out = Output()
    try:
        async with asyncio.timeout(BOUND):
            status = await run_process(
                [sys.executable, "-c", sender], cwd=tmp_path, on_output=out, pipe_grace=0.05
            )
        assert status == 0
        assert out.text == "sent\n"
        assert len(held) == 1, "the command never handed its pipe over"
    finally:
        receiver.join(BOUND)
        server.close()
        for fd in held:
            os.close(fd)


async def test_exit_status_and_death_by_signal_come_through_the_launcher(tmp_path: Path) -> None:
    out = Output()
    assert await run_process(["bash", "-c", "exit 3"], cwd=tmp_path, on_output=out) == 3
    status = await run_process(["bash", "-c", "kill -TERM $$"], cwd=tmp_path, on_output=out)
    assert status == -signal.SIGTERM


async def test_a_missing_program_raises_as_exec_would(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        await spawn(["no-such-program-swarmtui"], cwd=tmp_path)
    with pytest.raises(FileNotFoundError):
        await run_process(["./nothing-here"], cwd=tmp_path, on_output=Output())


async def test_stdin_is_fed_whole_and_a_command_that_ignores_it_does_not_hang(
    tmp_path: Path,
) -> None:
    data = b"x" * 1_000_000  # far beyond a pipe's buffer
    out = Output()
    async with asyncio.timeout(BOUND):
        status = await run_process(["wc", "-c"], cwd=tmp_path, on_output=out, stdin=data)
        assert status == 0
        assert out.text.strip() == str(len(data))
        ignored = Output()
        status = await run_process(["true"], cwd=tmp_path, on_output=ignored, stdin=data)
    assert status == 0


async def test_environment_and_folder_reach_the_command(tmp_path: Path) -> None:
    out = Output()
    await run_process(
        ["bash", "-c", 'echo "$ONLY" "$PWD"; env | wc -l'],
        cwd=tmp_path,
        env={"ONLY": "this", "PATH": os.environ["PATH"]},
        on_output=out,
    )
    first, count = out.text.splitlines()
    assert first == f"this {tmp_path}"
    # bash adds PWD, SHLVL and _; the launcher adds nothing.
    assert int(count) <= 5


async def test_a_runner_reading_asyncios_pipes_is_not_held_up_by_an_escaped_descendant(
    tmp_path: Path,
) -> None:
    # The claude runner's way: `spawn` with asyncio's pipes, read to the end, then wait. A
    # descendant in its own session holding stdout must not keep that waiting forever.
    script = "; ".join(ESCAPERS.values()) + "; echo done"
    proc = await spawn(
        ["bash", "-c", script],
        cwd=tmp_path,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(BOUND):
        stdout, _ = await proc.communicate()
    process.forget_group(proc.pid)
    assert proc.returncode == 0
    assert stdout.decode().endswith("done\n")
    assert_all_gone(pids_in(stdout.decode()))
