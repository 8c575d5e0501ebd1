"""Fenced blocks of pasted Markdown in other languages than the batch's: not read, said once per
block (SW028); listings without operations; `#` comments in shell blocks; dotted JSX tags;
claude-flow's `Memory.get`; one syntax error per line (docs/batch-language.md §3)."""

from __future__ import annotations

import pytest

from swarmtui.batch import MemoryOp, Severity, TaskOp

from .conftest import codes, parse

# Shaped like claude-flow's agent files: a Python SDK example (which writes `Task(` too), then
# the batch in a ```javascript block.
AGENT_FILE = """\
# Research Agent

## Python SDK
```python
from flow import Task

def spawn():
    return Task(id="1", prompt='Research "it"')
```

## Batch
```javascript
Task("Researcher", "Research the topic and store findings in memory", "researcher")
```
"""


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), 1) if needle in line)


def test_a_python_block_is_not_read_and_said_once() -> None:
    batch = parse(AGENT_FILE)
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    assert [t.name for t in batch.tasks()] == ["Researcher"]
    (note,) = [d for d in batch.diagnostics if d.code == "SW028"]
    assert note.severity is Severity.INFO
    assert note.line == _line_of(AGENT_FILE, "```python")
    assert note.message.startswith("a ```python block is not a batch: its 3 lines are not read")
    assert f"the operation at line {_line_of(AGENT_FILE, 'return Task(')}" in note.message
    # Its lines, fences included, are kept as notes without a note diagnostic each.
    python_rows = range(note.line, _line_of(AGENT_FILE, "## Batch") - 1)
    notes = {op.line for op in batch.operations() if op.kind == "note"}
    assert set(python_rows) - {note.line + 2} <= notes  # (all but the blank line)
    assert not [d for d in batch.diagnostics if d.code == "SW015" and d.line in python_rows]


# Claude Code's team tools as its docs show them: called in Python's notation.
PYTHON_CALLS = '''\
## Spawn teammates
```python
Task(
    subagent_type="general-purpose",
    name="graph-builder",
    prompt="""Build the graph.
Store it in memory under 'graph/done'.""",
    run_in_background=True,
)
# Then the reviewer:
Task(subagent_type="reviewer", name="checker", prompt="Review the graph", model=None)
```
'''


def test_a_python_block_of_operations_only_is_read() -> None:
    batch = parse(PYTHON_CALLS)
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    assert "SW028" not in codes(batch)
    builder, checker = batch.tasks()
    assert (builder.name, builder.agent_type) == ("graph-builder", "general")
    assert builder.instructions.endswith("under 'graph/done'.")
    assert (checker.name, checker.agent_type) == ("checker", "reviewer")


@pytest.mark.parametrize(
    "program",
    [
        "import flow\nTask(subagent_type='coder', prompt='Write it')",
        "Task(subagent_type='coder', prompt='Write it')\nresult = client.run()",
        "def spawn():\n    Task(subagent_type='coder', prompt='Write it')",
    ],
)
def test_a_python_block_with_any_other_statement_is_a_program(program: str) -> None:
    batch = parse(f"```python\n{program}\n```\n")
    assert not batch.tasks()
    assert "SW028" in codes(batch)


@pytest.mark.parametrize(
    ("language", "body"),
    [
        ("json", '{"tasks": [{"id": "1"}], "mode": "Task(x)"}'),
        ("yaml", "agents:\n  - name: Task(a)\n    type: coder"),
        ("rust", 'fn main() {\n    let t = Task::new("a");\n}'),
        ("html", '<div class="x">\n  <p>Task("A")</p>\n</div>'),
        ("css", ".card { color: red; }\n@media (max-width: 600px) { .card { color: blue } }"),
        ("text", "[00:00] Objective received: build it\n[00:01] Task decomposition done"),
    ],
)
def test_blocks_in_other_languages_are_not_read(language: str, body: str) -> None:
    text = f'Intro.\n```{language}\n{body}\n```\nBash("make")\n'
    batch = parse(text)
    assert "SW001" not in codes(batch) and "SW002" not in codes(batch), batch.diagnostics
    assert [op.kind for op in batch.operations() if op.kind != "note"] == ["bash"]
    (note,) = [d for d in batch.diagnostics if d.code == "SW028"]
    assert (note.line, note.column) == (2, 1)
    assert f"```{language} block is not a batch" in note.message


