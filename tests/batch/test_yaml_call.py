"""An operation's arguments written as YAML under its name (`Task:` then indented keys, or
`<Task>` … `</Task>`), as wshobson/agents' command files write each step: read as the call they
mean, values as YAML gives them; a block YAML does not read so is said at its line (SW019)."""

from __future__ import annotations

from pathlib import Path

from swarmtui.batch import BashOp

from .conftest import codes, parse, run_headless

# Shaped like wshobson/agents' legacy-modernize command (plugins/framework-migration).
STEPS = """\
### Step 1

Use the Task tool with subagent_type="coder":

```
Task:
  subagent_type: "coder"
  description: "Implement the parser"
  prompt: |
    Implement the parser in src/parser.py.

    ```python
    def parse(): ...
    ```
    Write tests for it.
```

### Step 2

```
Task:
  subagent_type: reviewer
  description: 'Review it'
  timeout: 600
  prompt: >
    Review the parser
    and its tests.
```

```bash
Bash("make test")
```
"""


def test_task_blocks_in_yaml_are_read() -> None:
    batch = parse(STEPS)
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    assert "SW028" not in codes(batch) and "SW019" not in codes(batch)
    coder, reviewer = batch.tasks()
    assert (coder.name, coder.agent_type, coder.line) == ("Implement the parser", "coder", 6)
    # `|` keeps the line breaks (and the fence in the prompt is the prompt's), `>` folds them.
    assert coder.instructions == (
        "Implement the parser in src/parser.py.\n\n```python\ndef parse(): ...\n```\n"
        "Write tests for it.\n"
    )
    assert (reviewer.name, reviewer.agent_type) == ("Review it", "reviewer")
    assert reviewer.instructions == "Review the parser and its tests.\n"
    assert reviewer.timeout == 600
    assert [op.command for op in batch.operations() if isinstance(op, BashOp)] == ["make test"]


def test_task_blocks_fenced_as_yaml_are_read() -> None:
    # (wshobson-style command files and skills fence the step as ```yaml: it was not read,
    # SW028, and the run "completed" with only the Bash)
    batch = parse(STEPS.replace("```\nTask:", "```yaml\n# The implementer\nTask:"))
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    assert "SW028" not in codes(batch) and "SW019" not in codes(batch)
    assert [(t.name, t.line) for t in batch.tasks()] == [
        ("Implement the parser", 7),
        ("Review it", 23),
    ]
    # A YAML document holding other keys is not a batch: not read, and its Task is named.
    other = parse(
        '```yaml\nTask:\n  subagent_type: coder\n  prompt: "Fix it."\nretries: 3\n```\n'
        '```yaml\n<Task>\nsubagent_type: coder\nprompt: "Fix it."\n```\nBash("make")\n'
    )
    assert not other.tasks()
    notes = [(d.line, d.message) for d in other.diagnostics if d.code == "SW028"]
    assert [line for line, _ in notes] == [1, 7]
    assert "not even the operation at line 2" in notes[0][1]


def test_a_task_tag_with_yaml_inside_is_read() -> None:
    batch = parse(
        "## Phase 1\n\n<Task>\nsubagent_type: coder\nprompt: |\n"
        '  Implement the parser in src/parser.py.\n</Task>\n\nBash("make test")\n'
    )
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    (task,) = batch.tasks()
    assert (task.agent_type, task.line, task.end_line) == ("coder", 3, 7)
    assert task.instructions == "Implement the parser in src/parser.py.\n"


def test_a_task_tags_last_block_runs_to_the_tag() -> None:
    # wshobson's ml-pipeline: the prompt's text goes on less indented than `|` allows (YAML
    # ends the prompt there); `</Task>` says where it ends, as its reader takes it.
    batch = parse(
        "<Task>\nsubagent_type: data-engineer\nprompt: |\n  Design the pipeline.\n\n"
        'Deliverables:\n\n1. An audit\n   - sources\n</Task>\n\nBash("make")\n'
    )
    assert not batch.has_errors and "SW019" not in codes(batch)
    (task,) = batch.tasks()
    assert task.agent_type == "data-engineer"
    assert (
        task.instructions == "Design the pipeline.\n\nDeliverables:\n\n1. An audit\n   - sources\n"
    )


def test_yaml_that_is_not_read_so_is_said_at_its_line() -> None:
    # The same under `Task:`, where nothing but YAML says where it ends.
    batch = parse(
        "Task:\n  subagent_type: data-engineer\n  prompt: |\n    Design the pipeline.\n"
        '  Deliverables: [\n\nBash("make")\n'
    )
    (warning,) = [d for d in batch.diagnostics if d.code == "SW019"]
    assert warning.line == 1 and "YAML" in warning.message and "line " in warning.message
    assert not batch.tasks()
    assert "SW001" not in codes(batch)  # (its lines are notes, not code)
    unclosed = parse('<Task>\nsubagent_type: coder\nprompt: x\n\nBash("make")\n')
    assert [d.line for d in unclosed.diagnostics if d.code == "SW019"] == [1]
    assert "</Task>" in next(d.message for d in unclosed.diagnostics if d.code == "SW019")


def test_a_value_yaml_reads_as_a_list_is_said() -> None:
    batch = parse('Task:\n  prompt: Build it\n  tools: &t [a, *t]\n\nBash("make")\n')
    (warning,) = [d for d in batch.diagnostics if d.code == "SW019"]
    assert "`tools`" in warning.message and not batch.tasks()


def test_prose_with_a_task_heading_is_not_a_call() -> None:
    batch = parse('Task:\n  - write the docs\n\nBash("make")\n')
    assert not batch.tasks() and "SW019" not in codes(batch)


def test_a_batch_of_yaml_steps_runs(tmp_path: Path) -> None:
    code, result = run_headless(tmp_path, STEPS)
    assert code == 0, result
    state = result["state"]
    assert state["status"] == "completed"
    assert sorted(a["name"] for a in state["agents"]) == ["Implement the parser", "Review it"]
