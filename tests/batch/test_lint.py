"""Every diagnostic code of §7: a batch that triggers it, and a clean batch where it is silent."""

from __future__ import annotations

import pytest

from swarmtui.batch import Severity
from swarmtui.batch.lint import BASH_DEFAULT_CAP, BATCH_WRITER
from swarmtui.batch.models import TodoWriteOp
from swarmtui.config import BashOptions

from .conftest import codes, parse

CLEAN = """\
[Single Message - Clean]:
mcp__claude_flow__swarm_init({ topology: "mesh", maxAgents: 4 })
Task("Planner", "Plan the work. Store the plan in memory under 'swarm/clean/plan'.", "planner")
Task("Coder", "Read the plan from memory 'swarm/clean/plan'. Implement it. " +
     "Store a report in 'swarm/clean/code'.", "coder")
Task("Tester", "Wait for 'swarm/clean/code' in memory. Test it.", "tester")
TodoWrite({ todos: [
  {id: "1", content: "Plan the work", status: "in_progress", priority: "high", agent: "Planner"},
  {id: "2", content: "Implement it", status: "pending", priority: "high", agent: "Coder"},
  {id: "3", content: "Test it", status: "pending", priority: "medium", agent: "Tester"},
]})
Write("notes/readme.md", "hello")
Bash("ls", { timeout: 5 })
"""

TRIGGERS = {
    "SW001": 'Task("A", "x" "y", "coder")\n',
    "SW002": 'Write("a.txt", content1)\n',
    "SW003": 'Task("A", {...}, "coder")\n',
    "SW004": 'Task("A", "Wait for \'swarm/nothing\' in memory.", "coder")\n',
    "SW005": (
        'Task("A", "Wait for \'k/b\' in memory. Store it in \'k/a\'.", "coder")\n'
        'Task("B", "Wait for \'k/a\' in memory. Store it in \'k/b\'.", "coder")\n'
    ),
    "SW006": (
        '[Message]:\nTask("A", "Store it in \'k/a\'.", "coder")\n'
        '[Message]:\nTask("B", "Store it in \'k/b\'.", "coder")\n'
    ),
    "SW007": ('Task("A", "Store it in \'k/a\'.", "coder")\nTask("B", "Just code.", "coder")\n'),
    "SW008": 'Task("A", "x", "coder")\nTask("B", "y", "coder")\n'
    'TodoWrite({todos: [{id: "1", content: "all of it"}]})\n',
    "SW009": 'Task("A", "Do it.", "reviewr")\n',
    "SW010": 'Write("../../etc/passwd", "x")\n',
    "SW011": 'Task("A", "x", "coder")\nTask("A", "y", "coder")\n',
    "SW012": 'mcp__claude_flow__swarm_init({topology: "blob"})\n',
    "SW013": (
        'Task("A", "Store the deploy plan in \'k/plan\'.", "planner")\n'
        'Task("B", "Wait for the deploy plan.", "coder")\n'
    ),
    "SW014": 'Task("A", "", "coder")\n',
    "SW015": 'Bash("ls")\nTotal time: 40 minutes\n',
    "SW024": 'Bash("cd /srv/app && make")\n',
    "SW025": 'for (const name of ["A", "B"]) { Task(name, "Do it.", "coder") }\n',
    "SW026": '> Task("A", "Do it.", "coder")\n',
    "SW029": (
        '// Phase 1: Spec\nTask("A", "Write the spec.", "specification")\n'
        '// Phase 2: Code\nTask("B", "Write the code.", "coder")\n'
    ),
}

# The severity of every code, as §7 lists it (SW015, the note, is info).
SEVERITIES = {
    "SW001": Severity.ERROR,
    "SW002": Severity.ERROR,
    "SW003": Severity.WARNING,
    "SW004": Severity.ERROR,
    "SW005": Severity.ERROR,
    "SW006": Severity.WARNING,
    "SW007": Severity.INFO,
    "SW008": Severity.INFO,
    "SW009": Severity.WARNING,
    "SW010": Severity.ERROR,
    "SW011": Severity.ERROR,
    "SW012": Severity.ERROR,
    "SW013": Severity.INFO,
    "SW014": Severity.WARNING,
    "SW015": Severity.INFO,
    "SW024": Severity.WARNING,
    "SW025": Severity.INFO,
    "SW026": Severity.INFO,
    "SW029": Severity.WARNING,
}


@pytest.mark.parametrize("code", sorted(TRIGGERS))
def test_code_is_silent_on_clean_batch(code: str) -> None:
    assert code not in codes(parse(CLEAN))


def test_clean_batch_has_no_diagnostics_at_all() -> None:
    batch = parse(CLEAN)
    assert batch.diagnostics == []
    assert all(op.skip_reason is None for op in batch.operations())


