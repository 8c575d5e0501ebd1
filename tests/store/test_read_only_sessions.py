"""Issue 11.5 and 11.10: a finished session on a read-only folder or mount reads as it was
recorded (replay, sessions, diff, export), and reading creates or changes nothing there; a
database that holds nothing says why instead of calling itself foreign.

Root ignores file modes, so the chmod'd cases run swarmtui without CAP_DAC_OVERRIDE (setpriv,
util-linux) when the tests run as root; the mount case bind-mounts the sessions folder
read-only in a mount namespace of its own (unshare, util-linux), where even root cannot write."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from swarmtui import locations

CLI = [sys.executable, "-m", "swarmtui"]
EXAMPLE = locations.builtin_examples_dir() / "waits.swarm.js"


def _unprivileged() -> list[str]:
    """A prefix that makes file modes apply to this process's children, root or not."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]


def _swarmtui(*args: str, prefix: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*(prefix if prefix is not None else _unprivileged()), *CLI, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A finished session (as the writer leaves it: WAL and index beside the database) and
    the JSON its run printed."""
    sessions = tmp_path_factory.mktemp("recorded") / "sessions"
    ran = _swarmtui(
        "run",
        str(EXAMPLE),
        "--json",
        "--rehearsal-seconds",
        "0.01",
        "--sessions-dir",
        str(sessions),
        prefix=[],
    )
    assert ran.returncode == 0, ran.stderr
    folder = Path(json.loads(ran.stdout)["summary"]["path"])
    return folder, ran.stdout


# Rewrites the database at argv[1] from argv[2] with every row in its write-ahead log, then
# dies as a killed writer would: the WAL and its -shm index stay beside the database.
_KILLED_WRITER = """
import os, sqlite3, sys
from swarmtui.store.schema import create_schema
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA wal_autocheckpoint=0")
create_schema(conn)
conn.execute("ATTACH DATABASE ? AS source", ("file:" + sys.argv[2] + "?mode=ro",))
conn.execute("BEGIN")
for table in ("session", "events", "memory"):
    conn.execute(f"INSERT INTO main.{table} SELECT * FROM source.{table}")
conn.execute("COMMIT")
os._exit(0)
"""


def _copy(folder: Path, into: Path, shape: str) -> Path:
    """The session copied under INTO/sessions, in one of the shapes a reader meets."""
    target = into / "sessions" / folder.name
    shutil.copytree(folder, target)
    db = target / "session.db"
    for name in ("session.db-wal", "session.db-shm"):
        (target / name).unlink(missing_ok=True)
    # (uri: the copy is read as it is, whatever the writer left beside the original)
    source = sqlite3.connect(f"file:{folder / 'session.db'}?mode=ro", uri=True)
    conn = sqlite3.connect(db)
    source.backup(conn)
    source.close()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for name in ("session.db-wal", "session.db-shm"):
        (target / name).unlink(missing_ok=True)
    if shape == "checkpointed":  # closed cleanly: everything in the database file
        return target
    original = target / "recorded.db"
    db.rename(original)
    subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(db), str(original)], check=True)
    original.unlink()
    assert (target / "session.db-wal").stat().st_size > 0
    if shape == "no-index":  # a WAL without its -shm index (copied without it)
        (target / "session.db-shm").unlink()
    return target


@contextmanager
def _read_only(root: Path) -> Iterator[None]:
    modes = {p: p.stat().st_mode for p in [root, *root.rglob("*")]}
    for path, mode in modes.items():
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        yield
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


def _listing(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")
    }


@pytest.mark.parametrize("shape", ["killed-writer", "checkpointed", "no-index"])
def test_a_read_only_folder_reads_as_recorded(
    recorded: tuple[Path, str], tmp_path: Path, shape: str
) -> None:
    folder, printed = recorded
    session = _copy(folder, tmp_path, shape)
    sessions = session.parent
    before = _listing(sessions)
    with _read_only(sessions.parent):
        probe = _swarmtui("export", str(session))  # (and the prefix really takes root's power)
        touch = subprocess.run([*_unprivileged(), "touch", str(sessions / "x")], check=False)
        assert touch.returncode != 0
        replayed = _swarmtui("replay", str(session), "--json")
        listed = _swarmtui("sessions", "--sessions-dir", str(sessions), "--json")
        compared = _swarmtui("diff", str(session), str(session), "--json")
    assert probe.returncode == 0, probe.stderr
    assert len(probe.stdout.splitlines()) == json.loads(printed)["state"]["seq"]
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout == printed.replace(str(folder), str(session))
    assert listed.returncode == 0, listed.stderr
    [info] = json.loads(listed.stdout)
    assert (info["status"], info["error"]) == ("completed", None)
    assert compared.returncode == 0, compared.stderr
    assert _listing(sessions) == before  # nothing created or changed beside the database


@pytest.mark.parametrize("shape", ["killed-writer", "checkpointed"])
def test_a_read_only_mount_reads_as_recorded(
    recorded: tuple[Path, str], tmp_path: Path, shape: str
) -> None:
    folder, printed = recorded
    session = _copy(folder, tmp_path, shape)
    sessions = session.parent
    script = (
        'mount --bind -o ro "$1" "$1" || exit 90\n'
        'touch "$1/probe" 2>/dev/null && exit 91\n'  # the mount must refuse writes
        'shift; exec "$@"'
    )
    inside = ["unshare", "--mount", "--map-root-user", "--propagation", "private"]
    for args in (
        ["replay", str(session), "--json"],
        ["sessions", "--sessions-dir", str(sessions), "--json"],
        ["diff", str(session), str(session), "--json"],
        ["export", str(session)],
    ):
        done = subprocess.run(
            [*inside, "sh", "-c", script, "sh", str(sessions), *CLI, *args],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, (args, done.returncode, done.stderr)
        if args[0] == "replay":
            assert done.stdout == printed.replace(str(folder), str(session))
        if args[0] == "sessions":
            assert json.loads(done.stdout)[0]["status"] == "completed"


def test_a_database_whose_wal_was_deleted_says_so(
    recorded: tuple[Path, str], tmp_path: Path
) -> None:
    folder, _ = recorded
    session = _copy(folder, tmp_path, "killed-writer")
    (session / "session.db-wal").unlink()
    (session / "session.db-shm").unlink()
    done = _swarmtui("replay", str(session), "--json", prefix=[])
    assert done.returncode == 2
    assert "write-ahead log (session.db-wal) is missing" in done.stderr
    assert "foreign" not in done.stderr
    assert done.stderr.count("\n") == 1
