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

import pytest

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


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_the_bytes_document_keeps_the_same_tree_as_textuals_through_edits(newline: str) -> None:
    import tree_sitter_javascript
    from textual.document._syntax_aware_document import SyntaxAwareDocument
    from tree_sitter import Language

    from swarmtui.ui.widgets.syntax_document import BytesSyntaxDocument

    language = Language(tree_sitter_javascript.language())
    text = newline.join(['Task("A", "é x", "coder")', '  Bash("ls")', "const t = [1]", ""])
    textuals, ours = SyntaxAwareDocument(text, language), BytesSyntaxDocument(text, language)
    edits = [
        ((0, 6), (0, 7), "Bé"),
        ((1, 2), (1, 2), 'Write("a", "b")' + newline),
        ((2, 0), (3, 0), ""),
        ((0, 0), (0, 0), "// hé" + newline),
    ]
    for start, end, inserted in edits:
        textuals.replace_range(start, end, inserted)
        ours.replace_range(start, end, inserted)
        expected, got = textuals._syntax_tree.root_node, ours._syntax_tree.root_node
        assert str(got) == str(expected)
        assert [(n.start_point, n.end_point) for n in got.children] == [
            (n.start_point, n.end_point) for n in expected.children
        ]
    # The edited tree is the one a fresh parse of the text gives.
    fresh = BytesSyntaxDocument(ours.text, language)
    assert str(fresh._syntax_tree.root_node) == str(ours._syntax_tree.root_node)
