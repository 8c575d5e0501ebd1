"""`run --headless --approve ask`: each request that waits for approval is asked on the terminal.

One question at a time, in the order they came:

    coder wants Bash: npm install left-pad
      in the session folder (.) - no rule matches 'npm install left-pad'; the default is ask
      [y] allow once   [s] allow Bash(npm install:*) for this session   [n] deny
    > n
      reason (optional): not today

Everything shown that came from outside swarmtui (names, commands, reasons) has its control
characters made visible, so it cannot drive the terminal. A request decided meanwhile (a
pattern approved for the session covered it, its agent was cancelled) is dropped from the
question. At end of input every question left is denied.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections import deque
from collections.abc import Callable
from typing import TextIO

from swarmtui.batch.models import printable
from swarmtui.engine.events import ApprovalDecided, ApprovalRequested, Event
from swarmtui.engine.session import LiveSession

# Where the answer is typed (y, s or n, then enter): the cursor waits after it.
PROMPT = "> "


def question(event: ApprovalRequested) -> list[str]:
    """The lines that ask about EVENT."""
    who = printable(event.agent) if event.agent else "the batch"
    where = "the session folder (.)" if event.cwd == "." else printable(event.cwd)
    choices = "[y] allow once"
    if event.pattern:
        choices += f"   [s] allow {printable(event.pattern)} for this session"
    return [
        f"{who} wants {printable(event.tool)}: {printable(event.subject)}",
        f"  in {where} - {printable(event.reason)}",
        f"  {choices}   [n] deny",
    ]


class TerminalApprover:
    """A session subscriber that asks on the terminal (INPUT_FD, OUTPUT) about each request.

    PAUSE and RESUME stop and restart the live progress display around a question."""

    def __init__(
        self,
        session: LiveSession,
        *,
        input_fd: int,
        output: TextIO,
        pause: Callable[[], None] = lambda: None,
        resume: Callable[[], None] = lambda: None,
    ) -> None:
        self.session = session
        self.input_fd = input_fd
        self.output = output
        self.pause = pause
        self.resume = resume
        self._queue: deque[ApprovalRequested] = deque()
        self._task: asyncio.Task[None] | None = None
        self._current: str | None = None
        self._decided: asyncio.Future[None] | None = None
        self._buffer = b""
        self._eof = False

    def __call__(self, event: Event) -> None:
        if isinstance(event, ApprovalRequested):
            self._queue.append(event)
            if self._task is None or self._task.done():
                self._task = asyncio.get_running_loop().create_task(self._ask_all())
        elif (
            isinstance(event, ApprovalDecided)
            and event.id == self._current
            and self._decided is not None
            and not self._decided.done()
        ):
            self._decided.set_result(None)

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _say(self, *lines: str, prompt: str = "") -> None:
        """LINES, then PROMPT with the cursor left after it: where the answer is typed."""
        with contextlib.suppress(OSError, ValueError):
            self.output.write("".join(line + "\n" for line in lines) + prompt)
            self.output.flush()

    async def _ask_all(self) -> None:
        while self._queue:
            event = self._queue.popleft()
            if event.id not in self.session.state.awaiting:
                continue  # decided already
            self.pause()
            try:
                await self._ask(event)
            finally:
                self._current = None
                self.resume()

    async def _ask(self, event: ApprovalRequested) -> None:
        self._current = event.id
        self._decided = asyncio.get_running_loop().create_future()
        self._say("", *question(event), prompt=PROMPT)
        while True:
            line = await self._answer()
            if line is None:
                if not self._decided.done():
                    self.session.deny(event.id, "no answer: the terminal's input ended")
                return
            choice = line.strip().lower()
            if choice in ("y", "yes"):
                self.session.approve(event.id)
                return
            if choice in ("s", "session") and event.pattern:
                self.session.approve(event.id, for_session=True)
                return
            if choice in ("n", "no"):
                reason = await self._answer(prompt="  reason (optional): ")
                if reason is not None or not self._decided.done():
                    self.session.deny(event.id, printable((reason or "").strip()))
                return
            self._say(f"  answer y{', s' if event.pattern else ''} or n", prompt=PROMPT)

    async def _answer(self, prompt: str = "") -> str | None:
        """The next line typed (after PROMPT), or None when the request was decided meanwhile
        (or input ended)."""
        assert self._decided is not None
        if prompt:
            self._say(prompt=prompt)
        reading: asyncio.Future[str | None] = asyncio.ensure_future(self._read_line())
        decided: asyncio.Future[str | None] = asyncio.ensure_future(self._wait_decided())
        done, _ = await asyncio.wait([reading, decided], return_when=asyncio.FIRST_COMPLETED)
        decided.cancel()
        if reading not in done:
            reading.cancel()
            self._say("", "  (decided meanwhile)")  # (off the line of the prompt)
            return None
        return reading.result()

    async def _wait_decided(self) -> str | None:
        assert self._decided is not None
        await asyncio.shield(self._decided)
        return None

    async def _read_line(self) -> str | None:
        while b"\n" not in self._buffer and not self._eof:
            loop = asyncio.get_running_loop()
            ready: asyncio.Future[None] = loop.create_future()

            def wake(ready: asyncio.Future[None] = ready) -> None:
                if not ready.done():
                    ready.set_result(None)

            loop.add_reader(self.input_fd, wake)
            try:
                await ready
            finally:
                loop.remove_reader(self.input_fd)
            try:
                data = os.read(self.input_fd, 4096)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            self._eof = not data
            self._buffer += data
        if b"\n" not in self._buffer and self._eof:
            if not self._buffer:
                return None
            line, self._buffer = self._buffer, b""
        else:
            line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode("utf-8", "replace")