@pytest.mark.parametrize("code", sorted(TRIGGERS))
def test_code_is_triggered(code: str) -> None:
    batch = parse(TRIGGERS[code])
    found = [d for d in batch.diagnostics if d.code == code]
    assert found, [d.format("t") for d in batch.diagnostics]
    assert {d.severity for d in found} == {SEVERITIES[code]}
    # An error skips an operation; a warning or note alone skips nothing but placeholders.
    skipped = any(op.skip_reason for op in batch.operations())
    assert skipped == (SEVERITIES[code] is Severity.ERROR or code == "SW003")


def test_sw005_names_the_cycle() -> None:
    diag = next(d for d in parse(TRIGGERS["SW005"]).diagnostics if d.code == "SW005")
    assert "A → B → A" in diag.message


def test_sw006_says_the_speedup() -> None:
    diag = next(d for d in parse(TRIGGERS["SW006"]).diagnostics if d.code == "SW006")
    assert "could share message 1" in diag.message
    assert "2.0×" in diag.message


def test_sw006_knows_that_waiting_for_all_agents_would_wait_in_the_new_message_too() -> None:
    # "Wait for all agents" waits for the agents of its own message: moved into message 1, b
    # would wait for a there, so the move gains nothing and is not advised.
    text = (
        "Message 1:\n"
        'Task("a", "Research the options and write them under \'x/a\'.", "researcher")\n'
        "Message 2:\n"
        'Task("b", "wait for all agents to complete, then write the report", "coder")\n'
    )
    assert "SW006" not in codes(parse(text))
    # When the move still gains, the gain counts the wait: z waits for b too once b joins it.
    text = (
        "Message 1:\n"
        'Task("a", "Research the options and write them under \'x/a\'.", "researcher")\n'
        'Task("z", "Wait for all agents to complete, then summarise.", "planner")\n'
        "Message 2:\n"
        'Task("b", "Write the changelog.", "coder")\n'
    )
    diag = next(d for d in parse(text).diagnostics if d.code == "SW006")
    assert "expected speed-up 1.5× (3 → 2 agent-lengths)" in diag.message


def test_sw006_knows_that_waiting_for_all_agents_leaves_out_those_waiting_for_it() -> None:
    # QA waits for every agent but Reviewer, who waits for QA: moved into message 1 the chain
    # is as long, so no move is advised (nor a cycle imagined).
    text = (
        "Message 1:\n"
        'mcp__claude-flow__memory_usage({ action: "store", key: "plan", value: "x" })\n'
        "Message 2:\n"
        'Task("Backend", "Build the API.", "backend-dev")\n'
        'Task("QA", "Wait for all agents to complete, then test.", "tester")\n'
        'Task("Reviewer", "Wait for QA, then review.", "reviewer")\n'
    )
    batch = parse(text)
    assert batch.task("Reviewer").waits == ["swarm/qa/done"]  # type: ignore[union-attr]
    assert batch.task("QA").waits == ["swarm/backend/done"]  # type: ignore[union-attr]
    assert "SW006" not in codes(batch) and "SW005" not in codes(batch)


def test_sw009_suggests_closest_type_and_flags_unknown_operation() -> None:
    diag = next(d for d in parse(TRIGGERS["SW009"]).diagnostics if d.code == "SW009")
    assert "'reviewer'" in diag.message
    assert (diag.column, diag.end_column) == (21, 30)
    assert "SW009" in codes(parse('Deploy("x")\n'))


def test_sw011_skips_only_the_duplicate() -> None:
    batch = parse(TRIGGERS["SW011"])
    first, second = batch.tasks()
    assert first.skip_reason is None and second.skip_reason


def test_sw011_names_that_would_share_files() -> None:
    # `Coder A` and `coder-a` would write the same report and log: the second is refused.
    batch = parse('Task("Coder A", "x", "coder")\nTask("coder-a", "y", "coder")\n')
    (diag,) = [d for d in batch.diagnostics if d.code == "SW011"]
    assert diag.line == 2 and "'Coder A'" in diag.message and "'coder-a'" in diag.message
    assert [bool(t.skip_reason) for t in batch.tasks()] == [False, True]
    # Names in other scripts are different names.
    assert "SW011" not in codes(parse('Task("分析", "x", "coder")\nTask("設計", "y", "coder")\n'))


def test_sw012_bad_values() -> None:
    text = (
        'mcp__claude_flow__swarm_init({topology: "blob"})\n'
        'mcp__claude_flow__memory_usage({action: "push", key: "k"})\n'
        'Bash("ls", {timeout: -1})\n'
        'TodoWrite({todos: [{id: "1", content: "x", priority: "urgent"}]})\n'
    )
    batch = parse(text)
    assert [d.line for d in batch.diagnostics if d.code == "SW012"] == [1, 2, 3, 4]
    # A bad todo field takes the default (a warning); the other bad values skip their operation.
    assert [bool(op.skip_reason) for op in batch.operations()] == [True, True, True, False]


def test_sw011_the_name_of_the_batchs_writes_is_taken() -> None:
    batch = parse(f'Task("{BATCH_WRITER}", "x", "coder")\nTask("batch", "y", "coder")\n')
    [diag] = [d for d in batch.diagnostics if d.code == "SW011"]
    assert diag.line == 1 and "is swarmtui's own" in diag.message
    assert [bool(t.skip_reason) for t in batch.tasks()] == [True, False]


