"""Dependency inference (§4) and todo linking (§5), including what the seed examples imply."""

from __future__ import annotations

from swarmtui.batch import MemoryOp, TaskOp, TodoWriteOp

from .conftest import codes, example_text, parse


def _task(batch: object, name: str) -> TaskOp:
    task = batch.task(name)  # type: ignore[attr-defined]
    assert task is not None, name
    return task  # type: ignore[no-any-return]


def test_fan_in_dependencies() -> None:
    batch = parse(example_text("fan-in.swarm.js"))
    assert _task(batch, "Contract Author").stores == ["swarm/index/format"]
    assert _task(batch, "Tokenizer Dev").waits == ["swarm/index/format"]
    assert _task(batch, "Store Dev").waits == ["swarm/index/format"]
    integrator = _task(batch, "Integrator")
    assert integrator.waits == ["swarm/index/tokenizer", "swarm/index/postings"]
    (edge,) = integrator.edges
    assert edge.how == "matched"
    assert edge.phrase == "Wait for both implementation reports"
    assert edge.providers == ["Tokenizer Dev", "Store Dev"]
    sw013 = [d for d in batch.diagnostics if d.code == "SW013"]
    assert len(sw013) == 1 and "swarm/index/tokenizer" in sw013[0].message
    line = example_text("fan-in.swarm.js").split("\n")[sw013[0].line - 1]
    assert line[sw013[0].column - 1 : sw013[0].end_column - 1] == edge.phrase
    assert _task(batch, "Ops").waits == [] and _task(batch, "Ops").stores == []


def test_fan_in_todos_follow_agents() -> None:
    batch = parse(example_text("fan-in.swarm.js"))
    todo_op = next(op for op in batch.operations() if isinstance(op, TodoWriteOp))
    links = {t.id: (t.agent, t.agent_link) for t in todo_op.todos}
    assert links == {
        "format": ("Contract Author", "explicit"),
        "tokens": ("Tokenizer Dev", "matched"),
        "postings": ("Store Dev", "matched"),
        "e2e": ("Integrator", "matched"),
        "nightly": ("Ops", "matched"),
    }


def test_weekly_digest_dependencies() -> None:
    batch = parse(example_text("weekly-digest.swarm.js"))
    assert _task(batch, "Editor").waits == ["swarm/digest/merged"]
    assert _task(batch, "Editor").stores == ["swarm/digest/summary"]
    checker = _task(batch, "Checker")
    assert checker.waits == ["swarm/digest/summary"]
    assert checker.edges[0].providers == ["Editor"]
    todo_op = next(op for op in batch.operations() if isinstance(op, TodoWriteOp))
    assert [t.agent for t in todo_op.todos] == ["Collector", "Editor", "Checker"]


def test_two_messages_dependencies_and_docs_agent() -> None:
    batch = parse(example_text("package-then-check.swarm.js"))
    assert _task(batch, "Inspector").waits == ["swarm/package/log"]
    notes = [d for d in batch.diagnostics if "Notes" in d.message]
    # SW006 is silent: Notes in the first message would not make the batch finish sooner.
    assert sorted(d.code for d in notes) == ["SW007"]
    assert all(d.line == 8 for d in notes)


def test_glob_resolves_to_concrete_keys() -> None:
    batch = parse(
        'Task("R1", "Store notes in memory under \'swarm/research/a\'.", "researcher")\n'
        'Task("R2", "Store notes in memory under \'swarm/research/b\'.", "researcher")\n'
        'Task("W", "Read \'swarm/research/*\' from memory.", "coder")\n'
    )
    w = _task(batch, "W")
    assert w.waits == ["swarm/research/a", "swarm/research/b"]
    assert w.edges[0].how == "matched"
    assert "SW013" in codes(batch)


def test_glob_matching_nothing_is_kept_and_reported() -> None:
    batch = parse('Task("W", "Wait for \'swarm/none/*\' in memory.", "coder")\n')
    assert _task(batch, "W").waits == ["swarm/none/*"]
    assert "SW004" in codes(batch)


def test_reading_a_key_the_batch_never_stores_does_not_wait() -> None:
    # Memory outlives sessions: a read (not "wait for") of a key nothing here stores reads what
    # memory already holds, so the agent starts at once; an info says so.
    batch = parse(
        "Task(\"W\", \"Read 'swarm/none/*' from memory. Build it using Memory('targets').\", "
        '"coder")\n'
    )
    w = _task(batch, "W")
    assert w.waits == [] and w.skip_reason is None
    assert [d.code for d in batch.diagnostics] == ["SW023", "SW023"]
    assert all(d.severity == "info" for d in batch.diagnostics)


