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
import os
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path

from swarmtui.engine.fence import open_fenced_folder, write_fenced, write_fenced_in

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
        # (a queue whose put takes no Python-level lock: the loop hands over a write per agent)
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._starting = threading.Lock()
        self._started = False

    def write(self, session_dir: Path, relative: str, data: bytes) -> asyncio.Future[int]:
        """A future of the number of bytes written (or the `OSError` that refused the write)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        self._queue.put((loop, future, session_dir, relative, data))
        if not self._started:
            with self._starting:
                if not self._started:
                    # Started once and kept (idle, they only wait): starting a thread costs a
                    # GIL hand-off, which a busy loop pays in milliseconds.
                    self._started = True
                    for _ in range(self._threads):
                        name = "swarmtui-files"
                        threading.Thread(target=self._run, name=name, daemon=True).start()
        return future

    def _run(self) -> None:
        done: list[_Outcome] = []
        loop: asyncio.AbstractEventLoop | None = None
        last = time.monotonic()
        folders = _Folders()
        jobs = self._queue
        while True:
            try:
                job = jobs.get_nowait()
            except queue.Empty:  # idle: hand back what is done, then sleep
                folders.close()
                if loop is not None:
                    _settle(loop, done)
                    done = []
                job = jobs.get()
            job_loop, future, folder, relative, data = job
            if job_loop is not loop:
                if loop is not None:
                    _settle(loop, done)
                done, loop = [], job_loop
            if future.cancelled():
                continue
            try:
                if self._write is write_fenced:
                    size = folders.write(folder, relative, data)
                else:
                    size = self._write(folder, relative, data)
                done.append((future, size, None))
            except Exception as exc:  # handed to the awaiting agent, never lost here
                done.append((future, None, exc))
            now = time.monotonic()
            if now - last >= SETTLE_SECONDS:
                _settle(loop, done)
                done, last = [], now


class _Folders:
    """The folders a busy writer writes into, each opened (fenced) once for a burst of writes
    and closed as soon as the queue is empty: a thousand reports in `artifacts/` cost one walk
    to it, not a thousand."""

    def __init__(self) -> None:
        self._open: dict[tuple[Path, str], int] = {}

    def write(self, session_dir: Path, relative: str, data: bytes) -> int:
        folder, _, name = relative.rpartition("/")
        key = (session_dir, folder)
        fd = self._open.get(key)
        if fd is None:
            if len(self._open) >= _MAX_OPEN_FOLDERS:
                self.close()
            fd = self._open[key] = open_fenced_folder(session_dir, folder)
        return write_fenced_in(fd, name, data)

    def close(self) -> None:
        for fd in self._open.values():
            os.close(fd)
        self._open.clear()


_MAX_OPEN_FOLDERS = 16

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
