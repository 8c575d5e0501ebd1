"""The sessions index: list the recorded sessions of a folder and find one by id or path."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from swarmtui.store.errors import SessionStoreError
from swarmtui.store.eventlog import writer_alive
from swarmtui.store.reader import read_clock_marks, read_recorded_seconds, read_session_row
from swarmtui.store.schema import DB_NAME


@dataclass
class SessionInfo:
    id: str
    title: str
    status: str
    started_at: str
    wall_seconds: float | None
    agents: int
    speedup: float | None
    backend: str
    path: Path
    error: str | None = None
    forked_from: str | None = None  # the id of the session it was forked from
    forked_at: int | None = None  # the last event of that session it took up

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = str(self.path)
        return data


def effective_status(status: str, session_path: Path) -> str:
    """A session still marked `running` whose writer is gone was killed: `interrupted`."""
    if status == "running" and not writer_alive(session_path):
        return "interrupted"
    return status


def session_info(folder: Path) -> SessionInfo:
    """The listing entry of one session folder; a broken folder gets `error`, never raises."""
    try:
        row = read_session_row(folder)
    except SessionStoreError as exc:
        return SessionInfo(
            id=folder.name,
            title="",
            status="unreadable",
            started_at="",
            wall_seconds=None,
            agents=0,
            speedup=None,
            backend="",
            path=folder,
            error=str(exc),
        )
    status = effective_status(row.status, folder)
    wall, speedup = row.wall_seconds, row.speedup
    if wall is None:  # its end was never recorded (killed, or running)
        wall, replayed_speedup = _unfinished_figures(folder, status)
        speedup = speedup if replayed_speedup is None else replayed_speedup
    return SessionInfo(
        id=row.id,
        title=row.title,
        status=status,
        started_at=row.started,
        wall_seconds=wall,
        agents=row.agents,
        speedup=speedup,
        backend=row.backend,
        path=folder,
        forked_from=row.forked_from,
        forked_at=row.forked_at,
    )


def _unfinished_figures(folder: Path, status: str) -> tuple[float | None, float | None]:
    """(wall time, speed-up) of a session whose end was never recorded. A killed one's as its
    replay gives them (up to its last sign of life: an agent may have run long after the last
    event); a running one's wall time is how far its clock has gone by now (its agents may run
    silently long after the last event), as its live replay says, with no speed-up yet."""
    from swarmtui.store import replay  # (it imports this module)

    if status == "interrupted":
        from swarmtui.engine.metrics import figures

        try:
            replayed = figures(replay.replay_state(folder))
            return replayed.wall_seconds, replayed.speedup
        except SessionStoreError:
            pass  # (a damaged log: what can be read of it)
    span = read_recorded_seconds(folder)
    if status == "running":
        now = replay.recording_time_now(read_clock_marks(folder), folder)
        if now is not None:
            return max(span or 0.0, now), None
    return span, None


def list_sessions(sessions_dir: Path) -> list[SessionInfo]:
    """Every session in `sessions_dir`, newest first."""
    try:
        folders = [
            p
            for p in sessions_dir.iterdir()
            if p.is_dir() and (p.name.startswith("session-") or (p / DB_NAME).exists())
        ]
    except OSError:  # no such folder, or not readable: nothing to list
        return []
    infos = [session_info(p) for p in folders]
    infos.sort(key=lambda i: (i.started_at, i.id), reverse=True)
    return infos


def resolve_session(session: str, sessions_dir: Path) -> Path:
    """A session folder from a path, an id, or an unambiguous prefix of an id."""
    direct = Path(session)
    if (direct / DB_NAME).exists():
        return direct
    if (sessions_dir / session / DB_NAME).exists():
        return sessions_dir / session
    if sessions_dir.is_dir():
        matches = sorted(
            p for p in sessions_dir.iterdir() if p.name.startswith(session) and p.is_dir()
        )
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            names = ", ".join(p.name for p in matches[:5])
            raise SessionStoreError(
                f"{sessions_dir}: {session!r} matches several sessions: {names}"
            )
        # The id a session recorded (`swarmtui sessions` lists it), for a folder since renamed
        # or copied under another name.
        recorded = sorted(p for p in sessions_dir.iterdir() if _recorded_id(p) == session)
        if len(recorded) == 1:
            return recorded[0]
        if len(recorded) > 1:
            names = ", ".join(p.name for p in recorded[:5])
            raise SessionStoreError(f"{sessions_dir}: {session!r} is the id of {names}")
    if direct.is_dir():
        raise SessionStoreError(f"{direct / DB_NAME}: no such session database")
    raise SessionStoreError(f"{sessions_dir}: no session {session!r}")


def _recorded_id(folder: Path) -> str | None:
    """The id the session in FOLDER recorded, if it is a readable session."""
    if not (folder / DB_NAME).is_file():
        return None
    try:
        return read_session_row(folder).id
    except SessionStoreError:
        return None
