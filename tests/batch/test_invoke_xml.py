"""Claude Code's tool calls in its transcripts' XML (`<invoke name="Task">` with its
`<parameter>`s), as agent files and CLAUDE.md copies write the parallel spawn pattern: read as the
calls they are, and a call that is not closed as Claude Code writes it is said at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from swarmtui.batch import MemoryOp, Severity, TaskOp, TodoWriteOp

from .conftest import codes, parse, run_headless

# Shaped like the "Parallel Task Spawning" sections of agent files: one message, two agents
# coordinating through memory, a todo list.
SPAWN = """\
I'll launch both agents in one message:

<function_calls>
<invoke name="Task">
  <parameter name="subagent_type">backend-dev</parameter>
  <parameter name="description">Backend</parameter>
  <parameter name="prompt">Build the "API" and don't stop early.
Store the contract in memory under 'swarm/api'.</parameter>
  <parameter name="run_in_background">true</parameter> <!-- Optional -->
</invoke>
<invoke name="Task">
<parameter name="subagent_type">tester</parameter>
<parameter name="description">Tests</parameter>
<parameter name="prompt">
    Wait for 'swarm/api' in memory, then test it.
</parameter>
</invoke>
<invoke name="TodoWrite">
<parameter name="todos">[{"content": "API", "status": "pending", "activeForm": "Building"},
  {"content": "Tests", "status": "pending", "activeForm": "Testing"}]</parameter>
</invoke>
</function_calls>
"""


def test_the_parallel_spawn_pattern_in_xml_is_read() -> None:
    batch = parse(SPAWN)
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    backend, tests = batch.tasks()
    assert (backend.name, backend.agent_type, backend.line) == ("Backend", "backend-dev", 4)
    # Read as written: quotes, apostrophes and line breaks kept, indentation of a value on lines
    # of its own taken off.
    assert backend.instructions == (
        "Build the \"API\" and don't stop early.\nStore the contract in memory under 'swarm/api'."
    )
    assert backend.stores == ["swarm/api"]
    assert (tests.name, tests.agent_type) == ("Tests", "tester")
    assert tests.instructions == "Wait for 'swarm/api' in memory, then test it."
    assert tests.waits == ["swarm/api"]
    (todos,) = [op for op in batch.operations() if isinstance(op, TodoWriteOp)]
    assert [t.content for t in todos.todos] == ["API", "Tests"]


@pytest.mark.parametrize("fence", ["```", "```xml", "```typescript"])
def test_xml_calls_in_a_fenced_block_are_read(fence: str) -> None:
    batch = parse(f"{fence}\n{SPAWN}```\n")
    assert [t.name for t in batch.tasks()] == ["Backend", "Tests"]
    assert "SW028" not in codes(batch)


def test_an_xml_block_without_calls_is_not_read() -> None:
    batch = parse('```xml\n<config name="Task"><item>Task("x")</item></config>\n```\n')
    assert not batch.tasks()
    assert "SW028" in codes(batch)


def test_a_call_not_closed_is_an_error_and_the_rest_is_read() -> None:
    text = """\
<invoke name="Task">
<parameter name="subagent_type">coder</parameter>
<parameter name="prompt">Never closed
</invoke>
Task("After", "Write after.md", "coder")
"""
    batch = parse(text)
    (said,) = [d for d in batch.diagnostics if d.severity is not Severity.INFO]
    assert (said.code, said.line, said.severity) == ("SW019", 1, Severity.WARNING)
    assert "`</parameter>`" in said.message and "will be skipped" in said.message
    assert [t.name for t in batch.tasks()] == ["After"]


def test_other_tools_and_placeholders_in_xml() -> None:
    text = """\
<invoke name="mcp__claude-flow__memory_usage">
<parameter name="action">store</parameter>
<parameter name="key">swarm/plan</parameter>
<parameter name="value">{"steps": 3}</parameter>
</invoke>
<invoke name="Read">
<parameter name="file_path">/tmp/x</parameter>
</invoke>
<invoke name="Task">
<parameter name="subagent_type">coder</parameter>
<parameter name="prompt">[task description]</parameter>
</invoke>
"""
    batch = parse(text)
    (store,) = [op for op in batch.operations() if isinstance(op, MemoryOp)]
    assert (store.action, store.key, store.value) == ("store", "swarm/plan", {"steps": 3})
    assert [(d.code, d.line) for d in batch.diagnostics if d.code in ("SW018", "SW003")] == [
        ("SW018", 6),
        ("SW003", 9),
    ]
    (task,) = batch.tasks()
    assert task.skip_reason is not None


def test_a_batch_in_xml_runs(tmp_path: Path) -> None:
    code, result = run_headless(tmp_path, SPAWN)
    assert code == 0, result
    state = result["state"]
    assert state["status"] == "completed"
    agents = state["agents"]
    assert sorted(a["name"] for a in agents) == ["Backend", "Tests"]
    assert all(a["status"] == "done" for a in agents)


# The tool-use XML of Anthropic's older prompts, as an agent factory's CLAUDE.md writes its
# parallel spawn: the tool named by a tag, each argument a tag of its own.
TOOL_USE = """\
TodoWrite({ todos: [{ id: "1", content: "Design prompts", status: "pending" }] })

