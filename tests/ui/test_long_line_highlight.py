"""Highlighting a very long line never crashes the interpreter (it used to, intermittently).

Textual's document gave tree-sitter a read callback; the highlight query's predicates read node
text back through it, and py-tree-sitter 0.26 reads a chunk after releasing it. A chunk over
the C library's mmap threshold is unmapped at once: a segfault. `MALLOC_MMAP_THRESHOLD_` fixes
glibc's threshold (it otherwise moves as memory is freed, which made the crash intermittent),
so the run below crashed every time before the editor parsed from bytes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_editor_highlights_and_edits_a_150_kb_line_without_crashing() -> None:
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"}
    proc = subprocess.run(
        [sys.executable, "-m", "tests.ui.long_line_editor"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    kind, before, after = proc.stdout.split()
    assert kind == "BytesSyntaxDocument"
    # Highlighted before and after the edit, and the edit's call is highlighted too.
    assert int(before) > 0 and int(after) > int(before)
