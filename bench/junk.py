"""Benchmark: `swarmtui lint` of 10 MB of junk, against the lint of a real large batch measured in
the same run.

    python bench/junk.py [--json] [--mb N]

Each file is linted by the whole CLI in a fresh process; the figures are that process's CPU time
(user + system, so other work on a shared machine does not count) and its peak memory. The junk
is random printable characters with a line break now and then (what tree-sitter's error recovery
is slowest on) and a soup of batch words and brackets. The baseline is bench/parse.py's batch of
2,000 agents. Goal: junk costs at most the parse budget (`swarmtui.batch.parser.PARSE_SECONDS`)
plus 3 s of CPU, and at most 400 MB (tree-sitter's memory grows with what it reads in its time).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from parse import generate  # (bench/parse.py, beside this file)

from swarmtui.batch.parser import PARSE_SECONDS

GOAL_EXTRA_CPU_S = 3.0
GOAL_PEAK_MB = 400
_WORDS = ["Task", "Bash", "Write", "memory", "agent", "wait", "for", "store", "foo", "bar"]
_WORDS += [*'(){}[],:"', "\n", " "]


def printable_junk(size: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    alphabet = [chr(c) for c in range(32, 127)] * 2 + ["\n"]
    return "".join(rng.choices(alphabet, k=size))


def word_junk(size: int, seed: int = 2) -> str:
    rng = random.Random(seed)
    out: list[str] = []
    length = 0
    while length < size:
        word = rng.choice(_WORDS)
        out.append(word)
        length += len(word)
    return "".join(out)[:size]


def lint_cost(path: Path) -> dict[str, float]:
    """CPU seconds and peak MB of `swarmtui lint PATH` in a fresh process."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "swarmtui", "lint", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        assert proc.stderr is not None
        raise SystemExit(f"lint {path.name} failed: {proc.stderr.read().decode()[-300:]}")
    return {
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_mb": round(usage.ru_maxrss / 1024, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--mb", type=float, default=10.0, help="size of each junk file")
    args = parser.parse_args(argv)
    size = int(args.mb * 1024 * 1024)
    files = {
        "baseline: 2,000 agents": generate(),
        f"{args.mb:g} MB printable junk": printable_junk(size),
        f"{args.mb:g} MB word soup": word_junk(size),
    }
    result: dict[str, object] = {"parse_seconds": PARSE_SECONDS}
    figures: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        warm_up = Path(tmp) / "warm-up.swarm.js"  # (bytecode caches written, files cached)
        warm_up.write_text('Task("A", "Do a.", "coder")\n', encoding="utf-8")
        lint_cost(warm_up)
        for name, text in files.items():
            path = Path(tmp) / "batch.swarm.js"
            path.write_text(text, encoding="utf-8")
            figures[name] = {"bytes": len(text.encode("utf-8")), **lint_cost(path)}
    result["files"] = figures
    junk = [f for name, f in figures.items() if "junk" in name or "soup" in name]
    result["goal"] = {"cpu_s_max": PARSE_SECONDS + GOAL_EXTRA_CPU_S, "peak_mb_max": GOAL_PEAK_MB}
    result["goal_met"] = all(
        f["cpu_s"] <= PARSE_SECONDS + GOAL_EXTRA_CPU_S and f["peak_mb"] <= GOAL_PEAK_MB
        for f in junk
    )
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    for name, f in figures.items():
        cost = f"cpu {f['cpu_s']:6.2f} s  peak {f['peak_mb']:6.1f} MB"
        print(f"  {name:28} {f['bytes']:>10,} B  {cost}")
    goal = f"(junk ≤ {PARSE_SECONDS + GOAL_EXTRA_CPU_S:g} s of CPU, ≤ {GOAL_PEAK_MB} MB)"
    print(f"  goal {goal}:", "met" if result["goal_met"] else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
