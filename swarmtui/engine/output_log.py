"""An agent's output as events (chunked), and once it has said a lot, in its own log file too
(the events keep its first megabyte or so, the file all of it; a runner's transcript or raw
stream refers to the file for a long answer rather than keeping it again); and the files its
runner was still writing when it was done."""

from __future__ import annotations

import asyncio
import functools
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from swarmtui.engine.events import AgentOutput, Event, FileWritten
from swarmtui.engine.fence import DISK_WRITES, open_fenced
from swarmtui.engine.paths import slug
from swarmtui.engine.runners.base import LogRange, OutputStream

if TYPE_CHECKING:
    from swarmtui.engine.state import SessionState

# One output event carries at most this many characters; the whole output is in the agent's
# log file under artifacts/logs/.
OUTPUT_CHUNK = 8192
# An agent whose output grows past this also gets artifacts/logs/<agent>.log with all of it.
LOG_FILE_THRESHOLD = 2 * OUTPUT_CHUNK
# The events keep at most this many characters of what an agent prints (its answer's text,
# its program's output); past it the rest is in its log file alone, so an output of hundreds of
# megabytes is stored once, not twice. Notes (`info`) and tool lines are always kept.
EVENT_OUTPUT_LIMIT = 1 << 20
_CAPPED = ("stdout", "stderr", "text")
LOGS = "artifacts/logs/"


def log_path(name: str) -> str:
    """Where agent NAME's log goes in a new session: `artifacts/logs/<slug>.log`."""
    return f"{LOGS}{slug(name)}.log"


def agent_log(name: str, session_dir: Path | None, recorded: Iterable[str] = ()) -> str:
    """Agent NAME's log file in SESSION_DIR, as its recording has it: the last log among the
    paths the recording names as written by it (RECORDED: a session records its agents' logs,
    `file_written`); else the one an earlier run left there under the name of its day, which
    may not be what `slug` says now (sessions recorded before names kept every script's
    letters and long names their hash called `Café` `caf`); else where a new one goes."""
    found = None
    for path in recorded:
        if path.startswith(LOGS) and path.endswith(".log") and "/" not in path[len(LOGS) :]:
            found = path
    if found is not None:
        return found
    new = log_path(name)
    if session_dir is not None and not (session_dir / new).is_file():
        old = f"{LOGS}{_slug_before_scripts(name)}.log"
        if old != new and (session_dir / old).is_file():
            return old
    return new


def _slug_before_scripts(text: str) -> str:
    """The rule `slug` followed until names kept every script (recordings made before then
    name their agents' files by it): ASCII letters and digits only, cut at 40."""
    out = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return out[:40].rstrip("-") or "batch"


def stored_once(text: str, where: LogRange | None) -> str:
    """TEXT as a transcript or a raw stream keeps it: past EVENT_OUTPUT_LIMIT, when the agent's
    log file holds it (WHERE), a reference to it there instead of a second copy."""
    if where is None or len(text) <= EVENT_OUTPUT_LIMIT:
        return text
    return f"[{len(text):,} characters, stored once: {where} (the output as it streamed)]"


def chunks(text: str) -> list[str]:
    """TEXT cut into pieces of at most OUTPUT_CHUNK characters."""
    if len(text) <= OUTPUT_CHUNK:
        return [text]
    return [text[i : i + OUTPUT_CHUNK] for i in range(0, len(text), OUTPUT_CHUNK)]


