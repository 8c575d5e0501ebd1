"""Headers, notes and titles as people paste them, punctuation and all (`[Message 2 - The batch's
own]:`): read as headers and notes, never as code that swallows the operations around them; and a
line the parser cannot read is said where it is, without losing an operation in silence."""

from __future__ import annotations

import pytest

from swarmtui.batch import Batch, TaskOp

from .conftest import codes, parse

BEFORE = 'Task("Z", "Do z.", "coder")'
AFTER = '  Task("A", "Do a.", "coder")'


def _around(line: str) -> Batch:
    return parse(f"{BEFORE}\n{line}\n{AFTER}\n")


def _tasks_by_message(batch: Batch) -> list[tuple[int, str | None, list[str]]]:
    return [
        (m.index, m.title, [op.name for op in m.operations if isinstance(op, TaskOp)])
        for m in batch.messages
    ]


@pytest.mark.parametrize(
    ("header", "index", "title"),
    [
        ("[Message 2 - The batch's own]:", 2, "The batch's own"),
        ("[Single Message - Today's work]:", 2, "Today's work"),
        ('[BatchTool - Phase 1 "Design"]:', 2, 'Phase 1 "Design"'),
        ("[Message 3 — Ops (CI/CD)]:", 3, "Ops (CI/CD)"),
        ("[Message 3 — Ops (CI/CD)]", 3, "Ops (CI/CD)"),
        ("[Message 2 - `make test` first]:", 2, "`make test` first"),
        ("[Message 2 - {fast} path]:", 2, "{fast} path"),
        ("[Message 2 - a [b] c]:", 2, "a [b] c"),
        ("[Message 2 - it's] // see [notes]", 2, "it's"),
        ("[Message 2 – Build => Deploy]:", 2, "Build => Deploy"),
        ("[BatchTool 🚀 - Deploy ✅]:", 2, "Deploy ✅"),
        ('["Design" phase]:', 2, '"Design" phase'),
        ("[Deploy(prod)]:", 2, "Deploy(prod)"),
        ("[Message 3 - Read (files), Write (docs)]:", 3, "Read (files), Write (docs)"),
        ("Message 2: [BatchTool - Today's work]", 2, "Today's work"),
        ("Message 2: [BatchTool - Ops {CI}]", 2, "Ops {CI}"),
        ("// Message 2: Today's `make` {x} (y) [z]", 2, "Today's `make` {x} (y) [z]"),
        ("/* Message 2 — Bob's */", 2, "Bob's"),
    ],
)
def test_punctuation_in_a_header_is_part_of_its_title(
    header: str, index: int, title: str | None
) -> None:
    batch = _around(header)
    assert _tasks_by_message(batch) == [(1, None, ["Z"]), (index, title, ["A"])]
    assert batch.diagnostics == [] or codes(batch) == ["SW006"]  # (A could share message 1)


def test_an_apostrophe_in_a_header_keeps_every_column_of_the_lines_around_it() -> None:
    text = (
        'Task("Z", "Do z.", "coder")\n[Message 2 - The batch\'s own]:\n  Task("A", nope, "coder")\n'
    )
    batch = parse(text)
    z, a = batch.tasks()
    assert (z.line, z.column, z.end_column) == (1, 1, 28)
    assert (a.line, a.column, a.end_column) == (3, 3, 27)
    (undefined,) = [d for d in batch.diagnostics if d.code == "SW002"]
    assert (undefined.line, undefined.column, undefined.end_column) == (3, 13, 17)
    assert text.split("\n")[2][undefined.column - 1 : undefined.end_column - 1] == "nope"


@pytest.mark.parametrize("header", ["[Message 2]:", "[Message 2 - it's]:", "// Message 2"])
def test_a_header_after_an_unfinished_expression_still_opens_a_message(header: str) -> None:
    # The header ends what came before it: the line after it is a statement of its own.
    batch = parse(f'const xs = [1,\n{header}\nTask("A", "Do a.", "coder")\n')
    assert _tasks_by_message(batch)[-1][::2] == (2, ["A"])
    assert batch.tasks()[0].skip_reason is None
    assert [(d.code, d.line) for d in batch.diagnostics if d.code == "SW001"] == [("SW001", 1)]


@pytest.mark.parametrize(
    "line",
    [
        "[Wait for Bob's review]",
        "[Wait for review (CI)]",
        '[Wait for the "Design" review]',
        "> Bob's note: run `make` {first}",
        '## Phase 1 "Design" — today\'s (CI/CD) [fast]',
    ],
)
def test_punctuation_in_a_note_keeps_it_a_note(line: str) -> None:
    batch = _around(line)
    assert _tasks_by_message(batch) == [(1, None, ["Z", "A"])]
    assert codes(batch) == ["SW015"]
    (note,) = batch.diagnostics
    assert (note.line, note.column) == (2, 1)