def test_a_batch_only_in_another_language_cannot_run() -> None:
    batch = parse('```python\nimport flow\nTask(id="1")\n```\n')
    assert not batch.tasks()
    (error,) = [d for d in batch.diagnostics if d.severity is Severity.ERROR]
    assert error.code == "SW021"
    assert "blocks not read as a batch (SW028" in error.message


# A ```typescript API listing, as in claude-flow's docs/api/README.md: class methods, nothing
# a batch would hold.
API_LISTING = """\
## TaskManager
```typescript
class TaskManager {
  async createTask(config: TaskConfig): Promise<Task>
  async getTask(id: string): Promise<Task | null>
  async assignTask(task: Task): Promise<void> {
    await this.sendTask(instance, task);
  }
}
```
"""


def test_a_typescript_listing_without_operations_is_not_read() -> None:
    batch = parse(API_LISTING + 'Bash("npm test")\n')
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    (note,) = [d for d in batch.diagnostics if d.code == "SW028"]
    assert note.line == 2 and note.severity is Severity.INFO
    assert "```typescript block without any operation" in note.message
    assert "its 7 lines are not read" in note.message
    alone = parse(API_LISTING)
    assert [d.code for d in alone.diagnostics if d.severity is Severity.ERROR] == ["SW021"]


@pytest.mark.parametrize("language", ["typescript", "ts", "javascript", "js", "jsx"])
def test_a_block_with_an_operation_is_read_with_its_errors(language: str) -> None:
    # A batch labelled ts: its syntax error is not hidden, and its operations are read.
    text = (
        f"```{language}\n"
        "const config: SwarmConfig = { topology: 'mesh' }\n"
        'Task("A", "Do a.", "coder")\n'
        "```\n"
    )
    batch = parse(text)
    assert "SW028" not in codes(batch)
    errors = [d for d in batch.diagnostics if d.code == "SW001"]
    assert errors and errors[0].line == 2
    assert [t.name for t in batch.tasks()] == ["A"]


@pytest.mark.parametrize(
    "line",
    [
        '[Task("A", "Do a.", "coder"), Bash("make")]',  # inside brackets
        'await Promise.all([Bash("make")])',
        "const r = await Write('out.txt', 'x')",
        "TodoWrite { todos: [] }",  # without parentheses
        "mcp__claude-flow__agent_spawn researcher --name Scout",  # command-line style
        'Memory.store("k", 1)',  # claude-flow's Memory tool
    ],
)
def test_any_operation_keeps_a_typescript_block_read(line: str) -> None:
    text = f"```typescript\nconst limit: number = 3\n{line}\n```\n"
    batch = parse(text)
    assert "SW028" not in codes(batch), line
    assert "SW001" in codes(batch)  # (the annotation: read, so said)


def test_an_unknown_operation_keeps_its_block_read() -> None:
    # `Tsak(...)` at the start of a line is a misspelt operation, which the batch must hear of.
    batch = parse('```js\nTsak("A", "Do a.", "coder")\n```\nBash("make")\n')
    assert "SW028" not in codes(batch)
    (warning,) = [d for d in batch.diagnostics if d.code == "SW009"]
    assert warning.line == 2


@pytest.mark.parametrize(
    "lines",
    [
        # a transcript (contains-studio, a Spanish /parallel-tasks command: `Claude (bien):`)
        'User: "Analyze Gmail, Notion and Holded"\n\nClaude (good):\nI will research the 3 APIs.',
        # an outline (contains-studio's finance-tracker, wshobson's wcag-audit, refactor-clean)
        "Development (40-50%)\n- Engineering salaries\nTesting (Unit Tests)",
        "Critical (Blockers):\n├── Missing alt text for functional images\nEffort (hours): 4",
    ],
)
def test_a_block_of_labels_glossed_in_parentheses_is_a_listing(lines: str) -> None:
    batch = parse(f'Task("A", "Do a.", "coder")\n```\n{lines}\n```\n')
    assert codes(batch) == ["SW028"], [d.format("x") for d in batch.diagnostics]
    assert [t.name for t in batch.tasks()] == ["A"]


