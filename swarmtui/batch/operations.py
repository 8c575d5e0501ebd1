"""Turn one call (`Task(...)`, `Bash "ls"`, `memory.store(...)`, `Read(...)`...) into an operation
(§2): the operations swarmtui runs, the tools it records without running, and unknown names."""

from __future__ import annotations

import re
from typing import Any, cast

from swarmtui.batch.calls import CallContext, TaskInfo, number_option, text_arg
from swarmtui.batch.memcli import MemoryCommand, memory_commands, whole_command
from swarmtui.batch.models import (
    BashOp,
    MemoryAction,
    MemoryOp,
    NoteOp,
    Severity,
    SwarmInitOp,
    TaskOp,
    Todo,
    TodoWriteOp,
    ToolOp,
    ToolRole,
    WriteOp,
)
from swarmtui.batch.names import (
    MEMORY_TOOLS,
    OPENCODE_TASK_KEYS,
    PI_SUBAGENT,
    mcp_name,
    memory_short_action,
    tool_role,
)
from swarmtui.batch.paths import cd_outside, check_write_path, folder_outside
from swarmtui.batch.source import Range
from swarmtui.batch.tasks import agent_spawn, codex_spawn, pi_subagent, sparc_mode, task
from swarmtui.batch.values import MUSTACHE_SLOT, Undefined, js_string, json_text

# claude-flow v2's four, v3's (ruflo's) `hierarchical-mesh` and `adaptive`, and the `hybrid` its
# docs write (recorded and shown: swarmtui schedules the same way whatever the topology).
TOPOLOGIES = ("mesh", "hierarchical", "star", "ring", "hierarchical-mesh", "adaptive", "hybrid")
MEMORY_ACTIONS = ("store", "retrieve", "list", "search", "delete")
TODO_STATUSES = ("pending", "in_progress", "completed")
TODO_PRIORITIES = ("critical", "high", "medium", "low")
# The operations a misspelt call name is compared with (`Tsak` → `Task`).
KNOWN_OPERATIONS = ("Task", "Agent", "TodoWrite", "TaskCreate", "Bash", "Write")
# What a recorded tool call is about, for its one-line summary.
_SUMMARY_KEYS = (
    "file_path", "path", "notebook_path", "pattern", "query", "url", "command", "task",
    "description", "subject", "title", "name", "team_name", "message", "key", "operation",
)  # fmt: skip

AnyOp = TaskOp | TodoWriteOp | BashOp | WriteOp | MemoryOp | SwarmInitOp | ToolOp | NoteOp

__all__ = ["AnyOp", "CallContext", "TaskInfo", "build_operation"]


def build_operation(name: str, ctx: CallContext) -> AnyOp:
    """The operation for a call named `name`; unknown names become a skipped note (SW009)."""
    base: dict[str, Any] = {
        "index": ctx.index,
        "line": ctx.rng[0],
        "column": ctx.rng[1],
        "end_line": ctx.rng[2],
        "end_column": ctx.rng[3],
    }
    if name in ("Task", "Agent") or (name == "task" and _opencode_task(ctx)):
        return task(ctx, base)
    if name == "spawn_agent" and _codex_spawn(ctx):
        return codex_spawn(ctx, base)
    if name == PI_SUBAGENT and _pi_subagent(ctx):
        return pi_subagent(ctx, base)
    if name == "TodoWrite":
        return _todo_write(ctx, base)
    if name == "TaskCreate":
        return _task_create(ctx, base)
    if name == "Bash":
        return _bash(ctx, base)
    if name == "Write":
        return _write(ctx, base)
    short = memory_short_action(name)
    if short is not None:
        return _memory_short(short, ctx, base)
    tool = mcp_name(name)
    suffix = tool.tool if tool is not None else name
    if suffix.endswith("agent_spawn"):
        return agent_spawn(ctx, base)
    if suffix.endswith("sparc_mode"):
        return sparc_mode(ctx, base)
    if suffix.endswith("swarm_init"):
        return _swarm_init(ctx, base)
    if suffix.endswith("memory_usage"):
        return _memory_usage(ctx, base)
    if tool is not None and tool.tool in MEMORY_TOOLS:
        return _memory_tool(MEMORY_TOOLS[tool.tool] or "store", ctx, base)
    role = tool_role(name)
    if role is not None:
        return _tool(name, role[0], role[1], ctx, base)
    for i in range(ctx.count):
        ctx.arg(i)  # still report undefined names and placeholders inside it
    if name:  # a call with no readable name was already reported as a syntax error
        from difflib import get_close_matches  # (only for an unknown name: a rare path)

        close = get_close_matches(name, KNOWN_OPERATIONS, n=1, cutoff=0.7)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        ctx.diags.add("SW009", f"unknown operation `{name}`: it will be skipped{hint}", ctx.rng)
    reason = f"unknown operation `{name}`" if name else "not a readable operation"
    return NoteOp(**base, text=" ".join(ctx.text.split()), skip_reason=reason)


