"""The accepted forms of docs/batch-language.md, one by one: headers (§1), operations (§2) and the
ways to write them (§3)."""

from __future__ import annotations

import pytest

from swarmtui.batch import BashOp, MemoryOp, SwarmInitOp, TaskOp, TodoWriteOp, WriteOp
from swarmtui.batch.forms import named_call
from swarmtui.batch.lint import suggest_type
from swarmtui.batch.models import ToolOp

from .conftest import codes, parse


@pytest.mark.parametrize(
    ("header", "index", "title"),
    [
        ("[Single Message]:", 2, None),
        ("[One Message - Deploy]:", 2, "Deploy"),
        ("[Message]:", 2, None),
        ("[BatchTool]:", 2, None),
        ("[Single Message with BatchTool]:", 2, None),
        ("[BatchTool - Message 3]:", 3, None),
        ("[Message 3 - Verify]", 3, "Verify"),
        ("[Parallel Agent Execution]:", 2, "Parallel Agent Execution"),
        ("Message 4: [BatchTool]", 4, None),
        ("Message 2: [BatchTool - Claude Code execution]", 2, "Claude Code execution"),
        ("// Message 5", 5, None),
        ("// Message 2: Verify", 2, "Verify"),
        ("Message 2:", 2, None),
    ],
)
def test_headers(header: str, index: int, title: str | None) -> None:
    batch = parse(f'Bash("first")\n{header}\nBash("second")\n')
    assert [(m.index, m.title) for m in batch.messages] == [(1, None), (index, title)]
    assert [op.kind for op in batch.messages[1].operations] == ["bash"]


def test_bracketed_words_that_name_no_message_are_a_note() -> None:
    batch = parse('Bash("a")\n[Wait for review]\nBash("b")\n')
    assert len(batch.messages) == 1
    assert "SW015" in codes(batch)


@pytest.mark.parametrize(
    "line",
    [
        'TodoWrite({ todos: [{id: "1", content: "x"}] })',
        'TodoWrite { todos: [{id: "1", content: "x"}] }',
        '- TodoWrite { todos: [{id: "1", content: "x"}] }',
        '* TodoWrite({ todos: [{id: "1", content: "x"}] })',
        '+ TodoWrite([{id: "1", content: "x"}])',
        '1. TodoWrite([{id: "1", content: "x"}])',
        '2) TodoWrite { todos: [{id: "1", content: "x"}] }',
        'Message 2: TodoWrite { todos: [{id: "1", content: "x"}] }',
    ],
)
def test_the_same_operation_in_every_written_form(line: str) -> None:
    batch = parse(line + "\n")
    (op,) = batch.operations()
    assert isinstance(op, TodoWriteOp) and [t.content for t in op.todos] == ["x"]
    assert codes(batch) == ["SW008"]  # (one todo: a short list)
    start = line.index("TodoWrite")
    assert (op.line, op.column) == (1, start + 1)


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ('Bash "npm test"', "bash"),
        ('Write "app/x.js"', "write"),
        ('Write { file_path: "app/x.js", content: "x" }', "write"),
        ('Read {"file_path": "src/a.js"}', "tool"),
        ('mcp__claude-flow__memory_usage { action: "store", key: "k", value: 1 }', "memory"),
        ('mcp__claude-flow__memory_store { key: "k", value: 1 }', "memory"),
        ('mcp__claude_flow__swarm_init { topology: "mesh" }', "swarm_init"),
        ('mcp__claude-flow@alpha__agent_spawn { type: "coder", task: "Code it." }', "task"),
        ('Agent({ prompt: "Do it.", subagent_type: "coder" })', "task"),
        ('TaskCreate({ subject: "Do it" })', "todo_write"),
    ],
)
def test_operations_without_parentheses_and_other_names(line: str, kind: str) -> None:
    batch = parse(line + "\n")
    assert [op.kind for op in batch.operations()] == [kind]


def test_write_with_no_content_is_a_placeholder_and_claude_code_shape_is_read() -> None:
    empty = parse('Write "app/x.js"\n')
    (op,) = empty.operations()
    assert isinstance(op, WriteOp) and op.path == "app/x.js" and op.skip_reason
    assert codes(empty) == ["SW003", "SW021"]  # (and so nothing can run)
    full = parse('Write({ file_path: "app/x.js", content: "hello" })\n')
    (op,) = full.operations()
    assert isinstance(op, WriteOp) and (op.path, op.content, op.skip_reason) == (
        "app/x.js", "hello", None,
    )  # fmt: skip


