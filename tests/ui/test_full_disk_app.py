"""Issue 11.4 in the app: when the disk is full — the event log cannot be appended, an
artifact cannot be written, or nothing at all can — the app says so (a toast naming what
failed) and the user's batch is kept as it was in the editor.

The disk is real: a tmpfs of 1 MiB mounted in a mount namespace of this test's own (unshare,
util-linux; a user namespace makes that possible without root), where `full_disk_app` runs the
app with its sessions on it and writes what the user saw to a file outside."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NAMESPACE = ["unshare", "--mount", "--map-root-user", "--propagation", "private"]
SCRIPT = (
    'mount -t tmpfs -o size=1m tmpfs "$1" || exit 90; '
    'exec "$4" -X faulthandler -m tests.ui.full_disk_app "$1/s" "$2" "$3"'
)


def run_on_a_full_disk(tmp_path: Path, case: str) -> dict[str, Any]:
    disk, out = tmp_path / "disk", tmp_path / f"{case}.json"
    disk.mkdir()
    done = subprocess.run(
        [*NAMESPACE, "sh", "-c", SCRIPT, "sh", str(disk), str(out), case, sys.executable],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "SWARMTUI_CONFIG_DIR": str(tmp_path / "config")},
    )
    # (-X faulthandler: a crash, at any point, says where in its standard error)
    wrote = "after writing what it saw" if out.exists() else "before writing what it saw"
    assert done.returncode == 0, f"exit {done.returncode} {wrote}: {done.stderr}"
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def errors(result: dict[str, Any]) -> list[str]:
    return [toast["message"] for toast in result["toasts"] if toast["severity"] == "error"]


@pytest.mark.parametrize("case", ["log", "artifact", "full"])
def test_a_full_disk_is_said_and_the_batch_kept(tmp_path: Path, case: str) -> None:
    result = run_on_a_full_disk(tmp_path, case)
    assert result["editor"] == result["batch"]  # the user's text, untouched
    said = errors(result)
    if case == "log":
        assert result["status"] == "failed"
        [recording] = [m for m in said if m.startswith("The session's recording failed: ")]
        assert "session.db: cannot append events" in recording and "disk is full" in recording
        assert "the recording stops after event #" in recording
        assert "· failed ·" in result["status_bar"]
    elif case == "artifact":
        assert result["status"] == "failed"
        # (the session's reason names the operation and why: the engine's words)
        assert len(said) == 1, said  # (what else was said, when something was)
        [ended] = said
        assert ended.startswith("Session failed: ") and "docs/big.md" in ended, ended
        assert ended.endswith("not written (No space left on device)"), ended
        # What was written of it was given back, so the log could record why.
        assert result["artifact_bytes"] == [0]
    else:
        # (where: the one file the session could not write, in its new folder)
        [stopped] = said
        assert stopped.startswith("The session stopped with an error: OSError: "), stopped
        assert "cannot start the session: " in stopped and "/s/session-" in stopped, stopped
        assert stopped.endswith(
            "/batch.swarm.js: cannot be written: No space left on device (the disk is full). "
            "Your batch is unchanged."
        ), stopped
