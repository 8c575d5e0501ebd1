"""Session paths for the engine: the batch language's §6 rules, plus what only the engine needs."""

from __future__ import annotations

from pathlib import Path

from swarmtui.batch.paths import check_write_path, rewrite_session_paths, slug, write_target


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