def test_an_object_as_a_files_content_or_an_agents_task_is_written_as_json() -> None:
    # As text, JavaScript's "[object Object]": the file held those words, and a Task given its
    # task as data (agentic-qe's skills, 117 files) was an error and no agent ran.
    batch = parse(
        'Write("app/package.json", {name: "app", port: 8080, tags: ["a", 2]})\n'
        'Task("SAP BAPI Validation", {\n'
        "  bapis: ['BAPI_SALESORDER_GETDETAIL'],\n"
        "  validateReturnStructure: true\n"
        '}, "tester")\n'
    )
    write, agent = batch.operations()
    assert isinstance(write, WriteOp)
    assert write.content == (
        '{\n  "name": "app",\n  "port": 8080,\n  "tags": [\n    "a",\n    2\n  ]\n}\n'
    )
    assert isinstance(agent, TaskOp) and agent.agent_type == "tester"
    assert agent.instructions == (
        '{\n  "bapis": [\n    "BAPI_SALESORDER_GETDETAIL"\n  ],\n'
        '  "validateReturnStructure": true\n}'
    )
    assert codes(batch) == []
    assert codes(parse('Task("Empty", {}, "tester")\n')) == ["SW012"]  # (no task: still an error)


def test_bash_that_is_a_claude_flow_memory_store_runs_as_one() -> None:
    batch = parse(
        'Bash("npx claude-flow@alpha memory store plan/v1 \\"draft\\" --namespace ops")\n'
    )
    (op,) = batch.operations()
    assert isinstance(op, MemoryOp)
    assert (op.action, op.key, op.value, op.namespace) == ("store", "plan/v1", "draft", "ops")
    other = parse('Bash("npx claude-flow@alpha memory store plan/v1 draft && echo done")\n')
    assert isinstance(other.operations()[0], BashOp)


@pytest.mark.parametrize(
    "program", ["npx @claude-flow/cli@latest", "npx claude-flow@v3alpha", "npx ruflo@latest"]
)
def test_claude_flow_v3s_memory_store_runs_as_one(program: str) -> None:
    batch = parse(f'Bash("{program} memory store --key plan/v1 --value draft --namespace ops")\n')
    (op,) = batch.operations()
    assert isinstance(op, MemoryOp)
    assert (op.action, op.key, op.value, op.namespace) == ("store", "plan/v1", "draft", "ops")


def test_recorded_tools_say_who_does_them() -> None:
    batch = parse(
        'Task("A", "Do it.", "coder")\nRead("a.js")\n'
        'mcp__claude-flow__task_orchestrate({ task: "Do it" })\n'
        'mcp__flow-nexus__sandbox_create({ template: "node" })\n'
    )
    tools = [op for op in batch.operations() if isinstance(op, ToolOp)]
    assert [(t.tool, t.role) for t in tools] == [
        ("Read", "agent-work"),
        ("mcp__claude-flow__task_orchestrate", "coordination"),
        ("mcp__flow-nexus__sandbox_create", "not-run"),
    ]
    assert all(t.skip_reason for t in tools)
    assert [d.code for d in batch.diagnostics] == ["SW018", "SW018", "SW017"]
    assert "MCP server 'flow-nexus'" in batch.diagnostics[-1].message


def test_claude_codes_agent_teams_tool_is_recorded_and_the_session_can_complete() -> None:
    # A skill's agent team: the team is made, its agents are the Task calls, then it is ended.
    batch = parse(
        'Teammate({ operation: "spawnTeam", team_name: "code-review" })\n'
        'Task({ team_name: "code-review", name: "security", prompt: "Review it.", '
        'subagent_type: "reviewer" })\n'
        'Teammate({ operation: "requestShutdown", target_agent_id: "security" })\n'
    )
    made, task, ended = batch.operations()
    assert isinstance(task, TaskOp) and task.skip_reason is None
    assert isinstance(made, ToolOp) and isinstance(ended, ToolOp)
    assert [(t.role, t.summary) for t in (made, ended)] == [
        ("coordination", "code-review"), ("coordination", "requestShutdown"),
    ]  # fmt: skip
    assert codes(batch) == ["SW018", "SW018"]  # (recorded: not SW009, which fails the session)
    assert "agent-teams tool" in batch.diagnostics[0].message


def test_command_line_mcp_calls() -> None:
    batch = parse(
        "mcp__claude-flow__swarm_init hierarchical --max-agents 8 --strategy=specialized\n"
        'mcp__claude-flow__agent_spawn coder "Patch Writer" --capabilities="a,b"\n'
    )
    init, spawn = batch.operations()
    assert isinstance(init, SwarmInitOp)
    assert (init.topology, init.max_agents, init.strategy) == ("hierarchical", 8, "specialized")
    assert isinstance(spawn, TaskOp) and (spawn.name, spawn.agent_type) == ("Patch Writer", "coder")
    assert (init.line, init.column, init.end_column) == (1, 1, 80)


def test_arguments_written_below_a_bare_mcp_name_are_said_not_read() -> None:
    # claude-flow's CLAUDE.md template writes memory calls this way (YAML-like lines under
    # the name): the call is not read with no arguments ("a store needs a key"), it is skipped
    # with a warning naming what was written, and every line of its arguments is a note.
    batch = parse(
        'Task("A", "Do it.", "coder")\n'
        "mcp__claude-flow__memory_usage\n"
        '  action: "retrieve"\n'
        '  key: "swarm/a"\n'
        "  value: {\n"
        '    step: "one",\n'
        "  }\n"
        "\n"
        'Bash("echo next")\n'
    )
    assert [op.kind for op in batch.operations() if op.kind != "note"] == ["task", "bash"]
    (skipped,) = [op for op in batch.operations() if op.skip_reason is not None]
    assert (skipped.kind, skipped.line) == ("note", 2)
    (warning,) = [d for d in batch.diagnostics if d.code != "SW015"]
    assert (warning.code, warning.line) == ("SW019", 2)
    assert "(`action:`, `key:`, `value:`)" in warning.message
    assert "mcp__claude-flow__memory_usage { action: …, … }" in warning.message
    assert [d.line for d in batch.diagnostics if d.code == "SW015"] == [3, 4, 5, 6, 7]


