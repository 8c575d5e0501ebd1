"""A long line of one repeated character (a bracketed label, a comment header, a header's title)
is read in work linear in its length: the header rules once retried a long run from each of its
positions, and a 50,000-character label took half a minute (a 5,000-character comment, hours).
So is a line of Markdown images left open (`[![a](![a](…`), and a long MCP-like
name (`mcp__a__a__a…`): each `__` was once tried as the end of the server's name, and a
20,000-character one took seconds."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

# Each line is 200,000 characters: read in linear work, all take well under a second; read as
# before, the fastest of them takes several minutes, far beyond the generous limit below.
N = 200_000
LIMIT_S = 120

_PARSE = """
import json, sys
from swarmtui.batch import parse_batch
pre = '[BatchTool]:\\n  Task("A", "a", "coder")\\n'
n = int(sys.argv[1])
lines = {
    "called, colon": "[" + "a" * n + "]:",
    "underscores": "[" + "_" * n + "]",
    "no colon": "[" + "x" * n + "]",
    "in an array": "xs = [\\n[" + "y" * n + "]\\n]",
    "blanks after ]": "[a]" + " " * n + "x",
    "blanks in a comment header": "// Message 2: a" + " " * n + "b",
    "blanks in a label": "[Message" + " " * n + "x]:",
    "punctuation in a label": "[Message - " + "!" * n + "x]:",
    "blanks after Message N": "Message 2" + " " * n + "x",
    "images unclosed": "[" + "![a](" * (n // 5),
    "a rule, then text": "-" * n + "x",
}
out = {}
for name, line in lines.items():
    batch = parse_batch(pre + line + '\\n  Task("B", "b", "coder")\\n')
    out[name] = [t.name for t in batch.tasks()]
print(json.dumps(out))
"""


def _parsed_in_a_child(program: str) -> Any:
    """What PROGRAM prints (JSON) for lines of N characters, in a process of its own: quadratic
    work would take minutes there and fail the time limit, without holding up the others."""
    done = subprocess.run(
        [sys.executable, "-c", program, str(N)], capture_output=True, text=True, timeout=LIMIT_S
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_long_runs_in_header_like_lines_parse_in_linear_work() -> None:
    tasks = _parsed_in_a_child(_PARSE)
    assert len(tasks) == 11
    # Nothing around the long line is lost.
    assert all(names[0] == "A" for names in tasks.values()), tasks
    assert all("B" in names for names in tasks.values()), tasks


_PARSE_MCP = """
import json, sys
from swarmtui.batch import parse_batch
n = int(sys.argv[1])
k = n // 3
lines = {
    "called": "mcp__" + "a__" * k + "x()",
    "called, a space before (": "mcp__" + "a__" * k + "x ()",
    "bare": "mcp__" + "a__" * k + "x",
    "after a list marker": "- mcp__" + "a__" * k + "x",
    "assigned": "x = mcp__" + "a__" * k + "x",
    "mcp__ repeated": "mcp__" * (n // 5),
    "mcp__ repeated, then a dash": "mcp__" * (n // 5) + "-",
    "mcp__- repeated": "mcp__-" * (n // 6),
    "dashed server": "mcp__" + "a-a__" * (n // 5),
    "inside a call": "foo(mcp__" + "a__" * k + "x)",
    "a flow tool after a long word": "x = " + "a" * n + " agent_spawn",
}
out = {}
for name, line in lines.items():
    batch = parse_batch('Task("A", "a", "coder")\\n' + line + '\\nTask("B", "b", "coder")\\n')
    ops = batch.operations()
    middle = [(op.kind, len(getattr(op, "tool", ""))) for op in ops[1:-1]]
    out[name] = {"tasks": [t.name for t in batch.tasks()], "middle": middle}
print(json.dumps(out))
"""


def test_long_mcp_like_names_parse_in_linear_work() -> None:
    read = _parsed_in_a_child(_PARSE_MCP)
    assert len(read) == 11
    assert all(r["tasks"] == ["A", "B"] for r in read.values()), read
    k = N // 3
    whole = len("mcp__" + "a__" * k + "x")
    # A name called, or written alone on its line, is a tool call of that whole name.
    for shape in ("called", "called, a space before (", "bare", "after a list marker"):
        assert read[shape]["middle"] == [["tool", whole]], (shape, read[shape])
    assert read["mcp__ repeated"]["middle"] == [["tool", len("mcp__" * (N // 5))]]
    # Anything else is prose kept as a note (or, inside an unknown call, that call).
    for shape in ("assigned", "mcp__ repeated, then a dash", "mcp__- repeated", "dashed server"):
        assert read[shape]["middle"] == [["note", 0]], (shape, read[shape])
    assert read["inside a call"]["middle"] == [["note", 0]]
    assert read["a flow tool after a long word"]["middle"] == [["note", 0]]
