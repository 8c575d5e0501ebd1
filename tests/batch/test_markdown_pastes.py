"""Whole Markdown files pasted as a batch (agent files, command files, CLAUDE.md): the operations
in them are read, the command lines of their shell blocks are never run (SW027, once per block),
and every syntax error points at the line where it is, quoting it (docs/batch-language.md §3)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from swarmtui.batch import BashOp, TaskOp, TodoWriteOp

from .conftest import codes, parse, run_headless

# Shaped like claude-flow's SPARC mode files: a heading, prose, a list, a ```bash usage example
# and a ```javascript example with the operations.
AGENT_FILE = """\
# SPARC Reviewer Mode

## Description
Reviews code for the team

## Available Tools
- **Task**: Spawn reviewers
- **Bash**: Run checks

## Usage Examples

### Basic Usage
```bash
./claude-flow sparc reviewer "Your task description here"
```

### Advanced Usage with Coordination
```javascript
// Track the review
TodoWrite([
  { id: "review", content: "Review the parser", status: "pending", priority: "high" }
]);

// Launch the reviewer
Task("Reviewer Agent", "Review the parser for bugs", {
  mode: "reviewer",
  batchOptimized: true
});
```

## Best Practices
- Review small changes
"""


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), 1) if needle in line)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_an_agent_file_pasted_whole_runs_its_operations(newline: str) -> None:
    text = AGENT_FILE.replace("\n", newline)
    batch = parse(text)
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    ops = [op for op in batch.operations() if op.kind != "note"]
    assert [type(op) for op in ops] == [TodoWriteOp, TaskOp]
    (warning,) = [d for d in batch.diagnostics if d.code == "SW027"]
    assert warning.severity == "warning"
    assert (warning.line, warning.column) == (_line_of(AGENT_FILE, "./claude-flow"), 1)
    assert warning.message.startswith('`./claude-flow sparc reviewer "Your task descripti')
    assert "```bash block are not run" in warning.message
    assert 'Bash("...")' in warning.message


def test_operations_inside_a_shell_block_are_read_and_its_command_lines_are_not() -> None:
    text = (
        "```bash\n"
        'npx claude-flow@alpha hooks pre-task --description "Build"\n'
        'Task("Builder", `Build the app.\n'
        'Run npm test when done.`, "coder")\n'
        'Bash("npm test")\n'
        'mcp__claude-flow__swarm_init {"topology": "mesh", "maxAgents": 3}\n'
        'LOG=$(Bash("make build"))\n'
        "$ npm run lint\n"
        "  | grep error\n"
        "```\n"
    )
    batch = parse(text)
    assert "SW001" not in codes(batch)
    bash = [op.command for op in batch.operations() if isinstance(op, BashOp)]
    assert bash == ["npm test", "make build"]
    assert [t.name for t in batch.tasks()] == ["Builder"]
    assert batch.tasks()[0].instructions == "Build the app.\nRun npm test when done."
    assert [op.kind for op in batch.operations() if op.kind != "note"] == [
        "task",
        "bash",
        "swarm_init",
        "bash",
    ]
    (warning,) = [d for d in batch.diagnostics if d.code == "SW027"]
    assert warning.line == 2
    assert "(and 2 more)" in warning.message
    # The command lines are kept as notes where they were, with no note diagnostic of their own.
    notes = {op.line: op for op in batch.operations() if op.kind == "note"}
    assert {2, 8, 9} <= set(notes)
    assert all(op.skip_reason is None for op in notes.values())
    assert not [d for d in batch.diagnostics if d.code == "SW015" and d.line in (2, 8, 9)]


def test_one_warning_per_shell_block_and_comments_stay_notes() -> None:
    text = (
        "```sh\n# Install\nnpm install\nnpm ci\n```\n\n"
        "```console\n$ npm test\n```\n\n"
        "```shell\n# only a comment\n```\n"
        'Bash("make")\n'
    )
    batch = parse(text)
    warnings = [(d.line, d.message) for d in batch.diagnostics if d.code == "SW027"]
    assert [line for line, _ in warnings] == [3, 8]
    assert "```sh block" in warnings[0][1] and "```console block" in warnings[1][1]
    assert [d.line for d in batch.diagnostics if d.code == "SW015" and "#" in d.message] == [2, 12]
    assert not batch.has_errors


def test_a_batch_of_only_command_lines_runs_nothing_and_says_why() -> None:
    batch = parse("# Setup\n\n```bash\nnpm install\nnpm test\n```\n")
    assert not [op for op in batch.operations() if isinstance(op, BashOp)]
    (nothing,) = [d for d in batch.diagnostics if d.code == "SW021"]
    assert "shell blocks (SW027)" in nothing.message
    assert "SW027" in codes(batch)


def test_a_paste_of_only_prose_says_so() -> None:
    # (a guide whose calls are all in a form that is not read: what is left is prose, and the
    # error must not speak of recorded tools it does not hold)
    prose = parse("# Agents\n\nSpawn them all at once.\n")
    (nothing,) = [d for d in prose.diagnostics if d.code == "SW021"]
    assert "only prose (notes), no operation" in nothing.message
    batch = parse("Read the plan.\nmcp__claude-flow__swarm_status {}\n")
    (recorded,) = [d for d in batch.diagnostics if d.code == "SW021"]
    assert "only operations swarmtui records" in recorded.message
    # An operation swarmtui does not know: said as such, not as prose.
    unknown = parse('Read the plan.\nDeploy("prod")\n')
    (nothing,) = [d for d in unknown.diagnostics if d.code == "SW021"]
    said = "ones swarmtui does not know (SW009: line 2, unknown operation `Deploy`)"
    assert said in nothing.message


def test_only_shell_blocks_are_shell() -> None:
    # A JavaScript block with an operation, a block without a language and text outside any
    # block are read as code: `./claude-flow` there is an error at its line, not a command line.
    for fence in ("```javascript", "```ts", "```", None):
        opening = f"{fence}\n" if fence else ""
        closing = "```\n" if fence else ""
        text = f'Some prose.\n\n{opening}./claude-flow start\nBash("make")\n{closing}'
        batch = parse(text)
        assert "SW027" not in codes(batch) and "SW028" not in codes(batch), fence
        (error,) = [d for d in batch.diagnostics if d.code == "SW001"][:1]
        assert (error.line, error.column) == (4 if fence else 3, 1), fence
        assert [op.kind for op in batch.operations() if op.kind != "note"] == ["bash"], fence


def test_fences_open_and_close_as_pasted() -> None:
    text = (
        '```bash title="setup"\n'  # attributes after the language
        "npm install\n"
        "```python\n"  # a language opens a block even when the one before was not closed
        "print('hi')\n"
        "```\n"
        "~~~zsh\n"
        "make all\n"
        "~~~\n"
        'Bash("make")\n'
    )
    batch = parse(text)
    assert [d.line for d in batch.diagnostics if d.code == "SW027"] == [2, 7]
    assert "SW027" not in [d.code for d in batch.diagnostics if d.line == 4]


# -- SW001 where the problem is ----------------------------------------------------------------

_PROSE = "# Title\n\nSome prose here.\n\n"
_OPERATION = 'Task("A", "Do a.", "coder")\n\nSome prose here.\n\n'


@pytest.mark.parametrize("before", [_PROSE, _OPERATION, ""], ids=["prose", "operation", "none"])
@pytest.mark.parametrize(
    ("shape", "token"),
    [
        ('./claude-flow sparc orchestrator "Your task"', "."),
        ("| grep error", "|"),
        ("&& npm test", "&&"),
        (".then(next)", "."),
        (", more", ","),
        ("= value", "="),
        (") stray", ")"),
        ("}", "}"),
    ],
)
def test_a_line_that_is_not_code_is_an_error_at_its_own_line(
    before: str, shape: str, token: str
) -> None:
    text = f"{before}{shape}\n\nMore prose.\n"
    batch = parse(text)
    line = before.count("\n") + 1
    errors = [d for d in batch.diagnostics if d.code == "SW001"]
    assert errors and all(d.line == line for d in errors), [d.format("x") for d in errors]
    first = errors[0]
    assert first.column == 1
    assert first.message.startswith(f"syntax error: unexpected `{token}`")
    if shape != token:
        assert first.message.endswith(f", in `{shape}`")
    if before == _OPERATION:
        # The operation above the note is read whole: the bad line is not joined to it.
        assert [t.name for t in batch.tasks()] == ["A"]


def test_an_expression_after_a_note_is_quoted_alone() -> None:
    batch = parse('Task("A", "Do a.", "coder")\n\nSome prose.\n\n+ x\n\nMore prose.\n')
    (error,) = [d for d in batch.diagnostics if d.code == "SW001"]
    assert (error.line, error.column, error.end_line, error.end_column) == (5, 1, 5, 4)
    assert error.message == "not an operation: `+ x` (expected a call such as Task(...))"
    assert [t.name for t in batch.tasks()] == ["A"]


def test_a_broken_statement_read_again_is_reported_once() -> None:
    # TypeScript pasted from a guide: the statement that starts mid-line after an error was read
    # again from the start of its line, and the error before it said twice.
    text = (
        "interface Server {\n"
        "  registerTool(tool: Tâche): void\n"
        "  start(options: Options): Promise<void>\n"
        "}\n"
        'Task("Tâche", "Rédiger" "x")\n'
        "```\n"
    )
    batch = parse(text)
    errors = [(d.line, d.column, d.message) for d in batch.diagnostics if d.code == "SW001"]
    assert len(errors) == len(set(errors))
    # One problem per line: line 2's unfinished call, not `void` after it as well.
    assert [line for line, _, _ in errors] == [2, 3, 5]
    lines = text.split("\n")
    for line, column, message in errors:
        if message.startswith("syntax error: unexpected `"):
            token = message.split("`")[1]
            assert lines[line - 1][column - 1 :].startswith(token), (line, column, message)
    assert (5, 25) in [(line, column) for line, column, _ in errors]  # `"x"`, after `â`, `é`


def test_html_lines_of_a_readme_are_notes() -> None:
    text = (
        '<div align="center">\n\n# Swarm\n\n<img src="logo.png"/>\n</div>\n\n'
        "<!-- generated -->\n"
        'Task("A", "Do a.", "coder")\n'
    )
    batch = parse(text)
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    assert [t.name for t in batch.tasks()] == ["A"]


def test_a_bullet_of_prose_with_words_in_parentheses_is_a_note() -> None:
    # From claude-flow's mode rules: a listed word then a parenthesis was read as a call of
    # that word (`Throughput(transactions per second)`), two errors per line. An operation
    # listed the same way is still one, with or without the space.
    text = (
        "## Metrics\n"
        "- Throughput (transactions per second)\n"
        "2. Latency (response time distribution)\n"
        "- WAL (Write-Ahead Logging) mode for concurrent access\n"
        '- Task ("A", "Do a.", "coder")\n'
        '* mcp__claude-flow__memory_usage ({ action: "store", key: "k", value: 1 })\n'
    )
    batch = parse(text)
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    assert [op.kind for op in batch.operations() if op.kind != "note"] == ["task", "memory"]
    assert [d.line for d in batch.diagnostics if d.code == "SW015"] == [1, 2, 3, 4]


def test_links_badges_and_rules_of_a_readme_are_notes() -> None:
    # claude-flow's README ends with a row of badges, a rule and a heading: read as code, the
    # badges took the rule and the heading into one broken expression (three errors).
    text = (
        'Task("Lead", "Lead.", "coder")\n'
        "\n"
        "[![GitHub](https://img.shields.io/badge/GitHub-blue)](https://github.com/x/y)\n"
        "[![NPM](https://img.shields.io/badge/NPM-orange)](https://npmjs.com/x)\n"
        "[Docs](docs/x.md) · [API](docs/api.md)\n"
        "![diagram](docs/flow.png)\n"
        "\n"
        "---\n"
        "* * *\n"
        "\n"
        "## Star History\n"
        "[Wait for review]\n"
        '["a", "b"].forEach(name => Task(name, "Do " + name + ".", "coder"))\n'
    )
    batch = parse(text)
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    assert [t.name for t in batch.tasks()] == ["Lead", "a", "b"]
    notes = [d.line for d in batch.diagnostics if d.code == "SW015"]
    assert notes == [3, 4, 5, 6, 8, 9, 11, 12]


def test_every_syntax_error_quotes_its_line() -> None:
    batch = parse('Bash("ok")\nTask("B", "x" "y", "coder")\n')
    (error,) = [d for d in batch.diagnostics if d.code == "SW001"]
    assert error.message == (
        'syntax error: unexpected `"y"` (is a comma missing?), in `Task("B", "x" "y", "coder")`'
    )
    long = 'Task("B", "' + "word " * 30 + '" "y", "coder")\n'
    (error,) = [d for d in parse(long).diagnostics if d.code == "SW001"]
    quoted = error.message.split(", in `", 1)[1]
    assert quoted.endswith("…`") and len(quoted) == 61


def test_shell_lines_never_run(tmp_path: Path) -> None:
    """Through the real CLI: a shell block's command line is not a Bash operation of the run;
    the Bash operation written beside it is."""
    text = (
        "# Setup\n\n```bash\necho shell > ran-shell.txt\n```\n\n"
        '```javascript\nBash("echo bash > ran-bash.txt")\n```\n'
    )
    code, result = run_headless(tmp_path, text, "pasted.md")
    assert code == 0, result
    summary = result["summary"]
    assert summary["status"] == "completed"
    assert [b["command"] for b in summary["bash"]] == ["echo bash > ran-bash.txt"]


def test_lint_passes_a_pasted_agent_file_with_one_warning(tmp_path: Path) -> None:
    path = tmp_path / "sparc-reviewer.md"
    path.write_text(AGENT_FILE, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "swarmtui", "lint", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout
    line = _line_of(AGENT_FILE, "./claude-flow")
    assert [x for x in done.stdout.splitlines() if " SW027 " in x] == [
        f'{path}:{line}:1: SW027 `./claude-flow sparc reviewer "Your task descripti…`: command '
        'lines of a ```bash block are not run; to run one, write it as Bash("...")'
    ]
    assert " SW001 " not in done.stdout


@pytest.mark.parametrize(
    "line",
    [
        "`npm test` runs the whole suite.",
        "`coder`, `reviewer`, `tester`, `planner`, `researcher`",
        "`/clear` then:",
        '`npx claude-flow swarm "research topic X" --strategy research`',
        "`brew install coreutils`). Without coreutils, the guard fails closed.",
        '"Enter plan mode and design the team decomposition for [feature].',
        '"Fix it," she said.',
        '`Task("Coder", "…")` spawns an agent.',
    ],
)
def test_a_line_of_inline_code_or_a_quotation_is_prose(line: str) -> None:
    # A statement that starts with a string or a template holds no operation: such a line is
    # Markdown (claude-flow v3's CLAUDE.md lists its agent types as `coder`, `reviewer`, …),
    # and the operations around it are read, even after a line ending with `.`.
    text = (
        'Task("Researcher", "Look.", "researcher")\n'
        f"{line}\n"
        'Task("Coder", "Fix the bug.", "coder")\n\n'
        f"{line}\n"
        "Then spawn the tester:\n"
        'Task("Tester", "Test it.", "tester")\n'
    )
    batch = parse(text)
    assert set(codes(batch)) == {"SW015"}, [d.format("x") for d in batch.diagnostics]
    assert [t.name for t in batch.tasks()] == ["Researcher", "Coder", "Tester"]


def test_a_template_over_lines_or_an_operation_outside_the_quotes_stays_code() -> None:
    # A back-quote left open on its line is a template running over lines (code, here an
    # error: a statement of a template is not an operation); `a`, Task(...) writes the Task.
    batch = parse('`Fix the bug.\nRun the tests.`\n`a`, Task("Coder", "Fix it.", "coder")\n')
    assert {(d.code, d.line) for d in batch.diagnostics if d.code == "SW001"} == {("SW001", 1)}
    assert [t.name for t in batch.tasks()] == ["Coder"]


@pytest.mark.parametrize(
    ("gap", "above"),
    [
        ("", "line 1 ends with `.`"),
        ("\n", "line 1 ends with `.`"),
        ("Then:\n", "line 2 ends with `:`"),
    ],
)
def test_an_operation_the_code_above_goes_on_into_is_never_lost_in_silence(
    gap: str, above: str
) -> None:
    # `print(x)..` is read as code and ends with `.`: tree-sitter reads what follows (the
    # Task, and `Then:` before it) as part of it. The Task is not run, and its loss is said at
    # its own line. (`print(x) then.`, a word after parentheses, is prose: the Task is read.)
    text = f'print(x)..\n{gap}    Task("Coder", "Fix the bug.", "coder")\n'
    prose = f'print(x) then.\n{gap}    Task("Coder", "Fix the bug.", "coder")\n'
    assert [t.name for t in parse(prose).tasks()] == ["Coder"]
    batch = parse(text)
    errors = [(d.line, d.message) for d in batch.diagnostics if d.code == "SW001"]
    assert errors[0][0] == 1
    assert errors[-1] == (
        text.count("\n"),
        f"this operation is not read: the code above goes on into it ({above}), in "
        '`Task("Coder", "Fix the bug.", "coder")`',
    ), errors
    assert not batch.tasks()


@pytest.mark.parametrize(
    "line",
    [
        "(rejects paths it cannot verify), so security is maintained.",
        "(do NOT spawn a subagent). Execute tasks one at a time.",
        "{first 10 lines of failure output}",
        "{What was built — from SUMMARY.md}",
        ".planning/codebase/ already exists with these documents:",
        "claudecode(セルフレビュー) → iflow → gemini → codex",
        "===== 計画フェーズ =====",
        "- O(n) complexity for task creation",
        "[00:01] Task decomposition completed (5 subtasks identified)",
    ],
)
def test_prose_that_javascript_never_writes_is_a_note(line: str) -> None:
    # Two words in a row, or a character no code is made of (`—`, `→`), outside quotes: prose,
    # wherever it starts, with no operation in it.
    batch = parse(f'{line}\nTask("Coder", "Fix the bug.", "coder")\n')
    assert codes(batch) == ["SW015"], [d.format("x") for d in batch.diagnostics]
    assert [t.name for t in batch.tasks()] == ["Coder"]


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ('Task("A", "Do a.", "coder") — the coder', "SW001"),  # (an operation: said)
        ("Deploy(prod now)", "SW001"),  # (an operation swarmtui does not know: said)
        ("overlapping_plans.add(plan)  # both plans modify it", "SW001"),  # (no `#` comments)
        ("./claude-flow sparc modes returns empty list", "SW001"),  # (a command line)
        ("| grep error lines", "SW001"),  # (the rest of an expression, out of place)
    ],
)
def test_code_with_prose_in_it_is_still_said(line: str, code: str) -> None:
    batch = parse(f"{line}\n")
    assert code in codes(batch), [d.format("x") for d in batch.diagnostics]
    assert "SW015" not in codes(batch)


def test_a_listed_operation_word_with_prose_after_its_argument_is_a_look_alike() -> None:
    # GSD's map-codebase: `- Write `.planning/codebase/STACK.md` — Languages, runtime, …`
    # describes a file; read as `Write` with no content (SW003), the dash was an error.
    text = (
        "- Write `docs/STACK.md` — Languages, runtime, frameworks\n"
        "- Read `$CANDIDATE_SUMMARY` and validate it contains meaningful content\n"
        'Task("Coder", "Fix the bug.", "coder")\n'
    )
    batch = parse(text)
    # (`Read` is an agent's own tool, never run: its look-alike is prose, nothing is lost)
    assert [(d.code, d.line) for d in batch.diagnostics] == [("SW019", 1), ("SW015", 2)]
    assert "reads like Write but is not an operation" in batch.diagnostics[0].message
    assert [op.kind for op in batch.operations() if op.kind != "note"] == ["task"]


@pytest.mark.parametrize(
    "line",
    [
        "Read `.work/01-assessment.md` and `.work/02-map.md`.",
        "Read `.work/01-assessment.md`, `.work/03-impact.md`, and `.work/04-tests.md`.",
        "Read `.work/02-map.md`.",
        "Edit `config.json`:",
        "Read `.work/02-map.md` first",
    ],
)
def test_a_sentence_about_an_agents_own_tool_and_a_file_is_a_note(line: str) -> None:
    # wshobson/agents' command files: "Read `.tdd-cycle/01-requirements.md` and `…`." before
    # each step's Task; read as code, the `and` was an error and the final `.` took the Task in.
    batch = parse(f'{line}\nTask("Mapper", "Map the dependencies", "coder")\nBash("make test")\n')
    assert codes(batch) == ["SW015"], [d.format("x") for d in batch.diagnostics]
    assert [t.name for t in batch.tasks()] == ["Mapper"]
    assert [op.kind for op in batch.operations() if op.kind != "note"] == ["task", "bash"]


def test_a_sentence_after_an_operations_argument_is_a_look_alike() -> None:
    batch = parse('Write `notes.md`.\nTask("Mapper", "Map the dependencies", "coder")\n')
    assert [(d.code, d.line) for d in batch.diagnostics] == [("SW019", 1)]
    assert [t.name for t in batch.tasks()] == ["Mapper"]
    # (an argument the line ends with is still read as the operation's)
    assert [op.kind for op in parse('Write `notes.md` "hi"\n').operations()] == ["write"]


def test_prose_starting_with_an_agents_own_tool_is_a_note() -> None:
    # GSD's execute-phase: "Read STATE.md before any operation to load project context."
    batch = parse("Read STATE.md before any operation to load project context.\n")
    assert codes(batch) == ["SW015", "SW021"]


def test_a_list_item_about_bash_is_prose_and_a_command_after_bash_a_look_alike() -> None:
    # claude-flow v3's CLAUDE.md lists what Claude Code does: `- Bash commands and system
    # operations`; as a look-alike (SW019, not run) it made every v3 session fail.
    text = (
        'Task("Coder", "Fix the bug.", "coder")\n'
        "- Bash commands and system operations\n"
        "- Bash mkdir -p build\n"
        "EnterPlanMode()\n"
    )
    batch = parse(text)
    assert [(d.code, d.line) for d in batch.diagnostics] == [
        ("SW015", 2), ("SW019", 3), ("SW018", 4),
    ]  # fmt: skip
    assert [op.skip_reason is None for op in batch.operations()] == [True, True, False, False]


@pytest.mark.parametrize(
    "line",
    [
        "SPARC (Specification, Pseudocode) methodology.",
        "SPARC (Specification, Pseudocode) is a method.",
        "SPARC (Specification, Pseudocode, Architecture, Refinement, Completion) is a systematic "
        "development methodology.",
    ],
)
def test_a_gloss_in_parentheses_is_prose(line: str) -> None:
    # ruflo's SPARC skill opens so; read as a call, it swallowed the Task below (`methodology.Task`)
    batch = parse(f'{line}\n\n## Table of Contents\n\nTask("Coder", "Write hello.py.", "coder")\n')
    assert set(codes(batch)) == {"SW015"}, [d.format("x") for d in batch.diagnostics]
    assert [t.name for t in batch.tasks()] == ["Coder"]
    assert "SW009" in codes(parse('Deploy ("prod")\n'))  # (an unknown call is still said)


@pytest.mark.parametrize(
    "line", ["Claude (good):", "Critical (Blockers):", "Effort (hours):", "Development (40-50%)"]
)
def test_a_label_glossed_in_parentheses_is_prose(line: str) -> None:
    batch = parse(f'{line}\nTask("Coder", "Write hello.py.", "coder")\n')
    assert codes(batch) == ["SW015"], [d.format("x") for d in batch.diagnostics]
    assert [t.name for t in batch.tasks()] == ["Coder"]


def test_opencodes_lowercase_task_is_a_task() -> None:
    # opencode's docs and users' AGENTS.md write Claude Code's Task in lowercase, by name, as an
    # object, and over lines in a ```typescript block; `task(x)` of other code is not one.
    batch = parse(
        'task(subagent_type="explore", prompt="Find every place the token is validated")\n'
        'task({ subagent_type: "general", description: "Write tests", prompt: "Test it." })\n'
        "```typescript\n"
        "task({\n"
        '  subagent_type: "kuafu",\n'
        '  description: "T1: find the process",\n'
        '  prompt: "Run the diagnosis."\n'
        "})\n"
        "```\n"
    )
    assert [(t.name, t.agent_type) for t in batch.tasks()] == [
        ("Find every place", "Explore"),
        ("Write tests", "general"),
        ("T1: find the process", "kuafu"),
    ]
    assert "SW001" not in codes(batch)
    listing = parse("```ts\nconst r = await task(ctx)\n```\n")
    assert not listing.tasks() and "SW028" in codes(listing)


def test_codexs_spawn_agent_is_a_task() -> None:
    # Codex's skills start agents with its own tool, by name (graphify's skill, in a bare block):
    # its type as the closest of ours, its message the instructions, as written.
    batch = parse(
        "```\n"
        'spawn_agent(agent_type="worker", message="Review src/auth and list problems in R.md.")\n'
        "spawn_agent(agent_type='explorer', message='Map what imports src/auth.')\n"
        'spawn_agent(agent_type="tester", message="Test src/auth.")\n'
        "```\n"
    )
    assert [(t.agent_type, t.instructions, t.line) for t in batch.tasks()] == [
        ("general", "Review src/auth and list problems in R.md.", 2),
        ("Explore", "Map what imports src/auth.", 3),
        ("tester", "Test src/auth.", 4),
    ]
    assert not {"SW001", "SW009", "SW028"} & set(codes(batch))
    # Other code calling a function of that name is not Codex's tool.
    other = parse('Bash("ls")\nspawn_agent(config)\n')
    assert not other.tasks() and "SW009" in codes(other)


def test_pis_subagent_tool_is_the_agents_it_starts() -> None:
    # pi-subagents' skills (a "morphmap" recon step, in bare blocks): one agent, several at
    # once (`tasks`), or a chain whose steps run in turn, each after the one before it.
    batch = parse(
        "```\n"
        'subagent({ agent: "scout", task: "Recon src/auth.", context: "fresh" })\n'
        "```\n"
        "```\n"
        "subagent({ tasks: [\n"
        '  { agent: "scout", task: "Map the imports." },\n'
        '  { agent: "researcher", task: "Research OAuth PKCE." }\n'
        "], concurrency: 2 })\n"
        'subagent({ chain: [{ agent: "planner", task: "Plan it." }, '
        '{ agent: "worker", task: "Do {previous}" }] })\n'
        "```\n"
    )
    assert [(t.name, t.agent_type, t.instructions, t.line) for t in batch.tasks()] == [
        ("scout", "Explore", "Recon src/auth.", 2),
        ("scout 2", "Explore", "Map the imports.", 6),
        ("researcher", "researcher", "Research OAuth PKCE.", 7),
        ("planner", "planner", "Plan it.", 9),
        ("worker", "general", "Do {previous}", 9),
    ]
    assert [t.waits for t in batch.tasks()] == [[], [], [], [], ["swarm/planner/done"]]
    assert not {"SW001", "SW009", "SW028"} & set(codes(batch)), codes(batch)
    # Other code calling a function of that name is not pi's tool; an item without its task is
    # an error at it.
    other = parse('Bash("ls")\nsubagent(config)\nsubagent({ agent: "scout" })\n')
    assert [t.name for t in other.tasks()] == ["scout"]
    assert ("SW009", 2) in [(d.code, d.line) for d in other.diagnostics]
    assert ("SW012", 3) in [(d.code, d.line) for d in other.diagnostics]


def test_a_slash_command_is_said_not_run() -> None:
    # A Claude Code slash command in a command file's examples (as a regular expression
    # left open, it was `SW001 syntax error: missing /`).
    text = (
        'Task("Mapper", "Map the codebase.", "researcher")\n\n'
        "```\n/swarm --fast Add a greeting\n```\n"
        "  /gsd-code-review-fix ${PHASE_NUMBER}  — Auto-fix issues\n"
    )
    batch = parse(text)
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    said = [(d.line, d.severity, d.message) for d in batch.diagnostics if d.code == "SW027"]
    assert said == [
        (
            4,
            "warning",
            "`/swarm --fast Add a greeting` is a Claude Code slash command: swarmtui does not "
            "run it; write the operations it stands for (Task, Bash, …)",
        ),
        (6, "warning", said[1][2]),
    ]
    assert [t.name for t in batch.tasks()] == ["Mapper"]
    alone = parse("/swarm Add a greeting\n")
    assert sorted(codes(alone)) == ["SW021", "SW027"]
    (nothing,) = [d for d in alone.diagnostics if d.code == "SW021"]
    assert "its only commands are Claude Code slash commands (SW027)" in nothing.message


def test_a_directory_tree_written_with_slashes_is_a_listing() -> None:
    # contains-studio's brand-guardian agent: one SW027 per folder said they were commands.
    tree = "/brand-assets\n  /logos\n    /svg\n    /png\n  /colors\n    /swatches\n"
    batch = parse(f'Task("Designer", "Organise the assets.", "frontend-dev")\n```\n{tree}```\n')
    assert codes(batch) == ["SW028"], [d.format("x") for d in batch.diagnostics]
    assert [t.name for t in batch.tasks()] == ["Designer"]
    # (a slash command beside it is still said, and a list of commands is not a tree)
    said = parse(f"```\n/swarm Add a greeting\n{tree}```\n")
    assert [d.line for d in said.diagnostics if d.code == "SW027"][:1] == [2]
    commands = parse("```\n/swarm Add a greeting\n/gsd-progress\n```\n")
    assert [d.line for d in commands.diagnostics if d.code == "SW027"] == [2, 3]


def test_markdown_link_definitions_are_notes_not_code() -> None:
    # (`[1]:` was read as code: a syntax error, and the session failed)
    batch = parse(
        'Task("Researcher", "Summarize the paper [1] for the team", "researcher")\n'
        "\n"
        "## References\n"
        "\n"
        '[1]: https://arxiv.org/html/2509.25140v1 "ReasoningBank: Scaling Agent Memory"\n'
        "[claude-flow]: <https://github.com/ruvnet/claude-flow>\n"
        "[docs]: ./docs/batch-language.md (the reference)\n"
    )
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    assert [op.kind for op in batch.operations() if op.kind != "note"] == ["task"]
    # (an array written at a line's start is still code)
    assert parse('[1]: Task("A", "x", "coder")\n').has_errors