def test_arguments_below_a_bare_name_end_at_the_fence_of_their_block() -> None:
    # In an indented list item the fence is indented too: it still closes the block, and
    # what follows it is read as before (here a shell block's command line, SW027).
    batch = parse(
        'Task("A", "Do it.", "coder")\n'
        "1. Store it:\n"
        "   ```\n"
        "mcp__claude-flow__memory_usage\n"
        '  key: "swarm/a"\n'
        "   ```\n"
        "   ```bash\n"
        "   npm test\n"
        "   ```\n"
    )
    assert [(d.line, d.code) for d in batch.diagnostics if d.code != "SW015"] == [
        (4, "SW019"),
        (8, "SW027"),
    ]


def test_a_bare_mcp_name_with_no_arguments_below_still_runs_alone() -> None:
    batch = parse('mcp__claude-flow__swarm_init\n  Task("A", "Do it.", "coder")\n')
    assert [op.kind for op in batch.operations()] == ["swarm_init", "task"]
    assert "SW019" not in codes(batch)


def test_a_bare_mcp_name_after_a_message_prefix_is_the_same_operation() -> None:
    # claude-flow's CLAUDE.md, "WRONG (Multiple Messages)": one operation per message.
    batch = parse(
        "Message 1: mcp__claude-flow__swarm_init\n"
        'Message 2: Task("A", "Do it.", "coder")\n'
        "Message 3: mcp__claude-flow__swarm_status   // check\n"
    )
    assert [[op.kind for op in m.operations] for m in batch.messages] == [
        ["swarm_init"],
        ["task"],
        ["tool"],
    ]
    assert [op.column for op in batch.operations()] == [12, 12, 12]
    assert "SW001" not in codes(batch)


def test_a_message_outline_in_words_is_notes_not_failed_calls() -> None:
    # claude-flow v2's CLAUDE.md "NEVER DO THIS": each message described, not called. Every line
    # was an SW001/SW002, `agent_spawn (just one agent)` a phantom agent "agent", and the next
    # real operation landed in "message 5".
    batch = parse(
        "Message 1: Initialize swarm\n"
        "Message 2: Spawn agent 1\n"
        "Message 4: TodoWrite (single todo)\n"
        "Message 2: mcp__claude-flow__agent_spawn (just one agent)\n"
        "Message 5: Write (single file)\n"
        'Bash("echo ok")\n'
    )
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    assert [(m.index, [op.kind for op in m.operations]) for m in batch.messages] == [
        (1, ["note", "note", "note", "note", "note", "bash"])
    ]
    assert not batch.tasks()
    # One word in parentheses names agent_spawn's type; a call is still read after a prefix.
    typed = parse("Message 1: mcp__claude-flow__agent_spawn (researcher)\n")
    assert [t.agent_type for t in typed.tasks()] == ["researcher"]


def test_an_operation_after_a_numbered_label_is_read() -> None:
    batch = parse(
        "[Single Message]:\n"
        '  Task("Researcher", "Research the API", "researcher")\n'
        'Step 2: Task("Coder", "Implement the API", "coder")\n'
        'Mensagem 3: Bash("npm test")\n'
        "Phase 4: Research the API and write it up\n"
    )
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    # A step's number is the text's (the Coder stays in message 1); the word for a message in
    # Portuguese puts its operation in that message, as `Message 3:` would. A label before
    # prose is a note.
    assert [(m.index, [op.kind for op in m.operations]) for m in batch.messages] == [
        (1, ["task", "task", "note"]),
        (3, ["bash"]),
    ]


def test_the_word_for_a_message_alone_on_its_line_opens_that_message() -> None:
    # (`消息 2:` and the others were notes: every agent in message 1, started together)
    batch = parse(
        'Task("A", "Write the schema.", "coder")\n'
        "消息 2:\n"
        'Task("B", "Implement the API", "coder")\n'
        "メッセージ 3:\n"
        'Task("C", "Write the docs", "api-docs")\n'
        "Mensagem 4:\n"
        'Task("D", "Deploy", "cicd-engineer")\n'
        "Step 5:\n"
        'Task("E", "Announce it", "planner")\n'
    )
    assert [
        (m.index, [t.name for t in m.operations if isinstance(t, TaskOp)]) for m in batch.messages
    ] == [
        (1, ["A"]),
        (2, ["B"]),
        (3, ["C"]),
        (4, ["D", "E"]),  # (a step's number is the text's)
    ]