def _codex_spawn(ctx: CallContext) -> bool:
    """Codex's `spawn_agent(agent_type=…, message=…)` (read as an object: see `named_call`)."""
    spec = ctx.values[0] if ctx.values else None
    if isinstance(spec, dict):
        return "message" in spec
    return ctx.count == 1 and ctx.value_node(0, "message") is not None


def _pi_subagent(ctx: CallContext) -> bool:
    """pi's one-agent `subagent({agent, task})` (or an item of its `tasks` or `chain`)."""
    spec = ctx.values[0] if ctx.values else ctx.arg(0) if ctx.count == 1 else None
    return isinstance(spec, dict) and ("agent" in spec or "task" in spec)


def _opencode_task(ctx: CallContext) -> bool:
    """opencode's lowercase `task({subagent_type, prompt, description})`: Claude Code's Task."""
    spec = ctx.values[0] if ctx.values else None
    if isinstance(spec, dict):
        return any(k in spec for k in OPENCODE_TASK_KEYS)
    return ctx.count == 1 and any(ctx.value_node(0, k) is not None for k in OPENCODE_TASK_KEYS)


# -- the operations --------------------------------------------------------------------------------


def _todo_write(ctx: CallContext, base: dict[str, Any]) -> TodoWriteOp:
    spec = ctx.arg(0)
    items: Any = spec.get("todos") if isinstance(spec, dict) else spec
    if not isinstance(items, list):
        placeholder = ctx.diags.skip.get(ctx.index, "").startswith("SW003")
        if not isinstance(spec, Undefined) and not isinstance(items, Undefined) and not placeholder:
            ctx.bad("TodoWrite takes {todos: [...]}", ctx.arg_range(0))
        items = []
    return _todo_list(ctx, base, items)


def _todo_list(ctx: CallContext, base: dict[str, Any], items: list[Any]) -> TodoWriteOp:
    todos: list[Todo] = []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            if not isinstance(item, Undefined):
                ctx.bad(f"todo {n} must be an object with id and content", ctx.arg_range(0))
            continue
        todo_id = item.get("id", n)
        content = item.get("content", "")
        status = item.get("status", "pending")
        priority = item.get("priority", "medium")
        # A bad status or priority is a warning and takes the default: one slip in one todo
        # must not drop the whole list (nor empty the app's todos pane).
        if status not in TODO_STATUSES:
            ctx.diags.add(
                "SW012",
                f"todo {js_string(todo_id)}: status {js_string(status)!r} is not one of "
                + ", ".join(TODO_STATUSES)
                + "; taken as pending",
                _todo_field_range(ctx, n, "status"),
                severity=Severity.WARNING,
            )
            status = "pending"
        if priority not in TODO_PRIORITIES:
            ctx.diags.add(
                "SW012",
                f"todo {js_string(todo_id)}: priority {js_string(priority)!r} is not one of "
                + ", ".join(TODO_PRIORITIES)
                + "; taken as medium",
                _todo_field_range(ctx, n, "priority"),
                severity=Severity.WARNING,
            )
            priority = "medium"
        active = item.get("activeForm", item.get("active_form"))
        agent = item.get("agent")
        todos.append(
            Todo(
                id=js_string(todo_id),
                content=js_string(content),
                status=status,
                priority=priority,
                active_form=js_string(active) if active is not None else None,
                agent=js_string(agent) if agent else None,
                agent_link="explicit" if agent else None,
            )
        )
    return TodoWriteOp(**base, todos=todos)


def _todo_field_range(ctx: CallContext, n: int, key: str) -> Range:
    """The `key: value` pair of the n-th todo (1-based), else the whole argument."""
    root = ctx.node(0)
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if node.type == "array":
            objects = [c for c in node.named_children if c.type == "object"]
            if len(objects) >= n:
                for pair in objects[n - 1].named_children:
                    k = pair.child_by_field_name("key") if pair.type == "pair" else None
                    if k is not None and ctx.key_name(k) == key:
                        return ctx.diags.source.node_range(pair, ctx.row_offset)
            break
        stack.extend(reversed(node.named_children))
    return ctx.arg_range(0)


