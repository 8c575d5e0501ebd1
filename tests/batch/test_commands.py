"""`swarmtui parse` and `swarmtui lint` through the real click entry point."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from swarmtui.cli import cli

from .conftest import SEED


def test_parse_json_shape() -> None:
    result = CliRunner().invoke(
        cli, ["parse", str(SEED / "weekly-digest.swarm.js"), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    (message,) = data["messages"]
    assert message["index"] == 1 and message["title"] == "Weekly digest"
    ops = message["operations"]
    assert [op["kind"] for op in ops] == [
        "swarm_init", "task", "task", "task", "todo_write", "bash", "memory",
    ]  # fmt: skip
    for op in ops:
        assert set(op) == _RANGE | OP_KEYS[op["kind"]], op["kind"]
    reviewer = ops[3]
    assert reviewer["name"] == "Checker" and reviewer["waits"] == ["swarm/digest/summary"]
    assert ops[0] | {"topology": "hierarchical", "max_agents": 5} == ops[0]
    todo = ops[4]["todos"][0]
    assert set(todo) == {"id", "content", "status", "priority", "agent"}
    assert ops[5]["command"].startswith("mkdir -p")
    diag = data["diagnostics"][0]
    assert set(diag) == DIAGNOSTIC_KEYS


_RANGE = {"kind", "line", "column", "end_line", "end_column"}
# The documented keys of each operation kind in `parse --format json`, exactly.
OP_KEYS = {
    "task": {"name", "agent_type", "instructions", "waits", "stores"},
    "todo_write": {"todos"},
    "bash": {"command"},
    "write": {"path", "content"},
    "memory": {"action", "key", "value", "namespace", "ttl"},
    "swarm_init": {"topology", "max_agents", "strategy"},
    "tool": {"tool", "role", "summary"},
    "note": {"text"},
}
DIAGNOSTIC_KEYS = {"code", "severity", "message", "line", "column", "end_line", "end_column"}


def test_parse_json_shape_of_every_kind_and_of_skipped_operations() -> None:
    text = (
        'mcp__claude_flow__swarm_init({topology: "mesh"})\n'
        'Task("A", "Store it in memory \'k/a\'.", "coder")\n'
        'Task("B", "Wait for \'k/a\' in memory.", "coder")\n'
        'TodoWrite({todos: [{id: "1", content: "x"}, {id: "2", content: "y"}]})\n'
        'Bash("ls")\nWrite("a.txt", "hi")\n'
        'memory.store("k/m", "v", {ttl: 3600})\n'
        'memory_usage({action: "store", key: "k/n", value: 1, ttl: 1.5})\n'
        "Total time: 40 minutes\n"
        'Bash("x",, "y")\n'
        'Frobnicate("z")\n'
    )
    result = CliRunner().invoke(cli, ["parse", "-", "--format", "json"], input=text)
    data = json.loads(result.output)
    assert set(data) == {"messages", "diagnostics"}
    (message,) = data["messages"]
    assert set(message) == {"index", "title", "operations"}
    ops = message["operations"]
    kinds = [op["kind"] for op in ops]
    assert kinds == [
        "swarm_init", "task", "task", "todo_write", "bash", "write", "memory", "memory",
        "note", "bash", "note",
    ]  # fmt: skip
    for op in ops[:9]:
        assert set(op) == _RANGE | OP_KEYS[op["kind"]], op
    # A skipped operation carries exactly one more key, its reason.
    for op in ops[9:]:
        assert set(op) == _RANGE | OP_KEYS[op["kind"]] | {"skip_reason"}, op
    assert ops[9]["skip_reason"].startswith("SW001")
    assert ops[10]["skip_reason"] == "unknown operation `Frobnicate`"
    # Integers stay integers (`ttl: 3600` is not 3600.0); fractions stay fractions.
    assert (ops[6]["ttl"], ops[7]["ttl"]) == (3600, 1.5) and isinstance(ops[6]["ttl"], int)
    assert '"ttl": 3600\n' in result.output
    for diag in data["diagnostics"]:
        assert set(diag) == DIAGNOSTIC_KEYS


def test_parse_json_of_a_recorded_tool() -> None:
    result = CliRunner().invoke(
        cli,
        ["parse", "-", "--format", "json"],
        input='Bash("ls")\nRead({ file_path: "src/app.js" })\n'
        'mcp__github__create_issue({ title: "x" })\n',
    )
    data = json.loads(result.output)
    read, issue = data["messages"][0]["operations"][1:]
    assert set(read) == _RANGE | OP_KEYS["tool"] | {"skip_reason"}
    assert (read["tool"], read["role"], read["summary"]) == ("Read", "agent-work", "src/app.js")
    assert (issue["tool"], issue["role"]) == ("mcp__github__create_issue", "not-run")
    text = CliRunner().invoke(
        cli, ["parse", "-", "--format", "text"], input='Bash("ls")\nRead("src/app.js")\n'
    )
    assert "tool Read  [skipped: Read is work the agents do themselves" in text.output


def test_parse_reads_stdin() -> None:
    result = CliRunner().invoke(cli, ["parse", "-"], input='Write("a.txt", "hi")\n')
    data = json.loads(result.output)
    op = data["messages"][0]["operations"][0]
    assert (op["kind"], op["path"], op["content"]) == ("write", "a.txt", "hi")


def test_lint_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    clean = runner.invoke(cli, ["lint", str(SEED / "weekly-digest.swarm.js")])
    assert clean.exit_code == 0
    assert "weekly-digest.swarm.js:8:18: SW013 Checker" in clean.output
    bad = tmp_path / "bad.swarm.js"
    bad.write_text('Write("a.txt", content1)\n')
    result = runner.invoke(cli, ["lint", str(bad)])
    assert result.exit_code == 1
    assert result.output == f"{bad}:1:16: SW002 content1 is not defined\n"
    missing = runner.invoke(cli, ["lint", str(bad), str(tmp_path / "missing.js")])
    assert missing.exit_code == 2
    assert "missing.js: no such file" in missing.output
    assert "Traceback" not in missing.output
    directory = runner.invoke(cli, ["lint", str(tmp_path)])
    assert directory.exit_code == 2 and "is a directory" in directory.output


def test_lint_fails_an_empty_or_blank_file(tmp_path: Path) -> None:
    for name, text in (("empty", ""), ("blank", " \n\n\t")):
        file = tmp_path / f"{name}.swarm.js"
        file.write_text(text)
        result = CliRunner().invoke(cli, ["lint", str(file)])
        assert result.exit_code == 1, name
        assert result.output.startswith(f"{file}:1:1: SW021 nothing in this batch can run: it is")


def test_lint_json_format(tmp_path: Path) -> None:
    bad = tmp_path / "bad.swarm.js"
    bad.write_bytes('Bash("é")\nWrite("/etc/x", "y")\n'.encode())
    result = CliRunner().invoke(cli, ["lint", str(bad), "--format", "json"])
    assert result.exit_code == 1
    (entry,) = json.loads(result.output)
    assert entry["file"] == str(bad)
    assert [d["code"] for d in entry["diagnostics"]] == ["SW010"]


def test_lint_says_a_quoted_operation_runs_and_passes(tmp_path: Path) -> None:
    batch = tmp_path / "pasted.swarm.js"
    batch.write_text('Task("A", "Do a.", "coder")\n> Task("B", "Do b.", "coder")\n')
    result = CliRunner().invoke(cli, ["lint", str(batch)])
    assert result.exit_code == 0  # (a note: it runs, as written)
    assert result.output == (
        f"{batch}:2:1: SW026 this line is quoted with `>` but runs as an operation, as a "
        "bulleted one does: delete it if it was only an example\n"
    )


def test_parse_text_format_and_byte_order_mark(tmp_path: Path) -> None:
    batch = tmp_path / "b.swarm.js"
    batch.write_bytes("\ufeff[Single Message - Go]:\nBash('ls')\n".encode())
    result = CliRunner().invoke(cli, ["parse", str(batch), "--format", "text"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["Message 1 - Go", "  2:1 bash ls"]


def test_file_that_is_not_utf8_is_unreadable(tmp_path: Path) -> None:
    binary = tmp_path / "b.swarm.js"
    binary.write_bytes(b'Bash("ls")\n\x1b[31m\xff\xfe\x00garbage\n')
    runner = CliRunner()
    for command in (
        ["lint", str(binary)],
        ["parse", str(binary)],
        ["lint", "--format", "json", str(binary)],
    ):
        result = runner.invoke(cli, command)
        assert result.exit_code == 2, command
        assert f"{binary}: not UTF-8 text (byte 0xff at offset 16)" in result.output
        assert "\x1b" not in result.output and "Traceback" not in result.output
    stdin = runner.invoke(cli, ["parse", "-"], input=b"\xc3(")
    assert stdin.exit_code == 2 and "<stdin>" not in stdin.output
    assert stdin.output.strip().endswith("-: not UTF-8 text (byte 0xc3 at offset 0)")


def test_control_characters_in_messages_are_escaped(tmp_path: Path) -> None:
    batch = tmp_path / "b.swarm.js"
    batch.write_text('Bash("ok")\nWrite("/etc/\x1b[2J", "x")\nTotal\x07 time\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["lint", str(batch)])
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "/etc/\\x1b[2J" in result.output
    assert "Total\\x07 time" in result.output
    parsed = CliRunner().invoke(cli, ["parse", str(batch), "--format", "text"])
    assert "\x1b" not in parsed.output and "\x07" not in parsed.output


def test_a_file_with_a_byte_order_mark_is_read_by_it(tmp_path: Path) -> None:
    # Windows PowerShell's `>` saves UTF-16 with a byte-order mark, Notepad UTF-8 with one: the
    # mark says how to read the file, and is not a column of its first line.
    text = 'Task("Coder", "Implement the API", "coderr")\r\n'
    expected = f"{tmp_path / 'plain.md'}:1:36: SW009"
    runner = CliRunner()
    for name, data in (
        ("plain.md", text.encode("utf-8")),
        ("notepad.md", b"\xef\xbb\xbf" + text.encode("utf-8")),
        ("powershell.md", b"\xff\xfe" + text.encode("utf-16-le")),
        ("big-endian.md", b"\xfe\xff" + text.encode("utf-16-be")),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        result = runner.invoke(cli, ["lint", str(path)])
        assert result.exit_code == 0, result.output
        assert result.output.startswith(expected.replace("plain.md", name)), result.output
