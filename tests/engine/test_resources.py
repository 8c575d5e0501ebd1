"""Issue 11.8: hundreds of command agents with no max_parallel run within the open-file limit
(real processes; the limit is lowered for the swarmtui process under test)."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

from swarmtui.engine.limits import AGENTS_PER_CPU, FILES_KEPT, FILES_PER_AGENT, default_parallel

AGENTS = 400
CLI = [sys.executable, "-m", "swarmtui"]
OPTIONS = ["--backend", "command", "--command", "echo ok", "--sessions-dir"]


def _batch(folder: Path) -> Path:
    lines = ["[Single Message - Many]:"]
    lines += [f'Task("Agent {i}", "Say ok.", "coder")' for i in range(AGENTS)]
    path = folder / "many.swarm.js"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _run(folder: Path, soft: int, hard: int) -> subprocess.CompletedProcess[str]:
    def lower() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    return subprocess.run(
        [*CLI, "run", str(_batch(folder)), "--json", *OPTIONS, str(folder / "sessions")],
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=lower,
        cwd=folder,
    )


def test_the_default_cap_fits_a_low_open_file_limit(tmp_path: Path) -> None:
    ran = _run(tmp_path, 128, 128)
    assert ran.returncode == 0, ran.stderr[-2000:]
    summary = json.loads(ran.stdout)["summary"]
    assert summary["status"] == "completed"
    assert all(agent["status"] == "done" for agent in summary["agents"])
    assert summary["max_parallel"] == (128 - FILES_KEPT) // FILES_PER_AGENT
    assert summary["max_parallel_reason"] == "default: the open-file limit (128) allows 8"


def test_the_soft_limit_is_raised_to_the_hard_one(tmp_path: Path) -> None:
    ran = _run(tmp_path, 64, 4096)  # 64 would allow one agent at a time
    assert ran.returncode == 0, ran.stderr[-2000:]
    summary = json.loads(ran.stdout)["summary"]
    cap, reason = default_parallel(open_files=4096)
    assert (summary["max_parallel"], summary["max_parallel_reason"]) == (cap, reason)
    assert cap > 1


def test_the_default_is_the_smaller_of_cpus_and_files() -> None:
    assert default_parallel(2, 20000) == (2 * AGENTS_PER_CPU, "default: 8 per CPU (2)")
    assert default_parallel(64, 256) == (24, "default: the open-file limit (256) allows 24")
    assert default_parallel(4, 10)[0] == 1