def _bash(ctx: CallContext, base: dict[str, Any]) -> BashOp | MemoryOp:
    first = ctx.arg(0) if ctx.count else None
    if isinstance(first, dict):
        return _bash_object(ctx, base, first)
    command = text_arg(ctx, 0, "command", required=True) or ""
    _command_slots(ctx, command, ctx.arg_range(0))
    whole = whole_command(command) if ctx.count == 1 else None
    if whole is not None:
        return _memory_command_op(ctx, base, whole)
    options = ctx.arg(1) if ctx.count > 1 else {}
    op = _bash_op(ctx, base, command, ctx.arg_range(0))
    if not isinstance(options, dict):
        if not isinstance(options, Undefined):
            ctx.bad("the second argument of Bash must be {timeout, cwd}", ctx.arg_range(1))
        return op
    if "timeout" in options:
        op.timeout = number_option(
            ctx, options["timeout"], "timeout", ctx.key_range(1, "timeout"), above_zero=True
        )
    _bash_cwd(ctx, op, options.get("cwd"), 1)
    return op


# A quoted argument that is only words in brackets or angle brackets, a template's slot:
# `--task '[task description]'`, `--key "<your-key>"` (the shell would pass it as written); not
# a character class (`tr '[a-z]' '[A-Z]'`) or a tag (`echo '<div>'`). And Claude Code's
# `$ARGUMENTS`, a slash command's arguments, which no shell sets (its `$1`…`$9`, and `$TASK`,
# are the shell's own variables in a command: awk's fields, a function's arguments). And a
# template's `{{NAME}}` (`git clone git@github.com:{{YOUR_ORG}}/{{YOUR_REPO}}.git`), not GitHub
# Actions' `${{ github.sha }}` nor Go's `{{.State.Status}}`.
_COMMAND_SLOT_RE = re.compile(
    r"""(['"])(?P<slot>\[[A-Za-z]{2,}(?:[ _-][A-Za-z0-9]+)*\]"""
    r"""|<[A-Za-z]+(?:[ _-][A-Za-z0-9]+)+>)\1|(?P<arguments>\$\{?ARGUMENTS\b\}?)"""
    rf"|(?P<mustache>{MUSTACHE_SLOT})"
)


# A file's whole content that is only words in brackets (two or more: `[updated version]`, not an
# INI file's `[section]`). (In angle brackets, `<file content here>`, any string is one already.)
_CONTENT_SLOT_RE = re.compile(r"\[[A-Za-z][\w-]*(?:[ \t]+[\w-]+)+\]")


def _command_slots(ctx: CallContext, command: str, rng: Range) -> None:
    """A command holding a template's slot is a placeholder left to fill in (SW003)."""
    m = _COMMAND_SLOT_RE.search(command)
    if m is not None:
        ctx.diags.add(
            "SW003",
            f"placeholder left to fill in: {m.group('slot') or m.group('arguments') or m.group()}"
            " in the command; this operation will be skipped",
            rng,
            op=ctx.index,
        )


def _bash_object(ctx: CallContext, base: dict[str, Any], spec: dict[str, Any]) -> BashOp | MemoryOp:
    """Claude Code's shape, `Bash({command, timeout, description})`: its timeout is in
    milliseconds, as Claude Code's Bash tool takes it (`timeout: 120000` is two minutes)."""
    command = spec.get("command")
    if not isinstance(command, str):
        ctx.bad('Bash needs a command: Bash({command: "..."})', ctx.key_range(0, "command"))
        command = ""
    if ctx.count > 1:
        ctx.bad("Bash with an object takes no other argument", ctx.arg_range(1))
    _command_slots(ctx, command, ctx.key_range(0, "command"))
    whole = whole_command(command) if len(spec) == 1 else None
    if whole is not None:
        return _memory_command_op(ctx, base, whole)
    op = _bash_op(ctx, base, command, ctx.key_range(0, "command"))
    timeout = spec.get("timeout")
    if timeout is not None and not isinstance(timeout, Undefined):
        if isinstance(timeout, int | float) and not isinstance(timeout, bool) and timeout > 0:
            op.timeout = timeout / 1000
        else:
            ctx.bad(
                f"`timeout` must be a number of milliseconds > 0 (Claude Code's Bash counts "
                f"milliseconds), not {js_string(timeout)}",
                ctx.key_range(0, "timeout"),
            )
    _bash_cwd(ctx, op, spec.get("cwd"), 0)
    return op