def test_a_listing_of_tools_with_what_each_is_for_is_notes_not_calls() -> None:
    # claude-flow's dual-orchestrator agent file: "Shared Tools (Both Platforms)".
    batch = parse(
        "```javascript\n"
        "// Both Claude Code and Codex can use these\n"
        "mcp__claude-flow__memory_search  // Find patterns\n"
        "mcp__claude-flow__memory_store   // Store results\n"
        "mcp__ruv-swarm__agent_spawn      // Spawn agents\n"
        "```\n"
        'Task("Coder", "Write hello.py that prints hi", "coder")\n'
        "- mcp__claude-flow__swarm_init  # Initialize coordination\n"
    )
    assert [op.kind for op in batch.operations() if op.kind != "note"] == ["task"]
    assert [(d.line, d.code) for d in batch.diagnostics] == [(1, "SW028"), (8, "SW015")]
    assert "its 4 lines are not read" in batch.diagnostics[0].message


def test_a_listed_tool_name_still_calls_when_given_arguments_or_arguments_below() -> None:
    batch = parse(
        'Task("Coder", "Write hello.py", "coder")\n'
        'mcp__claude-flow__memory_store { key: "a", value: "b" }  // Store results\n'
        "mcp__claude-flow__memory_usage  // store it\n"
        '  action: "store"\n'
    )
    assert [op.kind for op in batch.operations() if op.kind != "note"] == ["task", "memory"]
    assert [(d.line, d.code) for d in batch.diagnostics if d.code != "SW015"] == [(3, "SW019")]


def test_wrappers_and_the_messages_they_sit_in() -> None:
    batch = parse(
        '[Message]:\nawait Promise.all([Task("A", "a", "coder"), Task("B", "b", "tester")])\n'
        '[Message]:\nconst done = await (async () => { Bash("make") })()\n'
    )
    assert [[op.kind for op in m.operations] for m in batch.messages] == [
        ["task", "task"],
        ["bash"],
    ]
    assert not [d for d in batch.diagnostics if d.severity == "error"]


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("reviewr", "reviewer"),
        ("Code_Analyzer", "code-analyzer"),
        ("bdd", None),
        ("core-implementer", None),
        ("test-architect", None),
        ("ui-artist", None),
        ("debuger", "debugger"),  # (a SPARC mode)
    ],
)
def test_type_suggestions_only_when_surely_meant(typed: str, suggested: str | None) -> None:
    from swarmtui.batch.agent_types import load_agent_types

    known, _ = load_agent_types()
    assert suggest_type(typed, known) == suggested


# Claude Code's docs and skills write its tool calls with arguments by name, in two notations.
NAMED_COLONS = """\
Agent(
  description: "Code check",
  subagent_type: "reviewer",
  model: "haiku",           // or "opus" for the hardest files
  prompt: "You are the code validator.
           File: src/app.tsx
           Store the verdict in 'swarm/verdict'."
)
Bash(command: "npm test", timeout: 30000)
"""


def test_arguments_by_name_with_colons_are_the_object_they_mean() -> None:
    batch = parse(NAMED_COLONS)
    assert batch.diagnostics == []
    task, bash = batch.operations()
    assert isinstance(task, TaskOp) and isinstance(bash, BashOp)
    assert (task.name, task.agent_type) == ("Code check", "reviewer")
    # The prompt runs over three lines, as written: read as one text with its line breaks.
    assert task.instructions.splitlines()[1].strip() == "File: src/app.tsx"
    assert task.stores == ["swarm/verdict"]
    assert (task.line, task.column, task.end_line, task.end_column) == (1, 1, 8, 2)
    assert (bash.command, bash.timeout) == ("npm test", 30.0)  # (milliseconds, as Claude Code's)


def test_arguments_by_name_with_equals_signs_and_a_list_marker() -> None:
    batch = parse(
        "[Single Message]:\n"
        '- Task(description="Investigate auth", subagent_type="researcher",\n'
        "    prompt=\"Trace the auth flow. Store findings in 'swarm/auth'.\")\n"
        'Message 2: Task(prompt: "Wait for \'swarm/auth\'. Fix it.", description: "Fixer")\n'
    )
    assert batch.diagnostics == []
    first, second = batch.tasks()
    assert (first.name, first.agent_type, first.stores) == (
        "Investigate auth",
        "researcher",
        ["swarm/auth"],
    )
    assert (second.name, second.waits) == ("Fixer", ["swarm/auth"])
    assert [m.index for m in batch.messages if m.operations] == [1, 2]


def test_instructions_given_by_position_then_options_by_name() -> None:
    # obra/superpowers' dispatching-parallel-agents skill (800+ copies).
    batch = parse(
        'Task("Fix agent-tool-abort.test.ts failures", model: "haiku")\n'
        "Task('Fix the `x` tests', model='sonnet', subagent_type='tester')\n"
        'Bash("npm test", timeout: 60000)\n'
    )
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    first, second = batch.tasks()
    assert (first.instructions, first.model) == ("Fix agent-tool-abort.test.ts failures", "haiku")
    assert (second.instructions, second.model, second.agent_type) == (
        "Fix the `x` tests", "sonnet", "tester",
    )  # fmt: skip
    (bash,) = [op for op in batch.operations() if isinstance(op, BashOp)]
    assert (bash.command, bash.timeout) == ("npm test", 60.0)
    # Only a string and names: `Task("A", "B", model: "x")` and an escape are not rewritten.
    assert "SW001" in codes(parse('Task("A", "B", model: "x")\n'))
    assert "SW001" in codes(parse('Task("say \\"hi\\"", model: "x")\n'))


