"""Characters that copying and pasting put in a batch (no-break spaces and zero-width characters
from web pages, full-width parentheses from a CJK input method, Claude Code's Read gutters, curly
quotes) never turn an operation into a note: it is read at its own line and column, or said
(docs/batch-language.md §3). Strings keep what was written."""

from __future__ import annotations

import pytest

from swarmtui.batch import TaskOp

from .conftest import codes, parse


def _tasks(text: str) -> list[TaskOp]:
    return parse(text).tasks()


@pytest.mark.parametrize("blank", ["\u00a0", "\u200b", "\ufeff", "\u2060", "\u3000", "\u202f"])
def test_an_operation_after_invisible_characters_or_other_spaces_is_read(blank: str) -> None:
    text = (
        "[Single Message]:\n"
        f'{blank}{blank}Task("Researcher", "Research the API", "researcher")\n'
        f'  {blank}Task("Coder", "Implement the API", "coder")\n'
        f'-{blank}Bash("echo done")\n'
    )
    batch = parse(text)
    assert [t.name for t in batch.tasks()] == ["Researcher", "Coder"]
    assert [op.kind for op in batch.operations()] == ["task", "task", "bash"]
    assert [(op.line, op.column) for op in batch.operations()] == [(2, 3), (3, 4), (4, 3)]
    assert "SW015" not in codes(batch)


def test_a_no_break_space_between_a_name_and_its_parenthesis_is_a_space() -> None:
    [task] = _tasks('Task\u00a0("Coder", "Implement the API", "coder")')
    assert task.name == "Coder"


def test_a_diagnostic_on_a_line_indented_with_no_break_spaces_keeps_its_column() -> None:
    batch = parse('\u00a0\u00a0\u00a0\u00a0Task("Coder", "Implement the API", "coderr")\n')
    [diag] = [d for d in batch.diagnostics if d.code == "SW009"]
    assert (diag.line, diag.column) == (1, 40)


def test_strings_keep_the_invisible_characters_written_in_them() -> None:
    text = (
        '\u00a0\u00a0Task("A", "Research\u00a0the\u200bAPI", "researcher")\n'
        '\u00a0\u00a0Task("B", `Line one\n'
        '\u00a0\u00a0line two`, "coder")\n'
        'Task(subagent_type: "coder", description: "C", prompt: "one `x`\n'
        '\u00a0two")\n'
    )
    a, b, c = _tasks(text)
    assert a.instructions == "Research\u00a0the\u200bAPI"
    assert b.instructions == "Line one\n\u00a0\u00a0line two"
    assert c.instructions == "one `x`\n\u00a0two"


def test_a_note_is_shown_as_typed() -> None:
    batch = parse('Task("A", "Do it", "coder")\n\u200bSee the plan below.\n')
    [note] = [d for d in batch.diagnostics if d.code == "SW015"]
    assert note.message.endswith("\u200bSee the plan below.")


def test_full_width_parentheses_of_an_operation_are_read() -> None:
    text = (
        "[Single Message]:\n"
        '  Task（"Coder", "Implement the API", "coder"）\n'
        "  Task（{\n"
        '    subagent_type： "tester"，\n'
        '    description: "Tester",\n'
        '    prompt: "Test it （all of it）"\n'
        "  }）\n"
    )
    coder, tester = _tasks(text)
    assert (coder.name, coder.agent_type, coder.line, coder.column) == ("Coder", "coder", 2, 3)
    assert (tester.name, tester.agent_type) == ("Tester", "tester")
    assert tester.instructions == "Test it （all of it）"


def test_prose_with_full_width_parentheses_stays_a_note() -> None:
    batch = parse('Task("A", "Do it", "coder")\nTask（タスク）ツールでエージェントを起動します。\n')
    assert "SW019" not in codes(batch)
    assert [d.code for d in batch.diagnostics if d.line == 2] == ["SW015"]


def test_a_full_width_call_that_does_not_close_is_said_at_its_line() -> None:
    batch = parse('Task("A", "Do it", "coder")\nTask（"Coder", "Implement the API", "coder"\n')
    [diag] = [d for d in batch.diagnostics if d.line == 2]
    assert diag.code == "SW019"
    assert "full-width parentheses" in diag.message
    assert [t.name for t in batch.tasks()] == ["A"]