def _bash_op(ctx: CallContext, base: dict[str, Any], command: str, where: Range) -> BashOp:
    op = BashOp(**base, command=command)
    _claude_flow_reads(ctx, command, op)
    leaving = cd_outside(command)
    if leaving is not None:
        ctx.diags.add(
            "SW024",
            f"`{leaving}` leaves the session folder, where Bash operations work: the sandbox "
            "keeps nothing written outside it (and hides your home folder); use a folder "
            "inside it",
            where,
            op=ctx.index,
        )
    return op


def _bash_cwd(ctx: CallContext, op: BashOp, cwd: Any, arg: int) -> None:
    if cwd is None:
        return
    if not isinstance(cwd, str):
        ctx.bad("`cwd` must be a path", ctx.key_range(arg, "cwd"))
        return
    op.cwd = cwd
    if folder_outside(cwd):
        ctx.diags.add(
            "SW024",
            f"cwd {cwd!r} is outside the session folder: this Bash operation will be "
            "skipped (give a folder inside it, or no cwd)",
            ctx.key_range(arg, "cwd"),
            op=ctx.index,
        )


def _write(ctx: CallContext, base: dict[str, Any]) -> WriteOp:
    first = ctx.arg(0) if ctx.count else None
    path_range = ctx.arg_range(0)
    if isinstance(first, dict):
        # Claude Code's shape: `Write({file_path, content})`.
        path = next((first[k] for k in ("file_path", "path") if isinstance(first.get(k), str)), "")
        content: Any = first.get("content")
        path_range = ctx.key_range(0, "file_path" if "file_path" in first else "path")
        if not path:
            ctx.bad("Write needs a file_path", ctx.arg_range(0))
    else:
        path = text_arg(ctx, 0, "path", required=True) or ""
        content = ctx.arg(1) if ctx.count > 1 else None
    if content is None and path:
        ctx.diags.add(
            "SW003",
            f"Write names {path} but gives no content: write it as Write(path, content); "
            "this operation will be skipped",
            ctx.rng,
            op=ctx.index,
        )
    if isinstance(content, Undefined) or content is None:
        content = ""
    elif isinstance(content, dict | list):
        # `Write("package.json", {name: "app", ...})`: the file that object stands for (as
        # text it would be JavaScript's "[object Object]").
        content = json_text(content, 2) + "\n"
    elif isinstance(content, str) and _CONTENT_SLOT_RE.fullmatch(content.strip()):
        # `Write("package.json", "[updated version]")`, as ruflo's release skill writes it: the
        # file would be replaced by the slot's words.
        ctx.diags.add(
            "SW003",
            f"placeholder left to fill in: the content of {path or 'the file'} is only "
            f"{content.strip()}, a template's slot; this operation will be skipped",
            ctx.arg_range(1) if ctx.count > 1 else ctx.rng,
            op=ctx.index,
        )
    op = WriteOp(**base, path=path, content=js_string(content))
    if path:
        problem = check_write_path(path)
        if problem:
            ctx.bad(problem, path_range, code="SW010")
    return op


def _memory_usage(ctx: CallContext, base: dict[str, Any]) -> MemoryOp:
    spec = ctx.arg(0)
    if not isinstance(spec, dict):
        if not isinstance(spec, Undefined):
            ctx.bad("memory_usage takes {action, key, value, ...}", ctx.arg_range(0))
        spec = {}
    action = spec.get("action", "store")
    if action not in MEMORY_ACTIONS:
        ctx.bad(
            f"memory action {js_string(action)!r} is not one of " + ", ".join(MEMORY_ACTIONS),
            ctx.key_range(0, "action"),
        )
        action = "store"
    return _memory_op(ctx, base, action, spec, 0)


def _memory_short(action: str, ctx: CallContext, base: dict[str, Any]) -> MemoryOp:
    spec: dict[str, Any] = {}
    if action == "search":
        spec["pattern"] = ctx.arg(0)
    elif action == "list":
        first = ctx.arg(0) if ctx.count else None
        if isinstance(first, dict):
            spec.update(first)
        elif first is not None:
            spec["namespace"] = first
    else:
        spec["key"] = ctx.arg(0)
        if action == "store":
            spec["value"] = ctx.arg(1) if ctx.count > 1 else None
            extra = ctx.arg(2) if ctx.count > 2 else {}
            if isinstance(extra, dict):
                spec.update({k: v for k, v in extra.items() if k in ("namespace", "ttl")})
            elif not isinstance(extra, Undefined):
                ctx.bad("the third argument of memory.store must be {namespace, ttl}")
        elif ctx.count > 1:
            extra = ctx.arg(1)
            if isinstance(extra, dict):
                spec.update({k: v for k, v in extra.items() if k == "namespace"})
    return _memory_op(ctx, base, action, spec, 2 if action == "store" else 1)