def test_arguments_by_name_inside_pseudo_codes_wrappers() -> None:
    # An agent file's Python pseudo-code (sweep3/04): assigned, awaited, in an array.
    batch = parse(
        "```python\n"
        'task_test = Task(subagent_type="tester", description="Tests", prompt="Write tests")\n'
        'task_review = await Task(subagent_type="reviewer", description="Review", prompt="Look")\n'
        "```\n"
        "const results = [\n"
        '  Task(subagent_type="coder", description="A", prompt="Build A"),\n'
        '  Task(subagent_type="coder", description="B", prompt="Build B"),\n'
        "]\n"
        'await Promise.all([Task(subagent_type="coder", description="C", prompt="Build C")])\n'
    )
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    assert [(t.name, t.agent_type, t.instructions) for t in batch.tasks()] == [
        ("Tests", "tester", "Write tests"),
        ("Review", "reviewer", "Look"),
        ("A", "coder", "Build A"),
        ("B", "coder", "Build B"),
        ("C", "coder", "Build C"),
    ]


def test_claude_flows_tools_take_arguments_by_name_with_or_without_their_server() -> None:
    # claude-flow's generated /swarm command file writes its tools both ways.
    batch = parse(
        'mcp__claude-flow__swarm_init(topology: "mesh", maxAgents: 4)\n'
        'agent_spawn(type: "researcher", name: "Scout")\n'
        'task_orchestrate(task: "Research topic", strategy: "parallel")\n'
    )
    init, scout, orchestrate = batch.operations()
    assert isinstance(init, SwarmInitOp) and (init.topology, init.max_agents) == ("mesh", 4)
    assert isinstance(scout, TaskOp) and (scout.name, scout.agent_type) == ("Scout", "researcher")
    assert scout.instructions == "Research topic"  # (the batch's task_orchestrate task)
    # A coordination tool named without its server is recorded as its MCP form is (SW018).
    assert isinstance(orchestrate, ToolOp) and orchestrate.role == "coordination"
    assert codes(batch) == ["SW018"]


def test_a_tool_called_with_its_argument_after_with_is_that_call() -> None:
    # claude-flow's /swarm command file: `TOOL with {json}`, numbered.
    batch = parse(
        "```\n"
        '1. mcp__claude-flow__swarm_init with {"topology": "hierarchical", "maxAgents": 8}\n'
        '2. mcp__claude-flow__agent_spawn with {"type": "coordinator", "name": "task-router"}\n'
        '3. mcp__claude-flow__task_orchestrate with {"task": "Your objective"}\n'
        "```\n"
    )
    init, router, orchestrate = [op for op in batch.operations() if op.kind != "note"]
    assert isinstance(init, SwarmInitOp) and (init.topology, init.max_agents) == ("hierarchical", 8)
    assert isinstance(router, TaskOp)
    assert (router.name, router.agent_type, router.instructions) == (
        "task-router", "coordinator", "Your objective",
    )  # fmt: skip
    assert (router.column, router.end_column) == (4, 85)
    assert isinstance(orchestrate, ToolOp) and codes(batch) == ["SW015", "SW018", "SW015"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # Not arguments by name: read as written, with the errors they have.
        ('Task(x == 1 ? "a" : "b")\n', "SW001"),
        ("foo(a: 1)\n", "SW001"),
        # A list that never closes, or a quote that never does: not rewritten, and said so.
        ('Task(description: "A", prompt: "B"\n', "SW001"),
        ('Task(description: "A, prompt: "B")\n', "SW001"),
        ('Task(description: "A", prompt: """never closed)\n', "SW001"),
    ],
)
def test_calls_that_are_not_arguments_by_name_keep_their_errors(text: str, code: str) -> None:
    batch = parse(text)
    assert code in codes(batch)
    assert all(op.skip_reason for op in batch.operations() if isinstance(op, TaskOp))


def test_prompts_no_javascript_string_holds_are_read_as_written() -> None:
    # Python's triple quotes (Claude Code's skills write `Agent(..., prompt="""...""")`), and a
    # prompt over lines with backquotes and `${` in it: their text, dedented, unchanged.
    batch = parse(
        'Task(subagent_type="general-purpose", description="Coordinator", prompt="""\n'
        "  You are the coordinator.\n"
        "\n"
        "  Run `make plan` and store the plan in 'swarm/plan'.\n"
        '  """)\n'
        'Agent(description="Reviewer", prompt="Wait for \'swarm/plan\'.\n'
        '  Review it with `git diff` and ${care}.", subagent_type="reviewer")\n'
    )
    assert batch.diagnostics == []
    coordinator, reviewer = batch.tasks()
    assert coordinator.instructions == (
        "You are the coordinator.\n\nRun `make plan` and store the plan in 'swarm/plan'."
    )
    assert (coordinator.stores, reviewer.waits) == (["swarm/plan"], ["swarm/plan"])
    assert reviewer.instructions.endswith("Review it with `git diff` and ${care}.")
    assert (coordinator.end_line, coordinator.end_column) == (5, 7)