class OutputLog:
    """One agent's output: small output stays in the event log alone; past the threshold the
    whole of it also goes to `artifacts/logs/<agent>.log`."""

    def __init__(
        self,
        name: str,
        session_dir: Path,
        emit: Callable[[Event], None],
        find: Callable[[], str] | None = None,
    ) -> None:
        self.name = name
        self._session_dir = session_dir
        self._emit = emit
        # Where the log is: FIND says, when it is first needed (a resumed agent goes on in the
        # file its recording names); by default the name for a new one.
        self._find = find
        self._path: str | None = None
        self._fd: int | None = None  # -1: the file was refused
        self._buffer: list[bytes] = []
        # Bytes of output taken (buffered or written), and the file's size when it was opened
        # (an earlier attempt's output comes first): where each piece is in the file.
        self._taken = 0
        self._base = 0
        self._chars = 0
        self._in_events = 0  # characters of capped streams the events carry
        self._cut = False  # the events stopped carrying them (said once)

    @property
    def path(self) -> str:
        if self._path is None:
            self._path = self._find() if self._find is not None else log_path(self.name)
        return self._path

    @property
    def made(self) -> tuple[str, int] | None:
        """The log file and its size, once it was made (None: the events hold all)."""
        if self._fd is None or self._fd < 0:
            return None
        try:
            return self.path, os.fstat(self._fd).st_size
        except OSError:
            return None

    def write(self, text: str, stream: OutputStream) -> None:
        self._chars += len(text)
        data = text.encode("utf-8", "replace")
        self._taken += len(data)
        if self._fd is None:
            self._buffer.append(data)
            if self._chars > LOG_FILE_THRESHOLD:
                try:
                    self._fd = open_fenced(self._session_dir, self.path, append=True)
                    self._base = os.fstat(self._fd).st_size
                except OSError:
                    self._fd = -1  # refused: the events still carry everything
                pending = b"".join(self._buffer)
                self._buffer.clear()
                self._write_file(pending)
        else:
            self._write_file(data)
        note = None
        if stream in _CAPPED:
            if self._fd is not None and self._fd >= 0:
                text, note = self._within_limit(text)
            else:  # (before the file, or without one: the events carry it all)
                self._in_events += len(text)
        for piece in chunks(text) if text else []:
            self._emit(AgentOutput(agent=self.name, stream=stream, text=piece))
        if note is not None:
            self._emit(AgentOutput(agent=self.name, stream="info", text=note))

    @property
    def mark(self) -> int:
        """How many bytes of output it has taken so far (see `range_since`)."""
        return self._taken

    def range_since(self, mark: int) -> LogRange | None:
        """Where the output taken since MARK is in the log file, if the file holds it all."""
        if self._fd is None or self._fd < 0:
            return None  # (no file yet, or a file cut short: the events hold the output)
        return LogRange(self.path, self._base + mark, self._base + self._taken)

    def _within_limit(self, text: str) -> tuple[str, str | None]:
        """What of TEXT the events still carry (the log file holds all of it), and the note
        to add the first time they stop carrying it."""
        kept = text[: max(EVENT_OUTPUT_LIMIT - self._in_events, 0)]
        self._in_events += len(kept)
        if len(kept) == len(text) or self._cut:
            return kept, None
        self._cut = True
        return kept, (
            f"\nthe rest of its output is in {self.path} alone "
            f"(the session's events keep its first {EVENT_OUTPUT_LIMIT:,} characters)\n"
        )

    def _write_file(self, data: bytes) -> None:
        if self._fd is None or self._fd < 0:
            return
        try:
            with DISK_WRITES:
                written = os.write(self._fd, data)
                if written < len(data):  # (a short write: the disk or a size limit is reached)
                    os.write(self._fd, data[written:])
        except OSError as exc:
            # The file stops here; say so in the output itself (the events hold all of it).
            os.close(self._fd)
            self._fd = -1
            held = (
                "the session's events hold the rest from here"
                if self._cut
                else "the session's events hold the whole output"
            )
            note = f"{self.path}: cut short ({exc.strerror or exc}); {held}"
            self._emit(AgentOutput(agent=self.name, stream="info", text=note))

    def close(self) -> None:
        if self._fd is not None and self._fd >= 0:
            os.close(self._fd)
        self._fd = None
        self._buffer.clear()
        self._chars = self._taken = self._base = 0
        self._in_events = 0
        self._cut = False


class PendingWrites:
    """Files that runners were still writing when their agents were done: each is recorded
    (`file_written`, or a note in the agent's output when it could not be written) once the
    write ends; `wait` lets the session end only after the last one."""

    def __init__(self, state: SessionState, emit: Callable[[Event], None]) -> None:
        self._state = state  # (who wrote a path before: a write that replaces it says so)
        self._emit = emit
        self._writes: set[asyncio.Future[int]] = set()

    def follow(self, agent: str, relative: str, writing: asyncio.Future[int]) -> None:
        self._writes.add(writing)
        writing.add_done_callback(functools.partial(self._done, agent, relative))

    def _done(self, agent: str, relative: str, writing: asyncio.Future[int]) -> None:
        self._writes.discard(writing)
        if writing.cancelled():
            return
        error = writing.exception()
        if error is None:
            replaced = self._state.replaced(relative, agent)
            size = writing.result()
            self._emit(FileWritten(path=relative, bytes=size, by=agent, replaced=replaced))
        else:
            note = f"{relative}: not written ({error})"
            self._emit(AgentOutput(agent=agent, stream="info", text=note))

    async def wait(self) -> None:
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)
