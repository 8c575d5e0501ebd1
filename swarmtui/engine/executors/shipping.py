"""The files of an agent that runs on another machine: what goes with it, what comes back.

An attempt on a worker runs in a scratch folder of its own laid out as the session folder: the
session's files go with the job (`collect_inputs`, size-capped; the session's own records and
the agents' logs stay home, and so do files that agents running beside it brought back), and
after the run the files it created or changed come back with
its result (`changed_files`, size-capped), to be written through the fence into the session
folder (`write_back`). Paths in what the agent reads and says are moved between the two folders
(`Relocation`), so its prompt names the folder it works in and its output the session's.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from swarmtui.engine.fence import open_regular, write_fenced
from swarmtui.engine.folders import ARTIFACT_DIRS

MIB = 1024 * 1024
# Never shipped nor written back: the session's own records, the agents' output logs.
_LOGS = "artifacts/logs/"


class ShipError(Exception):
    """The session's files cannot go with the job (one line: why)."""


def is_record(relative: str) -> bool:
    """Whether RELATIVE is one of the session's own records (its event log, the batch as run,
    its control socket), which no agent's files may replace."""
    return "/" not in relative and (
        relative.startswith("session.") or relative in ("batch.swarm.js", ".control")
    )


def _files(folder: Path) -> Iterator[tuple[str, os.stat_result]]:
    """Every plain file under FOLDER (relative path, stat), links and special files left out."""
    stack = [("", str(folder))]
    while stack:
        prefix, path = stack.pop()
        try:
            entries = list(os.scandir(path))
        except OSError:
            continue
        for entry in entries:
            relative = prefix + entry.name
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                stack.append((relative + "/", entry.path))
            elif stat.S_ISREG(info.st_mode):
                yield relative, info


def _read(path: Path) -> bytes:
    fd = open_regular(path)  # (never waits on a planted FIFO)
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


@dataclass
class InputCache:
    """Contents of the session's files already read, by (path, size, mtime): the files of a
    session are shipped with every agent, but read once each while unchanged."""

    _seen: dict[str, tuple[int, int, bytes]] = field(default_factory=dict)

    def read(self, session_dir: Path, relative: str, info: os.stat_result) -> bytes:
        known = self._seen.get(relative)
        if known is not None and known[:2] == (info.st_size, info.st_mtime_ns):
            return known[2]
        data = _read(session_dir / relative)
        self._seen[relative] = (info.st_size, info.st_mtime_ns, data)
        return data


def collect_inputs(
    session_dir: Path, cache: InputCache, limit: int, wanted: Callable[[str], bool]
) -> dict[str, bytes]:
    """The session's work files that WANTED keeps (relative path -> bytes); `ShipError` past
    LIMIT bytes."""
    found: dict[str, bytes] = {}
    total = 0
    for relative, info in _files(session_dir):
        if is_record(relative) or relative.startswith(_LOGS) or not wanted(relative):
            continue
        total += info.st_size
        if total > limit:
            raise ShipError(
                f"the session's files are over [executor] ship_limit_mb = {limit / MIB:g} "
                "(--shared-fs where the workers see the session folder)"
            )
        try:
            found[relative] = cache.read(session_dir, relative, info)
        except OSError:
            continue  # (gone or replaced meanwhile: not an input any more)
    return found


Manifest = dict[str, tuple[int, int]]  # relative path -> (size, mtime_ns) as laid out


def unpack(folder: Path, files: dict[str, bytes]) -> Manifest:
    """Lay FILES out in FOLDER (a fresh scratch folder) as in the session folder."""
    for name in ARTIFACT_DIRS:
        (folder / "artifacts" / name).mkdir(parents=True, exist_ok=True)
    for relative, data in files.items():
        write_fenced(folder, relative, data)
    return {relative: (info.st_size, info.st_mtime_ns) for relative, info in _files(folder)}


@dataclass
class Changes:
    """Files the agent created or changed, and those held back by the size cap."""

    returned: dict[str, bytes] = field(default_factory=dict)
    held_back: list[tuple[str, int]] = field(default_factory=list)  # (path, bytes)


def changed_files(folder: Path, manifest: Manifest, first: list[str], limit: int) -> Changes:
    """What changed in FOLDER since MANIFEST, the files in FIRST (the runner's own) first,
    up to LIMIT bytes in all."""
    changes = Changes()
    changed = {
        relative: info.st_size
        for relative, info in _files(folder)
        if manifest.get(relative) != (info.st_size, info.st_mtime_ns) and not is_record(relative)
    }
    order = [r for r in first if r in changed] + sorted(set(changed) - set(first))
    total = 0
    for relative in order:
        size = changed[relative]
        if total + size > limit:
            changes.held_back.append((relative, size))
            continue
        try:
            changes.returned[relative] = _read(folder / relative)
        except OSError:
            continue
        total += size
    return changes


def write_back(session_dir: Path, returned: dict[str, bytes]) -> dict[str, int | OSError]:
    """Write each returned file through the fence; its size, or why it was refused."""
    written: dict[str, int | OSError] = {}
    for relative, data in returned.items():
        if is_record(relative):
            written[relative] = PermissionError(f"{relative}: one of the session's records")
            continue
        try:
            written[relative] = write_fenced(session_dir, relative, data)
        except OSError as exc:
            written[relative] = exc
    return written


@dataclass(frozen=True)
class Relocation:
    """Moves paths in text from one folder to another (the session's to a scratch folder)."""

    source: str
    target: str

    @classmethod
    def between(cls, source: Path, target: Path) -> Relocation:
        return cls(str(source), str(target))

    @property
    def back(self) -> Relocation:
        return Relocation(self.target, self.source)

    def text(self, value: str) -> str:
        if self.source == self.target or self.source not in value:
            return value
        return value.replace(self.source, self.target)

    def value(self, value: Any) -> Any:
        """VALUE with every string in it (JSON-like: dicts, lists) moved."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.value(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(item) for item in value]
        return value