def test_a_prompt_quoted_over_lines_keeps_words_in_brackets() -> None:
    # (a user's critic skill: `[PLAN SUMMARY]` on a line of its own once reached the agent as
    # `$$$$$$$$$$$$$$`, the scanner's mask for a placeholder outside strings)
    batch = parse('Task(subagent_type="reviewer", prompt="\nReview:\n[PLAN SUMMARY]\nCheck.\n")\n')
    (task,) = batch.tasks()
    assert task.instructions == "\nReview:\n[PLAN SUMMARY]\nCheck.\n"
    assert "$" not in task.instructions
    # (and the line is a slot of the critic's template, to fill in with the plan: SW003, and
    # so nothing else can run, SW021)
    said = [(d.code, "[PLAN SUMMARY]" in d.message) for d in batch.diagnostics]
    assert said == [("SW003", True), ("SW021", True)]


# Shaped like GSD's execute-phase workflow: a prompt quoted over lines holding its own quotes and
# a fenced shell example.
QUOTES_IN_A_PROMPT = """\
```
Task(
  subagent_type="gsd-executor",
  description="Execute plan",
  prompt="
    Run:
    ```bash
    if [ "$(git rev-parse HEAD)" != "{BASE}" ]; then exit 1; fi
    ```
    Commit with git commit -m "...".
    The orchestrator validates hooks once after all agents complete.
  ",
  model="sonnet"
)
Task(subagent_type="gsd-verifier", description="Verify", prompt="Verify the phase.")
```
"""


def test_a_prompt_over_lines_may_hold_its_own_quotes_and_fences() -> None:
    batch = parse(QUOTES_IN_A_PROMPT)
    # No fence or command line of the prompt is the batch's: nothing but the unknown types.
    assert {d.code for d in batch.diagnostics} <= {"SW009", "SW015"}, [
        d.format("x") for d in batch.diagnostics
    ]
    executor, verifier = batch.tasks()
    assert executor.instructions.strip().startswith("Run:\n    ```bash")
    assert 'git commit -m "...".' in executor.instructions
    assert executor.model == "sonnet"
    # What the orchestrator does after all agents complete is not this agent's wait.
    assert executor.waits == [] and verifier.name == "Verify"
    notes = [d.line for d in batch.diagnostics if d.code == "SW015"]
    assert notes == [1, 16]  # (the block's own fences only)


def test_a_quote_on_one_line_still_ends_its_string() -> None:
    batch = parse('Task(subagent_type="coder", prompt="Say "hi" now")\n')
    assert "SW001" in codes(batch)


def test_a_spread_is_not_a_placeholder() -> None:
    batch = parse(
        "await Promise.all([\n"
        '  Task("A", "Test it."),\n'
        '  ...[Task("B", "Polish it.")],\n'
        '  ...agents.map(agent => Task("C", `Polish ${agent.id}.`, agent.name)),\n'
        "])\n"
    )
    assert [t.name for t in batch.tasks()] == ["A", "B"]
    (loop,) = [d for d in batch.diagnostics if d.code == "SW019"]
    assert loop.message.startswith("`agents.map(...)` runs operations in a JavaScript loop")


def test_bash_in_claude_codes_shape() -> None:
    batch = parse(
        'Bash({ command: "npm test", timeout: 120000, description: "Run the tests" })\n'
        'Bash({ command: "ls", timeout: -1 })\n'
        "Bash({ timeout: 5 })\n"
        'Bash({ command: "npx claude-flow@alpha memory store swarm/x done" })\n'
    )
    tests, negative, missing, memory = batch.operations()
    assert isinstance(tests, BashOp) and (tests.command, tests.timeout) == ("npm test", 120.0)
    assert tests.skip_reason is None
    assert negative.skip_reason is not None and "milliseconds" in negative.skip_reason
    assert missing.skip_reason is not None and "Bash needs a command" in missing.skip_reason
    assert isinstance(memory, MemoryOp) and memory.key == "swarm/x"


def test_a_call_by_name_that_never_closes_is_looked_through_within_its_budget() -> None:
    # The scanner gives every line its share of the text: calls that never close, one a line,
    # cannot make reading quadratic.
    text = "Task(a: (" + "x, " * 50_000
    form, looked = named_call(text, 0, 9, 1_000)
    assert form is None and 0 < looked <= 1_000
    closed = "Task(a: (" + "x, " * 100 + "))"
    form, looked = named_call(closed, 0, 9, 1_000)
    assert form is not None and looked == len(closed) - len("Task")


