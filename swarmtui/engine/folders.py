"""Session folders: `sessions/session-YYYYMMDD-HHMMSS-<slug>/` and what goes in them."""

from __future__ import annotations

import errno
import os
import re
import shutil
from datetime import datetime
from pathlib import Path

from swarmtui.batch.models import Batch
from swarmtui.engine.paths import slug

ARTIFACT_DIRS = ("code", "tests", "docs", "scripts", "logs")
BATCH_FILE = "batch.swarm.js"
# A session folder's name (`session_name`): its slug after the time.
_RECORDED = re.compile(r"session-\d{8}-\d{6}-(.+)")


def session_slug(batch: Batch, source_name: str | None) -> str:
    """From the first message title, else the file name (a session's own copy of its batch:
    that session's name, as a fork or a resume of it takes it), else `batch` (§6)."""
    if batch.title:
        return slug(batch.title)
    if source_name and not source_name.startswith("<"):
        path = Path(source_name)
        recorded = _RECORDED.fullmatch(path.parent.name) if path.name == BATCH_FILE else None
        if recorded is not None:
            return recorded.group(1)
        name = path.name
        for suffix in (".swarm.js", ".js"):
            if name.endswith(suffix):
                name = name[: -len(suffix)]
                break
        return slug(name)
    return "batch"


def session_name(started: datetime, slug_text: str) -> str:
    return f"session-{started:%Y%m%d-%H%M%S}-{slug_text}"


def create_session_folder(sessions_dir: Path, name: str) -> Path:
    """Create a new, empty session folder (a suffix -2, -3... when the name is taken)."""
    sessions_dir.mkdir(parents=True, exist_ok=True)
    candidate, n = name, 1
    while True:
        path = sessions_dir / candidate
        try:
            path.mkdir()
        except FileExistsError:
            n += 1
            candidate = f"{name}-{n}"
            continue
        artifacts = path / "artifacts"
        artifacts.mkdir()  # (first: each mkdir is a journal write, and this one saves a failed one)
        for sub in ARTIFACT_DIRS:
            (artifacts / sub).mkdir()
        return path


def open_session_folder(sessions_dir: Path, name: str, batch_text: str) -> Path:
    """A new session folder holding BATCH_TEXT as its batch. When that cannot be done (a full
    disk, no permission) nothing half-made is left behind, and the `OSError` raised says in one
    line which file or folder could not be written, and why."""
    path: Path | None = None
    try:
        path = create_session_folder(sessions_dir, name)
        (path / BATCH_FILE).write_text(batch_text, encoding="utf-8")
    except OSError as exc:
        # (a failed write() names no file: it was the batch, the one file written here)
        where = exc.filename or (path / BATCH_FILE if path is not None else sessions_dir)
        if path is not None:
            shutil.rmtree(path, ignore_errors=True)  # (it holds nothing the user made)
        why = exc.strerror or str(exc)
        full = " (the disk is full)" if exc.errno == errno.ENOSPC else ""
        raise OSError(f"cannot start the session: {where}: cannot be written: {why}{full}") from exc
    return path


def sessions_dir_problem(sessions_dir: Path) -> str | None:
    """Why sessions cannot be recorded in SESSIONS_DIR (creating it if need be), or None."""
    try:
        sessions_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        return f"sessions folder {sessions_dir}: a file is there, not a folder"
    except NotADirectoryError:
        return f"sessions folder {sessions_dir}: a part of the path is a file, not a folder"
    except PermissionError:
        return f"sessions folder {sessions_dir}: cannot be created (permission denied)"
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        return f"sessions folder {sessions_dir}: cannot be created ({reason})"
    if not sessions_dir.is_dir():
        return f"sessions folder {sessions_dir}: not a folder"
    if not os.access(sessions_dir, os.W_OK | os.X_OK):
        return f"sessions folder {sessions_dir}: not writable"
    return None