def test_sw012_a_timeout_that_stops_at_once_or_passes_the_cap() -> None:
    text = (
        'Bash("npm test", {timeout: 120000})\n'  # milliseconds, as Claude Code counts them
        'Bash("make", {timeout: 900})\n'
        'Bash("make check", {timeout: 0})\n'
        'Task("A", "Do it.", "coder", {timeout: 0})\n'
        'Bash("ls", {timeout: 600})\n'  # the cap itself: fine
    )
    batch = parse(text)
    found = [(d.line, d.severity, d.message) for d in batch.diagnostics if d.code == "SW012"]
    assert found == [
        (
            1,
            Severity.WARNING,
            "`timeout: 120000` counts seconds, not milliseconds as in Claude Code: did you mean "
            "`timeout: 120`? As written, the command is stopped at the default cap of 600 s "
            "unless swarmtui.toml raises `[bash] max_timeout`",
        ),
        (
            2,
            Severity.WARNING,
            "`timeout: 900` is more than the cap: the command is stopped at the default cap of "
            "600 s unless swarmtui.toml raises `[bash] max_timeout`",
        ),
        (
            3,
            Severity.ERROR,
            "`timeout: 0` would stop the command at once: give the seconds it may run, or no "
            "timeout for the default",
        ),
        (
            4,
            Severity.ERROR,
            "`timeout: 0` would stop the agent at once: give the seconds it may run, or no "
            "timeout for the default",
        ),
    ]
    # A warning runs (at the cap); a timeout of 0 does not run at all.
    assert [bool(op.skip_reason) for op in batch.operations()] == [False, False, True, True, False]


def test_sw012_a_timeout_written_in_milliseconds_is_not_asked_about_them() -> None:
    # Claude Code's shape counts milliseconds: past the cap, said in them, never "did you mean".
    batch = parse(
        'Bash({ command: "make", timeout: 1200000 })\n'
        'Bash(command: "make", timeout: 900000)\n'
        'BatchTool({ invocations: [{ tool_name: "Bash", input: { command: "make",'
        " timeout: 2000000 } }] })\n"
        'Bash({ command: "npm test", timeout: 600000 })\n'  # the cap itself: fine
        'Bash("echo command: x", { timeout: 1200 })\n'  # our own shape: seconds
    )
    found = {d.line: d.message for d in batch.diagnostics if d.code == "SW012"}
    assert sorted(found) == [1, 2, 3, 5]
    cap = "is more than the cap: the command is stopped at the default cap of 600 s"
    assert found[1].startswith(f"`timeout: 1200000` ms {cap}")
    assert found[2].startswith(f"`timeout: 900000` ms {cap}")
    assert found[3].startswith(f"`timeout: 2000000` ms {cap}")
    assert "did you mean `timeout: 1.2`?" in found[5]


def test_sw012_a_negative_timeout_asks_for_more_than_0_as_0_is_refused_too() -> None:
    batch = parse(
        'Bash("make", {timeout: -5})\n'
        'Task("A", "Do it.", "coder", {timeout: -1})\n'
        'memory.store("k", "v", {ttl: -1})\n'  # (a ttl of 0 keeps the key: ≥ 0 is right)
    )
    assert [d.message for d in batch.diagnostics if d.code == "SW012"] == [
        "`timeout` must be a number of seconds > 0, not -5",
        "`timeout` must be a number of seconds > 0, not -1",
        "`ttl` must be a number of seconds ≥ 0, not -1",
    ]
    assert all(op.skip_reason for op in batch.operations())


def test_sw012_an_agents_timeout_in_milliseconds_gets_the_bash_hint() -> None:
    batch = parse(
        'Task("A", "Do it.", "coder", {timeout: 120000})\n'
        'Task("B", "Do it.", "coder", {timeout: 28800})\n'  # a working day: plausible seconds
        'Task("C", "Do it.", "coder", {timeout: 3600})\n'
        'Bash("npm test", {timeout: 120000})\n'
    )
    found = [(d.line, d.severity, d.message) for d in batch.diagnostics if d.code == "SW012"]
    hint = (
        "`timeout: 120000` counts seconds, not milliseconds as in Claude Code: did you mean "
        "`timeout: 120`?"
    )
    assert [(line, severity) for line, severity, _ in found] == [
        (1, Severity.WARNING),
        (4, Severity.WARNING),
    ]
    assert found[0][2] == f"{hint} As written, the agent may run for 33.3 hours"
    assert found[1][2].startswith(f"{hint} As written, the command is stopped")
    assert not any(op.skip_reason for op in batch.operations())  # (a warning: it runs)