def test_claude_codes_batch_tool_is_its_invocations() -> None:
    batch = parse(
        "BatchTool({\n"
        '  description: "Set up the project",\n'
        "  invocations: [\n"
        '    { tool_name: "Bash", input: { command: "mkdir -p app/src" } },\n'
        '    { tool_name: "Write", input: { file_path: "app/README.md", content: "# App" } },\n'
        '    { tool_name: "Task", input: { description: "Coder", prompt: "Write the app.",'
        ' subagent_type: "coder" } },\n'
        '    { tool_name: "Edit", input: { file_path: "app/a.ts" } },\n'
        "  ]\n"
        "})\n"
    )
    bash, write, task, edit = batch.operations()
    assert isinstance(bash, BashOp) and bash.command == "mkdir -p app/src"
    assert isinstance(write, WriteOp) and (write.path, write.content) == ("app/README.md", "# App")
    assert isinstance(task, TaskOp) and (task.name, task.agent_type) == ("Coder", "coder")
    assert isinstance(edit, ToolOp) and edit.skip_reason is not None  # (agents' own work)
    assert [op.line for op in batch.operations()] == [4, 5, 6, 7]
    assert codes(batch) == ["SW018"]


def test_a_batch_tool_invocation_without_a_tool_is_said_and_skipped() -> None:
    batch = parse('BatchTool({ invocations: [{ input: { command: "ls" } }] })\n')
    (op,) = batch.operations()
    assert op.skip_reason is not None and op.skip_reason.startswith("SW012")
    assert "SW012" in codes(batch)


def test_an_mcp_name_prettier_split_at_its_dash_is_one_name() -> None:
    # Prettier reads `mcp__claude-flow__x` as a subtraction and spaces it (hive-mind prompts).
    batch = parse(
        "```javascript\n"
        "mcp__claude -\n"
        "  flow__memory_usage({\n"
        "    action: 'store',\n"
        "    key: 'swarm/objective',\n"
        "    value: 'Build the auth service',\n"
        "  });\n"
        "\n"
        "mcp__claude - flow__swarm_monitor({ interval: 5000 });\n"
        "mcp__claude - flow__agent_spawn { type: 'coder' }\n"
        "Task('Coder', 'Read swarm/objective from memory and build it', 'coder');\n"
        "```\n"
    )
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    assert "SW009" not in codes(batch)
    ops = [op for op in batch.operations() if op.kind != "note"]
    # (the agent_spawn next to a Task only declares a type: recorded, SW018)
    assert [op.kind for op in ops] == ["memory", "tool", "tool", "task"]
    store, monitor, spawn = ops[0], ops[1], ops[2]
    assert isinstance(store, MemoryOp) and store.key == "swarm/objective"
    assert isinstance(monitor, ToolOp) and monitor.tool == "mcp__claude-flow__swarm_monitor"
    assert isinstance(spawn, ToolOp) and spawn.summary == "coder"


def test_agents_spawn_parallel_is_an_agent_spawn_per_item() -> None:
    # workspace-hub's agent-orchestration skill: three agents on the orchestrated task.
    batch = parse(
        'mcp__claude-flow__swarm_init({ topology: "hierarchical", maxAgents: 5 })\n'
        "mcp__claude-flow__agents_spawn_parallel({\n"
        "  agents: [\n"
        '    { type: "coder", name: "backend" },\n'
        '    { type: "tester", name: "qa" },\n'
        "  ]\n"
        "})\n"
        'mcp__claude-flow__task_orchestrate({ task: "Build REST API with tests" })\n'
        "mcp__ruv-swarm__agents_spawn_parallel "
        '{ agents: [{ type: "reviewer", name: "quality" }] }\n'
    )
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    assert [(t.name, t.agent_type, t.instructions, t.line) for t in batch.tasks()] == [
        ("backend", "coder", "Build REST API with tests", 4),
        ("qa", "tester", "Build REST API with tests", 5),
        ("quality", "reviewer", "Build REST API with tests", 9),
    ]


def test_claude_flow_v3_topologies_and_servers() -> None:
    # claude-flow v3 (and its ruflo and monomind forks) write these in their CLAUDE.md guides.
    batch = parse(
        'mcp__claude-flow__swarm_init { topology: "hierarchical-mesh", maxAgents: 100 }\n'
        'mcp__ruflo__swarm_init({ topology: "adaptive", maxAgents: 8, strategy: "specialized" })\n'
        'mcp__monomind__swarm_init { topology: "hierarchical-mesh", max_agents: 12 }\n'
        'mcp__claude-flow__swarm_init({ topology: "hybrid" })\n'  # (claude-flow's own docs)
    )
    inits = [op for op in batch.operations() if isinstance(op, SwarmInitOp)]
    assert [(op.topology, op.max_agents) for op in inits] == [
        ("hierarchical-mesh", 100),
        ("adaptive", 8),
        ("hierarchical-mesh", 12),
        ("hybrid", None),
    ]
    assert "SW012" not in codes(batch)


def test_agent_spawn_reads_claude_flow_v3s_agent_type() -> None:
    batch = parse(
        'mcp__claude-flow__agent_spawn({ agentType: "coder",\n'
        "  task: \"Build it. Store it in 'k/a'.\" })\n"
        'mcp__claude-flow__agent_spawn({ agent_type: "tester",\n'
        "  task: \"Wait for 'k/a'. Test it.\" })\n"
    )
    coder, tester = batch.tasks()
    assert (coder.name, coder.agent_type) == ("coder", "coder")
    assert (tester.name, tester.agent_type, tester.waits) == ("tester", "tester", ["k/a"])