def _memory_tool(action: str, ctx: CallContext, base: dict[str, Any]) -> MemoryOp:
    """`mcp__claude-flow__memory_store {key, value}` and its retrieve/search/list/delete kin."""
    spec = ctx.arg(0) if ctx.count else {}
    if not isinstance(spec, dict):
        if not isinstance(spec, Undefined):
            ctx.bad(f"memory {action} takes {{key, value, namespace, ...}}", ctx.arg_range(0))
        spec = {}
    if action == "retrieve" and isinstance(spec.get("key"), str) and "*" in spec["key"]:
        # A retrieve of `research/*` is a search of that pattern.
        spec = {**spec, "pattern": spec["key"]}
        action = "search"
    return _memory_op(ctx, base, action, spec, 0)


def _memory_command_op(ctx: CallContext, base: dict[str, Any], found: MemoryCommand) -> MemoryOp:
    """A Bash operation that is only a claude-flow memory command, as swarmtui's own memory
    operation: claude-flow's memory is not swarmtui's, so as written it would see nothing the
    agents store (and a wait loop on it would never end)."""
    action: MemoryAction
    if found.kind == "store":
        what = f"a swarmtui memory store of {found.key}"
        action = "store"
    else:
        what = f"a swarmtui memory read of {found.key}"
        if found.kind == "wait":
            what += " (this message starts once the one before it has finished)"
        action = "retrieve"
    ctx.diags.add("SW018", f"claude-flow's memory command runs as {what}", ctx.rng)
    return MemoryOp(
        **base,
        action=action,
        key=found.bare_key,
        value=found.value if action == "store" else None,
        namespace=found.namespace,
    )


def _claude_flow_reads(ctx: CallContext, command: str, op: BashOp) -> None:
    """A claude-flow memory read inside a longer command reads claude-flow's memory, which is
    not swarmtui's: said; a wait loop on one would never end, so that operation is skipped."""
    reads = [c for c in memory_commands(command) if c.kind != "store"]
    if not reads:
        return
    first = reads[0]
    waits = first.kind == "wait"
    message = (
        f"`memory {'wait' if waits else 'read'}` of {first.key} in this command asks "
        "claude-flow's memory, which is not swarmtui's: it never sees what agents store here"
        + (" and the loop would not end" if waits else "")
        + f"; write it as its own Bash call (a swarmtui read of {first.key}), or let an agent "
        "read the key"
    )
    ctx.diags.add("SW019", message, ctx.arg_range(0), op=ctx.index if waits else None)
    if waits:
        op.skip_reason = f"SW019: {message}"


def _memory_op(
    ctx: CallContext, base: dict[str, Any], action: str, spec: dict[str, Any], opt_arg: int
) -> MemoryOp:
    key = spec.get("key")
    if key is not None and not isinstance(key, str):
        key = js_string(key) if not isinstance(key, Undefined) else None
    if action in ("store", "retrieve", "delete") and not key:
        ctx.bad(f"memory {action} needs a key")
    namespace = spec.get("namespace", "default")
    if not isinstance(namespace, str) or not namespace:
        if not isinstance(namespace, Undefined):
            ctx.bad("`namespace` must be text", ctx.key_range(opt_arg, "namespace"))
        namespace = "default"
    ttl = None
    if spec.get("ttl") is not None:
        ttl = number_option(ctx, spec["ttl"], "ttl", ctx.key_range(opt_arg, "ttl"), keep_int=True)
    pattern = spec.get("pattern")
    if pattern is not None and not isinstance(pattern, str):
        pattern = js_string(pattern)
    # (`data`: the value's name in claude-flow-novice's memory_store, `{key, data, scope}`)
    value = spec.get("value") if "value" in spec else spec.get("data")
    if isinstance(value, Undefined):
        value = None
    return MemoryOp(
        **base,
        action=cast(Any, action),
        key=key,
        value=value,
        namespace=namespace,
        ttl=ttl,
        pattern=pattern,
    )