def test_sw026_a_quoted_operation_that_runs_is_said_at_its_line() -> None:
    batch = parse(
        'Task("A", "Do a.", "coder")\n'
        '> Task("B", "Do b.", "coder")\n'
        '  >Bash "npm test"\n'
        '> await Promise.all([Task("C", "Do c.", "coder"), Task("D", "Do d.", "coder")])\n'
        '> Read("notes.md")\n'  # recorded, not run: nothing to warn of
        '> Bash("make", {timeout: -1})\n'  # skipped: it does not run
        "> a line of prose\n"  # a note, as before
        '- Task("E", "Do e.", "coder")\n'
    )
    found = [(d.line, d.column, d.end_column) for d in batch.diagnostics if d.code == "SW026"]
    assert found == [(2, 1, 30), (3, 3, 19), (4, 1, 49)]  # once a line, from the `>`
    (note,) = {d.message for d in batch.diagnostics if d.code == "SW026"}
    assert "quoted with `>` but runs as an operation" in note
    # What runs is unchanged: every quoted operation still runs.
    assert [t.name for t in batch.tasks()] == ["A", "B", "C", "D", "E"]
    assert [t.skip_reason for t in batch.tasks()] == [None] * 5


def test_the_linters_bash_cap_is_the_built_in_one() -> None:
    assert BashOptions().max_timeout == BASH_DEFAULT_CAP


def test_sw014_unmatched_wait_phrase() -> None:
    batch = parse(
        'Task("A", "Store it in \'k/a\'.", "coder")\n'
        'Task("B", "Wait for the unicorn approval.", "coder")\n'
    )
    diag = next(d for d in batch.diagnostics if d.code == "SW014")
    assert "unicorn" in diag.message and diag.severity is Severity.WARNING
    b = batch.task("B")
    assert b is not None and b.waits == [] and b.skip_reason is None


@pytest.mark.parametrize(
    "task",
    [
        # A template's slot for the task, never filled in (a user's CLAUDE.md, "Hybrid Execution").
        'Task("Add missing auth tests", "test_gaps", "tester")',
        'Task("Fix it", "vulnerabilityList", "coder")',
        # claude-flow's own "WRONG (Multiple Messages)" example: the agent's name and nothing else.
        'Task("agent 1")',
        'Task("Research agent")',
    ],
)
def test_sw014_instructions_that_are_only_a_name(task: str) -> None:
    batch = parse(task + "\n")
    (diag,) = [d for d in batch.diagnostics if d.code == "SW014"]
    assert "only a name" in diag.message and diag.severity is Severity.WARNING
    # It still runs, as the user wrote it: the warning says what the agent will be told.
    (op,) = batch.tasks()
    assert op.skip_reason is None and op.instructions in diag.message


@pytest.mark.parametrize(
    "task",
    [
        'Task("Tester", "Test.", "tester")',
        'Task("Write unit tests")',
        'Task("Coder", "Implement user_service.py and its tests.", "coder")',
        'Task("Worker 2", "Index the docs.", "coder")',
        'Task("Agent 1", "agent 1 of 3: split the work.", "coder")',
    ],
)
def test_sw014_is_silent_on_short_real_instructions(task: str) -> None:
    assert "SW014" not in codes(parse(task + "\n"))


@pytest.mark.parametrize(
    ("task", "keys"),
    [
        # A user's agent file: the task under `query`, beside a key of its own.
        (
            'Task({ subagent_type: "web-expert", query: "查询配料", response_language: "zh" })',
            "`query`, `response_language` are not arguments",
        ),
        ('Task({ subagent_type: "coder", promt: "Write hello.py" })', "`promt` is not an argument"),
        (
            'Task({ subagent_type: "coder", description: "Hi", query: "Write hi.py" })',
            "`query` is not an argument",
        ),
    ],
)
def test_task_text_under_a_key_task_does_not_take_is_an_error(task: str, keys: str) -> None:
    batch = parse(task + "\n")
    (diag,) = [d for d in batch.diagnostics if d.severity is Severity.ERROR]
    assert diag.code == "SW012" and diag.message.startswith(keys)
    assert "its `prompt`" in diag.message
    assert (diag.line, diag.column) == (1, task.index(keys[1:].split("`")[0]) + 1)
    # Not run told only its description, or nothing; and not said twice (SW014).
    (op,) = batch.tasks()
    assert op.skip_reason is not None
    assert "SW014" not in codes(batch)


@pytest.mark.parametrize(
    "task",
    [
        'Task({ subagent_type: "coder", prompt: "Write it", query: "extra" })',
        'Task({ subagent_type: "coder", description: "Write hello.py", model: "sonnet" })',
        'Task({ subagent_type: "coder", description: "Write hello.py", ... })',
    ],
)
def test_a_task_with_its_prompt_or_only_known_keys_is_not_said(task: str) -> None:
    assert "SW012" not in codes(parse(task + "\n"))


def test_sw014_folds_many_agents_told_only_a_name() -> None:
    text = "".join(f'Task("Part {i}", "part_{i}_results", "coder")\n' for i in range(4))
    (diag,) = [d for d in parse(text).diagnostics if d.code == "SW014"]
    assert diag.message.startswith("4 agents' instructions are only a name")
    assert all(f"Part {i}" in diag.message for i in range(4))