READ_OUTPUT = """\
Bash("npm test")

```typescript
    70→Task("Fixer", "Fix agent-tool-abort.test.ts failures", "coder")
    71→Task("Tester", `Fix batch-completion-behavior.test.ts failures,
    72→then run the suite`, "tester")
    73→```
"""


def test_claude_codes_read_gutters_are_not_read() -> None:
    batch = parse(READ_OUTPUT)
    fixer, tester = batch.tasks()
    assert (fixer.name, fixer.line, fixer.column) == ("Fixer", 4, 8)
    assert tester.instructions == (
        "Fix batch-completion-behavior.test.ts failures,\n       then run the suite"
    )
    assert not batch.has_errors
    assert "SW015" not in [d.code for d in batch.diagnostics if d.line in (4, 5, 6)]


def test_a_lone_gutter_before_an_operation_is_not_read_and_other_arrows_are_prose() -> None:
    [task] = _tasks('  12→Task("Fixer", "Fix it", "coder")\n1→2 is the mapping we want.\n')
    assert (task.name, task.column) == ("Fixer", 6)


def test_cat_n_gutters_are_not_read_when_they_number_every_line() -> None:
    # `cat -n` output (and Claude Code's Read output before its `→`): a number and a TAB.
    text = (
        '     1\tBash("npm test")\n     2\t\n'
        '     3\tTask("Tester", `Run the suite,\n     4\tthen report`, "tester")\n'
    )
    batch = parse(text)
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    [tester] = batch.tasks()
    assert (tester.line, tester.column) == (3, 8)
    assert tester.instructions == "Run the suite,\n       then report"
    # Not when a line has none, or the numbers do not follow: they are the text's own.
    for other in (text.replace("     2\t\n", "\n  x\n"), text.replace("     2", "     5")):
        assert parse(other).has_errors


def test_curly_quotes_around_arguments_are_said_once_and_the_operation_is_skipped() -> None:
    batch = parse("[Single Message]:\n  Task(“Coder”, “Implement the API”, “coder”)\n")
    assert [d.code for d in batch.diagnostics if d.severity == "error"] == ["SW001"]
    [diag] = [d for d in batch.diagnostics if d.code == "SW001"]
    assert (diag.line, diag.column, diag.end_column) == (2, 8, 15)
    assert diag.message.startswith('curly quotes are not string quotes: write “Coder” as "Coder"')
    [task] = batch.tasks()
    assert task.skip_reason is not None and "curly quotes" in task.skip_reason


def test_curly_quotes_inside_a_string_or_in_prose_are_not_touched() -> None:
    batch = parse(
        'Task("A", "Say “hi” and ‘bye’ to them", "coder")\n'
        "He said “run it”, and we did.\n"
        'Task("B", `First:\n(see “this”)`, "coder")\n'
    )
    a, b = batch.tasks()
    assert a.instructions == "Say “hi” and ‘bye’ to them"
    assert b.instructions == "First:\n(see “this”)"
    assert not batch.has_errors
    [note] = [d for d in batch.diagnostics if d.code == "SW015"]
    assert note.message.endswith("He said “run it”, and we did.")


def test_curly_quotes_in_code_that_is_not_an_operation_are_said_too() -> None:
    batch = parse('const name = “Coder”\nTask(name, "Implement the API", "coder")\n')
    [diag] = [d for d in batch.diagnostics if d.code == "SW001"]
    assert diag.line == 1 and diag.message.startswith("curly quotes are not string quotes")


def test_an_xml_parameter_keeps_the_invisible_characters_written_in_it() -> None:
    text = (
        '\u00a0<invoke name="Task">\n'
        '\u00a0<parameter name="description">Coder</parameter>\n'
        '\u00a0<parameter name="prompt">Line one\n'
        "\u00a0\u00a0line two</parameter>\n"
        '\u00a0<parameter name="subagent_type">coder</parameter>\n'
        "\u00a0</invoke>\n"
    )
    [task] = _tasks(text)
    assert (task.name, task.instructions) == ("Coder", "Line one\n\u00a0\u00a0line two")