@pytest.mark.parametrize(
    "line", ['Deploy("prod")', 'Deploy ("prod")', "Deploy (prod)", 'Deploy("prod"):']
)
def test_an_unknown_call_beside_glossed_labels_keeps_its_block_read(line: str) -> None:
    batch = parse(f'```\nClaude (good):\n{line}\n```\nBash("make")\n')
    assert "SW028" not in codes(batch)
    assert {"SW009", "SW001"} & set(codes(batch))
    assert [d.line for d in batch.diagnostics if d.code not in ("SW015", "SW002")] == [3]


def test_a_javascript_helper_beside_the_batch_is_a_listing() -> None:
    text = (
        "```javascript\nfunction retry(fn, n) {\n  for (let i = 0; i < n; i++) fn?.()\n}\n```\n"
        '```javascript\nTask("A", "Do a.", "coder")\n```\n'
    )
    batch = parse(text)
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    assert [d.line for d in batch.diagnostics if d.code == "SW028"] == [1]
    assert [t.name for t in batch.tasks()] == ["A"]


def test_an_unlabelled_block_is_read_as_the_batch_unless_it_holds_no_operation() -> None:
    batch = parse('```\nconst a: T = 1\nBash("make")\n```\n```\nconst b: T = 2\n```\n')
    assert [d.line for d in batch.diagnostics if d.code == "SW001"] == [2]
    # The second block writes no operation: a listing (a diagram, `(Agent #1)`, a transcript),
    # not a batch that failed to parse.
    (listing,) = [d for d in batch.diagnostics if d.code == "SW028"]
    assert listing.line == 5 and "a listing, not a batch" in listing.message
    diagram = parse("```\n   QUEEN\n  (Agent #1)\n   │\n```\n" + 'Task("A", "Do it.")\n')
    assert not diagram.has_errors and [t.name for t in diagram.tasks()] == ["A"]


def test_a_longer_fence_holds_shorter_ones() -> None:
    # A Markdown example around a shell example (as in our own docs): all of it is the
    # ````markdown block's, which is not read; what follows its closing fence is read.
    text = (
        "````markdown\n"
        "```bash\n"
        "./claude-flow start\n"
        "```\n"
        "````\n"
        'Bash("make")\n'
        "~~~python\n"
        "```\n"
        "x = 1\n"
        "~~~\n"
        'Write("a.txt", "a")\n'
    )
    batch = parse(text)
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    assert "SW027" not in codes(batch)
    assert [d.line for d in batch.diagnostics if d.code == "SW028"] == [1, 7]
    assert "its 3 lines" in batch.diagnostics[0].message
    assert [op.kind for op in batch.operations() if op.kind != "note"] == ["bash", "write"]


def test_fences_in_nested_list_items_are_fences() -> None:
    # A fence in a list item is indented as deep as the item's text (GSD's execute-phase
    # workflow nests one six spaces in): a fence, whose blocks are read or not by language.
    text = (
        "- Sub:\n"
        "  - Nested:\n"
        "      ```javascript\n"
        '      Task("Coder", "Fix the bug.", "coder")\n'
        "      ```\n"
        "      ```python\n"
        "      Task(id=1)\n"
        "      ```\n"
    )
    batch = parse(text)
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    assert [t.name for t in batch.tasks()] == ["Coder"]
    assert [d.line for d in batch.diagnostics if d.code == "SW028"] == [6]


def test_a_language_left_open_ends_at_the_next_fence_with_a_language() -> None:
    batch = parse('```python\nx = 1\n```javascript\nBash("make")\n```\n')
    assert [op.kind for op in batch.operations() if op.kind != "note"] == ["bash"]
    (note,) = [d for d in batch.diagnostics if d.code == "SW028"]
    assert "its 1 line is not read" in note.message