@pytest.mark.parametrize(
    "task",
    [
        # claude-flow v3's /swarm command: the spawn pattern, shipped with stub prompts.
        'Task({ prompt: "Research...", subagent_type: "researcher", description: "R" })',
        'Task("Coder", "Implement…", "coder")',
        # Users' swarm skills: "same as above" slots.
        'Task("worker-2", "[Same prompt as worker-1]", "coder")',
        "Task({ description: \"Architect\", prompt: '[full prompt]' })",
    ],
)
def test_sw003_a_templates_stub_prompt_is_a_placeholder(task: str) -> None:
    batch = parse(task + '\nTask("Docs", "Write the docs for it...", "api-docs")\n')
    (diag,) = [d for d in batch.diagnostics if d.code == "SW003"]
    assert "template's stub" in diag.message and diag.line == 1
    stub, docs = batch.tasks()
    # Skipped (the session says why it did not run), unlike real instructions that trail off.
    assert (stub.skip_reason or "").startswith("SW003") and docs.skip_reason is None


def test_sw003_stubs_fold_and_each_agent_is_skipped() -> None:
    text = "".join(f'Task("P{i}", "Step{i}...", "coder")\n' for i in range(4))
    batch = parse(text)
    (diag,) = [d for d in batch.diagnostics if d.code == "SW003"]
    assert diag.message.startswith("placeholder left to fill in: 4 agents'")
    assert all((op.skip_reason or "").startswith("SW003") for op in batch.tasks())


@pytest.mark.parametrize(
    ("instructions", "slot"),
    [
        # Claude Code's slash commands: `$ARGUMENTS`, `$1`…`$9` (wshobson's ml-pipeline).
        ("Design and implement a complete ML pipeline for: $ARGUMENTS", "$ARGUMENTS"),
        ("Fix issue #$1 with priority $2.", "$1"),
        # claude-flow's SPARC orchestrator agent: "Analyze requirements for: $TASK."
        ("Analyze requirements for: $TASK. Document constraints.", "$TASK"),
        ("Write failing unit tests for: ${FEATURE}", "${FEATURE}"),
    ],
)
def test_sw003_a_templates_slot_left_in_instructions_is_a_placeholder(
    instructions: str, slot: str
) -> None:
    batch = parse(
        f'Task("Spec", "{instructions}", "coder")\nTask("Docs", "Write docs.", "api-docs")\n'
    )
    (diag,) = [d for d in batch.diagnostics if d.code == "SW003"]
    assert diag.line == 1 and f"Spec's instructions hold {slot}, a slot of the" in diag.message
    spec, docs = batch.tasks()
    assert (spec.skip_reason or "").startswith("SW003") and docs.skip_reason is None


@pytest.mark.parametrize(
    "instructions",
    [
        # Shell variables an agent is told to use, and what `$` and a digit are elsewhere.
        "Install into $HOME/.local and put it on $PATH.",
        "Authenticate with $GITHUB_TOKEN; log $TASK_ID.",
        "Keep it under $5 per run and $2.50 a call ($1,000 in all, or $10).",
        "Count them: git log | awk '{print $1}' | sort; f=$1; echo \\\\$2",
    ],
)
def test_sw003_shell_variables_and_prices_in_instructions_are_not_slots(instructions: str) -> None:
    batch = parse(f'Task("Ops", "{instructions}", "coder")\n')
    assert "SW003" not in codes(batch)
    assert batch.tasks()[0].skip_reason is None


@pytest.mark.parametrize(
    ("instructions", "slot"),
    [
        # wshobson's commands: the orchestrator was to insert the files' contents.
        ("Review the code.\\n[Insert contents of .full-review/00-scope.md]", "[Insert contents"),
        # binto-labs' fixer templates, Roo Code's orchestrator templates, a critic skill.
        ("Fix these issues:\\n  [Paste validation output]\\nThen verify.", "[Paste validation"),
        ("Implement it.\\n## Needs\\n- [Requirement 1]\\n- [Requirement 2]", "[Requirement 1]"),
        ("Review this plan:\\n[PLAN SUMMARY]\\nCheck for errors.", "[PLAN SUMMARY]"),
        ("Your task: <your task here>. Report back.", "<your task here>"),
    ],
)
def test_sw003_a_templates_bracketed_slot_in_instructions_is_a_placeholder(
    instructions: str, slot: str
) -> None:
    batch = parse(
        f'Task("Spec", "{instructions}", "coder")\nTask("Docs", "Write docs.", "api-docs")\n'
    )
    (diag,) = [d for d in batch.diagnostics if d.code == "SW003"]
    assert diag.line == 1 and f"Spec's instructions hold {slot}" in diag.message
    spec, docs = batch.tasks()
    assert (spec.skip_reason or "").startswith("SW003") and docs.skip_reason is None


