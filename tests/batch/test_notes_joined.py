"""A pasted file's prose is said once per run of lines, not once per line, where people read it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from swarmtui.batch import parse_batch
from swarmtui.batch.diagnostics import joined_notes

PASTED = (
    "# Title\n"  # 1
    "\n"
    "Some prose here.\n"  # 3
    "More prose.\n"  # 4
    "\n"
    "```javascript\n"  # 6
    'Task("A", "Do it.", "coder")\n'  # 7
    "```\n"  # 8
    "A last line.\n"  # 9
    "[Wait for completion]\n"  # 10
    "Closing words.\n"  # 11
)


def _seen(text: str) -> list[tuple[int, int, str, str]]:
    batch = parse_batch(text, source_name="pasted.md")
    return [(d.line, d.end_line, d.code, d.message) for d in joined_notes(batch.diagnostics, text)]


def test_prose_lines_with_only_blank_lines_between_are_one_note() -> None:
    assert _seen(PASTED) == [
        (1, 6, "SW015", "4 of lines 1–6 are not operations, kept as notes: # Title …"),
        (8, 9, "SW015", "lines 8–9 are not operations, kept as notes: ``` …"),
        (10, 10, "SW015", "[Wait for completion]: starts a new message"),
        (11, 11, "SW015", "not an operation, kept as a note: Closing words."),
    ]


def test_a_run_ends_at_code_and_at_other_diagnostics() -> None:
    text = 'Prose one.\nProse two.\nTask("A", "Do it.", "nope-type")\nProse three.\n'
    codes = [(line, code) for line, _, code, _ in _seen(text)]
    assert codes == [(1, "SW015"), (3, "SW009"), (4, "SW015")]


def test_lint_says_a_run_once_and_json_keeps_every_line(tmp_path: Path) -> None:
    path = tmp_path / "pasted.md"
    path.write_text("".join(f"Prose line {i}.\n" for i in range(300)) + 'Task("A", "Go.")\n')
    lint = [sys.executable, "-m", "swarmtui", "lint", str(path)]
    text = subprocess.run(lint, capture_output=True, text=True, timeout=120)
    assert text.returncode == 0, text.stdout
    assert text.stdout.splitlines() == [
        f"{path}:1:1: SW015 lines 1–300 are not operations, kept as notes: Prose line 0. …"
    ]
    as_json = subprocess.run(
        [*lint, "--format", "json"], capture_output=True, text=True, timeout=120
    )
    [result] = json.loads(as_json.stdout)
    assert [d["line"] for d in result["diagnostics"]] == list(range(1, 301))