# -- shell blocks: a `#` after an operation is a comment ------------------------------------------


def test_a_comment_after_an_operation_in_a_shell_block() -> None:
    text = (
        "```bash\n"
        'Bash("npm test")  # run the tests\n'
        "Bash(\"echo '#1' && make\") # don't stop\n"
        'Task("A", "Do a.", "coder")	# tab before it\n'
        "```\n"
    )
    batch = parse(text)
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    bash = [op.command for op in batch.operations() if op.kind == "bash"]
    assert bash == ["npm test", "echo '#1' && make"]
    assert [t.name for t in batch.tasks()] == ["A"]


def test_a_hash_outside_a_shell_block_is_still_an_error() -> None:
    batch = parse('```javascript\nBash("npm test")  # run the tests\n```\n')
    assert [d.line for d in batch.diagnostics if d.code == "SW001"] == [2]


# -- JSX tags with dotted names -----------------------------------------------------------------


def test_dotted_jsx_tag_lines_are_notes() -> None:
    text = (
        "<ClaudeFlowContext.Provider value={flow}>\n"
        "  <App />\n"
        "</ClaudeFlowContext.Provider>\n"
        'Task("A", "Do a.", "coder")\n'
    )
    batch = parse(text)
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    assert [d.line for d in batch.diagnostics if d.code == "SW015"] == [1, 2, 3]


# -- claude-flow's Memory tool ------------------------------------------------------------------

# Shaped like claude-flow's .claude/commands/sparc/sparc-modes.md.
MEMORY_TOOL = """\
```javascript
// Store the architecture for other modes
Memory.store("system_architecture", {
  components: ["frontend", "backend"],
  scalability: "horizontal"
});

// Other modes can read it
const architecture = Memory.get("system_architecture");
Memory.retrieve("notes");
memory.get("plan")
```
"""


def test_memory_get_is_a_memory_read() -> None:
    batch = parse(MEMORY_TOOL)
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    assert "SW009" not in codes(batch)
    ops = [op for op in batch.operations() if isinstance(op, MemoryOp)]
    assert [(op.action, op.key) for op in ops] == [
        ("store", "system_architecture"),
        ("retrieve", "system_architecture"),
        ("retrieve", "notes"),
        ("retrieve", "plan"),
    ]
    assert ops[0].value == {"components": ["frontend", "backend"], "scalability": "horizontal"}
    assert ops[1].line == _line_of(MEMORY_TOOL, "Memory.get")


def test_memory_of_an_object_is_not_the_memory_tool() -> None:
    batch = parse('const v = this.memory.get("k")\nBash("make")\n')
    assert not [op for op in batch.operations() if isinstance(op, MemoryOp)]
    assert not [op for op in batch.operations() if isinstance(op, TaskOp)]


# -- one syntax error per line ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "start"),
    [
        (", a", "syntax error: unexpected `,`"),
        # (With two words in a row, `feat(batch): Add batch sizing`, they would be prose.)
        ("feat(batch): add", "syntax error: unexpected `:`"),
        # (With a word after its parentheses, `- O(1) push, pop`, it would be prose.)
        ("- O(1) = pop", "syntax error: unexpected `=`"),
    ],
)
def test_one_problem_on_a_line_is_said_once(line: str, start: str) -> None:
    batch = parse(f'## Notes\n{line}\nBash("make")\n')
    (error,) = [d for d in batch.diagnostics if d.code == "SW001"]
    assert error.line == 2 and error.message.startswith(start), error.message
    assert [op.kind for op in batch.operations() if op.kind != "note"] == ["bash"]


def test_problems_on_separate_lines_are_each_said() -> None:
    batch = parse("## Notes\n, a\n## More\n, b\n")
    assert [d.line for d in batch.diagnostics if d.code == "SW001"] == [2, 4]