@pytest.mark.parametrize(
    "instructions",
    [
        # What brackets are in real instructions: a checklist, an index, a link, an INI
        # section, a command's own slots the agent fills in, words in brackets in a sentence.
        "Tick them off:\\n- [x] parse\\n- [ ] lint\\nUse arr[0] and see [the docs](http://x).",
        "Write config.ini:\\n[database]\\nhost = x",
        "Run hooks post-edit --file [file] and notify --message '[metrics]' --key <path>.",
        "Store the key as requirements/<topic> with value <your findings>.",
        "Name it [YYYY-MM-DD]-report.md; the cache [cache miss] path is slow.",
    ],
)
def test_sw003_brackets_that_are_not_a_templates_slot(instructions: str) -> None:
    batch = parse(f'Task("Ops", "{instructions}", "coder")\n')
    assert "SW003" not in codes(batch), [d.message for d in batch.diagnostics]
    assert batch.tasks()[0].skip_reason is None


def test_sw003_slots_fold_and_each_agent_is_skipped() -> None:
    text = "".join(f'Task("P{i}", "Step {i} of: $ARGUMENTS", "coder")\n' for i in range(3))
    batch = parse(text)
    (diag,) = [d for d in batch.diagnostics if d.code == "SW003"]
    assert diag.message.startswith("placeholder left to fill in: 3 agents' instructions hold")
    assert all((op.skip_reason or "").startswith("SW003") for op in batch.tasks())


# claude-flow's SPARC orchestrator agent (ruflo .claude/agents/sparc/sparc-orchestrator.md):
# "Agent Delegation Pattern", three phases in one message.
SPARC_PHASES = """\
```javascript
// Phase 1: Specification
Task("Specification Agent", "Write docs/spec.md for a CLI that prints the date.", "specification")

// Phase 2: Pseudocode
Task("Pseudocode Agent", "Design algorithms based on specification.", "pseudocode")

// Phase 3: Architecture
Task("Architecture Agent", "Create system design based on pseudocode.", "architecture")
```
"""


def test_sw029_phases_in_one_message_are_said_to_run_together() -> None:
    batch = parse(SPARC_PHASES)
    (diag,) = [d for d in batch.diagnostics if d.code == "SW029"]
    assert (diag.line, diag.column, diag.severity) == (5, 1, Severity.WARNING)
    assert diag.message.startswith("`// Phase 2: Pseudocode`: the phases of one message run at")
    assert "a message of its own" in diag.message and "wait for a memory key" in diag.message
    # A warning: everything still runs, at once.
    assert not any(op.skip_reason for op in batch.operations())


@pytest.mark.parametrize(
    ("text", "line"),
    [
        # `# Step`, `/* Stage */`, a heading between blocks; commands as well as agents
        ('# Step 1: install\nBash("npm install")\n# Step 2: test\nBash("npm test")\n', 3),
        ('/* Stage 1 */\nTask("A", "Do a.", "coder")\n/* Stage 2 */\nWrite("b.md", "b")\n', 3),
        (
            '## Phase 1: Research\n```js\nTask("R", "Research it.", "researcher")\n```\n'
            '## Phase 2: Build\n```js\nTask("B", "Build it.", "coder")\n```\n',
            5,
        ),
    ],
)
def test_sw029_other_phase_comments(text: str, line: int) -> None:
    assert [d.line for d in parse(text).diagnostics if d.code == "SW029"] == [line]


PHASE_1 = (
    "// Phase 1: Specification\n"
    'const spec = await Task("Spec", "Write the spec. Store it in \'swarm/spec\'.", "tester")\n'
    "// Phase 2: Pseudocode\n"
)


@pytest.mark.parametrize(
    "phase_2",
    [
        # a memory key the earlier phase stores
        'Task("Design", "Wait for \'swarm/spec\' in memory, then design.", "pseudocode")\n',
        'Task("Design", "Design it.", {type: "pseudocode", dependsOn: ["Spec"]})\n',
        # the earlier agent's result
        'Task("Design", `Design it from ${spec.content}.`, "pseudocode")\n',
        # through an agent that waits for the earlier phase (in a later phase)
        # nothing said, but written after `await` (JavaScript runs it once Spec is done)
        'Task("Design", "Design it.", "pseudocode")\n',
        'Task("Design", "Wait for \'swarm/input\' in memory.", "pseudocode")\n'
        "// Phase 3: Reading\n"
        "Task(\"Reader\", \"Wait for 'swarm/spec' in memory. Store it in 'swarm/input'.\", "
        '"researcher")\n',
    ],
)
def test_sw029_is_silent_when_the_later_phase_waits(phase_2: str) -> None:
    batch = parse(PHASE_1 + phase_2)
    assert "SW029" not in codes(batch), [d.format("t") for d in batch.diagnostics]
    unordered = parse(
        PHASE_1.replace("await ", "") + 'Task("Design", "Design it.", "pseudocode")\n'
    )
    assert [d.line for d in unordered.diagnostics if d.code == "SW029"] == [3]


