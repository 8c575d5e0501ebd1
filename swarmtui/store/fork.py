"""The store's side of a fork: read a session as far as it can be read, cut it at a point, and
build the new session that takes it up (`swarmtui.engine.fork` says what a fork keeps).

A damaged log is read up to its last readable event, an interrupted or still running session
up to what it has recorded: either is said in one line (`ForkSource.note`), which the fork
records too. Nothing here writes to the source.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from swarmtui.engine.events import Event, SessionStarted
from swarmtui.engine.folders import BATCH_FILE
from swarmtui.engine.fork import ForkPoint, MemoryEdit
from swarmtui.engine.session import LiveSession, Recording
from swarmtui.engine.settings import RunSettings
from swarmtui.store.errors import SessionStoreError
from swarmtui.store.eventlog import EventLog, writer_alive
from swarmtui.store.points import Point, format_time, point_at
from swarmtui.store.reader import read_events_tolerantly
from swarmtui.store.replay import interrupted_end


@dataclass(frozen=True)
class ForkSource:
    """A session to fork: every event that could be read, its batch, and what to know first."""

    path: Path
    session_id: str
    events: list[Event]
    text: str | None  # its batch as run (None: unreadable, `text_problem` says why)
    text_problem: str | None
    note: str | None  # why only part of it can be taken (damaged, interrupted, running)
    end: float  # where its recording ends (an interrupted one: its last sign of life)

    def point(self, at: str) -> Point:
        """The point `--at` names (`PointError`, naming the valid range, when outside)."""
        return point_at(self.events, at, self.end, self.path.name)


def source_note(path: Path, events: list[Event], problem: str | None) -> str | None:
    """Why a session can be forked only up to where its recording stops, or None."""
    last = f"event #{len(events)}, {format_time(events[-1].t if events else 0.0)}"
    if problem is not None:
        return f"{path.name}: damaged log, read up to its last readable event ({last}): {problem}"
    if any(e.type == "session_finished" for e in events):
        return None
    if writer_alive(path):
        return f"{path.name}: still running, read up to what it has recorded so far ({last})"
    return f"{path.name}: interrupted, its recording stops at {last}"


def read_fork_source(path: Path) -> ForkSource:
    """Read the session at PATH to fork it. `SessionStoreError` (one line) when nothing of it
    can be forked: not a session, or not even its start can be read."""
    events, problem = read_events_tolerantly(path)
    first = events[0] if events else None
    if not isinstance(first, SessionStarted):
        why = f": {problem}" if problem else ""
        raise SessionStoreError(f"{path}: nothing recorded that can be forked{why}")
    end = interrupted_end(events, path) if problem is None else None
    text: str | None = None
    text_problem: str | None = None
    try:
        text = (path / BATCH_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        text_problem = f"{path / BATCH_FILE}: cannot be read ({exc})"
    return ForkSource(
        path=path,
        session_id=first.session_id or path.name,
        events=events,
        text=text,
        text_problem=text_problem,
        note=source_note(path, events, problem),
        end=end.t if end is not None else (events[-1].t if events else 0.0),
    )


def fork_recording(
    source_path: Path,
    session_id: str,
    events: list[Event],
    point: Point,
    text: str,
    *,
    note: str | None = None,
    memory: tuple[MemoryEdit, ...] = (),
) -> Recording:
    """What a fork takes up: the first `point.events` EVENTS of the session at SOURCE_PATH,
    to go on from `point.t` with the batch TEXT and the MEMORY values set."""
    fork = ForkPoint(
        session_id=session_id, path=source_path, t=point.t, note=note, memory=tuple(memory)
    )
    return Recording(path=source_path, text=text, events=events[: point.events], fork=fork)


def fork_live_session(
    recording: Recording,
    *,
    settings: RunSettings,
    sessions_dir: Path,
    project_dir: Path | None = None,
    source_name: str | None = None,
) -> LiveSession:
    """The new session of a fork (`fork_recording`), recorded under SESSIONS_DIR."""
    if recording.fork is None:
        raise ValueError("not a fork: use resume_live_session")
    return LiveSession(
        recording.text,
        source_name=source_name or str(recording.path / BATCH_FILE),
        settings=settings,
        sessions_dir=sessions_dir,
        log_factory=EventLog,
        project_dir=project_dir,
        resume=recording,
    )
