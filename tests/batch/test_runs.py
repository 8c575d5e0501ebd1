"""What a run makes of what the parser could not or would not run, through the real CLI: tools
recorded without running never fail a session; what was not understood always does, and a batch
with nothing to run never passes for a session that completed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import run_headless

CLI = [sys.executable, "-m", "swarmtui"]


def test_recorded_tools_do_not_fail_the_session(tmp_path: Path) -> None:
    code, out = run_headless(
        tmp_path,
        'Task("Fixer", "Find the bug in src/app.js and fix it.", "coder")\n'
        'Read("src/app.js")\n'
        'mcp__claude-flow__task_orchestrate { task: "Fix the app" }\n'
        'mcp__github__create_issue({ title: "App crashes" })\n',
    )
    assert code == 0
    assert out["summary"]["status"] == "completed"
    assert [a["status"] for a in out["summary"]["agents"]] == ["done"]
    skipped = out["state"]["skipped"]
    assert [(s["op"], s["kind"]) for s in skipped] == [(1, "tool"), (2, "tool"), (3, "tool")]
    assert "work the agents do themselves" in skipped[0]["reason"]
    assert "MCP server 'github'" in skipped[2]["reason"]


def test_an_operation_that_was_not_understood_fails_the_session(tmp_path: Path) -> None:
    code, out = run_headless(tmp_path, 'Task("A", "Do a.", "coder")\nDeploy("prod")\n')
    assert code == 1
    assert out["summary"]["status"] == "failed"
    (skipped,) = out["state"]["skipped"]
    assert skipped["kind"] == "note" and "unknown operation `Deploy`" in skipped["reason"]


def _refused(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    batch = tmp_path / "batch.swarm.js"
    batch.write_text(text, encoding="utf-8")
    return subprocess.run(
        [*CLI, "run", str(batch), "--headless", "--sessions-dir", str(tmp_path / "sessions")],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_batch_with_nothing_to_run_makes_no_session(tmp_path: Path) -> None:
    cases = {
        "recorded tools only": 'Read("src/app.js")\nGrep({ pattern: "TODO" })\n',
        "empty": "",
        "blank": "  \n\t\n",
        "a note": "hello world\n",
        "a syntax error": "foo(\n",
    }
    for what, text in cases.items():
        done = _refused(tmp_path, text)
        assert done.returncode == 1, what
        assert done.stdout == "", what
        lines = done.stderr.splitlines()
        # The errors as `swarmtui lint` prints them, then one line: no session.
        code = "SW001" if what == "a syntax error" else "SW021"
        assert f"batch.swarm.js:1:1: {code} " in lines[0], what
        assert lines[-1].endswith("nothing in this batch can run; no session was made"), what
        sessions = tmp_path / "sessions"
        assert not sessions.exists() or not any(sessions.iterdir()), what


def test_json_run_of_nothing_prints_no_document(tmp_path: Path) -> None:
    batch = tmp_path / "batch.swarm.js"
    batch.write_text("", encoding="utf-8")
    done = subprocess.run(
        [*CLI, "run", str(batch), "--json", "--sessions-dir", str(tmp_path / "sessions")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert "SW021 nothing in this batch can run: it is empty" in done.stderr


def test_a_failed_run_says_why_and_lists_what_did_notrun_headless(tmp_path: Path) -> None:
    text = (
        'Task("A", "Do a.", "coder")\n'
        'Write("app/package.json", packageJson)\n'
        'Write("docs/notes.md", "kept out")\n'
    )
    batch = tmp_path / "batch.swarm.js"
    batch.write_text(text, encoding="utf-8")
    common = [
        *CLI, "run", str(batch), "--headless", "--rehearsal-seconds", "0.01",
        "--sessions-dir", str(tmp_path / "sessions"), "--deny", "Write(docs/**)",
    ]  # fmt: skip
    done = subprocess.run(common, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith("failed: ")
    assert (
        "reason: write op 1 (app/package.json) not run: SW002: packageJson is not defined "
        "(and 1 more)" in lines
    )
    assert "write op 1 (app/package.json) -> not run: SW002: packageJson is not defined" in lines
    refused = [line for line in lines if line.startswith("write op 2 (docs/notes.md) -> not run: ")]
    assert refused and "Write(docs/**)" in refused[0], lines
    code, out = run_headless(tmp_path, text)  # (no rule refuses docs/ here: only the SW002 write)
    assert code == 1
    assert out["summary"]["reason"] == (
        "write op 1 (app/package.json) not run: SW002: packageJson is not defined"
    )
    assert out["summary"]["skipped"] == [
        {
            "op": 1,
            "kind": "write",
            "subject": "app/package.json",
            "reason": "SW002: packageJson is not defined",
        }
    ]
