"""Operation names: what swarmtui runs, Claude Code's own tools, and `mcp__<server>__<tool>`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from swarmtui.batch.models import ToolRole

# Operations swarmtui runs, by the name they are written with.
RUN = frozenset({"Task", "Agent", "TodoWrite", "TaskCreate", "Bash", "Write"})
# The short forms of memory operations (`memory.store(key, value)`), by action. claude-flow's
# SPARC guides write them capitalised, as its Memory tool (`Memory.get(key)`), and read with
# `get` as its `memory_get` tool does.
_MEMORY_SHORT_ACTIONS = {
    "store": "store", "retrieve": "retrieve", "get": "retrieve", "delete": "delete",
    "search": "search", "list": "list",
}  # fmt: skip
# Claude Code's tools besides Task/TodoWrite/Bash/Write: each agent uses them on its own.
AGENT_TOOLS = frozenset(
    {
        "Read", "Edit", "MultiEdit", "Glob", "Grep", "LS", "WebSearch", "WebFetch",
        "NotebookEdit", "NotebookRead", "TodoRead", "BashOutput", "KillShell", "KillBash",
        "EnterPlanMode", "ExitPlanMode", "SlashCommand", "Skill", "AskUserQuestion", "TaskUpdate",
        "TaskList", "TaskGet", "TaskOutput", "TaskStop", "TeamCreate", "TeamDelete", "SendMessage",
    }
)  # fmt: skip
# Claude Code's agent-teams tool (`Teammate({operation: "spawnTeam", team_name})`, then
# `requestShutdown`, `cleanup`): the team's agents are its Task calls, which swarmtui runs.
TEAM_TOOLS = frozenset({"Teammate"})
# claude-flow and ruv-swarm tools whose job swarmtui does itself: it schedules, monitors and
# coordinates the agents of a session (an `agent_spawn` beside `Task` calls only declares a type).
COORDINATION_TOOLS = frozenset(
    {
        "task_orchestrate", "swarm_status", "swarm_monitor", "swarm_scale", "swarm_destroy",
        "agent_list", "agent_metrics", "agent_communicate", "agents_spawn_parallel",
        "task_status", "task_results", "task_create", "task_assign", "topology_optimize",
        "load_balance", "coordination_sync", "performance_report", "performance_monitor",
        "bottleneck_analyze", "token_usage", "metrics_collect", "health_check", "benchmark_run",
        "features_detect", "query_control", "query_list", "parallel_execute", "batch_process",
    }
)  # fmt: skip
# MCP servers of the claude-flow family: their memory, swarm_init and agent_spawn tools map to
# swarmtui's own operations.
_FLOW_SERVER_RE = re.compile(r"claude[-_]?flow|ruv[-_]?swarm|flow[-_]?nexus", re.IGNORECASE)
# `mcp__<server>__<tool>` (for `fullmatch`): the server ends at the first `__` that can end it,
# which is after its last `-`, `@` or `.`. The atomic group tries only that one: a later `__` of
# the same run of letters would leave a tool ending in the same place (`mcp__a__a__…a!` took
# time quadratic in its length when each was tried).
MCP_RE = re.compile(
    r"mcp__(?>(?P<server>(?:[A-Za-z0-9_]*+[@.-])++[A-Za-z0-9_]*?|[A-Za-z0-9_]+?)__)"
    r"(?P<tool>[A-Za-z0-9_]++)"
)
MEMORY_TOOLS = {
    "memory_usage": None,
    "memory_store": "store",
    "memory_retrieve": "retrieve",
    "memory_get": "retrieve",
    "memory_search": "search",
    "memory_list": "list",
    "memory_delete": "delete",
}


@dataclass(frozen=True, slots=True)
class McpName:
    server: str
    tool: str

    @property
    def flow_family(self) -> bool:
        return bool(_FLOW_SERVER_RE.search(self.server))


def mcp_name(name: str) -> McpName | None:
    m = MCP_RE.fullmatch(name)
    return McpName(m.group("server"), m.group("tool")) if m else None


def memory_short_action(name: str) -> str | None:
    """The action of a memory short form (`memory.store`, `Memory.get`: `retrieve`), if NAME is
    one."""
    if name[:7] not in ("memory.", "Memory."):
        return None
    return _MEMORY_SHORT_ACTIONS.get(name[7:])


def is_operation_name(name: str) -> bool:
    """A name that is an operation when called: run, recorded, or an MCP tool."""
    return (
        name in RUN
        or name in AGENT_TOOLS
        or name in TEAM_TOOLS
        or name.startswith("mcp__")
        or memory_short_action(name) is not None
    )


# Tools of any MCP server (or none) that are operations when called (`agent_spawn({...})`).
_OPERATION_SUFFIXES = ("agent_spawn", "swarm_init", "memory_usage")


# opencode's task tool, written in lowercase (`task(subagent_type="explore", prompt="…")`,
# `task({ subagent_type: "general", … })`): Claude Code's Task. Only with these arguments: a
# `task(x)` of other code is not one.
OPENCODE_TASK_KEYS = ("subagent_type", "prompt", "description")
# One of those arguments, by name (`subagent_type:`, `"prompt" =`).
OPENCODE_TASK_KEY = rf"[\"']?(?:{'|'.join(OPENCODE_TASK_KEYS)})[\"']?[ \t]*[:=]"
# (Its first argument may be on the line below: `task(`, then `  subagent_type="explore",`.)
OPENCODE_TASK_RE = re.compile(rf"\btask[ \t]*\(\s*(?:\{{\s*)?{OPENCODE_TASK_KEY}")

# Codex's tool that starts an agent, `spawn_agent(agent_type="worker", message="…")`: a Task.
# Only with these arguments by name.
CODEX_SPAWN_RE = re.compile(r"spawn_agent[ \t]*\([ \t]*(?:agent_type|message)[ \t]*[:=]")

# pi's subagents tool (pi-subagents): one agent, `subagent({ agent: "scout", task: "…" })`, or
# several, `subagent({ tasks: [{agent, task}, …] })` at once or `{ chain: [...] }` in turn. Only
# with one of these keys first (or the object going on below): `subagent(x)` of other code is not.
PI_SUBAGENT = "subagent"
PI_SUBAGENT_RE = re.compile(
    r"\bsubagent[ \t]*\([ \t]*\{[ \t]*(?:[\"']?(?:agent|tasks|chain)[\"']?[ \t]*:|$)", re.MULTILINE
)


def reads_as_operation(name: str) -> bool:
    """A called name read as an operation: an operation name, or a tool named like one."""
    return is_operation_name(name) or name.endswith(_OPERATION_SUFFIXES)


def tool_role(name: str) -> tuple[ToolRole, str] | None:
    """For a tool swarmtui records without running: its role and why it is not run."""
    if name in AGENT_TOOLS:
        return "agent-work", f"{name} is work the agents do themselves: swarmtui does not run it"
    if name in TEAM_TOOLS:
        return (
            "coordination",
            f"{name} is Claude Code's agent-teams tool: swarmtui runs the team's agents from "
            "the Task calls itself, and records this without running it",
        )
    mcp = mcp_name(name)
    tool = mcp.tool if mcp is not None else name
    if tool in COORDINATION_TOOLS or (mcp is not None and tool == "agent_spawn"):
        return (
            "coordination",
            f"{tool} is coordination swarmtui does itself: it is recorded, not run",
        )
    if mcp is None:
        return None
    return (
        "not-run",
        f"{name} is a tool of the MCP server '{mcp.server}', which swarmtui does not run",
    )
