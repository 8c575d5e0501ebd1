"""Files a text-only agent produces: fenced code blocks marked with a path, and its transcript.

A model that can only answer with text "writes" a file by putting it in a fenced code block that
names its path, in either of two conventions (both are common in model output):

    ```python path=src/app.py          (also file=, filename=; the value may be quoted)
    ...
    ```

    ```python
    # file: src/app.py                 (first line; also //, --, /* */, <!-- --> and path:)
    ...
    ```

Every such file lands under the session's `artifacts/` folder (`src/app.py` becomes
`artifacts/src/app.py`; `artifacts/x` stays as it is). Absolute paths and `..` are refused, and the
write never follows a symbolic link, so nothing lands outside the session folder.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

ARTIFACTS = "artifacts"

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_INFO_PATH = re.compile(r"""(?:^|\s)(?:path|file|filename)=(?:"([^"]+)"|'([^']+)'|(\S+))""")
_FIRST_LINE_PATH = re.compile(
    r"^\s*(?:#|//|--|;|/\*|<!--)\s*(?:file|path|filename)\s*:\s*(?P<path>[^\s*>]+?)\s*(?:\*/|-->)?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FencedFile:
    path: str  # as the agent wrote it
    content: str
    line: int  # 1-based line of the opening fence


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)  # relative to the session folder
    problems: list[str] = field(default_factory=list)  # one readable line each


def find_fenced_files(text: str) -> tuple[list[FencedFile], list[str]]:
    """The path-marked code blocks of TEXT, and a note for each one left unterminated."""
    files: list[FencedFile] = []
    problems: list[str] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if not match or (match["fence"][0] == "`" and "`" in match["info"]):
            index += 1
            continue
        fence, info, start = match["fence"], match["info"].strip(), index
        body: list[str] = []
        index += 1
        closed = False
        while index < len(lines):
            stripped = lines[index].strip()
            if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
                closed = True
                break
            body.append(lines[index])
            index += 1
        index += 1
        path = _path_from_info(info)
        if path is None and body:
            first = _FIRST_LINE_PATH.match(body[0])
            if first:
                path, body = first["path"], body[1:]
        if path is None:
            continue
        if not closed:
            problems.append(f"{path}: the code block starting on line {start + 1} never ends")
            continue
        content = "\n".join(body) + ("\n" if body else "")
        files.append(FencedFile(path=path, content=content, line=start + 1))
    return files, problems


def _path_from_info(info: str) -> str | None:
    match = _INFO_PATH.search(info)
    if not match:
        return None
    return next(group for group in match.groups() if group)


def artifact_target(path: str) -> tuple[str | None, str | None]:
    """(target relative to the session folder, None) or (None, why it is refused)."""
    cleaned = path.strip().replace("\\", "/")
    if not cleaned or "\x00" in cleaned:
        return None, f"{path!r}: not a file name"
    if cleaned.startswith("/") or re.match(r"^[A-Za-z]:", cleaned) or cleaned.startswith("~"):
        return None, f"{path}: absolute paths are refused; files go under {ARTIFACTS}/"
    parts = [part for part in cleaned.split("/") if part not in ("", ".")]
    if ".." in parts:
        return None, f"{path}: '..' would leave the session folder; refused"
    if not parts:
        return None, f"{path!r}: not a file name"
    if parts[0] != ARTIFACTS:
        parts.insert(0, ARTIFACTS)
    if len(parts) < 2:
        return None, f"{path}: names the artifacts folder itself, not a file"
    return "/".join(parts), None


class UnsafePathError(OSError):
    """A write that would follow a symbolic link or leave the session folder."""


def safe_write(session_dir: Path, relative: str, data: bytes) -> int:
    """Write DATA at RELATIVE inside SESSION_DIR, creating folders, never following a symlink.

    Each folder is opened relative to the previous one with O_NOFOLLOW, so a link planted anywhere
    on the way (even while we write) makes the write fail instead of landing outside.
    """
    parts = [part for part in relative.split("/") if part not in ("", ".")]
    if not parts or ".." in parts or relative.startswith("/"):
        raise UnsafePathError(errno.EINVAL, f"{relative}: not a path inside the session folder")
    flags_dir = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    fd = os.open(session_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            with contextlib.suppress(FileExistsError):
                os.mkdir(part, 0o755, dir_fd=fd)
            try:
                next_fd = os.open(part, flags_dir, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise UnsafePathError(
                        exc.errno, f"{relative}: {part} is a symbolic link or not a folder"
                    ) from None
                raise
            os.close(fd)
            fd = next_fd
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
        try:
            file_fd = os.open(parts[-1], flags, 0o644, dir_fd=fd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise UnsafePathError(exc.errno, f"{relative}: is a symbolic link") from None
            raise
        with os.fdopen(file_fd, "wb") as handle:
            handle.write(data)
        return len(data)
    finally:
        os.close(fd)


def write_fenced_files(text: str, session_dir: Path) -> WriteReport:
    """Write every path-marked code block of TEXT under `artifacts/`; report what was refused."""
    report = WriteReport()
    files, report.problems = find_fenced_files(text)
    for fenced in files:
        target, problem = artifact_target(fenced.path)
        if target is None:
            report.problems.append(problem or fenced.path)
            continue
        try:
            safe_write(session_dir, target, fenced.content.encode("utf-8"))
        except OSError as exc:
            report.problems.append(f"{fenced.path}: not written ({exc.strerror or exc})")
            continue
        if target not in report.written:
            report.written.append(target)
    return report


def agent_file_stem(agent: str, attempt: int = 1) -> str:
    """A file-name-safe form of an agent's name (`Changelog Reader` -> `changelog-reader`)."""
    stem = re.sub(r"[^a-z0-9._-]+", "-", agent.lower()).strip("-.") or "agent"
    return stem if attempt <= 1 else f"{stem}.attempt{attempt}"


def write_log(session_dir: Path, agent: str, attempt: int, suffix: str, text: str) -> str:
    """Write `artifacts/logs/<agent><suffix>`; returns its path relative to the session folder."""
    relative = f"{ARTIFACTS}/logs/{agent_file_stem(agent, attempt)}{suffix}"
    safe_write(session_dir, relative, text.encode("utf-8"))
    return relative
