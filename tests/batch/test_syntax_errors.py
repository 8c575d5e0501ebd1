"""SW001 positions and what an operation with a syntax error still reports (§7)."""

from __future__ import annotations

import pytest

from .conftest import codes, parse


@pytest.mark.parametrize(
    ("text", "column", "what"),
    [
        (
            'mcp__claude_flow__memory_usage({ action: "store",, key: "k", value: "v" })\n',
            50,
            "an entry",
        ),
        ('Task("A", "Do a.", "coder", { timeout: 5,, retries: 1 })\n', 42, "an entry"),
        ('TodoWrite({todos: [{id: "1",, content: "Do a"}]})\n', 29, "an entry"),
        (
            'TodoWrite({todos: [{id: "1", content: "a"},, {id: "2", content: "b"}]})\n',
            44,
            "an element",
        ),
        ('Bash("ls",, {timeout: 3})\n', 11, "an argument"),
        ('memory.store("k", {a: {b: [1,, 2]}})\n', 30, "an element"),
    ],
)
def test_empty_slot_is_a_syntax_error_at_the_extra_comma(text: str, column: int, what: str) -> None:
    batch = parse(text)
    (diag,) = [d for d in batch.diagnostics if d.code == "SW001"]
    assert diag.severity == "error"
    assert (diag.line, diag.column, diag.end_column) == (1, column, column + 1)
    line = text.strip()
    shown = line if len(line) <= 60 else line[:59] + "…"
    assert diag.message == f"syntax error: unexpected `,` ({what} is missing), in `{shown}`"
    (op,) = batch.operations()
    assert op.skip_reason is not None and op.skip_reason.startswith("SW001")


def test_commas_inside_strings_and_trailing_commas_are_fine() -> None:
    batch = parse(
        'Task("A", "Store a,, b in memory \'k\'.", "coder", {retries: 1,})\n'
        'TodoWrite({todos: [{id: "1", content: "x",},]})\n'
    )
    assert "SW001" not in codes(batch)


def test_syntax_error_points_at_the_second_of_two_adjacent_strings() -> None:
    batch = parse('Task("A", "x" "y", "coder")\n')
    (diag,) = [d for d in batch.diagnostics if d.code == "SW001"]
    assert (diag.column, diag.end_column) == (15, 18)
    assert diag.message == (
        'syntax error: unexpected `"y"` (is a comma missing?), in `Task("A", "x" "y", "coder")`'
    )


def test_extra_closing_parenthesis_is_unexpected_not_unfinished() -> None:
    batch = parse('Bash("ok")\nTask("C", "x", "coder"))\n')
    (diag,) = [d for d in batch.diagnostics if d.code == "SW001"]
    assert (diag.line, diag.column, diag.end_column) == (2, 24, 25)
    assert diag.message == 'syntax error: unexpected `)`, in `Task("C", "x", "coder"))`'
    assert [op.kind for op in batch.operations() if op.skip_reason is None] == ["bash"]


def test_call_with_syntax_error_keeps_its_first_string_as_name_and_no_guesses() -> None:
    batch = parse(
        'Task("B" "Do b.", "coder")\nTask("Z", "Store the plan in memory \'q\'.", "coder")\n'
    )
    assert [t.name for t in batch.tasks()] == ["B", "Z"]
    # Only the certain finding on line 1: no SW007 (memory use) or SW009 derived from shifted
    # arguments of a call that is not run anyway.
    assert [(d.code, d.line, d.column) for d in batch.diagnostics if d.line == 1] == [
        ("SW001", 1, 10)
    ]
    assert batch.tasks()[0].skip_reason is not None


def test_call_with_syntax_error_still_reports_undefined_names() -> None:
    batch = parse('Task("B" "Do b.", nope)\n')
    assert codes(batch) == ["SW001", "SW002"]


def test_line_that_reads_like_a_call_is_a_warning_with_a_hint_not_a_note() -> None:
    batch = parse(
        "Write file1.js\n- Bash mkdir -p app\nTotal time: 40 minutes\nReviewer starts reading\n"
        'Bash("ls")\n'
    )
    assert [(d.code, d.severity, d.line) for d in batch.diagnostics] == [
        ("SW019", "warning", 1),
        ("SW019", "warning", 2),
        ("SW015", "info", 3),
        ("SW015", "info", 4),
    ]
    assert batch.diagnostics[0].message == (
        '`Write file1.js` reads like Write but is not an operation: write Write("...") '
        "with its arguments in parentheses or quotes"
    )
    skipped = [op.skip_reason is not None for op in batch.operations()]
    assert skipped == [True, True, False, False, False]


def test_prose_starting_with_an_operation_word_stays_a_note() -> None:
    batch = parse('Task force meets daily\nWrite the docs\nBash("ls")\n')
    assert [(d.code, d.severity) for d in batch.diagnostics] == [
        ("SW015", "info"),
        ("SW015", "info"),
    ]


def test_a_problem_is_said_once_where_an_argument_is_read_twice() -> None:
    # `Write (single file)` from a guide's "don't do this" list (alone, not after `Message 5:`,
    # where it is an outline's note): its one argument is read as the path and as the content,
    # and its undefined name was reported once for each.
    batch = parse('Task("A", "Do it.", "coder")\nWrite (single file)\n')
    said = [(d.line, d.column, d.code) for d in batch.diagnostics]
    assert said == [(2, 8, "SW002"), (2, 15, "SW001"), (2, 15, "SW002")]


def test_an_error_of_the_operation_before_a_broken_one_is_still_said() -> None:
    # The operations are numbered again in text order once the notes are placed: the one with
    # the syntax error kept its first number, and the duplicate name of the operation now so
    # numbered was hidden (an error, SW011).
    batch = parse(
        "Some prose first.\n"
        'Task("Dup", "Write a.md", "coder")\n'
        'Task("Dup", "Write b.md", "coder")\n'
        'Task("Bad", "b" "c", "coder")\n'
    )
    assert [(d.code, d.line) for d in batch.diagnostics if d.code in ("SW001", "SW011")] == [
        ("SW011", 3),
        ("SW001", 4),
    ]