def test_markdown_table_rows_are_notes() -> None:
    text = (
        'Bash("make")\n'
        "| Metric | Before | After |\n"
        "|--------|:------:|------:|\n"
        "| Speed  | 1x     | 2.8x  |\n"
        'Task("A", "Do a.", "coder")\n'
    )
    batch = parse(text)
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    assert [d.line for d in batch.diagnostics if d.code == "SW015"] == [2, 3, 4]
    assert [op.kind for op in batch.operations() if op.kind != "note"] == ["bash", "task"]
    # A line that goes on with an expression is not a table row (nor one starting `||`).
    broken = parse('Bash("make" +\n| "x" |\n')
    assert "SW015" not in codes(broken)


# Data in a block of its own, and the operations looping over it in the next (as docs write a
# team, then spawn it): the data is read, though no operation is written in its block.
TEAM = """\
## Team
```javascript
const team = [
  { type: "researcher", name: "Scout" },
  { type: "coder", name: "Builder" },
]
```
Then spawn them:
```javascript
LOOP
```
"""


@pytest.mark.parametrize(
    "loop",
    [
        'team.forEach(m => Task(m.name, "Do your part.", m.type))',
        'for (const m of team) {\n  Task(m.name, "Do your part.", m.type)\n}',
    ],
)
def test_data_in_its_own_block_is_read_for_the_operations_after_it(loop: str) -> None:
    batch = parse(TEAM.replace("LOOP", loop))
    assert [(t.name, t.agent_type) for t in batch.tasks()] == [
        ("Scout", "researcher"),
        ("Builder", "coder"),
    ]
    assert {"SW028", "SW019", "SW021", "SW001"}.isdisjoint(codes(batch))


def test_data_whose_name_only_prose_uses_is_a_listing() -> None:
    # contains-studio's brand-guardian agent: `export const brand = {…}` with `// ... full
    # palette` in it, then "Be the keeper of brand integrity.": not a loop over `brand`.
    text = (
        'Task("Designer", "Apply the brand tokens.", "frontend-dev")\n'
        "```javascript\nexport const brand = {\n  colors: {\n    primary: 'var(--brand)',\n"
        "    // ... full palette\n  },\n  spacing: { unit: 4 }\n}\n```\n\n"
        "Be the keeper of brand integrity.\nFor each of brand guidelines, see brand.md.\n"
    )
    batch = parse(text)
    assert set(codes(batch)) == {"SW015", "SW028"}, [d.format("x") for d in batch.diagnostics]
    assert [t.name for t in batch.tasks()] == ["Designer"]
    # (a loop over it, `for await (const b of brand)`, still makes it the batch's data)
    looped = text + 'for await (const [k, v] of brand) {\n  Task(k, v, "coder")\n}\n'
    assert "SW028" not in codes(parse(looped))


def test_data_nothing_after_it_uses_is_a_listing() -> None:
    text = (
        "```typescript\nconst limits = {\n  heap: 512 * 1024 * 1024,\n}\n```\n"
        'Task("A", "Do it.", "coder")\n'
    )
    batch = parse(text)
    assert "SW028" in codes(batch) and "SW001" not in codes(batch)
    assert [t.name for t in batch.tasks()] == ["A"]


# An agent file's front matter, as ruflo's begin: its hooks are shell claude-flow runs.
FRONT_MATTER = (
    "---\n"
    "name: sparc-orchestrator\n"
    "hooks:\n"
    "  pre: |\n"
    '    mcp__claude-flow__memory_usage --action="store" --key="session:$SESSION_ID"\n'
    "---\n"
)
SPEC_TASK = 'Task("Spec Agent", "Write docs/spec.md.", "specification")\n'