def _swarm_init(ctx: CallContext, base: dict[str, Any]) -> SwarmInitOp:
    spec = ctx.arg(0) if ctx.count else {}
    if not isinstance(spec, dict):
        if not isinstance(spec, Undefined):
            ctx.bad("swarm_init takes {topology, maxAgents, strategy}", ctx.arg_range(0))
        spec = {}
    op = SwarmInitOp(**base)
    topology = spec.get("topology")
    if topology is not None:
        if topology in TOPOLOGIES:
            op.topology = topology
        else:
            ctx.bad(
                f"topology {js_string(topology)!r} is not one of " + ", ".join(TOPOLOGIES),
                ctx.key_range(0, "topology"),
            )
    max_agents = spec.get("maxAgents", spec.get("max_agents"))
    if max_agents is not None:
        if isinstance(max_agents, int) and not isinstance(max_agents, bool) and max_agents >= 1:
            op.max_agents = max_agents
        else:
            ctx.bad("`maxAgents` must be a whole number ≥ 1", ctx.key_range(0, "maxAgents"))
    strategy = spec.get("strategy")
    if isinstance(strategy, str):
        op.strategy = strategy
    return op


# -- tools swarmtui records without running ----------------------------------------------------


def _tool(name: str, role: ToolRole, reason: str, ctx: CallContext, base: dict[str, Any]) -> ToolOp:
    values = [ctx.arg(i) for i in range(ctx.count)]
    unknown: list[str] = []
    if name == "TaskUpdate" and values:
        order, unknown = ctx.team.update(values[0])
        if order:
            reason = (
                f"TaskUpdate orders the team's tasks ({order}), and so the agents on them; the "
                "rest of it is the agents' own work: recorded, not run"
            )
    if unknown:
        made = ctx.team.created
        ids = ", ".join(f"'{i}'" for i in unknown)
        ctx.diags.add(
            "SW014",
            f"TaskUpdate names task {ids}, which no TaskCreate above it made (they are numbered "
            f"1 to {made}, in order)"
            if made
            else f"TaskUpdate names task {ids}, but no TaskCreate above it made a task",
            ctx.rng,
        )
    op = ToolOp(**base, tool=name, role=role, summary=_summary(values), skip_reason=reason)
    if name.endswith("task_orchestrate") and values:
        ctx.team.orchestrate(op, values[0])
    if role == "not-run":
        ctx.diags.add("SW017", f"{reason}: skipped", ctx.rng)
    else:
        ctx.diags.add("SW018", reason, ctx.rng)
    return op


def _shown_value(value: Any) -> str:
    """VALUE as a summary shows it: an object as its JSON, not JavaScript's "[object Object]"."""
    return json_text(value, None) if isinstance(value, dict | list) else js_string(value)


def _summary(values: list[Any]) -> str:
    """A few words on what a tool call is about: its path, pattern, task…"""
    text = ""
    for value in values:
        if isinstance(value, str):
            text = value
        elif isinstance(value, dict):
            text = next((_shown_value(value[k]) for k in _SUMMARY_KEYS if k in value), "")
        if text:
            break
    text = " ".join(text.split())
    return text if len(text) <= 2000 else text[:1999] + "…"


def _task_create(ctx: CallContext, base: dict[str, Any]) -> TodoWriteOp:
    """Claude Code's `TaskCreate({subject, description, activeForm})`: one todo of the list. Only
    the fields a todo keeps are read (a `description: "..."` left to fill in does not matter)."""
    node = ctx.node(0)
    fields: dict[str, Any] = {}
    if node is not None and node.type == "object":
        for key in ("taskId", "id", "subject", "content", "status", "priority", "activeForm"):
            value = ctx.value_node(0, key)
            if value is not None:
                fields[key] = ctx.evaluator.eval(value)
    else:
        spec = ctx.arg(0)
        fields = spec if isinstance(spec, dict) else {}
        if not isinstance(spec, dict | Undefined):
            ctx.bad("TaskCreate takes {subject, description, activeForm}", ctx.arg_range(0))
    content = fields.get("subject", fields.get("content", ""))
    item = {
        # (numbered as Claude Code numbers its tasks, which `TaskUpdate` and prompts refer to)
        "id": fields.get("taskId", fields.get("id")) or ctx.team.next_id(),
        "content": content,
        "status": fields.get("status", "pending"),
        "priority": fields.get("priority", "medium"),
        "activeForm": fields.get("activeForm"),
    }
    return _todo_list(ctx, base, [item])