<tool_use>
  <tool_name>Task</tool_name>
  <parameters>
    <description>Design system prompts</description>
    <prompt>
You are the prompt engineer. Read planning/INITIAL.md.
Write planning/prompts.md.
    </prompt>
    <subagent_type>coder</subagent_type>
  </parameters>
</tool_use>
"""


def test_a_tool_use_call_is_read_as_the_tool_it_names() -> None:
    batch = parse(TOOL_USE)
    assert not batch.has_errors, [d.format("x") for d in batch.diagnostics]
    (task,) = batch.tasks()
    assert (task.name, task.agent_type, task.line) == ("Design system prompts", "coder", 3)
    assert task.instructions == (
        "You are the prompt engineer. Read planning/INITIAL.md.\nWrite planning/prompts.md."
    )
    assert "SW015" not in codes(batch)


def test_a_tool_use_block_alone_and_in_an_xml_fence_is_read() -> None:
    alone = TOOL_USE.split("\n\n", 1)[1]
    for text in (alone, f"```xml\n{alone}```\n"):
        batch = parse(text)
        assert [t.name for t in batch.tasks()] == ["Design system prompts"]
        assert not {"SW021", "SW028"} & set(codes(batch))


def test_a_tool_use_not_closed_is_said() -> None:
    text = (
        "<tool_use>\n<tool_name>Task</tool_name>\n<parameters>\n<prompt>Never closed\n</tool_use>\n"
    )
    batch = parse(text)
    assert [(d.code, d.line) for d in batch.diagnostics if d.code == "SW019"] == [("SW019", 1)]
    assert not batch.tasks()


# Roo Code's (and Cline's) boomerang subtask, as its docs and claude-flow's SPARC modes write it.
NEW_TASK = """\
Bash("mkdir -p docs")

<new_task>
<mode>code</mode>
<message>
Implement the "login" service.
Don't stop early.
</message>
<todos>
- [ ] Read requirements
- [ ] Write tests
</todos>
</new_task>
<new_task>
<mode>translator</mode>
<message>Translate docs/README.md into French.</message>
</new_task>
"""


def test_a_roo_new_task_is_an_agent_of_its_mode() -> None:
    batch = parse(NEW_TASK)
    code_task, other = batch.tasks()
    # Roo's `code` mode is the coder; a mode Roo does not have is kept as the type (SW009).
    assert (code_task.agent_type, code_task.line) == ("coder", 3)
    assert code_task.instructions == (
        'Implement the "login" service.\nDon\'t stop early.\n\n'
        "Todos:\n- [ ] Read requirements\n- [ ] Write tests"
    )
    assert (other.agent_type, other.instructions) == (
        "translator",
        "Translate docs/README.md into French.",
    )
    assert [(d.code, d.line) for d in batch.diagnostics if d.code == "SW009"] == [("SW009", 15)]
    assert "SW015" not in codes(batch)


@pytest.mark.parametrize("fence", ["```", "```xml"])
def test_a_roo_new_task_in_a_fence_is_read(fence: str) -> None:
    text = (
        f"{fence}\n<new_task>\n<mode>architect</mode>\n"
        "<message>Design the schema.</message>\n</new_task>\n```\n"
    )
    batch = parse(text)
    (task,) = batch.tasks()
    assert (task.agent_type, task.instructions) == ("system-architect", "Design the schema.")
    assert not {"SW021", "SW028"} & set(codes(batch))


def test_a_roo_new_task_not_read_exactly_is_said() -> None:
    text = (
        "<new_task>\n<mode>code</mode>\n<context>src/</context>\n"
        "<message>Fix it.</message>\n</new_task>\n"
    )
    batch = parse(text)
    (said,) = [d for d in batch.diagnostics if d.code == "SW019"]
    assert said.line == 1
    assert not batch.tasks()


def test_a_roo_new_task_runs(tmp_path: Path) -> None:
    code, result = run_headless(tmp_path, NEW_TASK.replace("<mode>translator", "<mode>ask"))
    assert code == 0, result
    agents = result["state"]["agents"]
    assert [a["status"] for a in agents] == ["done", "done"]


def test_a_transcripts_later_turn_is_a_later_message() -> None:
    # (both turns' agents were one message: the second started before the first's results)
    def call(description: str) -> str:
        return (
            "<function_calls>\n"
            '<invoke name="Task">\n'
            f'<parameter name="description">{description}</parameter>\n'
            f'<parameter name="prompt">{description} now</parameter>\n'
            "</invoke>\n"
            "</function_calls>\n"
        )

    batch = parse(
        call("Research auth")
        + call("Research billing")
        + "<function_results>\nCompared Auth0 and Cognito.\n</function_results>\n\n"
        + call("Implement login")
    )
    assert [[t.name for t in m.operations if isinstance(t, TaskOp)] for m in batch.messages] == [
        ["Research auth", "Research billing"],
        ["Implement login"],
    ]
