"""Messages, headers, prefixes, notes and operations are read from the text at the right places."""

from __future__ import annotations

from swarmtui.batch import BashOp, MemoryOp, NoteOp, SwarmInitOp, TaskOp, TodoWriteOp, WriteOp

from .conftest import SEED, codes, example_text, parse


def test_seed_examples_exist() -> None:
    assert len(list(SEED.glob("*.swarm.js"))) == 3


def test_examples_parse_without_errors(example_name: str) -> None:
    batch = parse(example_text(example_name))
    assert not batch.has_errors, [d.format(example_name) for d in batch.diagnostics]
    assert batch.tasks()


def test_weekly_digest_structure() -> None:
    batch = parse(example_text("weekly-digest.swarm.js"))
    assert [m.title for m in batch.messages] == ["Weekly digest"]
    kinds = [op.kind for op in batch.operations()]
    assert kinds == ["swarm_init", "task", "task", "task", "todo_write", "bash", "memory"]
    init = batch.operations()[0]
    assert isinstance(init, SwarmInitOp)
    assert (init.topology, init.max_agents) == ("hierarchical", 5)
    editor = batch.task("Editor")
    assert editor is not None and editor.agent_type == "api-docs"
    assert editor.instructions.startswith("Read the merged list from memory 'swarm/digest/merged'.")
    assert (editor.line, editor.column, editor.end_line) == (6, 1, 7)
    mem = batch.operations()[-1]
    assert isinstance(mem, MemoryOp)
    assert mem.key == "swarm/digest/meta"
    assert mem.value == '{"week":48,"started":"2026-01-02T03:04:05.678Z"}'
    todo = batch.operations()[4]
    assert isinstance(todo, TodoWriteOp)
    assert [t.id for t in todo.todos] == ["1", "2", "3"]
    assert [op.index for op in batch.operations()] == list(range(7))


def test_two_messages_and_consts() -> None:
    batch = parse(example_text("package-then-check.swarm.js"))
    assert [(m.index, m.title) for m in batch.messages] == [(1, "Package"), (2, "Check")]
    assert [t.name for t in batch.messages[1].operations if isinstance(t, TaskOp)] == [
        "Inspector",
        "Notes",
    ]
    fan_in = parse(example_text("fan-in.swarm.js"))
    mem = fan_in.operations()[-1]
    assert isinstance(mem, MemoryOp)
    assert (mem.value, mem.namespace, mem.ttl) == ("Index kickoff", "coordination", 3600)


def test_header_blanking_keeps_columns() -> None:
    text = '[Single Message - Deploy]:\n  Bash("a")\nMessage 2:   Bash("b")\n'
    batch = parse(text)
    ops = batch.operations()
    # Only the header and the prefix are blanked, so columns stay as typed.
    assert [(op.line, op.column, op.end_column) for op in ops] == [(2, 3, 12), (3, 14, 23)]
    assert [(m.index, m.title) for m in batch.messages] == [(1, "Deploy"), (2, None)]
    assert isinstance(ops[1], BashOp) and ops[1].command == "b"


def test_message_prefixes_order_messages() -> None:
    text = 'Message 2: Bash("second")\nMessage 1: Bash("first")\nMessage 2: Bash("again")\n'
    batch = parse(text)
    assert [m.index for m in batch.messages] == [1, 2]
    assert [op.command for op in batch.messages[1].operations if isinstance(op, BashOp)] == [
        "second",
        "again",
    ]


def test_operations_before_header_are_message_one() -> None:
    batch = parse('Bash("a")\n[One Message - Second]:\nBash("b")\n[Message]:\nBash("c")\n')
    assert [(m.index, m.title) for m in batch.messages] == [(1, None), (2, "Second"), (3, None)]


def test_notes_and_wait_for_completion() -> None:
    text = (
        'Bash("a")\nTotal time: 40 minutes\n[Wait for completion]\nBash("b")\n'
        "Reviewer starts reading\n"
    )
    batch = parse(text)
    assert not batch.has_errors
    assert len(batch.messages) == 2
    notes = [op for op in batch.operations() if isinstance(op, NoteOp)]
    assert [n.text for n in notes] == [
        "Total time: 40 minutes",
        "[Wait for completion]",
        "Reviewer starts reading",
    ]
    assert all(n.skip_reason is None for n in notes)
    assert codes(batch).count("SW015") == 3
    assert [d.severity for d in batch.diagnostics] == ["info"] * 3


def test_values() -> None:
    text = (
        "const who = 'world'\n"
        "let n = 3\n"
        'Write("a.txt", "hello " + who + "\\n" + n + `!${who}` + \'\\u0041\\x42\')\n'
        "Write(\"b.json\", JSON.stringify({a: [1, true, null, -2.5], 'b c': Date.now()}))\n"
    )
    batch = parse(text)
    assert not batch.diagnostics
    first, second = batch.operations()
    assert isinstance(first, WriteOp) and isinstance(second, WriteOp)
    assert first.content == "hello world\n3!worldAB"
    assert second.content == '{"a":[1,true,null,-2.5],"b c":1767323045678}'


