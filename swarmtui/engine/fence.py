"""The write fence of §6: files land inside the session folder, whatever links were planted.

Every folder on the way is opened relative to the previous one with O_NOFOLLOW, and the file
itself too, so a symbolic link anywhere (even one created while we write) makes the write fail
instead of landing outside. A file with other hard links is refused before anything is written,
since truncating it would change a file elsewhere.

Every write into a session folder from this process holds `DISK_WRITES` while it writes: when
the event log fails on a full disk it holds the lock while it spends its reserve of space on
recording the session's end, so that space cannot go to an agent's log written meanwhile.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import threading
from pathlib import Path

# Held by each write into a session folder, and by the event log while it spends its reserve.
DISK_WRITES = threading.Lock()
WRITE_PIECE = 1 << 20  # bytes written while holding it, at most

# A new file (O_EXCL: an existing name, a link included, is never opened this way).
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class FenceError(OSError):
    """A write refused because it would leave the session folder."""


def _parts(relative: str) -> list[str]:
    if relative.startswith("/") or "\x00" in relative:
        raise FenceError(errno.EINVAL, f"{relative}: not a path inside the session folder")
    parts = [p for p in relative.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        raise FenceError(errno.EINVAL, f"{relative}: not a path inside the session folder")
    return parts


def open_fenced_folder(session_dir: Path, relative: str) -> int:
    """A file descriptor of the folder RELATIVE inside SESSION_DIR (created if need be), reached
    without following any link; `FenceError` for any escape. "" is the session folder."""
    parts = _parts(relative + "/x") if relative else ["x"]
    return _open_folders(session_dir, parts[:-1], relative)


def _open_folders(session_dir: Path, parts: list[str], relative: str) -> int:
    fd = os.open(session_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in parts:
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
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_fenced(session_dir: Path, relative: str, *, append: bool = False) -> int:
    """A file descriptor open for writing at RELATIVE inside SESSION_DIR (folders created).

    The file is truncated unless APPEND; raises `FenceError` for any escape.
    """
    parts = _parts(relative)
    fd = _open_folders(session_dir, parts[:-1], relative)
    try:
        return _open_file(fd, parts[-1], relative, append=append)
    finally:
        os.close(fd)


def _open_file(folder_fd: int, name: str, relative: str, *, append: bool = False) -> int:
    """NAME in the folder FOLDER_FD, open for writing: a new file, or an existing plain file
    of the session (truncated unless APPEND); never a link, a special file or a hard link."""
    if not append:
        try:  # the usual case, a new file: nothing else to check
            return os.open(name, _NEW, 0o644, dir_fd=folder_fd)
        except FileExistsError:
            pass
    # (O_NONBLOCK: opening a planted FIFO must fail or return at once, never wait for a reader.)
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
    if append:
        flags |= os.O_APPEND
    try:
        file_fd = os.open(name, flags, 0o644, dir_fd=folder_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise FenceError(exc.errno, f"{relative}: is a symbolic link") from None
        if exc.errno == errno.ENXIO:
            raise FenceError(exc.errno, f"{relative}: not a plain file of this session") from None
        raise
    info = os.fstat(file_fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
        os.close(file_fd)
        raise FenceError(errno.EPERM, f"{relative}: not a plain file of this session")
    os.set_blocking(file_fd, True)
    if not append:
        os.ftruncate(file_fd, 0)
    return file_fd


def open_regular(path: Path) -> int:
    """A descriptor open for reading PATH, a file an agent may have planted: only a regular
    file is opened (a FIFO or a device never makes the reader wait; a final symbolic link is
    not followed); `FenceError` otherwise."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise FenceError(errno.EPERM, f"{path}: not a plain file")
    os.set_blocking(fd, True)
    return fd


def _write_all(fd: int, data: bytes) -> int:
    try:
        view = memoryview(data)
        while view:  # (no buffered file object: this runs once per agent report)
            with DISK_WRITES:  # (a piece at a time: no other writer waits long for it)
                view = view[os.write(fd, view[:WRITE_PIECE]) :]
    except OSError:
        # A full disk (or a size limit): what was written is given back, so the session's log
        # can still record why (a cut-off file would hold the space and say nothing).
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        raise
    finally:
        os.close(fd)
    return len(data)


def write_fenced(session_dir: Path, relative: str, data: bytes) -> int:
    """Write DATA at RELATIVE inside SESSION_DIR; returns the number of bytes written."""
    return _write_all(open_fenced(session_dir, relative), data)


def write_fenced_in(folder_fd: int, name: str, data: bytes) -> int:
    """Write DATA as NAME in a folder opened with `open_fenced_folder` (for many files in one
    folder: the folders on the way are opened once)."""
    if not name or "/" in name or name in (".", ".."):
        raise FenceError(errno.EINVAL, f"{name}: not a file name")
    return _write_all(_open_file(folder_fd, name, name), data)
