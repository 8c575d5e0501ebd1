"""An agent's result used by another (`const r = await Task(...)`, then `${r.content}`): the user
waits for the agent that makes it and is given it; nothing else can use it before it exists."""

from __future__ import annotations

from pathlib import Path

from .conftest import codes, parse, run_headless

# As the orchestrating-swarms skill ("Research + Implementation") writes it.
RESEARCH_THEN_BUILD = """```javascript
const research = await Task({
  subagent_type: "researcher",
  description: "Research caching patterns",
  prompt: "Research best practices for caching in Rails APIs."
})

Task({
  subagent_type: "general-purpose",
  description: "Implement caching",
  prompt: `
    Implement API caching based on this research:

    ${research.content}
  `
})
```
"""


def test_an_agent_using_anothers_result_waits_for_it() -> None:
    batch = parse(RESEARCH_THEN_BUILD)
    assert "SW001" not in codes(batch) and not batch.has_errors
    research, build = batch.tasks()
    assert build.waits == research.stores == ["swarm/research-caching-patterns/done"]
    assert build.skip_reason is None
    assert "the result of agent Research caching patterns" in build.instructions
    assert "${" not in build.instructions


def test_results_of_agents_started_together_are_each_bound() -> None:
    for head in (
        'const [a, b] = await Promise.all([\n  Task("A", "x."),\n  Task("B", "y.")\n])\n',
        'const [a, b] = await Promise.all([Task("A", "x."), Task("B", "y.")])\n',
    ):
        batch = parse(head + 'Task("C", `Join ${a} with ${b.output}.`)\n')
        assert not batch.has_errors, [d.message for d in batch.diagnostics]
        a, b, c = batch.tasks()
        assert c.waits == [*a.stores, *b.stores] == ["swarm/a/done", "swarm/b/done"]


def test_a_result_cannot_be_used_before_it_exists() -> None:
    batch = parse('const r = await Task("R", "Research.")\nWrite("notes.md", r.content)\n')
    (error,) = [d for d in batch.diagnostics if d.code == "SW001"]
    assert "`r` is the result of R, known only once it has run" in error.message
    write = batch.operations()[1]
    assert write.kind == "write" and (write.skip_reason or "").startswith("SW001")


def test_a_run_gives_the_result_to_the_agent_that_uses_it(tmp_path: Path) -> None:
    code, out = run_headless(
        tmp_path,
        'const r = await Task("R", "Research.", "researcher")\n'
        'Task("I", `Build on ${r.content}`, "coder")\n',
    )
    assert code == 0, out["summary"]
    research, build = out["state"]["agents"]
    assert build["arrived"] == research["stores"] == ["swarm/r/done"]
    assert build["started_at"] >= research["finished_at"]


def test_what_follows_an_awaited_agent_waits_for_it() -> None:
    # JavaScript runs the statements after `await Task(...)` once its agent is done, and after
    # `await Promise.all([...])` once all of them are (claude-flow-novice's "Hierarchical Agent
    # Organization"): each later agent of the message waits for the last awaited ones.
    batch = parse(
        "```javascript\n"
        "const build = async () => {\n"
        "  const ui = await Promise.all([\n"
        '    Task("UI Designer", "Create UI mockups", "frontend-dev"),\n'
        '    Task("React Developer", "Implement the components", "frontend-dev")\n'
        "  ]);\n"
        "  // Coordinator reviews and integrates\n"
        '  const integration = await Task("Integrator", "Integrate the teams\' work", "coder");\n'
        '  Task("Docs", "Document the dashboard", "api-docs");\n'
        "};\n"
        "```\n"
    )
    designer, developer, integrator, docs = batch.tasks()
    assert designer.waits == developer.waits == []
    assert integrator.waits == ["swarm/ui-designer/done", "swarm/react-developer/done"]
    assert docs.waits == ["swarm/integrator/done"]
    notes = [d.message for d in batch.diagnostics if d.code == "SW013"]
    assert notes[0].startswith(
        "Integrator waits until UI Designer, React Developer finish: it is written after the "
        "`await` on line 3"
    )
    assert "SW005" not in codes(batch) and "SW029" not in codes(batch)


def test_an_await_orders_only_its_own_block_and_message() -> None:
    for text in (
        # inside a function of its own: what follows the function is not after it
        'const research = async () => {\n  await Task("A", "Research it", "researcher")\n}\n'
        'Task("B", "Build it", "coder")\n',
        # another block of the text, after prose
        '```js\nawait Task("A", "Research it", "researcher")\n```\nThen:\n'
        '```js\nTask("B", "Build it", "coder")\n```\n',
        # a later message waits for the earlier one anyway
        'await Task("A", "Research it", "researcher")\n[Message 2]:\n'
        'Task("B", "Build it", "coder")\n',
        # not awaited
        'Task("A", "Research it", "researcher")\nTask("B", "Build it", "coder")\n',
        # claude-flow's agent_spawn returns once the agent is spawned, not done
        'await mcp__claude-flow__agent_spawn({ type: "researcher", name: "A", task: "Research" })\n'
        'await mcp__claude-flow__agent_spawn({ type: "coder", name: "B", task: "Build it" })\n',
    ):
        batch = parse(text)
        assert [t.waits for t in batch.tasks()] == [[], []], text
        assert "SW013" not in codes(batch), text
