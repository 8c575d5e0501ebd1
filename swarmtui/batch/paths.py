"""Session paths in batches (§6): placeholder folders, the write fence, and session slugs."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

# `sessions/session-YYYYMMDD-HHMMSS-slug` (the `sessions/` part optional) and `sessions/.../`.
_SESSION_PLACEHOLDER_RE = re.compile(
    r"(?:\.?/?sessions/)?session-YYYYMMDD-HHMMSS-[A-Za-z0-9_.-]*|(?:\.?/)?sessions/\.\.\.(?=/|$)"
)


def rewrite_session_paths(text: str, session_dir: Path) -> str:
    """Replace the guides' placeholder session folders in `text` with `session_dir` (absolute)."""
    target = str(session_dir.resolve())
    return _SESSION_PLACEHOLDER_RE.sub(lambda _m: target, text)


def _strip_placeholder(path: str) -> str:
    """The path relative to the session folder when it starts with a placeholder folder."""
    m = _SESSION_PLACEHOLDER_RE.match(path)
    if m:
        path = path[m.end() :].lstrip("/")
    return path


def check_write_path(path: str) -> str | None:
    """Why `path` may not be written (absolute or leaving the session folder), else None."""
    rel = _strip_placeholder(path.strip())
    if not rel:
        return f"cannot write to {path!r}: it names no file"
    if rel.startswith(("/", "\\", "~")) or re.match(r"[A-Za-z]:[\\/]", rel):
        return f"cannot write to {path!r}: absolute paths leave the session folder"
    depth = 0
    for part in re.split(r"[\\/]+", rel):
        if part == "..":
            depth -= 1
            if depth < 0:
                return f"cannot write to {path!r}: it leaves the session folder"
        elif part not in ("", "."):
            depth += 1
    if depth == 0:
        return f"cannot write to {path!r}: it names the session folder itself"
    return None


def write_target(path: str) -> str:
    """Where a `Write` lands, relative to the session folder (a bare name goes to artifacts/)."""
    rel = _strip_placeholder(path.strip())
    parts = [p for p in re.split(r"[\\/]+", rel) if p not in ("", ".")]
    normal: list[str] = []
    for part in parts:
        if part == "..":
            if normal:
                normal.pop()
        else:
            normal.append(part)
    if len(normal) == 1:
        normal.insert(0, "artifacts")
    return str(PurePosixPath(*normal)) if normal else "artifacts"


def slug(text: str, limit: int = 40) -> str:
    """A short lowercase name for folders: `Deploy pipeline!` → `deploy-pipeline`."""
    out = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(out) > limit:
        out = out[:limit].rstrip("-")
    return out or "batch"