def test_undefined_name_is_an_error_on_the_operation() -> None:
    batch = parse('Write("a.txt", content1)\nBash("ok")\n')
    (diag,) = batch.diagnostics
    assert (diag.code, diag.message) == ("SW002", "content1 is not defined")
    assert (diag.line, diag.column, diag.end_column) == (1, 16, 24)
    write, bash = batch.operations()
    assert write.skip_reason is not None and "content1" in write.skip_reason
    assert bash.skip_reason is None


def test_placeholders_warn_and_skip() -> None:
    batch = parse('Task("A", {...}, "coder")\nWrite("x.txt", ...)\nBash("{...command...}")\n')
    assert codes(batch).count("SW003") == 3
    assert all(op.skip_reason for op in batch.operations())
    task = batch.operations()[0]
    assert isinstance(task, TaskOp) and task.instructions == "{...}"


def test_words_in_angle_brackets_are_a_placeholder() -> None:
    # A Rust skill's agent mode (`prompt: <agent content>`, which was "is a comma missing?"),
    # ruflo's SPARC skill (`mode: "<mode-name>"`); a TypeScript generic or a tag is no slot.
    batch = parse(
        'Task(subagent_type: "general-purpose", prompt: <agent content>)\n'
        'mcp__claude-flow__sparc_mode { mode: "<mode-name>", task_description: "x" }\n'
        'Write("index.html", "<div>")\n'
    )
    task, mode, write = batch.operations()
    assert (task.skip_reason or "").startswith("SW003")
    assert (mode.skip_reason or "").startswith("SW003")
    assert write.skip_reason is None and "SW001" not in codes(batch)


def test_a_command_holding_a_templates_slot_is_a_placeholder() -> None:
    # ruflo v3's CLAUDE.md: "Before starting any task" hooks written with slots to fill in; the
    # memory store would have stored the key `[pattern-name]`.
    batch = parse(
        "Bash(\"npx @claude-flow/cli@latest hooks route --task '[task description]'\")\n"
        "Bash(\"npx @claude-flow/cli@latest memory store --key '[pattern-name]' --value 'x'\")\n"
        'Bash({ command: "deploy --env \\"<target-env>\\"" })\n'
        "Bash(\"tr '[a-z]' '[A-Z]' < in.txt && echo '<div>' && grep '[[:alpha:]]' in.txt\")\n"
    )
    route, store, deploy, plain = batch.operations()
    assert isinstance(route, BashOp)
    for op, slot in (
        (route, "[task description]"),
        (store, "[pattern-name]"),
        (deploy, "<target-env>"),
    ):
        assert (op.skip_reason or "").startswith(f"SW003: placeholder left to fill in: {slot}")
    assert isinstance(plain, BashOp) and plain.skip_reason is None


def test_a_slash_commands_arguments_in_a_command_are_a_placeholder() -> None:
    # `$ARGUMENTS` is Claude Code's, which no shell sets; `$1` and `$TASK` are the shell's.
    batch = parse(
        'Bash("npx claude-flow sparc run spec \\"$ARGUMENTS\\"")\n'
        'Bash("echo ${ARGUMENTS} > task.txt")\n'
        "Bash(\"git log | awk '{print $1}' && echo $TASK $HOME\")\n"
    )
    quoted, braced, plain = batch.operations()
    for op, slot in ((quoted, "$ARGUMENTS"), (braced, "${ARGUMENTS}")):
        assert (op.skip_reason or "").startswith(f"SW003: placeholder left to fill in: {slot} in")
    assert isinstance(plain, BashOp) and plain.skip_reason is None


def test_a_placeholder_stays_skipped_beside_a_look_alike_line() -> None:
    # (claude-flow v3's CLAUDE.md: a template Task, and below it a line that reads like Bash;
    # the line's note once took the Task's place in the skip reasons, and the Task ran)
    text = 'Task({ prompt: "...", subagent_type: "coder" })\n'
    text += "- Bash mkdir -p build\n"
    batch = parse(text)
    task, note = batch.operations()
    assert isinstance(task, TaskOp) and (task.skip_reason or "").startswith("SW003")
    assert isinstance(note, NoteOp) and (note.skip_reason or "").startswith("SW019")
    sw021 = [d.message for d in batch.diagnostics if d.code == "SW021"]
    assert sw021 and "every operation that would run is skipped (line 1: SW003" in sw021[0]
    with_task = parse(text + 'Task("Coder", "Fix the bug.", "coder")\n')
    assert [op.skip_reason is None for op in with_task.tasks()] == [False, True]


