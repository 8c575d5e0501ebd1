"""Session paths (§6), slugs, and the built-in agent types shipped in the package (§4)."""

from __future__ import annotations

from pathlib import Path

from swarmtui import locations
from swarmtui.batch import slug
from swarmtui.batch.agent_types import load_agent_types
from swarmtui.batch.paths import check_write_path, rewrite_session_paths, write_target

ROLES = [
    "general", "researcher", "coder", "tester", "reviewer", "backend-dev", "frontend-dev",
    "mobile-dev", "system-architect", "code-analyzer", "security-manager", "api-docs",
    "cicd-engineer", "performance-optimizer", "planner",
]  # fmt: skip


def test_rewrite_session_paths(tmp_path: Path) -> None:
    session = tmp_path / "sessions" / "session-20260102-030405-release"
    text = (
        "mkdir -p sessions/session-YYYYMMDD-HHMMSS-release/artifacts/{docs,scripts} && "
        "cat sessions/.../artifacts/docs/notes.md"
    )
    out = rewrite_session_paths(text, session)
    assert out == (
        f"mkdir -p {session}/artifacts/{{docs,scripts}} && cat {session}/artifacts/docs/notes.md"
    )
    assert rewrite_session_paths("no paths here", session) == "no paths here"


def test_check_write_path() -> None:
    assert check_write_path("notes.md") is None
    assert check_write_path("sessions/.../artifacts/docs/notes.md") is None
    assert check_write_path("a/../b.txt") is None
    for bad in ["/etc/passwd", "../x", "a/../../x", "~/x", "C:\\x", "", "."]:
        problem = check_write_path(bad)
        assert problem is not None and "\n" not in problem, bad


def test_write_target() -> None:
    assert write_target("notes.md") == "artifacts/notes.md"
    assert write_target("sessions/.../artifacts/docs/notes.md") == "artifacts/docs/notes.md"
    assert write_target("session-YYYYMMDD-HHMMSS-x/src/a.py") == "src/a.py"
    assert write_target("./src/a.py") == "src/a.py"


def test_slug() -> None:
    assert slug("Deploy pipeline!") == "deploy-pipeline"
    assert slug("  ") == "batch"
    assert len(slug("x" * 100)) <= 40


def test_slugs_of_different_names_differ() -> None:
    # Agents' reports, logs and done keys are named by these: names in other scripts, long
    # names that share their first 40 characters, and names of symbols only must not collide.
    names = [
        "分析", "設計", "Łódź агент", "🐝", "🦊",
        "Implement the authentication service for users",
        "Implement the authentication service for admins",
    ]  # fmt: skip
    slugs = [slug(name) for name in names]
    assert len(set(slugs)) == len(names), slugs
    assert slugs[:3] == ["分析", "設計", "łódź-агент"]
    assert all(len(s) <= 40 for s in slugs)
    assert slug("Implement the authentication service for users") == slugs[5]  # stable


def test_builtin_roles_ship_in_the_package() -> None:
    assert locations.builtin_agent_types_dir() == Path(locations.PACKAGE_DIR) / "batch" / "roles"
    types, problems = load_agent_types(Path("/nonexistent"))
    assert problems == []
    assert set(ROLES) <= set(types)
    for name in ROLES:
        role = types[name]
        assert role.description and role.system_prompt and role.capabilities, name


def test_every_builtin_role_file_is_named_after_its_type() -> None:
    # Linting reads only the built-in file names (known_type_names): they must be the types.
    from swarmtui.batch.agent_types import known_type_names

    types, problems = load_agent_types(Path("/nonexistent"))
    assert problems == []
    for name, role in types.items():
        assert role.source is not None and Path(role.source).stem == name
        assert role.description and role.system_prompt, name
    names, _ = known_type_names(Path("/nonexistent"))
    assert names == set(types)
    # claude-flow's catalogue is there, and its original agent_spawn types.
    assert {"hierarchical-coordinator", "sparc-coord", "perf-analyzer", "raft-manager"} <= names
    assert {"coordinator", "analyst", "architect", "optimizer", "documenter"} <= names


# The 17 modes of claude-flow's SPARC templates (`.claude/commands/sparc/*.md`, as in
# `{mode: "tdd"}`): each is a known type.
SPARC_MODES = [
    "analyzer",
    "architect",
    "batch-executor",
    "coder",
    "debugger",
    "designer",
    "documenter",
    "innovator",
    "memory-manager",
    "optimizer",
    "orchestrator",
    "researcher",
    "reviewer",
    "swarm-coordinator",
    "tdd",
    "tester",
    "workflow-manager",
]


def test_every_sparc_mode_is_a_known_type() -> None:
    from swarmtui.batch import parse_batch

    tasks = "".join(
        f'Task("Agent {i}", "Do part {i}.", {{mode: "{mode}"}})\n'
        for i, mode in enumerate(SPARC_MODES)
    )
    batch = parse_batch(tasks)
    assert [t.agent_type for t in batch.tasks()] == SPARC_MODES
    assert [d.message for d in batch.diagnostics if d.code == "SW009"] == []


# Claude Code's own subagent types, as its docs and users' skills write them.
CLAUDE_CODE_TYPES = ["Explore", "Plan", "Bash", "statusline-setup", "output-style-setup"]


def test_claude_codes_own_subagent_types_are_known_roles() -> None:
    from swarmtui.batch import parse_batch

    tasks = "".join(
        f'Task({{description: "Agent {i}", prompt: "Do part {i}.", subagent_type: "{kind}"}})\n'
        for i, kind in enumerate([*CLAUDE_CODE_TYPES, "general-purpose"])
    )
    batch = parse_batch(tasks)
    assert [t.agent_type for t in batch.tasks()] == [*CLAUDE_CODE_TYPES, "general"]
    assert [d.message for d in batch.diagnostics if d.code == "SW009"] == []
    types, _ = load_agent_types(Path("/nonexistent"))
    # Explore and Plan change nothing: their role says so to the agent.
    for name in ("Explore", "Plan"):
        assert "Do not create, edit or delete files" in types[name].system_prompt


def test_an_agent_file_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    # Windows Notepad saves UTF-8 with a byte-order mark: the front matter is still first.
    agents = tmp_path / ".claude" / "agents"
    agents.mkdir(parents=True)
    text = "---\nname: notepad-writer\ndescription: Writes notes\n---\nYou write notes.\n"
    (agents / "notepad-writer.md").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    types, problems = load_agent_types(tmp_path)
    assert problems == []
    assert types["notepad-writer"].description == "Writes notes"
