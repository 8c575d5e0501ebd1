"""Our own batches in the shapes people paste from claude-flow's guides and Claude Code sessions
(tests/batch/corpus/real/*.swarm.js), each with the exact parse it must give (*.expect.json):
messages, every operation's kind and range, agents with their waits and stores, todos, the tools
recorded without running, and every diagnostic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from swarmtui.batch import BashOp, MemoryOp, TaskOp

from .conftest import CORPUS, codes, parse
from .describe import describe

REAL = CORPUS / "real"
BATCHES = sorted(REAL.glob("*.swarm.js"))


def test_the_corpus_is_there() -> None:
    assert len(BATCHES) >= 17
    for path in BATCHES:
        assert path.with_name(path.name.replace(".swarm.js", ".expect.json")).is_file(), path


@pytest.mark.parametrize("path", BATCHES, ids=lambda p: p.name)
def test_parses_as_expected(path: Path) -> None:
    expect = path.with_name(path.name.replace(".swarm.js", ".expect.json"))
    expected = json.loads(expect.read_text(encoding="utf-8"))
    assert describe(parse(path.read_text(encoding="utf-8"))) == expected


def _text(name: str) -> str:
    return (REAL / name).read_text(encoding="utf-8")


def test_dashed_mcp_names_keep_every_column() -> None:
    text = _text("dashed-mcp.swarm.js")
    batch = parse(text)
    lines = text.split("\n")
    first = batch.operations()[0]
    assert lines[0][first.column - 1 : first.end_column - 1] == lines[0].rstrip()
    # A diagnostic inside the arguments of a dashed name points at the characters typed.
    (diag,) = [d for d in batch.diagnostics if d.code == "SW012"]
    assert lines[diag.line - 1][diag.column - 1 : diag.end_column - 1] == 'topology: "donut"'
    scout = batch.task("Scout")
    assert scout is not None and scout.instructions == "Scout the repository layout."
    memory = batch.operations()[2]
    assert memory.kind == "memory" and memory.skip_reason is None


def test_a_dashed_name_inside_a_string_is_left_as_written() -> None:
    batch = parse(
        'Task("A", "Call mcp__claude-flow__memory_usage({action: \\"store\\"}) when done.", '
        '"coder")\n'
    )
    task = batch.tasks()[0]
    assert task.instructions == 'Call mcp__claude-flow__memory_usage({action: "store"}) when done.'


def test_three_sequential_messages_stay_separate_and_ordered() -> None:
    batch = parse(_text("batchtool-messages.swarm.js"))
    assert [m.index for m in batch.messages] == [1, 2, 3]
    assert [[op.kind for op in m.operations] for m in batch.messages] == [
        ["swarm_init", "task", "task", "task", "todo_write", "memory"],
        ["bash", "write"],
        ["tool", "bash"],
    ]


def test_agent_spawn_next_to_task_only_declares_types() -> None:
    batch = parse(_text("one-argument-tasks.swarm.js"))
    assert [t.name for t in batch.tasks()] == [
        "researcher", "coder", "Tester agent", "Keep the changelog",
    ]  # fmt: skip
    coordination = [op for op in batch.operations() if op.kind == "tool"]
    assert [op.skip_reason is not None for op in coordination] == [True, True]
    # Without any Task, agent_spawn calls are the agents and work on task_orchestrate's task.
    alone = parse(_text("command-line-mcp.swarm.js"))
    assert [(t.name, t.instructions) for t in alone.tasks()] == [
        ("Doc Reader", "Update the deprecated API calls"),
        ("Patch Writer", "Update the deprecated API calls"),
    ]


def test_spawned_agents_work_on_their_own_swarms_orchestrated_task() -> None:
    # (ruflo's swarm skills: a swarm after another, each spawning agents and then orchestrating
    # its task; every agent was told the first swarm's task)
    batch = parse(
        'mcp__claude-flow__agent_spawn({ type: "researcher", name: "Web Researcher" })\n'
        'mcp__claude-flow__task_orchestrate({ task: "research state libraries" })\n'
        'mcp__claude-flow__agent_spawn({ type: "coder", name: "Backend Developer" })\n'
        'mcp__claude-flow__agent_spawn({ type: "architect", name: "System Architect" })\n'
        'mcp__claude-flow__task_orchestrate({ task: "build the REST API" })\n'
        "mcp__claude-flow__task_orchestrate("
        '{ task: "design the API", assignTo: "System Architect" })\n'
    )
    assert [(t.name, t.instructions) for t in batch.tasks()] == [
        ("Web Researcher", "research state libraries"),
        ("Backend Developer", "build the REST API"),
        ("System Architect", "design the API"),
    ]
    notes = [d.message for d in batch.diagnostics if d.code == "SW013"]
    assert any(
        "System Architect: spawned without instructions" in n and "(naming it)" in n for n in notes
    )


def test_spawned_agents_never_take_another_swarms_task() -> None:
    # (ruflo's flow-nexus skill: a swarm whose work is a workflow_create, then the next example's
    # swarm_init and task_orchestrate; the first swarm's agents were told the second's task)
    batch = parse(
        'mcp__flow-nexus__swarm_init({ topology: "hierarchical" })\n'
        'mcp__flow-nexus__agent_spawn({ type: "coder", name: "Backend Developer" })\n'
        'mcp__flow-nexus__workflow_create({ name: "Full-Stack Development" })\n'
        'mcp__flow-nexus__swarm_init({ topology: "mesh" })\n'
        'mcp__flow-nexus__agent_spawn({ type: "researcher", name: "Primary Researcher" })\n'
        'mcp__flow-nexus__task_orchestrate({ task: "Research machine learning trends" })\n'
    )
    assert [(t.name, t.instructions) for t in batch.tasks()] == [
        ("Backend Developer", ""),
        ("Primary Researcher", "Research machine learning trends"),
    ]
    notes = [d.message for d in batch.diagnostics if d.code == "SW013"]
    assert any(
        n.startswith("Backend Developer: spawned without instructions, and no task_orchestrate "
                     "in their swarm (lines 1–3)") and "line 6 is another swarm's" in n
        for n in notes
    )  # fmt: skip
    assert "Backend Developer has no instructions" in [
        d.message for d in batch.diagnostics if d.code == "SW014"
    ]


def test_spawned_agents_whose_task_is_skipped_are_skipped_not_given_another() -> None:
    # (ruflo's goal agent: its task_orchestrate has an undefined name; the agents ran the task
    # of an example 400 lines on, "the next after it")
    batch = parse(
        'mcp__claude-flow__swarm_init({ topology: "hierarchical" })\n'
        'mcp__claude-flow__agent_spawn({ type: "analyst" })\n'
        'mcp__claude-flow__agent_spawn({ type: "optimizer" })\n'
        "mcp__claude-flow__task_orchestrate({ task: `Plan execution for: ${complexGoal}` })\n"
        'mcp__claude-flow__task_orchestrate({ task: "Build a recommendation system" })\n'
    )
    analyst, optimizer = batch.tasks()
    assert analyst.instructions == optimizer.instructions == ""
    assert analyst.skip_reason and "task_orchestrate of line 4, which is skipped" in (
        analyst.skip_reason
    )
    assert optimizer.skip_reason == analyst.skip_reason
    assert not any("(the next after it)" in d.message for d in batch.diagnostics)


def test_agent_spawn_is_a_declaration_only_beside_task_calls_in_its_message() -> None:
    # (ruflo's release skill: message 1 spawns agents for its task_orchestrate; a Task call of
    # another message made them all declarations, "next to Task calls", and nothing ran them)
    first = (
        "[Single Message - Swarm Initialization]:\n"
        '  mcp__claude-flow__swarm_init { topology: "hierarchical", maxAgents: 3 }\n'
        '  mcp__claude-flow__agent_spawn { type: "coder", name: "Version Manager" }\n'
        '  mcp__claude-flow__task_orchestrate { task: "Prepare release v2.0.0" }\n'
    )
    task = '  Task("Package A Manager", "Coordinate the package release", "coder")\n'
    apart = parse(first + "\n[Single Message - Multi-Package Release]:\n" + task)
    assert [(t.name, t.instructions) for t in apart.tasks()] == [
        ("Version Manager", "Prepare release v2.0.0"),
        ("Package A Manager", "Coordinate the package release"),
    ]
    assert "SW018" not in [d.code for d in apart.diagnostics if d.line == 3]
    together = parse(first + task)
    assert [t.name for t in together.tasks()] == ["Package A Manager"]
    (declared,) = [d for d in together.diagnostics if d.code == "SW018" and d.line == 3]
    assert declared.message == (
        "agent_spawn only declares the type coder for claude-flow's coordination: the Task "
        "calls in its message (the nearest on line 5) are the agents"
    )
    # Without a task_orchestrate of its own, Task calls of its swarm are its agents.
    alone = parse(
        'mcp__claude-flow__swarm_init { topology: "mesh" }\n'
        'mcp__claude-flow__agent_spawn { type: "coder" }\n'
        "[Wait for completion]\n" + task
    )
    assert [t.name for t in alone.tasks()] == ["Package A Manager"]
    assert any(
        "in its swarm, which has no task_orchestrate (the nearest on line 4)" in d.message
        for d in alone.diagnostics
        if d.code == "SW018"
    )


def test_one_argument_task_names_its_type_and_keeps_its_text() -> None:
    batch = parse('Task("You are code analyzer agent. Look for dead code.")\n')
    (task,) = batch.tasks()
    assert (task.name, task.agent_type) == ("code analyzer", "code-analyzer")
    assert task.instructions == "You are code analyzer agent. Look for dead code."


def test_agent_in_a_files_name_is_no_type_and_names_end_between_words() -> None:
    # obra/superpowers' dispatching-parallel-agents skill, the older text.
    batch = parse(
        'Task("Fix agent-tool-abort.test.ts failures")\n'
        'Task("Fix batch-completion-behavior.test.ts failures")\n'
        'Task("Fix tool-approval-race-conditions.test.ts failures")\n'
        'Task("Research agent - look at v1.2 of the API. Then report.")\n'
    )
    assert "SW009" not in codes(batch)
    assert [(t.name, t.agent_type) for t in batch.tasks()] == [
        ("Fix agent-tool-abort.test.ts failures", "general"),
        ("Fix batch-completion-behavior.test failures", "general"),
        ("Fix tool-approval-race-conditions failures", "general"),
        ("Research agent", "researcher"),
    ]


def test_names_made_from_instructions_keep_any_script() -> None:
    # (Chinese and Korean users' batches: agents were named `agent`, `2`, `agent 2`)
    batch = parse(
        'Task({ subagent_type: "researcher", description: "调研状态管理库" })\n'
        'Task({ subagent_type: "researcher", description: "任务2" })\n'
        'Task("调研状态管理库并写出报告。然后提交。")\n'
        'Task("Überprüfe die API. Dann schreibe Tests.")\n'
    )
    assert [t.name for t in batch.tasks()] == [
        "调研状态管理库", "任务2", "调研状态管理库并写出报告", "Überprüfe die API",
    ]  # fmt: skip


def test_an_unnamed_agent_is_named_after_its_type() -> None:
    # (a Japanese user's Agent calls without description: both were named after their one
    # prompt, `Day1午前タスクを実行` and `Day1午前タスクを実行 2`)
    batch = parse(
        'Agent({ subagent_type: "renderer", prompt: "Day1午前タスクを実行" })\n'
        'Agent({ subagent_type: "server",   prompt: "Day1午前タスクを実行" })\n'
        'Agent({ subagent_type: "server",   prompt: "Day1午後タスクを実行" })\n'
        'Task({ subagent_type: "general-purpose", prompt: "Review the parser." })\n'
        'Task({ subagent_type: "Explore", prompt: "Find the callers." })\n'
        'Task({ subagent_type: "coder", description: "Fix the login" })\n'
    )
    assert [t.name for t in batch.tasks()] == [
        "renderer", "server", "server 2", "Review the parser", "Find the callers", "Fix the login",
    ]  # fmt: skip
    # A name made up yields to one given, even below it: no clash (SW011).
    given = parse(
        'Task({ prompt: "Fix the login bug.", subagent_type: "coder" })\n'
        'Task({ prompt: "Fix the signup bug.", subagent_type: "coder" })\n'
        'Task("Coder", "Fix the bug.", "coder")\n'
    )
    assert [t.name for t in given.tasks()] == ["coder 2", "coder 3", "Coder"]
    assert "SW011" not in codes(given)


def test_claude_code_task_shape_keeps_model_and_type() -> None:
    batch = parse(_text("claude-code-task.swarm.js"))
    writer = batch.task("Write the parser")
    assert writer is not None and (writer.model, writer.agent_type) == ("sonnet", "coder")
    reviewer = batch.task("Review the parser")
    # Claude Code's `general-purpose` is swarmtui's `general`.
    assert reviewer is not None and reviewer.agent_type == "general"


def test_depends_on_waits_for_the_agent_to_finish() -> None:
    batch = parse(_text("options-object.swarm.js"))
    notes = batch.task("Release Notes")
    build = batch.task("Exporter Build")
    assert notes is not None and build is not None
    assert notes.waits == ["swarm/exporter-build/done"]
    assert "swarm/exporter-build/done" in build.stores
    assert [e.how for e in notes.edges] == ["explicit"]


def test_shell_memory_commands_are_stores_and_waits_on_namespaced_keys() -> None:
    batch = parse(_text("shell-memory.swarm.js"))
    planner, migrator, auditor = batch.tasks()
    assert planner.stores == ["coordination:migrate/plan", "migrate/edits"]
    (wait,) = migrator.edges
    assert (wait.keys, wait.how, wait.providers) == (
        ["coordination:migrate/plan"], "command", ["Planner"],
    )  # fmt: skip
    # A plain read waits only for what the batch stores; audits/latest comes from earlier.
    assert auditor.waits == ["migrate/edits"]
    stored = batch.operations()[-1]
    assert stored.kind == "memory"
    assert (stored.key, stored.namespace, stored.value) == (
        "migrate/window", "coordination", "Sunday 02:00",
    )  # fmt: skip


# claude-flow's integration guides write memory commands over several lines, each ending with a
# shell continuation; in a template literal `\\` is one backslash: the prompt holds `\` + newline.
CONTINUED = (
    'Task("Architect", `Design the API. Then publish it:\n'
    "npx claude-flow@alpha memory store \\\\\n"
    '  --namespace "swarm/architect" \\\\\n'
    '  --key "contracts" \\\\\n'
    '  --value "$(cat docs/contracts.md)"`, "system-architect")\n'
    'Task("Coder", `Wait for the architect:\n'
    "    # Poll until the contracts are published\n"
    "while ! npx claude-flow@alpha memory read \\\\\n"
    '  --namespace "swarm/architect" \\\\\n'
    '  --key "contracts"; do\n'
    "  sleep 10\n"
    "done\n"
    'Then implement it.`, "coder")\n'
    'Task("Docs", `Write docs. When done:\n'
    "npx claude-flow@alpha memory store \\\\\n"
    '  --key "docs-done" --value "yes"`, "api-docs")\n'
)


def test_a_memory_command_continued_over_lines_is_read_whole() -> None:
    batch = parse(CONTINUED)
    architect, coder, docs = batch.tasks()
    # (the value, cut at its `)`, is not read; the key and namespace before it are)
    assert architect.stores == ["swarm/architect:contracts"]
    assert docs.stores == ["docs-done"]
    (wait,) = coder.edges
    assert (wait.keys, wait.how, wait.providers) == (
        ["swarm/architect:contracts"], "command", ["Architect"],
    )  # fmt: skip
    # The lines that introduce the command are read through it, not matched as prose.
    assert "SW013" not in codes(batch) and not batch.has_errors


def test_a_bash_memory_command_continued_over_lines_is_a_memory_operation() -> None:
    batch = parse(
        "Bash(`npx claude-flow@alpha memory store \\\\\n"
        '  --namespace "swarm/architect" --key "contracts" --value "done"`)\n'
        "[Message 2]:\n"
        "Bash(`while ! npx claude-flow@alpha memory read \\\\\n"
        '  --namespace "swarm/architect" --key "contracts"\n'
        "do\n  sleep 10\ndone`)\n"
    )
    store, wait = batch.operations()
    assert isinstance(store, MemoryOp) and isinstance(wait, MemoryOp)
    assert (store.action, store.namespace, store.key, store.value) == (
        "store", "swarm/architect", "contracts", "done",
    )  # fmt: skip
    assert (wait.action, wait.namespace, wait.key) == ("retrieve", "swarm/architect", "contracts")


def test_namespace_is_never_a_key() -> None:
    batch = parse(_text("namespaces.swarm.js"))
    assert all("team" not in t.waits for t in batch.tasks())
    reviewer = batch.task("Reviewer")
    assert reviewer is not None and set(reviewer.waits) == {
        "team:swarm/designer/page-design",
        "brief",
    }


def test_code_in_instructions_is_not_a_placeholder() -> None:
    batch = parse(_text("wait-phrases.swarm.js"))
    porter = batch.task("Rust Porter")
    assert porter is not None and porter.skip_reason is None
    assert "SW003" not in codes(batch)


def test_a_loop_over_items_the_batch_writes_is_read_once_per_item() -> None:
    batch = parse(_text("loop.swarm.js"))
    scout, builder = batch.tasks()
    assert (scout.name, scout.agent_type, builder.name, builder.agent_type) == (
        "Scout",
        "researcher",
        "Builder",
        "coder",
    )
    assert builder.instructions == (
        "Study the client and store notes in memory under 'notes/Builder'."
    )
    assert builder.stores == ["notes/Builder"]
    commands = [op.command for op in batch.operations() if isinstance(op, BashOp)]
    assert commands == ["npm run lint", "npm run test"]
    # Said, once per loop, as a note: nothing is hidden, nothing is guessed.
    loops = [d for d in batch.diagnostics if d.code == "SW025"]
    assert [(d.line, d.severity) for d in loops] == [(6, "info"), (9, "info")]
    assert "the 2 items of team" in loops[0].message
    assert not batch.has_errors
    # The names the loop gave its items are not left defined after it.
    after = parse(_text("loop.swarm.js") + 'Task("Late", member.name, "coder")\n')
    assert any(d.code == "SW001" and "member.name" in d.message for d in after.diagnostics)


def test_a_loop_over_data_the_batch_does_not_write_is_named_and_not_run() -> None:
    batch = parse(_text("loop-unknown-data.swarm.js"))
    assert batch.tasks() == []
    (loop,) = [d for d in batch.diagnostics if d.code == "SW019"]
    assert '`loadTeam("team.json").forEach(...)`' in loop.message
    assert loop.severity == "warning"
    # Never a silent success: nothing can run, and the error says why.
    (nothing,) = [d for d in batch.diagnostics if d.code == "SW021"]
    assert "SW019" in nothing.message and batch.has_errors


def test_a_loops_body_diagnostics_are_said_once() -> None:
    batch = parse(
        'const team = [{ name: "A" }, { name: "B" }, { name: "C" }]\n'
        'team.forEach(m => Task(m.name, "Do it.", "wizard"))\n'
    )
    assert [t.name for t in batch.tasks()] == ["A", "B", "C"]
    assert len([d for d in batch.diagnostics if d.code == "SW009"]) == 1


def test_an_item_passed_whole_to_agent_spawn_is_its_object() -> None:
    # (the loop's variable was read as a bare type: two agents of type `agent`, no task)
    batch = parse(
        "[\n"
        '  { type: "architect", task: "Design the auth system" },\n'
        '  { type: "tester", task: "Write the automated tests" }\n'
        "].forEach(agent => {\n"
        "  mcp__claude-flow__agent_spawn(agent);\n"
        "});\n"
        "mcp__claude-flow__agent_spawn(code-analyzer)\n"
    )
    assert [(t.agent_type, t.instructions) for t in batch.tasks()] == [
        ("architect", "Design the auth system"),
        ("tester", "Write the automated tests"),
        ("code-analyzer", ""),
    ]


def test_wrapped_operations_keep_their_positions() -> None:
    text = _text("wrappers.swarm.js")
    batch = parse(text)
    lines = text.split("\n")
    for op in batch.operations():
        if isinstance(op, TaskOp) or op.kind == "bash":
            written = lines[op.line - 1][op.column - 1 : op.end_column - 1]
            assert written.startswith(("Task(", "Bash(")) and written.endswith(")"), written


def test_claude_flow_memory_commands_in_bash_are_swarmtui_memory_operations() -> None:
    batch = parse(
        'Task("Writer", "Write the guide. Store it in memory under \'docs/guide\'.", "coder")\n'
        "[Message 2]:\n"
        'Bash("until npx claude-flow@alpha memory retrieve --key docs/guide --namespace team '
        '>/dev/null 2>&1; do sleep 2; done")\n'
        'Bash("npx claude-flow@alpha memory get reports/daily")\n'
        'Bash("while ! npx claude-flow@alpha memory read --key a/b; do sleep 5; done; make")\n'
        'Bash("npx claude-flow@alpha memory get a/b | jq .")\n'
    )
    wait, read, loop, piped = batch.messages[1].operations
    assert isinstance(wait, MemoryOp) and isinstance(read, MemoryOp)
    assert (wait.action, wait.namespace, wait.key) == ("retrieve", "team", "docs/guide")
    assert (read.action, read.namespace, read.key) == ("retrieve", "default", "reports/daily")
    # Inside longer commands: said; the wait loop, which could never end, does not run.
    assert isinstance(loop, BashOp) and (loop.skip_reason or "").startswith("SW019")
    assert isinstance(piped, BashOp) and piped.skip_reason is None
    said = [(d.line, d.code) for d in batch.diagnostics if d.code in ("SW018", "SW019")]
    assert said == [(3, "SW018"), (4, "SW018"), (5, "SW019"), (6, "SW019")]


def test_a_loop_over_an_empty_array_makes_nothing_and_says_so() -> None:
    batch = parse('const none = []\nnone.forEach(m => Task(m, "x", "coder"))\n')
    assert batch.tasks() == []
    said = [(d.code, d.line) for d in batch.diagnostics]
    assert ("SW025", 2) in said and "SW019" not in [code for code, _ in said]
    assert any("holds no item" in d.message for d in batch.diagnostics)
    assert batch.has_errors  # SW021: nothing can run


def test_a_loop_over_a_field_of_a_const_is_read_once_per_item() -> None:
    batch = parse(
        'const config = { agents: [{ name: "A", type: "coder" }, { name: "B", type: "tester" }] }\n'
        'config.agents.forEach(a => Task(a.name, "Do it.", a.type))\n'
    )
    assert [(t.name, t.agent_type) for t in batch.tasks()] == [("A", "coder"), ("B", "tester")]
    (note,) = [d for d in batch.diagnostics if d.code == "SW025"]
    assert "the 2 items of config.agents" in note.message