def test_an_agent_files_front_matter_is_metadata_not_a_batch() -> None:
    # ruflo's agent files: hooks in the front matter are shell run by claude-flow around the
    # agent; read as the batch, their memory commands became stores with `$SESSION_ID` in keys.
    text = FRONT_MATTER + "\n# SPARC Orchestrator\n" + SPEC_TASK
    batch = parse(text)
    assert [op.kind for op in batch.operations() if op.kind != "note"] == ["task"]
    (front,) = [d for d in batch.diagnostics if d.code == "SW028"]
    assert front.line == 1 and "front matter" in front.message and "4 lines" in front.message
    # A rule (`---`) above a batch, or a "front matter" that never closes, is read as before.
    unclosed = parse(text.replace("---\n\n", "\n"))
    assert "SW028" not in codes(unclosed)
    assert [op.kind for op in unclosed.operations() if op.kind != "note"] == ["memory", "task"]
    assert "SW028" not in codes(parse('---\nTask("A", "Do it.")\n---\n'))


@pytest.mark.parametrize("before", ["\ufeff", "\n", "\r\n \n"])
def test_a_front_matter_after_a_byte_order_mark_or_blank_lines_is_metadata(before: str) -> None:
    # An agent file saved by Windows Notepad (a UTF-8 BOM), or pasted after an empty line: its
    # hooks' memory stores (`session:$SESSION_ID`) must not run as the batch's.
    text = before + FRONT_MATTER + SPEC_TASK
    batch = parse(text)
    assert [op.kind for op in batch.operations() if op.kind != "note"] == ["task"]
    (front,) = [d for d in batch.diagnostics if d.code == "SW028"]
    assert front.line == 1 + before.count("\n") and "4 lines" in front.message


@pytest.mark.parametrize(
    ("body", "why"),
    [
        # claude-flow's command files (src/templates/claude-optimized/.claude/commands/sparc.md)
        (
            "# SPARC\n```bash\nnpx claude-flow sparc run\n```\n",
            "its only commands are in shell blocks (SW027), which are not run, and its front "
            "matter is the file's metadata, which is not read (SW028)",
        ),
        (
            "# SPARC\nRun the phases.\n",
            "it holds only prose (notes), no operation, and its front matter is the file's "
            "metadata, which is not read (SW028)",
        ),
        ("", "it holds only its front matter, the file's metadata, which is not read (SW028)"),
        # (a block not read besides the front matter: said as before)
        (
            "```bash\nnpm test\n```\n```python\nx = 1\n```\n",
            "its only commands are in shell blocks (SW027), which are not run, and the rest of "
            "its code in blocks not read as a batch (SW028: another language, or no operation "
            "in them)",
        ),
    ],
)
def test_nothing_runnable_says_a_front_matter_is_metadata_not_code(body: str, why: str) -> None:
    batch = parse("---\nname: sparc\ndescription: SPARC\n---\n\n" + body)
    (nothing,) = [d for d in batch.diagnostics if d.code == "SW021"]
    assert (
        nothing.message == f"nothing in this batch can run: {why}; add a Task, Bash, Write, "
        "TodoWrite or memory operation"
    )


@pytest.mark.parametrize(
    "listing",
    [
        # claude-flow's CLI docs and v3's DDD plan: a constructor, not the operation.
        "async function spawn(args) {\n  const agent = new Agent(args.type);\n  return agent;\n}",
        "class Task {\n  static create(d) {\n"
        "    return new Task({ id: 1, description: d });\n  }\n}",
    ],
)
def test_a_constructor_of_an_operations_name_is_a_listing(listing: str) -> None:
    batch = parse(f'```typescript\n{listing}\n```\nTask("Core", "Set up the domain", "coder")\n')
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    assert [t.name for t in batch.tasks()] == ["Core"]
    assert "listing" in next(d.message for d in batch.diagnostics if d.code == "SW028")


def test_a_drawing_with_slashes_is_no_slash_command() -> None:
    # claude-flow's tester agent: the test pyramid.
    pyramid = (
        "```\n         /\\\n        /E2E\\      <- Few, high-value\n       /------\\\n"
        "      /Integr. \\   <- Moderate coverage\n     /----------\\\n```\n"
    )
    batch = parse(pyramid + 'Bash("npm test")\n')
    assert not batch.has_errors and "SW027" not in codes(batch)
    assert "SW028" in codes(batch)
    assert "SW027" in codes(parse("/swarm --fast Add a greeting\n"))