def test_missing_comma_inside_call_is_reported_on_the_operation() -> None:
    batch = parse('Task("A" "do it", "coder")\nBash("fine")\n')
    sw001 = [d for d in batch.diagnostics if d.code == "SW001"]
    assert len(sw001) == 1 and sw001[0].line == 1
    assert batch.operations()[0].skip_reason is not None
    assert batch.operations()[1].skip_reason is None


def test_double_comma_is_reported() -> None:
    batch = parse('Task("A", "x",, "coder")\n')
    assert codes(batch) == ["SW001"]
    assert batch.operations()[0].skip_reason


def test_unclosed_call_does_not_swallow_the_rest() -> None:
    batch = parse('Task("A", "x", "coder"\nTask("B", "y", "coder")\nBash("ls")\n')
    assert "SW001" in codes(batch)
    assert [t.name for t in batch.tasks()] == ["B"]
    assert any(isinstance(op, BashOp) and op.command == "ls" for op in batch.operations())


def test_unknown_operation_is_skipped_with_warning() -> None:
    batch = parse('Deploy("prod")\nBash("ls")\n')
    assert codes(batch) == ["SW009"]
    assert batch.operations()[0].skip_reason
    assert batch.operations()[1].skip_reason is None


def test_character_columns_after_non_ascii() -> None:
    batch = parse('Bash("héllo wörld 🎉") ; Write("ü.txt", zz)\n')
    diag = next(d for d in batch.diagnostics if d.code == "SW002")
    line = 'Bash("héllo wörld 🎉") ; Write("ü.txt", zz)'
    assert line[diag.column - 1 : diag.end_column - 1] == "zz"


def test_memory_short_forms_and_agent_spawn() -> None:
    text = (
        'memory.store("k", 1, {namespace: "ns", ttl: 5})\nmemory.retrieve("k")\n'
        'memory.search("swarm/*")\nmcp__claude_flow__agent_spawn({type: "researcher", name: "R"})\n'
    )
    batch = parse(text)
    store, retrieve, search, spawn = batch.operations()
    assert isinstance(store, MemoryOp) and (store.namespace, store.ttl, store.value) == ("ns", 5, 1)
    assert isinstance(retrieve, MemoryOp) and retrieve.action == "retrieve"
    assert isinstance(search, MemoryOp) and search.pattern == "swarm/*"
    assert isinstance(spawn, TaskOp) and (spawn.name, spawn.agent_type) == ("R", "researcher")


def test_pasted_markdown_fence_and_prose_are_notes() -> None:
    text = (
        "Here is the batch:\n```javascript\n[Single Message - X]:\n"
        'Task("A", `Multi\nline ${"x"}`, "coder")\n'
        "Reviewer's turn now\n```\n"
    )
    batch = parse(text)
    (task,) = batch.tasks()
    assert task.instructions == "Multi\nline x"
    notes = [op for op in batch.operations() if isinstance(op, NoteOp)]
    assert [n.text for n in notes] == [
        "Here is the batch:",
        "```javascript",
        "Reviewer's turn now",
        "```",
    ]
    first = batch.diagnostics[0]
    assert (first.code, first.line, first.column, first.end_column) == ("SW015", 1, 1, 19)


def test_line_that_looks_like_a_call_but_is_not_an_operation() -> None:
    batch = parse('Bash("ok")\nTask("A", "unfinished"\n')
    diag = next(d for d in batch.diagnostics if d.code == "SW001")
    assert diag.line == 2
    assert [op.kind for op in batch.operations()] == ["bash"]


def test_operation_using_a_broken_constant_is_skipped() -> None:
    batch = parse('const a = nothing\nTask("A", a, "coder")\n')
    assert [(d.code, d.line) for d in batch.diagnostics if d.code == "SW002"] == [
        ("SW002", 1),
        ("SW002", 2),
    ]
    assert batch.tasks()[0].skip_reason


def test_error_messages_name_the_problem() -> None:
    unfinished = parse('Bash("ls")\nmemory.store("k"\n')
    (diag,) = unfinished.diagnostics
    assert (diag.code, diag.line) == ("SW001", 2)
    assert "`memory.store(` is not finished" in diag.message
    comma = parse('Task("A" "x", "coder")\n')
    diag = next(d for d in comma.diagnostics if d.code == "SW001")
    # §7: the first bad token is `"x"` (a string right after a string), not the good `"A"`.
    assert diag.message == (
        'syntax error: unexpected `"x"` (is a comma missing?), in `Task("A" "x", "coder")`'
    )
    assert (diag.column, diag.end_column) == (10, 13)


def test_placeholder_statement_is_a_warning_not_an_error() -> None:
    batch = parse('Bash("a")\n...\n{...}\nBash("b")\n')
    assert [(d.code, d.line) for d in batch.diagnostics] == [("SW003", 2), ("SW003", 3)]
    assert not batch.has_errors
    assert all(op.skip_reason is None for op in batch.operations())
