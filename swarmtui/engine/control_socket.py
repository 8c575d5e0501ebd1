"""The running session's control socket: how `swarmtui send` reaches a session another process
runs (headless, or in the app).

A Unix socket in a folder of the session that only its owner may enter (`.control/`, mode 0700;
the socket itself 0600), so no other user can connect; a connection from another user id is
refused all the same (SO_PEERCRED). One request per connection, one JSON line each way:

    {"op": "send", "agent": "Coder", "text": "also add tests"}
    {"ok": true, "delivery": "..."}   or   {"ok": false, "error": "one line"}

The folder and the socket go when the session ends. A session folder's path may be longer than a
socket's address can be (108 bytes): the socket is then reached through `/proc/self/fd`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

CONTROL_DIR = ".control"
SOCKET_NAME = "send.sock"
# Longest request line taken (a message is at most MAX_MESSAGE characters).
MAX_REQUEST = 1 << 20
MAX_MESSAGE = 64 * 1024
_ADDRESS_LIMIT = 100  # (sun_path holds 108 bytes with its terminator; keep a margin)

Handler = Callable[[dict[str, Any]], dict[str, Any]]


class ControlError(Exception):
    """The session cannot be reached; `str(exc)` is one line for the user."""


def socket_path(session_dir: Path) -> Path:
    return session_dir / CONTROL_DIR / SOCKET_NAME


@contextlib.contextmanager
def _address(path: Path) -> Iterator[str]:
    """A socket address for PATH, short enough for sun_path."""
    text = str(path)
    if len(text.encode()) < _ADDRESS_LIMIT:
        yield text
        return
    fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        yield f"/proc/self/fd/{fd}/{path.name}"
    finally:
        os.close(fd)


def _peer_uid(sock: socket.socket) -> int | None:
    try:
        data = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    except (OSError, AttributeError):
        return None
    _pid, uid, _gid = struct.unpack("3i", data)
    return int(uid)


class ControlServer:
    """Serves the requests of `swarmtui send` to one session while it runs."""

    def __init__(self, session_dir: Path, handle: Handler) -> None:
        self.path = socket_path(session_dir)
        self._handle = handle
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        folder = self.path.parent
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)  # (whatever the umask made of it)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # a dead run's socket
        with _address(self.path) as address:
            self._server = await asyncio.start_unix_server(
                self._serve, path=address, limit=MAX_REQUEST
            )
        os.chmod(self.path, 0o600)

    async def close(self) -> None:
        """Take no more requests: the socket and its folder go."""
        if self._server is not None:
            self._server.close()
            self._server = None
        with contextlib.suppress(OSError):
            self.path.unlink()
        with contextlib.suppress(OSError):
            self.path.parent.rmdir()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            sock = writer.get_extra_info("socket")
            uid = _peer_uid(sock) if isinstance(sock, socket.socket) else None
            if uid is not None and uid != os.getuid():
                reply: dict[str, Any] = {"ok": False, "error": "not the session's owner"}
            else:
                reply = self._answer(await reader.readline())
            writer.write(json.dumps(reply).encode() + b"\n")
            await writer.drain()
        except (ConnectionError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            writer.close()

    def _answer(self, line: bytes) -> dict[str, Any]:
        try:
            request = json.loads(line)
        except ValueError:
            return {"ok": False, "error": "the request is not JSON"}
        if not isinstance(request, dict):
            return {"ok": False, "error": "the request is not a JSON object"}
        try:
            return self._handle(request)
        except Exception as exc:  # a bug must not take the session down
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


async def request(session_dir: Path, payload: dict[str, Any], timeout: float = 10.0) -> Any:
    """Send PAYLOAD to the session running in SESSION_DIR; its answer (`ControlError`)."""
    path = socket_path(session_dir)
    if not path.exists():
        raise ControlError(f"{session_dir.name} is not running (no control socket)")
    try:
        with _address(path) as address:
            reader, writer = await asyncio.wait_for(
                asyncio.open_unix_connection(address, limit=MAX_REQUEST), timeout
            )
    except (ConnectionRefusedError, FileNotFoundError):
        raise ControlError(f"{session_dir.name} is not running (its socket is stale)") from None
    except PermissionError:
        raise ControlError(f"{session_dir.name}: permission denied (not your session)") from None
    except (OSError, TimeoutError) as exc:
        raise ControlError(f"{session_dir.name}: cannot connect ({exc})") from None
    try:
        writer.write(json.dumps(payload).encode() + b"\n")
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), timeout)
    except (OSError, TimeoutError) as exc:
        raise ControlError(f"{session_dir.name}: no answer ({exc or 'timed out'})") from None
    finally:
        writer.close()
    try:
        return json.loads(line)
    except ValueError:
        raise ControlError(f"{session_dir.name}: the session answered nothing readable") from None