def test_sw029_is_silent_across_messages_inside_prompts_and_when_meant_together() -> None:
    separate = SPARC_PHASES.replace("// Phase 2", "[Message 2]:\n// Phase 2").replace(
        "// Phase 3", "[Message 3]:\n// Phase 3"
    )
    assert "SW029" not in codes(parse(separate))
    # A prompt's own steps are the agent's.
    prompt = 'Task("A", `Do this:\n# Step 1: read\n# Step 2: write`, "coder")\n'
    assert "SW029" not in codes(parse(prompt + 'Task("B", "b.", "coder")\n'))
    # claude-flow v3's CLAUDE.md: "STEP 1: Initialize swarm (in parallel with agent spawning)".
    two = TRIGGERS["SW029"]
    assert "SW029" not in codes(parse(two.replace("Spec\n", "Spec (in parallel)\n")))
    assert "SW029" not in codes(parse("[Single Message - All launched at once]:\n" + two))
    # Phases with nothing that runs in one of them (settings, todos), or out of order.
    init = 'mcp__claude-flow__swarm_init({topology: "mesh"})'
    assert "SW029" not in codes(
        parse(two.replace('Task("A", "Write the spec.", "specification")', init))
    )
    assert "SW029" not in codes(parse(two.replace("Phase 2", "Phase 0")))
    assert "SW029" not in codes(parse(two.replace("Phase 2", "Step 2")))


def test_project_agent_types_and_malformed_file(tmp_path: object) -> None:
    from pathlib import Path

    from swarmtui.batch import parse_batch

    project = Path(str(tmp_path))
    agents = project / ".claude" / "agents" / "team"
    agents.mkdir(parents=True)
    (agents / "gardener.md").write_text("---\nname: gardener\ndescription: grows\n---\nGrow.\n")
    (agents / "broken.md").write_text("no front matter here\n")
    batch = parse_batch('Task("G", "Grow it.", "gardener")\n', project_dir=project)
    assert "SW009" not in [d.code for d in batch.diagnostics]
    broken = [d for d in batch.diagnostics if d.code == "SW016"]
    assert len(broken) == 1 and "broken.md" in broken[0].message
    assert broken[0].severity is Severity.WARNING


def test_every_code_has_a_trigger_and_a_severity() -> None:
    assert (
        set(TRIGGERS)
        == set(SEVERITIES)
        == {f"SW{n:03d}" for n in range(1, 16)}
        | {
            "SW024",
            "SW025",
            "SW026",
            "SW029",
        }
    )


def test_sw001_points_at_the_first_bad_token() -> None:
    (diag,) = [d for d in parse(TRIGGERS["SW001"]).diagnostics if d.code == "SW001"]
    assert (diag.line, diag.column, diag.end_line, diag.end_column) == (1, 15, 1, 18)


def test_a_misspelt_operation_suggests_the_one_meant() -> None:
    diag = next(d for d in parse('Tsak("A", "Do it.", "coder")\n').diagnostics if d.code == "SW009")
    assert "unknown operation `Tsak`" in diag.message and "did you mean `Task`?" in diag.message
    far = next(d for d in parse('Frobnicate("x")\n').diagnostics if d.code == "SW009")
    assert "did you mean" not in far.message


def test_one_bad_todo_field_keeps_the_list() -> None:
    batch = parse(
        'TodoWrite({todos: [{id: "1", content: "x", status: "doing"}, '
        '{id: "2", content: "y", priority: "urgent"}]})\n'
    )
    found = [d for d in batch.diagnostics if d.code == "SW012"]
    assert [d.severity for d in found] == [Severity.WARNING, Severity.WARNING]
    assert "taken as pending" in found[0].message and "taken as medium" in found[1].message
    (op,) = [op for op in batch.operations() if isinstance(op, TodoWriteOp)]
    assert op.skip_reason is None
    assert [(t.id, t.status, t.priority) for t in op.todos] == [
        ("1", "pending", "medium"),
        ("2", "pending", "medium"),
    ]


@pytest.mark.parametrize(
    "write",
    [
        'Write("package.json", "[updated version]")',
        'Write({ file_path: "CHANGELOG.md", content: "<release notes here>" })',
    ],
)
def test_a_write_whose_content_is_a_slot_is_a_placeholder(write: str) -> None:
    # ruflo's release skill: the file would be replaced by the slot's words.
    batch = parse(write + "\n")
    (slot,) = [d for d in batch.diagnostics if d.code == "SW003"]
    assert slot.message.startswith("placeholder left to fill in")
    (op,) = batch.operations()
    assert op.skip_reason is not None


@pytest.mark.parametrize("content", ["[section]", "[1, 2]", "# [Unreleased] notes", "<div>"])
def test_a_write_of_real_content_in_brackets_is_written(content: str) -> None:
    batch = parse(f'Write("a.txt", "{content}")\n')
    assert "SW003" not in codes(batch)