def test_sparc_mode_is_an_agent_of_that_mode() -> None:
    # (ruflo's SPARC orchestrator command: its main work; it was skipped as an unknown MCP tool
    # and the session completed with no agent)
    batch = parse(
        "mcp__claude-flow__sparc_mode {\n"
        '  mode: "tdd",\n'
        '  task_description: "implement hello.py that prints hi, with a pytest test"\n'
        "}\n"
        'mcp__claude-flow__sparc_mode({ mode: "tdd", task_description: "add a CLI flag" })\n'
    )
    assert [(t.name, t.agent_type, t.instructions) for t in batch.tasks()] == [
        ("sparc tdd", "tdd", "implement hello.py that prints hi, with a pytest test"),
        ("sparc tdd 2", "tdd", "add a CLI flag"),
    ]
    assert not [d for d in batch.diagnostics if d.code in ("SW009", "SW017")]


def test_a_recorded_tools_summary_shows_an_object_as_json() -> None:
    # (it showed JavaScript's "[object Object]")
    batch = parse('mcp__claude-flow__swarm_message({message: {type: "status", body: "hi"}})\n')
    (tool,) = batch.operations()
    assert isinstance(tool, ToolOp)
    assert tool.summary == '{"type":"status","body":"hi"}'


def test_a_task_of_a_type_told_a_prompt_after_a_colon_is_read() -> None:
    # Claude Code's skills and CLAUDE.md files write `Task(TYPE): "prompt"` (or `Task(TYPE,
    # "prompt")`): each was an error ("unexpected `:`", "Explore is not defined").
    batch = parse(
        'Task(Explore): "Find all API routes and their authentication patterns"\n'
        'Task(general-purpose): "Research competitors for feature X.\n'
        'Identify the top 3 competitors."\n'
        '3. Task(UX Expert): "Review the proposed design. Consider grouping,\n'
        '                     defaults, and mobile layouts."\n'
        'Task(Explore, "How is routing handled?")\n'
        'Task("Tester", "Run the tests.", "tester")\n'
    )
    assert codes(batch) == ["SW009"]  # ('UX Expert' is no known type)
    tasks = batch.tasks()
    assert [(t.agent_type, t.instructions) for t in tasks] == [
        ("Explore", "Find all API routes and their authentication patterns"),
        ("general", "Research competitors for feature X.\nIdentify the top 3 competitors."),
        (
            "UX Expert",
            "Review the proposed design. Consider grouping,\n"
            "                     defaults, and mobile layouts.",
        ),
        ("Explore", "How is routing handled?"),
        ("tester", "Run the tests."),
    ]
    # (the lines below a prompt over lines keep their numbers)
    assert [t.line for t in tasks] == [1, 2, 4, 6, 7]


def test_a_variable_before_a_prompt_is_still_the_agents_name() -> None:
    # (only Claude Code's own types, or a type no variable can be named, are read as types)
    batch = parse('const lead = "Lead"\nTask(lead, "Plan the work.")\n')
    (task,) = batch.tasks()
    assert (task.name, task.instructions) == ("Lead", "Plan the work.")
    typed = parse('Task(code-reviewer, "Review the auth module.")\n')
    assert [(t.agent_type, t.instructions) for t in typed.tasks()] == [
        ("code-reviewer", "Review the auth module.")
    ]


def test_a_positional_prompt_in_double_quotes_may_run_over_lines() -> None:
    # (claude-flow-novice's enterprise example: an SW001 at its quote, and the agent skipped)
    batch = parse(
        'Task("Infrastructure Architect", "\n'
        "  Design enterprise infrastructure:\n"
        "  - Multi-region Kubernetes clusters\n"
        '", "system-architect")\n'
        'Task("Tester", "Test it.", "tester")\n'
    )
    assert codes(batch) == []
    architect, tester = batch.tasks()
    assert (architect.agent_type, architect.instructions) == (
        "system-architect",
        "\n  Design enterprise infrastructure:\n  - Multi-region Kubernetes clusters\n",
    )
    assert (tester.name, tester.line) == ("Tester", 5)


def test_opencodes_task_with_its_arguments_on_the_lines_below_is_read() -> None:
    # (a ```python block of it was not read, and in JavaScript each argument was an SW001)
    batch = parse(
        "```python\n"
        "# ✅ OpenCode\n"
        "task(\n"
        '  subagent_type="general",  # don\'t use "explore" here\n'
        '  description="Translate the menu",\n'
        '  prompt="Translate the main menu strings"  # the "main" one\n'
        ")\n"
        "```\n"
        "\n"
        "```javascript\n"
        "task(\n"
        '  subagent_type="explore",\n'
        '  prompt="Find the main menu code"\n'
        ")\n"
        "```\n"
    )
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    assert [(t.name, t.agent_type, t.instructions) for t in batch.tasks()] == [
        ("Translate the menu", "general", "Translate the main menu strings"),
        ("Find the main menu", "Explore", "Find the main menu code"),
    ]
