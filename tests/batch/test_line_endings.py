"""Line ends as files and clipboards write them: LF, CR LF, a lone CR (old Mac files, some
clipboards), CR CR LF (CR LF converted twice on Windows), and Unicode's line and paragraph
separators and NEL (a word processor's soft line break, web pages). A carriage return not
followed by a line feed ends a line, as in the editor, so headers are recognised and every
diagnostic is on the line the editor shows (docs/batch-language.md §1)."""

from __future__ import annotations

import pytest

from swarmtui.batch import TaskOp

from .conftest import codes, parse

TWO_MESSAGES = (
    "[Single Message - Build]:{nl}"
    '  Task("Builder", "Build the app", "coder"){nl}'
    "[Single Message - Test]:{nl}"
    '  Task("Tester", "Test the built app", "tester"){nl}'
)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r", "\r\r\n", "\u2028", "\u2029", "\x85"])
def test_headers_start_messages_whatever_ends_the_lines(newline: str) -> None:
    batch = parse(TWO_MESSAGES.format(nl=newline))
    names = [[op.name for op in m.operations if isinstance(op, TaskOp)] for m in batch.messages]
    assert names == [["Builder"], ["Tester"]]
    assert not batch.has_errors
    rows = 2 if newline == "\r\r\n" else 1  # (`\r\r\n`: a line, then an empty one)
    assert [t.line for t in batch.tasks()] == [1 + rows, 1 + 3 * rows]


def test_a_file_with_lone_carriage_returns_is_read_line_by_line() -> None:
    text = (
        '[Single Message]:\r  Task("Researcher", "Research the API", "researcher")\r'
        '  Task("Coder", "Implement the API", "coderr")\r  Bash("echo done")\r'
    )
    batch = parse(text)
    assert [op.kind for op in batch.operations()] == ["task", "task", "bash"]
    assert "SW001" not in codes(batch)
    [unknown] = [d for d in batch.diagnostics if d.code == "SW009"]
    assert (unknown.line, unknown.column) == (3, 38)


def test_instructions_over_lines_ended_by_carriage_returns_keep_their_line_breaks() -> None:
    [task] = parse('Task("A", `First line\rsecond line`, "coder")').tasks()
    assert task.instructions == "First line\nsecond line"


def test_unicode_line_separators_end_lines_as_in_the_editor() -> None:
    # (a line separator, U+2028, is a word processor's soft line break: the whole text was one
    # line, `[Single Message]:…` an SW001, and nothing ran; the editor shows it as lines)
    text = '[Single Message]:\u2028  Task("A", `First line\u2028second line`, "coderr")\n'
    batch = parse(text)
    [task] = batch.tasks()
    assert (task.line, task.instructions) == (2, "First line\nsecond line")
    [unknown] = [d for d in batch.diagnostics if d.code == "SW009"]
    assert (unknown.line, unknown.column) == (3, 15)


def test_a_template_over_crlf_lines_gives_its_agent_plain_line_ends() -> None:
    # (JavaScript reads a template's CR LF as LF; the agent was told `\r\n`)
    batch = parse(
        'Task("A", `Line one\r\nLine two\r\nLine three`, "coder")\r\n'
        'Task(subagent_type: "coder", prompt: "Fix it.\r\nThen test it.")\r\n'
    )
    assert [t.instructions for t in batch.tasks()] == [
        "Line one\nLine two\nLine three",
        "Fix it.\nThen test it.",
    ]