def test_agent_path_rule() -> None:
    batch = parse(
        'Task("Packager", "Build the wheel.", "cicd-engineer")\n'
        'Task("Uploader", "Wait for \'swarm/packager/build-complete\' in memory. Upload.", '
        '"coder")\n'
    )
    assert _task(batch, "Packager").stores == ["swarm/packager/build-complete"]
    assert _task(batch, "Packager").edges[0].how == "agent-path"
    assert _task(batch, "Uploader").waits == ["swarm/packager/build-complete"]
    assert "SW004" not in codes(batch) and "SW013" in codes(batch)


def test_count_word_all_and_research_matches_researcher() -> None:
    batch = parse(
        'Task("Scout", "Store findings in memory as \'swarm/scout/findings\'.", "researcher")\n'
        'Task("Builder", "Build it using research notes from memory.", "coder")\n'
    )
    assert _task(batch, "Builder").waits == ["swarm/scout/findings"]


def test_implied_store_key_when_no_key_is_named() -> None:
    batch = parse(
        'Task("Scout", "Look around. Store findings in memory.", "researcher")\n'
        'Task("Builder", "Wait for the findings. Build.", "coder")\n'
    )
    scout = _task(batch, "Scout")
    assert scout.stores == ["swarm/scout/findings"] and scout.edges[0].how == "implied"
    assert _task(batch, "Builder").waits == ["swarm/scout/findings"]


def test_explicit_waits_and_stores_replace_inferred() -> None:
    batch = parse(
        'Task("A", "Store it in \'k/a\'.", "coder", {stores: ["k/x"]})\n'
        'Task("B", "Wait for \'k/a\' in memory.", "coder", {waits: ["k/x"]})\n'
    )
    assert _task(batch, "A").stores == ["k/x"]
    assert _task(batch, "B").waits == ["k/x"]
    assert [e.how for e in _task(batch, "B").edges] == ["explicit"]
    assert "SW004" not in codes(batch)


def test_wait_for_key_stored_in_later_message_is_an_error() -> None:
    batch = parse(
        '[Message]:\nTask("A", "Wait for \'k/b\' in memory.", "coder")\n'
        '[Message]:\nTask("B", "Store the result in \'k/b\'.", "coder")\n'
    )
    diag = next(d for d in batch.diagnostics if d.code == "SW004")
    assert "later message" in diag.message
    assert _task(batch, "A").skip_reason


def test_memory_operation_counts_as_a_store() -> None:
    batch = parse(
        'memory.store("swarm/plan", "do it")\n'
        'Task("A", "Read the plan from memory \'swarm/plan\'.", "coder")\n'
    )
    assert _task(batch, "A").waits == ["swarm/plan"]
    assert not batch.has_errors


_SKIPPED_STORE = (
    "Bash(\"npx claude-flow@alpha memory store --namespace collab --key 'task-context' "
    "--value '[task description]'\")\n"
)


def test_a_namespace_read_does_not_wait_for_a_skipped_store_and_says_so() -> None:
    # (ruflo's root CLAUDE.md: the Tester "Read from 'collab' namespace" waited for a store
    # skipped as a placeholder; lint said nothing and the run failed the Tester)
    batch = parse(
        'Task("Architect", "Design it. Store design in memory namespace \'collab\'.", '
        '"system-architect")\n'
        'Task("Tester", "Write tests. Read from \'collab\' namespace.", "tester")\n'
        + _SKIPPED_STORE
    )
    assert _task(batch, "Tester").waits == ["collab:swarm/architect/design"]
    assert not _task(batch, "Tester").skip_reason
    (note,) = [d for d in batch.diagnostics if d.code == "SW013" and d.line == 2]
    assert note.message.endswith(
        "; the store of collab:task-context (line 3) is skipped: not waited for"
    )


def test_a_wait_for_a_key_whose_only_store_is_skipped_is_said_at_the_agent() -> None:
    batch = parse(
        'Task("Tester", "Wait for \'task-context\' in memory, then test.", "tester")\n'
        + _SKIPPED_STORE.replace("--namespace collab ", "")
    )
    (error,) = [d for d in batch.diagnostics if d.code == "SW004"]
    assert error.line == 1
    assert "(the store of task-context, line 2, is skipped)" in error.message
    assert _task(batch, "Tester").skip_reason


