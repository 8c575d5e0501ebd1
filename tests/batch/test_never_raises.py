"""Parsing never raises, on any input, and every diagnostic points inside the text."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from swarmtui.batch import Batch

from .conftest import CORPUS, SEED, parse

EXAMPLES = [
    p.read_text(encoding="utf-8")
    for p in [*sorted(SEED.glob("*.swarm.js")), *sorted((CORPUS / "real").glob("*.swarm.js"))]
]
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Characters that matter to the language, so random text hits the interesting paths.
ALPHABET = st.sampled_from(
    [*"()[]{}\"'`\\+,.:;/*\n \t$=-#@", "Task(", "Bash(", "...", "{...}", "[Message]:",
    "Message 2:", "const ", "memory.store(", "é", "🎉", "\r", "\x00", "'k/a'", "Wait for ",
    "mcp__claude-flow__", "mcp__ruv-swarm__agent_spawn", "@alpha__", "swarm_init", "TodoWrite {",
    "Bash \"", "Write ", "- ", "* ", "1. ", "[BatchTool]:", "[BatchTool - Message 2]:",
    "// Message 2", "Read(", "await Promise.all([", "() => {", "=$(", "Task({prompt: ",
    "subagent_type: ", "npx claude-flow@alpha memory store ", "--namespace ", "memory get ",
    "while ! ", "--memory-key ", "namespace 'x'", ".forEach(", "[5 todos to do]", "```js\n",
    "const t = [{ n: 'a' }]\n", "t.forEach(m => ", "m.n", "t.map((m, i) => ", "for (const m of ",
    "for (const { n } of t) ", "[{ n: 'b' }]", "m[0]", ".length", "[Message 2 - it's]:",
    "> "]
)  # fmt: skip


def check(text: str, batch: Batch) -> None:
    # (a carriage return not followed by a line feed ends a line, as in the editor, and so do
    # Unicode's line and paragraph separators and NEL)
    lines = re.sub("\r(?!\n)|[\u2028\u2029\x85]", "\n", text).split("\n")
    for d in batch.diagnostics:
        assert "internal error" not in d.message, d.message
        assert 1 <= d.line <= d.end_line <= len(lines), d
        assert 1 <= d.column <= len(lines[d.line - 1]) + 1, d
        assert 1 <= d.end_column <= len(lines[d.end_line - 1]) + 1, d
        if d.line == d.end_line:
            assert d.column <= d.end_column, d
    for op in batch.operations():
        assert 1 <= op.line <= op.end_line <= len(lines), op
    indices = [op.index for op in batch.operations()]
    assert sorted(indices) == list(range(len(indices)))


@FAST
@given(st.text())
def test_random_text(text: str) -> None:
    check(text, parse(text))


@FAST
@given(st.lists(ALPHABET, max_size=60).map("".join))
def test_random_language_fragments(text: str) -> None:
    check(text, parse(text))


@FAST
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    check(text, parse(text))


@st.composite
def mutated_example(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(EXAMPLES))
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["delete", "insert", "duplicate"]))
        if action == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 20)) :]
        elif action == "insert":
            text = text[:pos] + draw(st.lists(ALPHABET, max_size=4).map("".join)) + text[pos:]
        else:
            end = min(len(text), pos + draw(st.integers(1, 80)))
            text = text[:pos] + text[pos:end] + text[pos:]
    return text


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_example())
def test_mutated_examples(text: str) -> None:
    check(text, parse(text))


def test_empty_and_blank() -> None:
    for text in ["", "\n", "   ", "\n\n\t\n", "\r\n"]:
        batch = parse(text)
        check(text, batch)
        # Nothing to run is an error even before anything is written: an empty batch must not
        # pass lint, nor make a session that "completes".
        assert batch.operations() == []
        assert [(d.code, d.line, d.column) for d in batch.diagnostics] == [("SW021", 1, 1)]
        assert "it is empty" in batch.diagnostics[0].message
    assert [d.code for d in parse("// just a comment\n").diagnostics] == ["SW021"]


def test_binary_garbage() -> None:
    text = bytes(range(256)).decode("latin-1") * 4
    check(text, parse(text))


def test_lone_surrogates_and_bytes_input() -> None:
    text = 'Bash("\ud800")\n'
    check(text, parse(text))
    from swarmtui.batch import parse_batch

    batch = parse_batch(b'Bash("ls")\n')  # type: ignore[arg-type]
    assert batch.operations()[0].kind == "bash"


def test_unbalanced_quotes_and_brackets() -> None:
    for text in [
        'Task("A, "x", "coder")\nBash("ls")\n',
        "Task('A', `never closed\nBash(\"ls\")\n",
        'Task("A", "x"\n\n[Single Message - Next]:\nBash("ls")\n',
        "/* never closed\nBash('ls')\n",
        ")))]]]}}}\nBash('ls')\n",
    ]:
        batch = parse(text)
        check(text, batch)
        assert batch.diagnostics


def test_deep_nesting() -> None:
    for text in [
        "Bash(" + "[" * 5000 + "]" * 5000 + ")\n",
        "Bash(" + "[" * 5000 + "\n",
        "Write('a', " + "{a: " * 3000 + "1" + "}" * 3000 + ")\n",
        "Write('a', " + "(" * 3000 + "'x'" + ")" * 3000 + ")\n",
        "Write('a', 'x'" + " + 'x'" * 5000 + ")\n",
    ]:
        batch = parse(text)
        check(text, batch)


def test_five_megabytes() -> None:
    # Mostly one huge file content, plus enough ordinary lines to exercise every pass; the
    # text is cut at an arbitrary point, so it ends in the middle of something.
    line = 'Task("A{}", "Store it in \'k/{}\'. Wait for \'k/{}\' in memory.", "coder")\n'
    tasks = "".join(line.format(i, i, max(i - 1, 0)) for i in range(500))
    text = tasks + 'Write("big.txt", "' + "x" * 4_800_000 + '")\nNote line\n' + tasks
    text = (text + "Bash('ls')\n" * 5_000)[:5_000_000]
    batch = parse(text)
    check(text, batch)
    assert len(batch.tasks()) >= 500
    big = next(op for op in batch.operations() if getattr(op, "path", None) == "big.txt")
    assert len(getattr(big, "content", "")) == 4_800_000


# Operations in the forms people write them, with how each starts in the text: the range of
# every operation parsed from them must start exactly there (§7: positions are exact).
FORMS = [
    ('mcp__claude-flow__swarm_init { topology: "mesh" }', "mcp__claude-flow__swarm_init"),
    ('mcp__ruv-swarm__agent_spawn({ type: "coder", name: "C{n}" })', "mcp__ruv-swarm__agent_spawn"),
    ('mcp__claude-flow@alpha__memory_usage { action: "store", key: "k/{n}", value: 1 }',
     "mcp__claude-flow@alpha__memory_usage"),
    ('- Task("T{n}", "Store it in memory under \'k/t{n}\'.", "coder")', "Task"),
    ('1. Bash("echo {n}")', "Bash"),
    ('TodoWrite { todos: [{id: "{n}", content: "Do {n}"}] }', "TodoWrite"),
    ('Write "notes/{n}.md"', "Write"),
    ('Read("src/{n}.js")', "Read"),
    ('Task({ prompt: "Wait for all agents to complete.", subagent_type: "reviewer", '
     'name: "R{n}" })', "Task"),
    ('* mcp__claude-flow__agent_spawn (researcher)', "mcp__claude-flow__agent_spawn"),
]  # fmt: skip
HEADERS = [
    "", "[BatchTool]:", "[Single Message - Step {n}]:", "// Message {n}",
    "Message {n}: [BatchTool]", "[Message {n} - The batch's own]:",
    '[BatchTool - Phase {n} "Design"]:', "[Message {n} — Ops (CI/CD) {x} `y` [z]]",
    "// Message {n}: Bob's `x` {y}", "[Wait for Bob's review (CI)]", "> Bob's note {n}",
]  # fmt: skip


@st.composite
def real_world_batch(draw: st.DrawFn) -> tuple[str, list[tuple[int, str]]]:
    lines: list[str] = []
    starts: list[tuple[int, str]] = []  # (line, the operation's name as written)
    for n in range(draw(st.integers(1, 12))):
        header = draw(st.sampled_from(HEADERS))
        if header:
            lines.append(header.replace("{n}", str(n)))
        form, name = draw(st.sampled_from(FORMS))
        indent = draw(st.sampled_from(["", "  ", "\t"]))
        lines.append(indent + form.replace("{n}", str(n)))
        starts.append((len(lines), name))
    return "\n".join(lines) + "\n", starts


@FAST
@given(real_world_batch())
def test_real_world_forms_have_exact_positions(case: tuple[str, list[tuple[int, str]]]) -> None:
    text, starts = case
    batch = parse(text)
    check(text, batch)
    lines = text.split("\n")
    found = {
        op.line: lines[op.line - 1][op.column - 1 :]
        for op in batch.operations()
        if op.kind != "note"
    }
    for line, name in starts:
        assert found.get(line, "").startswith(name), (line, name, found.get(line))
