"""The app's terminal driver: when the terminal goes away the app hears of it, never waits on it.

Closing a terminal window (or `tmux kill-session`, or a dropped ssh connection) hangs the
terminal up. Textual's Linux driver, as it is, then hangs the app for good: the kernel sends the
session leader SIGCONT with SIGHUP, on which the driver starts application mode a second time, and
its new writer thread dies on the first write (EIO); once its queue of 30 writes is full, every
write of the event loop waits forever (so does the exit), and no signal gets through but SIGKILL.
An app that does not lead its session (started by a script) gets no signal at all.

So here: SIGCONT resumes only an app that was suspended (ctrl+z); what the app writes goes to an
output that drops everything once a write has failed, so the writer thread never dies; and a
hang-up is watched for on the event loop, so the app hears of it even without a signal.
"""

from __future__ import annotations

import asyncio
import io
import os
import select
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer
    from textual.driver import Driver

TERMINAL_CLOSED = "ended: the terminal closed"


class TerminalClosed(Message):
    """The app's terminal has gone: hung up, or it no longer takes what the app writes."""


class TerminalOutput(io.RawIOBase):
    """The terminal's end the app writes to; once a write fails, everything after it is dropped
    (a writer thread that died would leave every later write waiting on its full queue)."""

    def __init__(self, fd: int, lost: Callable[[], None]) -> None:
        super().__init__()
        self._fd = fd
        self._lost = lost
        self.failed = False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def write(self, data: ReadableBuffer, /) -> int:
        size = memoryview(data).nbytes
        while not self.failed:
            try:
                return os.write(self._fd, data)
            except BlockingIOError:
                # (a program before us left the terminal non-blocking: wait until it takes more)
                select.select([], [self._fd], [])
            except OSError:
                self.failed = True
                self._lost()
        return size


class TerminalDriver(LinuxDriver):
    """Textual's Linux driver, safe when its terminal goes away (see the module's docstring)."""

    def __init__(
        self,
        app: App[Any],
        *,
        debug: bool = False,
        mouse: bool = True,
        size: tuple[int, int] | None = None,
    ) -> None:
        super().__init__(app, debug=debug, mouse=mouse, size=size)
        self._output: TerminalOutput | None = None
        original = self._file
        if original is not None:
            self._output = TerminalOutput(original.fileno(), self._lost)
            self._file = io.TextIOWrapper(
                io.BufferedWriter(self._output),
                encoding=original.encoding,
                errors=original.errors,
            )
        self._suspended = False
        self._hangup_watch: HangupWatch | None = None

    @property
    def gone(self) -> bool:
        """Whether the terminal has gone (hung up, or a write to it failed)."""
        return (self._output is not None and self._output.failed) or not os.isatty(self.fileno)

    def _lost(self) -> None:
        # (from the writer thread: posting a message is safe from any thread)
        self._app.post_message(TerminalClosed())

    # SIGCONT: only after a suspension --------------------------------------------------------
    def suspend_application_mode(self) -> None:
        self._suspended = True
        super().suspend_application_mode()

    def resume_application_mode(self) -> None:
        self._suspended = False
        super().resume_application_mode()

    def _sigcont_application(self, *_: object) -> None:
        # SIGCONT comes with SIGHUP when the terminal hangs up, and from anyone's `kill -CONT`:
        # starting application mode again while it runs would leave two writer threads.
        if self._auto_restart and self._suspended:
            self.resume_application_mode()

    # The hang-up, heard on the event loop ----------------------------------------------------
    def start_application_mode(self) -> None:
        super().start_application_mode()  # type: ignore[no-untyped-call]  # (Textual's, unannotated)
        if self._hangup_watch is None and os.isatty(self.fileno):
            self._hangup_watch = HangupWatch(self.fileno, self._hung_up)

    def close(self) -> None:
        watch, self._hangup_watch = self._hangup_watch, None
        if watch is not None:
            watch.close()
        super().close()

    def _hung_up(self) -> None:
        self._hangup_watch = None
        # The input thread would read end-of-file in a busy loop until the app is gone.
        self.disable_input()
        self._app.post_message(TerminalClosed())


class HangupWatch:
    """Calls HUNG_UP on the running event loop, once, when the terminal FD hangs up.

    An epoll set that waits for nothing (a hang-up is reported whatever was asked for), read by
    the loop: no thread, no polling, and keys typed meanwhile do not wake it. (Without epoll,
    not on Linux, it watches nothing: a failing write still tells the app.)"""

    def __init__(self, fd: int, hung_up: Callable[[], None]) -> None:
        self._hung_up = hung_up
        self._loop = asyncio.get_running_loop()
        self._epoll: select.epoll | None = None
        if hasattr(select, "epoll"):
            self._epoll = select.epoll()
            self._epoll.register(fd, 0)
            self._loop.add_reader(self._epoll.fileno(), self._ready)

    def _ready(self) -> None:
        self.close()
        self._hung_up()

    def close(self) -> None:
        epoll, self._epoll = self._epoll, None
        if epoll is not None:
            self._loop.remove_reader(epoll.fileno())
            epoll.close()


def driver_class(default: type[Driver]) -> type[Driver]:
    """The driver the app runs on: ours in place of Textual's Linux one (another, such as the
    web driver of `swarmtui serve`, is kept)."""
    return TerminalDriver if default is LinuxDriver and sys.platform != "win32" else default


def terminal_gone(driver: Driver | None) -> bool:
    """Whether DRIVER's terminal has gone (never for a driver without one)."""
    return isinstance(driver, TerminalDriver) and driver.gone