def test_agents_waiting_on_skipped_agents_are_skipped_too() -> None:
    batch = parse(
        'Task("A", "Store it in \'k/a\'.", "coder", {timeout: -1})\n'
        'Task("B", "Wait for \'k/a\' in memory. Store it in \'k/b\'.", "coder")\n'
        'Task("C", "Wait for \'k/b\' in memory.", "coder")\n'
        'Task("D", "Independent.", "coder")\n'
    )
    assert [t.name for t in batch.tasks() if t.skip_reason] == ["A", "B", "C"]
    sw004 = [d for d in batch.diagnostics if d.code == "SW004"]
    assert [d.line for d in sw004] == [2, 3]
    assert "only A would store" in sw004[0].message


_RESEARCHERS = "".join(
    f'Task("{name}", "Research. Store {what} in memory as \'swarm/research/{key}\'.", '
    '"researcher")\n'
    for name, what, key in (
        ("R1", "findings", "apis"),
        ("R2", "findings", "dbs"),
        ("R3", "notes", "ui"),
    )
)
_ALL_THREE = ["swarm/research/apis", "swarm/research/dbs", "swarm/research/ui"]


def _wait_diag(text: str) -> tuple[list[str], str, str]:
    batch = parse(text)
    (diag,) = [d for d in batch.diagnostics if d.code in ("SW013", "SW014") and d.line == 4]
    return _task(batch, "Dev").waits, diag.code, diag.severity


def test_count_word_all_three_widens_to_the_group_sharing_the_prefix() -> None:
    waits, code, severity = _wait_diag(
        _RESEARCHERS + 'Task("Dev", "Wait for all three findings. Build.", "coder")\n'
    )
    assert (waits, code, severity) == (_ALL_THREE, "SW013", "info")


def test_count_word_all_takes_the_whole_group() -> None:
    waits, code, _ = _wait_diag(
        _RESEARCHERS + 'Task("Dev", "Wait for all findings. Build.", "coder")\n'
    )
    assert (waits, code) == (_ALL_THREE, "SW013")


def test_count_word_both_widens_to_a_group_of_two() -> None:
    batch = parse(
        'Task("Rev1", "Review the API. Store the report in \'swarm/review/api\'.", "reviewer")\n'
        'Task("Rev2", "Review the UI. Store notes in \'swarm/review/ui\'.", "reviewer")\n'
        'Task("Lead", "Wait for both review reports. Merge.", "planner")\n'
    )
    assert _task(batch, "Lead").waits == ["swarm/review/api", "swarm/review/ui"]
    assert "SW014" not in codes(batch)


def test_count_word_both_picks_two_of_a_larger_group_by_their_words() -> None:
    waits, code, _ = _wait_diag(
        _RESEARCHERS + 'Task("Dev", "Wait for both findings. Build.", "coder")\n'
    )
    assert (waits, code) == (_ALL_THREE[:2], "SW013")


def test_count_word_with_too_few_keys_is_a_warning() -> None:
    waits, code, severity = _wait_diag(
        _RESEARCHERS + 'Task("Dev", "Wait for all four findings. Build.", "coder")\n'
    )
    assert (waits, code, severity) == (_ALL_THREE[:2], "SW014", "warning")


def test_a_file_read_by_its_name_is_not_a_memory_read() -> None:
    batch = parse(
        'Task("Docs", "Read `docs/spec.md` and summarise it.", "coder")\n'
        'Task("Plan", "Read \'swarm/plan\' and summarise it.", "coder")\n'
    )
    # Only the key is said to be read from memory: the file is the agent's own to read.
    (note,) = [d for d in batch.diagnostics if d.code == "SW023"]
    assert "swarm/plan" in note.message
    assert _task(batch, "Docs").waits == []


def test_a_file_stored_in_memory_by_its_name_is_still_waited_for() -> None:
    batch = parse(
        'Task("Writer", "Store the spec in \'docs/spec.md\'.", "coder")\n'
        'Task("Reader", "Wait for `docs/spec.md`, then review it.", "reviewer")\n'
    )
    assert _task(batch, "Reader").waits == ["docs/spec.md"]
    assert "SW004" not in codes(batch)


def test_a_wait_for_a_file_nothing_stores_says_what_to_do() -> None:
    batch = parse(
        'Task("Builder", "Build the app into dist/app.js.", "coder")\n'
        'Task("Deployer", "Wait for `dist/app.js` to be built, then deploy it.", "coder")\n'
    )
    (error,) = [d for d in batch.diagnostics if d.code == "SW004"]
    assert "a file? agents wait for memory keys" in error.message
    assert _task(batch, "Deployer").skip_reason is not None


