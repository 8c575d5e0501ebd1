"""Issue 11.4: a full disk is a failure with its reason, never a success, and never harms
another session.

The disk is real: a tmpfs of a few hundred KiB mounted in a mount namespace of this test's own
(unshare, util-linux; a user namespace makes that possible without root). In it: a finished
session, then a run whose agents print far more than fits. Everything that must be checked is
read inside the namespace (the tmpfs goes away with it) and written to files outside."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from swarmtui import locations

ROOT = Path(__file__).resolve().parents[2]
CLI = " ".join([sys.executable, "-m", "swarmtui"])
EXAMPLE = locations.builtin_examples_dir() / "waits.swarm.js"
# 12 agents printing 40 KB each: about 0.5 MB of events and logs, on a 320 KiB disk.
BATCH = "\n".join(
    ["[Single Message - Fill the disk]:"]
    + [f'Task("Writer {i}", "Print a lot.", "coder")' for i in range(12)]
)
PRINT_A_LOT = "head -c 40000 /dev/zero | tr '\\0' x"

NAMESPACE = ["unshare", "--mount", "--map-root-user", "--propagation", "private"]
SCRIPT = """
set -u
disk=$1; out=$2; batch=$3; example=$4
mount -t tmpfs -o size=320k tmpfs "$disk" || exit 90
$CLI run "$example" --json --rehearsal-seconds 0.01 --sessions-dir "$disk/s" > "$out/other.json"
other=$(ls -d "$disk"/s/session-*)
$CLI run "$batch" --json --backend command --command "$PRINT" --sessions-dir "$disk/s" \\
    > "$out/run.json" 2> "$out/run.err"
echo $? > "$out/run.status"
full=$(ls -d "$disk"/s/session-* | grep -v "^$other$")
$CLI replay "$full" --json > "$out/replay.json" 2> "$out/replay.err"
$CLI replay "$other" --json > "$out/other-after.json" 2> "$out/other.err"
$CLI sessions --sessions-dir "$disk/s" --json > "$out/sessions.json"
df -k "$disk" | tail -1 > "$out/df"
"""


def test_a_full_disk_fails_the_session_loudly_and_harms_no_other(tmp_path: Path) -> None:
    disk, out = tmp_path / "disk", tmp_path / "out"
    disk.mkdir()
    out.mkdir()
    batch = tmp_path / "fill.swarm.js"
    batch.write_text(BATCH, encoding="utf-8")
    script = SCRIPT.replace("$CLI", CLI)
    done = subprocess.run(
        [*NAMESPACE, "sh", "-c", script, "sh", str(disk), str(out), str(batch), str(EXAMPLE)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PRINT": PRINT_A_LOT},
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    status = int((out / "run.status").read_text())
    error = (out / "run.err").read_text()
    assert status == 1, error  # never 0: the recording is incomplete
    assert "cannot append events" in error and "disk is full" in error, error
    assert "the recording stops after event #" in error
    ran = (out / "run.json").read_text()
    assert ran == (out / "replay.json").read_text()  # what the run printed is what was recorded
    state = json.loads(ran)["state"]
    assert state["status"] == "failed"
    assert "disk is full" in state["reason"]
    # The other session, on the same full disk, reads exactly as before.
    assert (out / "other-after.json").read_text() == (out / "other.json").read_text()
    assert (out / "other.err").read_text() == ""
    listed = {info["path"]: info for info in json.loads((out / "sessions.json").read_text())}
    assert sorted(info["status"] for info in listed.values()) == ["completed", "failed"]


START_SCRIPT = """
set -u
disk=$1; out=$2; example=$3
mount -t tmpfs -o size=64k tmpfs "$disk" || exit 90
mkdir "$disk/s"
# Nothing left at all: not even the session's batch file can be written.
head -c 100000 /dev/zero > "$disk/fill" 2>/dev/null
$CLI run "$example" --json --rehearsal-seconds 0.01 --sessions-dir "$disk/s" \\
    > "$out/none.json" 2> "$out/none.err"
echo $? > "$out/none.status"
ls -A "$disk/s" > "$out/none.ls"
# A few KiB left: the folder and its batch fit, the event log does not.
rm "$disk/fill"
head -c 52000 /dev/zero > "$disk/fill"
$CLI run "$example" --json --rehearsal-seconds 0.01 --sessions-dir "$disk/s" \\
    > "$out/log.json" 2> "$out/log.err"
echo $? > "$out/log.status"
"""


def test_a_disk_full_at_the_start_is_one_line_naming_what_could_not_be_written(
    tmp_path: Path,
) -> None:
    disk, out = tmp_path / "disk", tmp_path / "out"
    disk.mkdir()
    out.mkdir()
    script = START_SCRIPT.replace("$CLI", CLI)
    done = subprocess.run(
        [*NAMESPACE, "sh", "-c", script, "sh", str(disk), str(out), str(EXAMPLE)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    # Nothing fits: the batch file is named, the disk said full, and no half-made session left.
    assert (out / "none.status").read_text().strip() == "1"
    [line] = (out / "none.err").read_text().splitlines()
    assert line.startswith(f"swarmtui: cannot start the session: {disk}/s/session-"), line
    assert line.endswith(
        "/batch.swarm.js: cannot be written: No space left on device (the disk is full)"
    ), line
    assert (out / "none.ls").read_text() == ""
    # The event log cannot be made: its file is named, said full, in one line (no traceback).
    assert (out / "log.status").read_text().strip() == "1"
    [line] = (out / "log.err").read_text().splitlines()
    assert line.startswith(f"swarmtui: {disk}/s/session-"), line
    assert "/session.db: cannot create the event log (" in line and "disk is full" in line, line


def _run_on_a_small_disk(tmp_path: Path, module: str) -> dict[str, Any]:
    """What MODULE (`python -m MODULE DISK OUT`, in this test's mount namespace, on a tmpfs of
    256 KiB at DISK) wrote to OUT as JSON."""
    disk, out = tmp_path / "disk", tmp_path / "out.json"
    disk.mkdir()
    script = f'mount -t tmpfs -o size=256k tmpfs "$1" || exit 90; exec "$3" -m {module} "$1" "$2"'
    done = subprocess.run(
        [*NAMESPACE, "sh", "-c", script, "sh", str(disk), str(out), sys.executable],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def test_the_reserve_records_the_end_while_this_process_writes_to_the_full_disk(
    tmp_path: Path,
) -> None:
    """The space the failed log frees is spent on recording the end, not on an agent's log
    written at the same moment (the replay said `interrupted` when a log took it first)."""
    result = _run_on_a_small_disk(tmp_path, "tests.store.full_disk_race")
    assert "cannot append events" in result["error"] and "disk is full" in result["error"]
    assert result["status"] == "failed", result
    assert result["reason"] == result["error"]


def test_a_disk_filled_as_the_log_starts_is_recorded_in_the_reserve(tmp_path: Path) -> None:
    """The session's first Write can fill the disk while the log's thread makes its database:
    the reserve it took is there for that, whichever file SQLite fails to make (once, it failed
    the making of its shared-memory file as a disk I/O error, and the recording failed)."""
    result = _run_on_a_small_disk(tmp_path, "tests.store.full_disk_start")
    assert result == {"error": None, "status": "completed", "events": 2, "end": None}
