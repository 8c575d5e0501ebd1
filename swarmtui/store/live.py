"""Where a live session meets the store: a `LiveSession` wired to its `EventLog`, new or resumed.

The CLI and the app build sessions only through these two functions; the engine never imports
the store (it is given the log).
"""

from __future__ import annotations

from pathlib import Path

from swarmtui.batch.models import Batch
from swarmtui.engine.folders import BATCH_FILE
from swarmtui.engine.session import LiveSession, Recording
from swarmtui.engine.settings import RunSettings
from swarmtui.engine.state import fold
from swarmtui.store.errors import SessionStoreError
from swarmtui.store.eventlog import EventLog, writer_alive
from swarmtui.store.reader import read_events


def new_live_session(
    text: str,
    *,
    source_name: str | None,
    settings: RunSettings,
    sessions_dir: Path,
    project_dir: Path | None = None,
    batch: Batch | None = None,
) -> LiveSession:
    """A new session of TEXT (parsed, or the given BATCH), recorded under SESSIONS_DIR."""
    return LiveSession(
        text,
        source_name=source_name,
        settings=settings,
        sessions_dir=sessions_dir,
        log_factory=EventLog,
        project_dir=project_dir,
        batch=batch,
    )


def read_recording(session_path: Path) -> Recording:
    """The recorded session at SESSION_PATH, if it can be taken up again; `SessionStoreError`
    (one line naming the session) when it cannot: still running, completed, or unreadable."""
    if writer_alive(session_path):
        raise SessionStoreError(f"{session_path}: still running (another process records it)")
    events = read_events(session_path)
    if not events:
        raise SessionStoreError(f"{session_path}: nothing was recorded; run the batch again")
    state = fold(events)
    if state.finished and state.status == "completed":
        raise SessionStoreError(f"{session_path}: completed; there is nothing to resume")
    try:
        text = (session_path / BATCH_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SessionStoreError(f"{session_path / BATCH_FILE}: cannot be read ({exc})") from None
    return Recording(path=session_path, text=text, events=events)


def resume_live_session(
    recording: Recording,
    *,
    settings: RunSettings,
    project_dir: Path | None = None,
) -> LiveSession:
    """A recorded session (`read_recording`) taken up again in its own folder and log: agents
    that were done stay done (with the keys they stored); the rest run.

    `SessionStoreError` when the folder's batch no longer holds the agents it recorded."""
    session = LiveSession(
        recording.text,
        source_name=str(recording.path / BATCH_FILE),
        settings=settings,
        sessions_dir=recording.path.parent,
        log_factory=EventLog,
        project_dir=project_dir,
        resume=recording,
    )
    started = recording.started
    recorded = [a.name for a in started.agents] if started is not None else []
    names = {op.name for op in session.batch.tasks()}
    lost = [name for name in recorded if name not in names]
    if lost:
        raise SessionStoreError(
            f"{recording.path / BATCH_FILE}: does not hold the agents the session recorded "
            f"({', '.join(lost[:3])}{', ...' if len(lost) > 3 else ''}); it cannot be resumed"
        )
    return session
