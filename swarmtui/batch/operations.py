"""Turn one call (`Task(...)`, `Bash(...)`, `memory.store(...)`, ...) into an operation (§2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast, overload

from tree_sitter import Node

from swarmtui.batch.diagnostics import Diagnostics
from swarmtui.batch.models import (
    BashOp,
    MemoryOp,
    NoteOp,
    SwarmInitOp,
    TaskOp,
    Todo,
    TodoWriteOp,
    WriteOp,
)
from swarmtui.batch.paths import check_write_path
from swarmtui.batch.source import Range, Source
from swarmtui.batch.values import UNDEFINED, Evaluator, Undefined, js_string

TOPOLOGIES = ("mesh", "hierarchical", "star", "ring")
MEMORY_ACTIONS = ("store", "retrieve", "list", "search", "delete")
TODO_STATUSES = ("pending", "in_progress", "completed")
TODO_PRIORITIES = ("critical", "high", "medium", "low")

AnyOp = TaskOp | TodoWriteOp | BashOp | WriteOp | MemoryOp | SwarmInitOp | NoteOp


@dataclass(slots=True)
class TaskInfo:
    """What dependency inference needs to know about a task beyond its model."""

    op: TaskOp
    message: int = 0
    explicit_waits: list[str] | None = None
    explicit_stores: list[str] | None = None
    explicit_range: Range | None = None
    # The instructions and type arguments, turned into ranges only when a diagnostic needs them.
    source: Source | None = None
    row_offset: int = 0
    instructions_node: Node | None = None
    type_node: Node | None = None

    def instructions_range(self) -> Range | None:
        if self.source is None or self.instructions_node is None:
            return None
        return self.source.node_range(self.instructions_node, self.row_offset)

    def instructions_offsets(self) -> tuple[int, int] | None:
        """Character offsets of the instructions argument in the text."""
        if self.source is None or self.instructions_node is None:
            return None
        node = self.instructions_node
        return self.source.node_start(node, self.row_offset), self.source.node_end(
            node, self.row_offset
        )

    def type_range(self) -> Range | None:
        if self.source is None or self.type_node is None:
            return None
        return self.source.node_range(self.type_node, self.row_offset)


@dataclass(slots=True)
class CallContext:
    """Everything `build_operation` needs to read one call."""

    diags: Diagnostics
    evaluator: Evaluator
    row_offset: int
    index: int
    rng: Range
    call: Node
    args: list[Node]
    tasks: list[TaskInfo] = field(default_factory=list)

    def arg(self, i: int) -> Any:
        if i >= len(self.args):
            return UNDEFINED
        return self.evaluator.eval(self.args[i])

    def arg_range(self, i: int) -> Range:
        if i >= len(self.args):
            return self.rng
        return self.diags.source.node_range(self.args[i], self.row_offset)

    def key_range(self, i: int, key: str) -> Range:
        """The range of `key: value` inside argument i, else the argument, else the call."""
        if i >= len(self.args):
            return self.rng
        stack = [self.args[i]]
        while stack:
            node = stack.pop()
            if node.type == "pair":
                k = node.child_by_field_name("key")
                if (
                    k is not None
                    and (k.text or b"").decode("utf-8", "replace").strip("\"'`") == key
                ):
                    return self.diags.source.node_range(node, self.row_offset)
            stack.extend(reversed(node.named_children))
        return self.arg_range(i)

    def bad(self, message: str, rng: Range | None = None, code: str = "SW012") -> None:
        self.diags.add(code, message, rng or self.rng, op=self.index)


def build_operation(name: str, ctx: CallContext) -> AnyOp:
    """The operation for a call named `name`; unknown names become a skipped note (SW009)."""
    base: dict[str, Any] = {
        "index": ctx.index,
        "line": ctx.rng[0],
        "column": ctx.rng[1],
        "end_line": ctx.rng[2],
        "end_column": ctx.rng[3],
    }
    if name == "Task":
        return _task(ctx, base)
    if name.endswith("agent_spawn"):
        return _agent_spawn(ctx, base)
    if name == "TodoWrite":
        return _todo_write(ctx, base)
    if name == "Bash":
        return _bash(ctx, base)
    if name == "Write":
        return _write(ctx, base)
    if name.endswith("memory_usage"):
        return _memory_usage(ctx, base)
    if name.startswith("memory.") and name[7:] in MEMORY_ACTIONS:
        return _memory_short(name[7:], ctx, base)
    if name.endswith("swarm_init"):
        return _swarm_init(ctx, base)
    for i in range(len(ctx.args)):
        ctx.arg(i)  # still report undefined names and placeholders inside it
    if name:  # a call with no readable name was already reported as a syntax error
        ctx.diags.add("SW009", f"unknown operation `{name}`: it will be skipped", ctx.rng)
    text = (ctx.call.text or b"").decode("utf-8", "replace")
    reason = f"unknown operation `{name}`" if name else "not a readable operation"
    return NoteOp(**base, text=" ".join(text.split()), skip_reason=reason)


# -- the operations --------------------------------------------------------------------------------


def _task(ctx: CallContext, base: dict[str, Any]) -> TaskOp:
    name = _text_arg(ctx, 0, "agent name", required=True) or f"agent-{ctx.index + 1}"
    instructions = _text_arg(ctx, 1, "instructions") or ""
    agent_type = _text_arg(ctx, 2, "agent type") or "general"
    options = ctx.arg(3) if len(ctx.args) > 3 else {}
    if not isinstance(options, dict):
        if not isinstance(options, Undefined):
            ctx.bad("the fourth argument of Task must be an object of options", ctx.arg_range(3))
        options = {}
    if len(ctx.args) > 4:
        ctx.bad("Task takes at most four arguments", ctx.arg_range(4))
    op = TaskOp(**base, name=name.strip() or name, instructions=instructions, agent_type=agent_type)
    info = TaskInfo(op)
    info.source, info.row_offset = ctx.diags.source, ctx.row_offset
    if len(ctx.args) > 1:
        info.instructions_node = ctx.args[1]
    if len(ctx.args) > 2:
        info.type_node = ctx.args[2]
    _task_options(ctx, op, info, options, 3)
    ctx.tasks.append(info)
    return op


def _agent_spawn(ctx: CallContext, base: dict[str, Any]) -> TaskOp:
    spec = ctx.arg(0)
    if not isinstance(spec, dict):
        if not isinstance(spec, Undefined):
            ctx.bad("agent_spawn takes an object such as {type, name}", ctx.arg_range(0))
        spec = {}
    agent_type = spec.get("type") if isinstance(spec.get("type"), str) else None
    name = spec.get("name") if isinstance(spec.get("name"), str) else None
    instructions = spec.get("instructions") or spec.get("task") or ""
    op = TaskOp(
        **base,
        name=name or agent_type or f"agent-{ctx.index + 1}",
        agent_type=agent_type or "general",
        instructions=instructions if isinstance(instructions, str) else js_string(instructions),
    )
    info = TaskInfo(op)
    _task_options(ctx, op, info, spec, 0)
    ctx.tasks.append(info)
    return op


def _task_options(
    ctx: CallContext, op: TaskOp, info: TaskInfo, options: dict[str, Any], arg: int
) -> None:
    for key in ("waits", "stores"):
        if key not in options:
            continue
        value = options[key]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            ctx.bad(f"`{key}` must be a list of memory keys", ctx.key_range(arg, key))
            continue
        keys = [v for v in value if v]
        if key == "waits":
            info.explicit_waits = keys
        else:
            info.explicit_stores = keys
        info.explicit_range = ctx.key_range(arg, key)
    if "timeout" in options:
        op.timeout = _number_option(
            ctx, options["timeout"], "timeout", ctx.key_range(arg, "timeout")
        )
    if "retries" in options:
        retries = options["retries"]
        if isinstance(retries, int) and not isinstance(retries, bool) and retries >= 0:
            op.retries = retries
        else:
            ctx.bad("`retries` must be a whole number ≥ 0", ctx.key_range(arg, "retries"))
    for key in ("backend", "model"):
        if key in options:
            value = options[key]
            if isinstance(value, str) and value:
                setattr(op, key, value)
            elif value is not None:
                ctx.bad(f"`{key}` must be text", ctx.key_range(arg, key))


def _todo_write(ctx: CallContext, base: dict[str, Any]) -> TodoWriteOp:
    spec = ctx.arg(0)
    items: Any = spec.get("todos") if isinstance(spec, dict) else spec
    if not isinstance(items, list):
        if not isinstance(spec, Undefined):
            ctx.bad("TodoWrite takes {todos: [...]}", ctx.arg_range(0))
        items = []
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
        if status not in TODO_STATUSES:
            ctx.bad(
                f"todo {js_string(todo_id)}: status {js_string(status)!r} is not one of "
                + ", ".join(TODO_STATUSES),
                _todo_field_range(ctx, n, "status"),
            )
            status = "pending"
        if priority not in TODO_PRIORITIES:
            ctx.bad(
                f"todo {js_string(todo_id)}: priority {js_string(priority)!r} is not one of "
                + ", ".join(TODO_PRIORITIES),
                _todo_field_range(ctx, n, "priority"),
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
    if not ctx.args:
        return ctx.rng
    stack = [ctx.args[0]]
    while stack:
        node = stack.pop()
        if node.type == "array":
            objects = [c for c in node.named_children if c.type == "object"]
            if len(objects) >= n:
                for pair in objects[n - 1].named_children:
                    k = pair.child_by_field_name("key") if pair.type == "pair" else None
                    if (
                        k is not None
                        and (k.text or b"").decode("utf-8", "replace").strip("\"'`") == key
                    ):
                        return ctx.diags.source.node_range(pair, ctx.row_offset)
            break
        stack.extend(reversed(node.named_children))
    return ctx.arg_range(0)


def _bash(ctx: CallContext, base: dict[str, Any]) -> BashOp:
    command = _text_arg(ctx, 0, "command", required=True) or ""
    options = ctx.arg(1) if len(ctx.args) > 1 else {}
    op = BashOp(**base, command=command)
    if not isinstance(options, dict):
        if not isinstance(options, Undefined):
            ctx.bad("the second argument of Bash must be {timeout, cwd}", ctx.arg_range(1))
        return op
    if "timeout" in options:
        op.timeout = _number_option(ctx, options["timeout"], "timeout", ctx.key_range(1, "timeout"))
    cwd = options.get("cwd")
    if cwd is not None:
        if isinstance(cwd, str):
            op.cwd = cwd
        else:
            ctx.bad("`cwd` must be a path", ctx.key_range(1, "cwd"))
    return op


def _write(ctx: CallContext, base: dict[str, Any]) -> WriteOp:
    path = _text_arg(ctx, 0, "path", required=True) or ""
    content = ctx.arg(1) if len(ctx.args) > 1 else ""
    if isinstance(content, Undefined):
        content = ""
    op = WriteOp(**base, path=path, content=js_string(content))
    if path:
        problem = check_write_path(path)
        if problem:
            ctx.bad(problem, ctx.arg_range(0), code="SW010")
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
        first = ctx.arg(0) if ctx.args else None
        if isinstance(first, dict):
            spec.update(first)
        elif first is not None:
            spec["namespace"] = first
    else:
        spec["key"] = ctx.arg(0)
        if action == "store":
            spec["value"] = ctx.arg(1) if len(ctx.args) > 1 else None
            extra = ctx.arg(2) if len(ctx.args) > 2 else {}
            if isinstance(extra, dict):
                spec.update({k: v for k, v in extra.items() if k in ("namespace", "ttl")})
            elif not isinstance(extra, Undefined):
                ctx.bad("the third argument of memory.store must be {namespace, ttl}")
        elif len(ctx.args) > 1:
            extra = ctx.arg(1)
            if isinstance(extra, dict):
                spec.update({k: v for k, v in extra.items() if k == "namespace"})
    return _memory_op(ctx, base, action, spec, 2 if action == "store" else 1)


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
        ttl = _number_option(ctx, spec["ttl"], "ttl", ctx.key_range(opt_arg, "ttl"), keep_int=True)
    pattern = spec.get("pattern")
    if pattern is not None and not isinstance(pattern, str):
        pattern = js_string(pattern)
    value = spec.get("value")
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
    spec = ctx.arg(0) if ctx.args else {}
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


# -- helpers --------------------------------------------------------------------------------------


def _text_arg(ctx: CallContext, i: int, what: str, *, required: bool = False) -> str | None:
    if i >= len(ctx.args):
        if required:
            ctx.bad(f"missing {what}")
        return None
    value = ctx.arg(i)
    if isinstance(value, Undefined):
        return None
    if value is None:
        return None
    if not isinstance(value, str):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return js_string(value)
        ctx.bad(f"the {what} must be text", ctx.arg_range(i))
        return None
    return value


@overload
def _number_option(ctx: CallContext, value: Any, key: str, rng: Range) -> float | None: ...


@overload
def _number_option(
    ctx: CallContext, value: Any, key: str, rng: Range, *, keep_int: bool
) -> int | float | None: ...


def _number_option(
    ctx: CallContext, value: Any, key: str, rng: Range, *, keep_int: bool = False
) -> int | float | None:
    if value is None or isinstance(value, Undefined):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return value if keep_int and isinstance(value, int) else float(value)
    ctx.bad(f"`{key}` must be a number of seconds ≥ 0, not {js_string(value)}", rng)
    return None
