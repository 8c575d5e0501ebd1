"""A long line of one repeated character (a bracketed label, a comment header, a header's title)
is read in work linear in its length: the header rules once retried a long run from each of its
positions, and a 50,000-character label took half a minute (a 5,000-character comment, hours)."""

from __future__ import annotations

import json
import subprocess
import sys

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
}
out = {}
for name, line in lines.items():
    batch = parse_batch(pre + line + '\\n  Task("B", "b", "coder")\\n')
    out[name] = [t.name for t in batch.tasks()]
print(json.dumps(out))
"""


def test_long_runs_in_header_like_lines_parse_in_linear_work() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PARSE, str(N)], capture_output=True, text=True, timeout=LIMIT_S
    )
    assert done.returncode == 0, done.stderr
    tasks = json.loads(done.stdout)
    assert len(tasks) == 9
    # Nothing around the long line is lost.
    assert all(names[0] == "A" for names in tasks.values()), tasks
    assert all("B" in names for names in tasks.values()), tasks