def test_what_a_recorded_tools_arguments_sketch_is_a_note_not_an_error() -> None:
    # GSD's workflows sketch AskUserQuestion's options (`...up to 4 options`): the tool is never
    # run, so what cannot be read of it lost nothing, and it failed the session.
    batch = parse(
        'Task("Writer", "Write the docs the user picks", "api-docs")\n'
        "AskUserQuestion([{\n"
        '  question: "Which gaps?",\n'
        '  options: [ { label: "{area}" }, ...up to 4 options (group them) ]\n'
        "}])\n"
    )
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    assert "could not be read" in " ".join(d.message for d in batch.diagnostics)
    # (an operation swallowed by a recorded tool's broken arguments is an error all the same)
    swallowed = parse('Read("a.md", Task("Coder", "Build it.", "coder")\n')
    assert swallowed.has_errors
    # (and TaskUpdate's arguments order agents: they are not a sketch)
    assert parse('TaskUpdate({taskId: "1", addBlockedBy: [ ...ids ] more })\n').has_errors


def test_a_double_brace_slot_is_a_placeholder_in_instructions_and_commands() -> None:
    # (the agent was told `{{YOUR_REPO}}` and the command cloned `{{YOUR_ORG}}/…`)
    batch = parse(
        'Task("Scout", "Find the auth system in {{YOUR_REPO}}", "Explore")\n'
        'Bash("git clone git@github.com:{{YOUR_ORG}}/{{YOUR_REPO}}.git")\n'
        'Task("Coder", "Fix ${{ github.sha }} and read {{.State.Status}}", "coder")\n'
        "Bash(\"docker inspect --format '{{.State.Health.Status}}' db\")\n"
    )
    assert codes(batch) == ["SW003", "SW003"]
    scout, clone = batch.operations()[:2]
    assert scout.skip_reason and "{{YOUR_REPO}}" in scout.skip_reason
    assert clone.skip_reason and "{{YOUR_ORG}}" in clone.skip_reason
    assert [op.skip_reason for op in batch.operations()[2:]] == [None, None]


def test_an_agent_whose_arguments_are_written_under_its_call_is_skipped_saying_so() -> None:
    # (a Korean review kit's skill: the agents ran told nothing, with only an SW014 warning)
    batch = parse(
        'Agent(subagent_type="reviewer", name="persona-pm")\n'
        '  persona: {id: "pm", name: "Product manager"}\n'
        "  requirement_source: the ticket text\n"
        'Agent(subagent_type="reviewer", name="persona-ops")\n'
        'Task("Tester", "Run the tests.", "tester")\n'
    )
    pm, ops, tester = batch.tasks()
    assert pm.skip_reason and "`persona:`, `requirement_source:`" in pm.skip_reason
    assert ops.skip_reason is None and tester.skip_reason is None  # (nothing under it: SW014)
    assert [d.code for d in batch.diagnostics if d.code in ("SW014", "SW019")] == [
        "SW019",
        "SW014",
    ]


NUMBERED_STEPS = """## Process

1. **Find the latest artifacts:**

```javascript
Bash({ command: "ls -td research/artifacts/*/ | head -1" })
```

2. **Spawn renderer:**

```javascript
Agent({ subagent_type: "coder", prompt: "Render the latest artifacts into dossier.html" })
```

3. **Verify output:**

```javascript
Bash({ command: "ls -la dossier.html" })
```
"""


def test_sw029_numbered_list_items_are_steps_too() -> None:
    (said,) = [d for d in parse(NUMBERED_STEPS).diagnostics if d.code == "SW029"]
    assert (said.line, said.message[:26]) == (9, "`2. **Spawn renderer:**`: ")
    # claude-flow-novice's fullstack command: a step without operations between the primary
    # swarm and its validators, each step saying its own Tasks share a message.
    loops = (
        "1. **Parse the goal**\n"
        "2. **Launch Loop 3: Primary Swarm** in a SINGLE message:\n"
        '   Task("Coder", "Implement the goal.", "coder")\n'
        '   Task("Tester", "Test the goal.", "tester")\n'
        "3. **Self-assess** and collect confidence scores\n"
        "4. **Launch Loop 2: Consensus Swarm** in a SINGLE message:\n"
        '   Task("Quality Validator", "Review the quality.", "reviewer")\n'
    )
    assert [d.line for d in parse(loops).diagnostics if d.code == "SW029"] == [6]


def test_sw029_is_silent_for_items_that_are_operations_or_wait_or_are_messages() -> None:
    listed = '1. Task("Coder", "Implement it.", "coder")\n2. Task("Tester", "Test it.", "tester")\n'
    waiting = (
        "1. Design:\n"
        '   Task("Architect", "Design it. Store it in \'swarm/spec\'.", "architect")\n'
        "2. Build:\n"
        '   Task("Coder", "Wait for \'swarm/spec\', then build it.", "coder")\n'
    )
    messages = NUMBERED_STEPS.replace("2. **Spawn", "[Message]:\n2. **Spawn").replace(
        "3. **Verify", "[Message]:\n3. **Verify"
    )
    restarted = NUMBERED_STEPS.replace("2. **Spawn", "1. **Spawn").replace("3. **V", "1. **V")
    for text in (listed, waiting, messages, restarted):
        assert "SW029" not in codes(parse(text)), text
    assert "SW029" in codes(parse(waiting.replace("Wait for 'swarm/spec', then b", "B")))
