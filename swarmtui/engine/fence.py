"""The write fence of §6: files land inside the session folder, whatever links were planted.

Every folder on the way is opened relative to the previous one with O_NOFOLLOW, and the file
itself too, so a symbolic link anywhere (even one created while we write) makes the write fail
instead of landing outside. A file with other hard links is refused before anything is written,
since truncating it would change a file elsewhere.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path


class FenceError(OSError):
    """A write refused because it would leave the session folder."""


def _parts(relative: str) -> list[str]:
    if relative.startswith("/") or "\x00" in relative:
        raise FenceError(errno.EINVAL, f"{relative}: not a path inside the session folder")
    parts = [p for p in relative.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        raise FenceError(errno.EINVAL, f"{relative}: not a path inside the session folder")
    return parts


def open_fenced(session_dir: Path, relative: str, *, append: bool = False) -> int:
    """A file descriptor open for writing at RELATIVE inside SESSION_DIR (folders created).

    The file is truncated unless APPEND; raises `FenceError` for any escape.
    """
    parts = _parts(relative)
    fd = os.open(session_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in parts[:-1]:
            dir_flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
            try:
                try:
                    next_fd = os.open(part, dir_flags, dir_fd=fd)
                except FileNotFoundError:  # (open first: existing folders cost no mkdir)
                    with contextlib.suppress(FileExistsError):
                        os.mkdir(part, 0o755, dir_fd=fd)
                    next_fd = os.open(part, dir_flags, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise FenceError(
                        exc.errno, f"{relative}: {part} is a symbolic link or not a folder"
                    ) from None
                raise
            os.close(fd)
            fd = next_fd
        flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        if append:
            flags |= os.O_APPEND
        try:
            file_fd = os.open(parts[-1], flags, 0o644, dir_fd=fd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise FenceError(exc.errno, f"{relative}: is a symbolic link") from None
            raise
        info = os.fstat(file_fd)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
            os.close(file_fd)
            raise FenceError(errno.EPERM, f"{relative}: not a plain file of this session")
        if not append:
            os.ftruncate(file_fd, 0)
        return file_fd
    finally:
        os.close(fd)


def write_fenced(session_dir: Path, relative: str, data: bytes) -> int:
    """Write DATA at RELATIVE inside SESSION_DIR; returns the number of bytes written."""
    fd = open_fenced(session_dir, relative)
    try:
        view = memoryview(data)
        while view:  # (no buffered file object: this runs once per agent report)
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
    return len(data)
