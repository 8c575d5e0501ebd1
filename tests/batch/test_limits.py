"""Parsing is safe from several threads at once, and a small hostile text cannot make it use
unbounded memory or produce unbounded diagnostics (memory measured in a fresh process)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from typing import Any

import pytest

from swarmtui.batch import Batch, Severity
from swarmtui.batch.diagnostics import MAX_DIAGNOSTICS

from .conftest import SEED, parse
from .describe import describe

# Peak resident memory allowed for parsing each hostile text below, in MiB (it reached 2.4 GB
# for the first one before the parser bounded its diagnostics and its syntax trees).
PEAK_MIB = 400

_MEASURE = """
import json, resource, sys
from swarmtui.batch import parse_batch
texts = {
    "parentheses": ("(" * 500 + "\\n") * 2_000,  # (one line's problem is said once)
    "unclosed calls": "Bash(\\n" * 200_000,
    "broken statements": "x y\\n" * 400_000,
}
out = {}
for name, text in texts.items():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    batch = parse_batch(text)
    out[name] = {
        "kept": len(batch.diagnostics),
        "dropped": batch.diagnostics_dropped,
        "last": batch.diagnostics[-1].code,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }
    del batch
print(json.dumps(out))
"""


def test_hostile_texts_keep_memory_and_diagnostics_bounded() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    for name, seen in figures.items():
        assert seen["kept"] == MAX_DIAGNOSTICS + 1, name
        assert seen["dropped"] > 0 and seen["last"] == "SW022", name
        assert seen["peak_mib"] < PEAK_MIB, (name, seen)


def test_the_cap_keeps_errors_first_and_says_how_many_are_left_out() -> None:
    text = "Total time: 40 minutes\n" * 3000 + 'Task("A", "x" "y", "coder")\n'
    batch = parse(text)
    assert len(batch.diagnostics) == MAX_DIAGNOSTICS + 1
    assert "SW001" in [d.code for d in batch.diagnostics]
    last = batch.diagnostics[-1]
    assert last.code == "SW022" and f"{batch.diagnostics_dropped} more" in last.message


def test_parsing_from_several_threads_gives_the_same_batches() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEED.glob("*.swarm.js"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((SEED.parent / "real").glob("*.js"))]
    expected = [describe(parse(text)) for text in texts]
    results: dict[tuple[int, int], Batch] = {}
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for _ in range(3):
                for i, text in enumerate(texts):
                    results[(worker, i)] = parse(text)
        except BaseException as exc:  # (re-raised below, in the test's thread)
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for (_, i), batch in results.items():
        assert describe(batch) == expected[i]


# Random printable characters: tree-sitter's error recovery on them is slow (1 MB took 11 s).
GARBLE = "".join(chr(32 + (i * 7919) % 95) + ("\n" if i % 97 == 0 else "") for i in range(200_000))


def test_text_out_of_parse_time_is_not_read_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from swarmtui.batch import parser

    # No time at all: nothing is read (the budget is tree-sitter's CPU time; none is left).
    monkeypatch.setattr(parser, "PARSE_SECONDS", 0.0)
    batch = parse('Task("A", "Do a.", "coder")\n' + GARBLE)
    assert batch.operations() == []
    [stopped] = [d for d in batch.diagnostics if "reading stopped" in d.message]
    assert (stopped.code, stopped.severity, stopped.line, stopped.column) == (
        "SW001",
        Severity.ERROR,
        1,
        1,
    )
    lines = GARBLE.count("\n") + 2
    assert stopped.message.endswith(f"lines 1-{lines} were not read")
    assert "SW021" not in [d.code for d in batch.diagnostics]  # (the stop says why)


def test_a_parse_cut_short_leaves_the_parser_ready_for_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from swarmtui.batch import parser

    expected = describe(parse((SEED / "weekly-digest.swarm.js").read_text()))
    # A nanosecond: tree-sitter is stopped at its first progress report inside the garble.
    monkeypatch.setattr(parser, "PARSE_SECONDS", 1e-9)
    cut = parse(GARBLE)
    assert any("reading stopped" in d.message for d in cut.diagnostics)
    monkeypatch.undo()
    assert describe(parse((SEED / "weekly-digest.swarm.js").read_text())) == expected


def test_a_large_batch_is_read_whole_through_the_watched_parse() -> None:
    # Over 128 KB: read through tree-sitter's callback (which can be stopped); the text of its
    # nodes is sliced from our own bytes (such a tree crashed when asked for it).
    text = "".join(f'Task("Agent {i}", "Work on part {i}.", "coder")\n' for i in range(4000))
    assert len(text.encode()) > 128 * 1024
    batch = parse(text)
    assert [t.name for t in batch.tasks()] == [f"Agent {i}" for i in range(4000)]
    assert batch.tasks()[-1].instructions == "Work on part 3999."
    assert not batch.has_errors


# Every way the parser reads the text of a node, in names and instructions that are not ASCII:
# strings plain and escaped, templates, joins, loops over a `const`, object keys, callees,
# placeholders, syntax errors (one whose rows are read again alone).
NON_ASCII = """[Single Message - 研究 🚀]:
const team = [{ type: "researcher", name: "研究员·李" }, { type: "coder", name: "写代码的👩‍💻" }]
const prefix = "ß-é"
team.forEach(m => Task(m.name, `为 ${m.type} 写报告 ${prefix} 🚀`, m.type))
for (const { type, name } of team) { Task(name + " 二", "再写 \\u4e00 一次 🚀", type) }
Task("Ωμέγα 🚀", "Lire 'swarm/研究/报告' puis écrire 'swarm/Ωμέγα/done'.", "reviewer")
mcp__claude-flow__memory_usage({ action: "store", key: "swarm/研究/报告", value: "日本語" })
memory.store("swarm/キー/🚀", JSON.stringify({ "名前": "値", n: 3 }))
TodoWrite({ todos: [{ id: "1", content: "写 🚀 测试", status: "pending", "priority": "紧急" }] })
Task("破损 🚀", "未完成",, "coder")
Task("研究员·王", "重复的名字 {...}", "researcher")
others.forEach(x => Task(x, "循环", "coder"))
...
Task("未关闭 🚀", "缺少括号 (", "coder"
Task("下一个 🚀", "等待 'swarm/Ωμέγα/done'", "coder")
Task("一" "二", "coder")
Task("三", "三 " + 42 * 2, "coder")
"""


Shifted = tuple[list[dict[str, Any]], list[tuple[str, str, int, int, int, int]]]


def _shifted(batch: Batch, rows: int) -> Shifted:
    """The batch's operations and diagnostics as data, ROWS lines higher up."""
    ops = []
    for op in batch.operations():
        data = op.model_dump(mode="json")
        data["line"] -= rows
        data["end_line"] -= rows
        ops.append(data)
    diags = [
        (d.code, d.message, d.line - rows, d.column, d.end_line - rows, d.end_column)
        for d in batch.diagnostics
    ]
    return ops, diags


def test_non_ascii_text_deep_in_a_large_batch_reads_as_it_does_alone() -> None:
    # Nodes' text is sliced by byte offsets from the start of the piece parsed: behind 1 MB of
    # CJK and emoji, in the second piece of the text, itself over 128 KB (the watched parse).
    line = "// 注释 🚀 Ωμέγα: a comment, not an operation, écrit en 日本語\n"
    before = line * (700_000 // len(line) + 1)
    after = line * (200_000 // len(line.encode()) + 1)
    alone = parse(NON_ASCII)
    deep = parse(before + NON_ASCII + after)
    assert _shifted(deep, before.count("\n")) == _shifted(alone, 0)
    tasks = alone.tasks()
    assert [t.name for t in tasks[:5]] == [
        "研究员·李",
        "写代码的👩‍💻",
        "研究员·李 二",
        "写代码的👩‍💻 二",
        "Ωμέγα 🚀",
    ]
    assert tasks[0].instructions == "为 researcher 写报告 ß-é 🚀"
    assert tasks[2].instructions == "再写 一 一次 🚀"
    assert [(d.code, d.line, d.column) for d in alone.diagnostics] == [
        ("SW025", 4, 1),
        ("SW025", 5, 1),
        ("SW008", 9, 1),
        ("SW012", 9, 70),
        ("SW001", 10, 20),
        ("SW003", 11, 15),
        ("SW019", 12, 1),
        ("SW003", 13, 1),
        ("SW001", 14, 1),
        ("SW001", 16, 10),
        ("SW001", 17, 21),
    ]


def test_an_expression_deep_in_a_large_batch_is_quoted_as_written() -> None:
    # (in the second piece of the text: its rows start past the first piece's bytes)
    line = "// 注释 🚀 Ωμέγα: a comment, not an operation, écrit en 日本語\n"
    before = line * (700_000 // len(line) + 1)
    text = 'Task("四", `${a ? 1 : 2}`, "coder")\nTask("五", x ? "a" : "b", "coder")\n'
    quoted = [d.message.split(", in ")[0] for d in parse(before + text).diagnostics]
    assert quoted == [
        "unsupported expression `a ? 1 : 2`",
        'unsupported expression `x ? "a" : "b"`',
    ]


def test_nested_loops_past_the_operation_bound_are_refused_whole_not_read_in_part() -> None:
    items = ", ".join(str(i) for i in range(1000))
    text = (
        f"const xs = [{items}]\n"
        "xs.forEach(a => xs.forEach(b => xs.forEach(c => Task(`T${a}-${b}-${c}`, 'x', 'coder'))))\n"
        'Task("Real", "Do it.", "coder")\n'
    )
    batch = parse(text)  # (a billion operations if read: bounded instead)
    assert [t.name for t in batch.tasks()] == ["Real"]
    (refused,) = [d for d in batch.diagnostics if d.code == "SW001"]
    assert refused.line == 2 and refused.severity == Severity.ERROR
    assert "more than 5,000 operations" in refused.message
    # One loop of 1,000 items is read whole.
    one = parse(f"const xs = [{items}]\nxs.forEach(a => Task(`T${{a}}`, 'x', 'coder'))\n")
    assert len(one.tasks()) == 1000 and not one.has_errors