def test_a_store_verb_after_until_is_what_another_agent_does() -> None:
    # binto-labs' integration guide: "Poll memory until all agents publish "done"" is a wait
    # for the others (not a store of `done`), and the agent waiting for QA is not waited for.
    batch = parse(
        'Task("Backend", "Build the API.", "backend-dev")\n'
        'Task("Frontend", "Build the UI.", "coder")\n'
        'Task("QA", "WAIT for completion: Poll memory until all agents publish \\"done\\". '
        'Then run the e2e tests.", "tester")\n'
        'Task("Reviewer", "WAIT for QA: Poll memory for qa completion. Then review.", "reviewer")\n'
        'Task("Docs", "Poll memory until the architect stores \'api/spec\', then document it.", '
        '"api-docs")\n'
        'Task("Architect", "Design it. Keep going until you store \'api/spec\'.", "architect")\n'
        'Task("Fixer", "Iterate until tests pass and store the log in \'fix/log\'.", "coder")\n'
    )
    qa, reviewer, docs = (_task(batch, n) for n in ("QA", "Reviewer", "Docs"))
    assert qa.stores == ["swarm/qa/done"]  # (only because Reviewer waits for it to finish)
    assert qa.waits == [
        "swarm/backend/done", "swarm/frontend/done", "swarm/docs/done", "swarm/architect/done",
        "swarm/fixer/done",
    ]  # fmt: skip
    # "WAIT for QA", QA storing nothing it could match: the one agent of that name.
    assert reviewer.waits == ["swarm/qa/done"]
    assert (reviewer.edges[0].how, reviewer.edges[0].providers) == ("matched", ["QA"])
    assert docs.waits == ["api/spec"] and "api/spec" not in docs.stores
    # A group ("all") is not one agent: no wait, and said so.
    groups = parse(
        'Task("Module A", "Build it.", "coder")\n'
        'Task("Tester", "Wait for all modules, then test.", "tester")\n'
    )
    assert _task(groups, "Tester").waits == [] and "SW014" in codes(groups)
    one = parse(
        'Task("Module A", "Build it.", "coder")\n'
        'Task("Tester", "Wait for the module, then test.", "tester")\n'
    )
    assert _task(one, "Tester").waits == ["swarm/module-a/done"]
    assert _task(batch, "Architect").stores[0] == "api/spec"  # ("until you": its own store)
    assert _task(batch, "Fixer").stores[0] == "fix/log"  # (the `until` part ended at "and")
    assert "SW005" not in codes(batch) and "SW006" not in codes(batch)


def test_a_wait_phrase_is_not_matched_to_another_kind_of_the_same_thing() -> None:
    # "chart API" is not the "cache API contract": their shared word is qualified differently.
    text = (
        'Task("Cache", "Implement caching. PUBLISH: Store cache API contract in memory.", '
        '"backend-dev")\n'
        'Task("Streaming", "WAIT for {what}: Poll memory for it. Then build SSE.", "backend-dev")\n'
    )
    chart = parse(text.replace("{what}", "chart API"))
    assert _task(chart, "Streaming").waits == []
    (said,) = [d for d in chart.diagnostics if d.code == "SW014"]
    assert '"WAIT for chart API: Poll memory for it" matches nothing' in said.message
    for phrase in ("cache API", "the API contract", "Cache's API"):
        batch = parse(text.replace("{what}", phrase))
        assert _task(batch, "Streaming").waits == ["swarm/cache/cache-api-contract"], phrase


def test_claude_flow_memory_tools_called_in_instructions_store_and_wait() -> None:
    # claude-flow's prompts tell each agent to call its MCP memory tool ("COORDINATION
    # PROTOCOL"): read exactly as the `npx claude-flow memory store` commands are.
    batch = parse(
        "[Single Message]:\n"
        '  Task("Architect", `Design the schema. Then store it:\n'
        '  mcp__claude-flow__memory_usage({ action: "store", namespace: "swarm/arch",'
        ' key: "db/schema", value: "<schema>" })`, "system-architect")\n'
        '  Task("Backend", `Wait for the schema:\n'
        '  mcp__claude-flow__memory_usage({ action: "retrieve", namespace: "swarm/arch",'
        ' key: "db/schema" })\n'
        '  Then implement the API.`, "backend-dev")\n'
        "  Task(\"Docs\", \"Call memory_retrieve({key: 'db/schema', namespace: 'swarm/arch'})\""
        ' + " and document it.")\n'
    )
    architect, backend, docs = batch.tasks()
    assert architect.stores == ["swarm/arch:db/schema"]
    assert backend.waits == docs.waits == ["swarm/arch:db/schema"]
    assert "SW014" not in codes(batch)