@pytest.mark.parametrize(
    ("line", "tasks", "error_at"),
    [
        # An operation between brackets is code, never a title: it is read, and the colon that
        # follows it is the error.
        ('[Task("B", "Do b.", "coder")]:', ["Z", "B"], (2, 30)),
        ('Message 2: [Task("B", "Do b.", "coder")]:', ["Z", "B"], (2, 41)),
    ],
)
def test_an_operation_in_brackets_is_code_not_a_title(
    line: str, tasks: list[str], error_at: tuple[int, int]
) -> None:
    batch = _around(line)
    assert [t.name for t in batch.tasks()][: len(tasks)] == tasks
    errors = [(d.line, d.column) for d in batch.diagnostics if d.code == "SW001"]
    assert errors[:1] == [error_at]
    assert batch.has_errors


def test_an_array_of_operations_on_one_line_is_still_read() -> None:
    batch = parse('[Task("A", "Do a.", "coder"), Bash("make")]\n[Message 2 - Bob\'s]\n')
    assert [op.kind for op in batch.operations()] == ["task", "bash"]
    assert not batch.has_errors


def test_operations_read_from_a_broken_statement_never_hide_what_was_lost() -> None:
    # `Task(...)[...]:` then `Task(...)`: tree-sitter reads Z, then cannot make sense of the rest,
    # which held A. Z is kept; what swallowed A is an error where it is, and A's loss is said at
    # A's line: never a silent success.
    batch = _around('[Task("B", "Do b.", "coder")]:')
    assert "A" not in [t.name for t in batch.tasks()]
    error, lost = [d for d in batch.diagnostics if d.code == "SW001"]
    assert (error.line, error.column, error.end_column) == (2, 30, 31)
    assert error.message == 'syntax error: unexpected `:`, in `[Task("B", "Do b.", "coder")]:`'
    assert (lost.line, lost.column) == (3, 3)
    assert lost.message.startswith(
        "this operation is not read: the code above goes on into it (line 2 ends with `:`)"
    )
    assert batch.has_errors


@pytest.mark.parametrize(
    ("header", "title"),
    [
        ("[Message 12 - Bob's]: [extra]", "Bob's]: [extra"),
        ("[Message 2 - see [docs](http://x)]:", "see [docs](http://x)"),
        ("[Message 2 - Deploy at 12:30]:", "Deploy at 12:30"),
        ("[Phase 1: Design - BatchTool]:", "Phase 1: Design"),
        ("[Phase 1 - Message 2 - Design]:", "Phase 1 - Design"),
    ],
)
def test_a_title_keeps_its_text_as_written(header: str, title: str) -> None:
    assert _around(header).messages[-1].title == title


@pytest.mark.parametrize(
    "line",
    [
        '> Task("A", "Do a.", "coder")',
        '  > Task("A", "Do a.", "coder")',
        '>Task("A", "Do a.", "coder")',
    ],
)
def test_an_operation_quoted_with_a_chevron_is_run_like_a_bulleted_one(line: str) -> None:
    batch = parse(f'{BEFORE}\n{line}\n  Bash("echo hi")\n')
    assert [op.kind for op in batch.operations()] == ["task", "task", "bash"]
    assert [t.name for t in batch.tasks()] == ["Z", "A"]
    # (a note says the quoted line runs: an example quoted from a chat would too)
    assert [(d.code, d.line) for d in batch.diagnostics] == [("SW026", 2)]
    (a,) = [t for t in batch.tasks() if t.name == "A"]
    assert line[a.column - 1 :].startswith('Task("A"')


@pytest.mark.parametrize(
    ("call", "instructions"),
    [
        ('  Task("A", "a", {\n[Phase 2]:\n  type: "coder"})', "a"),
        ('  Task("A", "one " +\n[Phase 2]:\n  "two", "coder")', "one two"),
        ('  Task("A", "a",\n// Message 2\n  "coder")', "a"),
    ],
)
def test_a_header_inside_an_unfinished_call_leaves_the_call_whole(
    call: str, instructions: str
) -> None:
    batch = parse(f'[BatchTool]:\n{call}\n  Task("B", "b", "coder")\n')
    a, b = batch.tasks()
    assert (a.name, a.agent_type, a.instructions) == ("A", "coder", instructions)
    assert (b.name, b.agent_type) == ("B", "coder")
    assert not batch.has_errors
    assert "SW015" not in codes(batch)
