"""One worker thread that writes fenced files in order and settles asyncio futures in batches.

Creating a file can cost half a millisecond on a busy disk, and file creation is serialised by
the file system anyway, so a thread pool only adds contention: each pooled write costs a
future, a pool hand-off and a loop wake-up of its own, and six threads fight the event loop for
the GIL. Here a single thread drains a queue in submission order and hands the results back to
the loop a few at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from swarmtui.engine.fence import write_fenced

# Results are handed back to the loop at least this often while a batch is being written.
SETTLE_SECONDS = 0.001

_Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[int]", Path, str, bytes]
_Outcome = tuple["asyncio.Future[int]", int | None, BaseException | None]


class FencedWriter:
    """`await writer.write(session_dir, relative, data)`: `write_fenced` off the loop, in order."""

    def __init__(
        self, write: Callable[[Path, str, bytes], int] = write_fenced, *, threads: int = 1
    ) -> None:
        self._write = write
        self._threads = max(1, threads)
        self._wake = threading.Condition()
        self._queue: deque[_Job] = deque()
        self._started = False

    def write(self, session_dir: Path, relative: str, data: bytes) -> asyncio.Future[int]:
        """A future of the number of bytes written (or the `OSError` that refused the write)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        with self._wake:
            self._queue.append((loop, future, session_dir, relative, data))
            if not self._started:
                # Started once and kept (idle, they only wait): starting a thread costs a GIL
                # hand-off, which a busy loop pays in milliseconds.
                self._started = True
                for _ in range(self._threads):
                    threading.Thread(target=self._run, name="swarmtui-files", daemon=True).start()
            else:
                self._wake.notify()
        return future

    def _run(self) -> None:
        done: list[_Outcome] = []
        loop: asyncio.AbstractEventLoop | None = None
        last = time.monotonic()
        while True:
            with self._wake:
                job = self._queue.popleft() if self._queue else None
            if job is None:  # idle: hand back what is done, then sleep
                if loop is not None:
                    _settle(loop, done)
                    done = []
                with self._wake:
                    while not self._queue:
                        self._wake.wait()
                continue
            job_loop, future, folder, relative, data = job
            if job_loop is not loop:
                if loop is not None:
                    _settle(loop, done)
                done, loop = [], job_loop
            if future.cancelled():
                continue
            try:
                done.append((future, self._write(folder, relative, data), None))
            except Exception as exc:  # handed to the awaiting agent, never lost here
                done.append((future, None, exc))
            now = time.monotonic()
            if now - last >= SETTLE_SECONDS:
                _settle(loop, done)
                done, last = [], now


# The one file thread of the process, shared by every session's rehearsal runner.
SHARED = FencedWriter()


def _settle(loop: asyncio.AbstractEventLoop, outcomes: list[_Outcome]) -> None:
    if outcomes:
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is waiting
            loop.call_soon_threadsafe(_set_results, outcomes)


def _set_results(outcomes: list[_Outcome]) -> None:
    for future, size, exc in outcomes:
        if future.done():
            continue
        if exc is not None:
            future.set_exception(exc)
        else:
            assert size is not None
            future.set_result(size)
