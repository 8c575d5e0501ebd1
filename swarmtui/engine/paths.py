"""Session paths for the engine: the batch language's §6 rules, plus what only the engine needs."""

from __future__ import annotations

from pathlib import Path

from swarmtui.batch.paths import check_write_path, slug, write_target
from swarmtui.batch.paths import rewrite_session_paths as _rewrite_session_paths


def rewrite_session_paths(text: str, session_dir: Path) -> str:
    """The §6 placeholder rewrite, free for text that names no session folder.

    Every placeholder contains "session"; without it the rewrite would only cost a
    `resolve()` (a few `lstat`s) per agent, which a big batch feels.
    """
    if "session" not in text:
        return text
    return _rewrite_session_paths(text, session_dir)


def session_relative(path: str, session_dir: Path) -> str:
    """PATH made relative to the session folder when it points inside it (else unchanged)."""
    base = str(session_dir).rstrip("/") + "/"
    if path.startswith(base):
        return path[len(base) :]
    return path


__all__ = [
    "check_write_path",
    "rewrite_session_paths",
    "session_relative",
    "slug",
    "write_target",
]