def test_claude_flow_memory_tool_without_its_server_and_with_data() -> None:
    batch = parse(
        'memory_usage { action: "store", key: "swarm/shared/config", value: "port=8080" }\n'
        'mcp__claude-flow__memory_store({ key: "auth/jwt", data: { expiry: "15m" } })\n'
        'Task("Coder", "Wait for \'swarm/shared/config\' and \'auth/jwt\', then build", "coder")\n'
    )
    config, jwt = [op for op in batch.operations() if isinstance(op, MemoryOp)]
    assert (config.action, config.key, config.value) == (
        "store",
        "swarm/shared/config",
        "port=8080",
    )
    assert (jwt.key, jwt.value) == ("auth/jwt", {"expiry": "15m"})
    (coder,) = batch.tasks()
    assert set(coder.waits) == {"swarm/shared/config", "auth/jwt"}


def test_a_read_of_prior_decisions_does_not_wait_for_an_agent_beside_it() -> None:
    # claude-flow v2's CLAUDE.md template (copied by every `claude-flow init`): the Research agent
    # checks what memory already holds; the Database agent beside it stores its own decisions.
    batch = parse(
        "[Single Message - Parallel Agent Execution]:\n"
        '  Task("Research agent", "Analyze API requirements. Check memory for prior decisions.",'
        ' "researcher")\n'
        '  Task("Database agent", "Design the schema. Store decisions in memory.",'
        ' "code-analyzer")\n'
    )
    assert _task(batch, "Research agent").waits == []
    (note,) = [d for d in batch.diagnostics if d.code == "SW023"]
    assert '"Check memory for prior decisions" reads what memory held before' in note.message
    assert "Database agent" in note.message
    # Stored by an earlier message, it is what memory held: read (and handed) as before.
    later = parse(
        'Task("Database agent", "Store decisions in memory.", "code-analyzer")\n'
        "[Message 2]:\n"
        'Task("Research agent", "Check memory for previous decisions.", "researcher")\n'
    )
    assert _task(later, "Research agent").waits == ["swarm/database-agent/decisions"]
    # Without the word, or when it names the agent's work ("the previous agent's"), a wait.
    for phrase in ("Check memory for the decisions.", "Check memory for the previous agent's "
                   "decisions."):  # fmt: skip
        same = parse(
            'Task("Database agent", "Store decisions in memory.", "code-analyzer")\n'
            f'Task("Research agent", "{phrase}", "researcher")\n'
        )
        assert _task(same, "Research agent").waits == ["swarm/database-agent/decisions"], phrase


def test_a_store_verb_after_another_agent_is_what_it_waits_for() -> None:
    # The store verb belongs to its subject: the others store, this agent waits (and stores
    # nothing of its own by these words).
    batch = parse(
        'Task("Coder", "Implement the API. Store the implementation in memory under '
        '\'impl/api\'", "coder")\n'
        'Task("Tester", "Write tests. Save results to memory as \'tests/results\'", "tester")\n'
        'Task("Reviewer", "Wait for all agents to store their results in memory, then review '
        'everything", "reviewer")\n'
        'Task("Integrator", "After the Coder stores the implementation in memory, merge it into '
        'main", "coder")\n'
        'Task("Reporter", "Once all agents have saved their results to memory, write the final '
        'report", "api-docs")\n'
        'Task("Docs", "When the Tester has stored them, document the tests", "api-docs")\n'
    )
    reviewer, integrator, reporter, docs = (
        _task(batch, n) for n in ("Reviewer", "Integrator", "Reporter", "Docs")
    )
    workers = ["swarm/coder/done", "swarm/tester/done", "swarm/integrator/done", "swarm/docs/done"]
    # (the two that wait for everyone wait for the rest, not for each other: no cycle)
    assert reviewer.waits == reporter.waits == workers
    assert reviewer.stores == [] and integrator.stores == ["swarm/integrator/done"]
    assert integrator.waits == ["impl/api"]
    assert (integrator.edges[0].how, integrator.edges[0].providers) == ("matched", ["Coder"])
    # The Tester's words match nothing "them" says: it waits until the Tester finishes.
    assert docs.waits == ["swarm/tester/done"]
    assert "SW005" not in codes(batch) and "SW014" not in codes(batch)
    # Orders to this agent stay its own stores.
    own = parse(
        'Task("A", "After review, store results in memory.", "coder")\n'
        'Task("B", "When done store the notes in memory.", "coder")\n'
        'Task("C", "Wait for the plan. After you store the plan in \'c/plan\', stop.", "coder")\n'
    )
    assert [t.stores for t in own.tasks()] == [
        ["swarm/a/results"], ["swarm/b/notes"], ["c/plan"],
    ]  # fmt: skip
