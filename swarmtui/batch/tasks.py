"""Agents (§2, §4): `Task` in every shape people write it, and `agent_spawn`.

- `Task(name, instructions, type?, options?)`, the language's own shape;
- `Task(name, instructions, {mode, type, memoryKey, memoryDependency, dependsOn})`;
- `Task({description, prompt, subagent_type, name, model, run_in_background})`, Claude Code's;
- `Task("You are researcher agent. ...")`: the name and type are read from the text;
- `agent_spawn({type, name})`, `agent_spawn(researcher)`, `agent_spawn researcher`.
"""

from __future__ import annotations

import re
from typing import Any

from tree_sitter import Node

from swarmtui.batch.calls import CallContext, TaskInfo, as_text, number_option, text_arg
from swarmtui.batch.models import TaskOp
from swarmtui.batch.source import Span, span
from swarmtui.batch.values import Undefined, js_string, json_text
from swarmtui.batch.words import STOP_WORDS, stem

# Where the type can be given in an options object, first found wins.
TYPE_KEYS = ("subagent_type", "type", "agent_type", "agentType", "agent", "mode")
_SPAWN_TYPE_KEYS = ("type", "agentType", "agent_type", "subagent_type")
_INSTRUCTION_KEYS = ("prompt", "instructions", "task")
_STORE_KEYS = ("stores", "memoryKey", "memory_key", "memoryKeys", "outputKey")
_WAIT_KEYS = ("waits", "memoryDependency", "memory_dependency", "memoryDependencies", "inputKeys")
_AFTER_KEYS = ("dependsOn", "depends_on", "dependencies", "after")
# Every key of a Task object that is read, or that Claude Code's Task takes.
_OBJECT_KEYS = frozenset(
    {"description", "name", "model", "backend", "timeout", "retries", "run_in_background"}
    | {"team_name", "isolation", "resume", "cwd", "max_turns"}
    | set(TYPE_KEYS + _INSTRUCTION_KEYS + _STORE_KEYS + _WAIT_KEYS + _AFTER_KEYS)
)
# Claude Code's name for its general agent.
# (Claude Code's `general-purpose`; opencode's built-in `explore`, Claude Code's `Explore`)
_TYPE_ALIASES = {"general-purpose": "general", "explore": "Explore"}
# Types that do not name an agent (many of one batch's agents are of them): Claude Code's own.
_UNTOLD_TYPES = frozenset({"general", "Explore", "Plan"})
_YOU_ARE_RE = re.compile(
    r"\s*you\s+are\s+(?:an?\s+|the\s+)?(?P<x>[A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*){0,2}?)\s+agent"
    r"(?![\w-])",
    re.IGNORECASE,
)
_LABEL_RE = re.compile(
    # (`Fix agent-tool-abort.test.ts failures`: `agent` in a file's name is no label)
    r"\s*(?P<label>(?P<x>[A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*){0,2}?)\s+agent)\s*[:.,-](?!\S)",
    re.IGNORECASE,
)
# A word of any script (`调研状态管理库`, `Überprüfe`), not only of ASCII letters, or a file's
# name (`agent-tool-abort.test.ts`).
_WORD_RE = re.compile(r"[^\W_][\w'-]*(?:\.[^\W_][\w-]*)*")
# Where a name's first words end: a sentence's end (a `.` before a blank, not in a file's name).
_HEAD_END_RE = re.compile(r"[:!?\n：。！？，；]|\.(?!\S)")
# A word longer than this is cut where its parts meet (`batch-completion-behavior.test`), and
# one without parts (a script written without spaces) at _SCRIPT_WORD characters.
_LONG_WORD = 32
_SCRIPT_WORD = 24
_BARE_TYPE_RE = re.compile(r"[A-Za-z][\w]*(?:-[A-Za-z0-9]+)*")


def task(ctx: CallContext, base: dict[str, Any]) -> TaskOp:
    first = ctx.arg(0) if ctx.count else None
    if isinstance(first, dict):
        return _from_object(ctx, base, first)
    if ctx.count == 0:
        ctx.bad("missing agent name")
    name = as_text(ctx, first, "agent name", 0) if ctx.count else None
    if ctx.count == 1 and name:
        return _one_argument(ctx, base, name)
    name = (name or "").strip() or name or f"agent-{ctx.index + 1}"
    second = ctx.arg(1) if ctx.count > 1 else None
    if isinstance(second, dict | list) and second:
        # agentic-qe's `Task("SAP BAPI Validation", {bapis: [...], ...}, "tester")`: the task
        # given as data, which the agent is given as written (it was an error, and no agent ran).
        instructions = json_text(second, 2)
    else:
        instructions = text_arg(ctx, 1, "instructions") or ""
    agent_type: str | None = None
    options: dict[str, Any] = {}
    options_at = -1
    if ctx.count > 2:
        third = ctx.arg(2)
        if isinstance(third, dict):
            options, options_at = third, 2
        else:
            agent_type = as_text(ctx, third, "agent type", 2)
    if ctx.count > 3:
        fourth = ctx.arg(3)
        if options_at >= 0 or not isinstance(fourth, dict):
            if not isinstance(fourth, Undefined):
                message = "the fourth argument of Task must be an object of options"
                ctx.bad(message, ctx.arg_range(3))
        else:
            options, options_at = fourth, 3
    if ctx.count > 4:
        ctx.bad("Task takes at most four arguments", ctx.arg_range(4))
    op = TaskOp(**base, name=name, instructions=instructions)
    info = _info(ctx, op, 1)
    if agent_type:
        op.agent_type, info.type_node = _alias(agent_type), _span(ctx.node(2))
    else:
        _type_from_options(ctx, op, info, options, options_at)
    if options:
        task_options(ctx, op, info, options, options_at)
    ctx.tasks.append(info)
    return op


def _from_object(ctx: CallContext, base: dict[str, Any], spec: dict[str, Any]) -> TaskOp:
    """Claude Code's `Task({description, prompt, subagent_type, name, model})`."""
    key = next((k for k in _INSTRUCTION_KEYS if isinstance(spec.get(k), str)), None)
    if key is None:
        _unread_instructions(ctx, spec)
    description = spec.get("description") if isinstance(spec.get("description"), str) else None
    if key is None and description:
        key, description = "description", None
    instructions = spec[key] if key else ""
    name = spec.get("name") if isinstance(spec.get("name"), str) and spec["name"] else None
    type_named = None
    if not name and not description and key != "description":
        type_named = _naming_type(spec)
        name = _unique(ctx, type_named) if type_named else None
    name = name or description or _derived_name(ctx, instructions)
    op = TaskOp(**base, name=name.strip() or name, instructions=instructions)
    info = _info(ctx, op, None)
    info.type_named = type_named
    info.instructions_node = _span(ctx.value_node(0, key)) if key else None
    _type_from_options(ctx, op, info, spec, 0)
    task_options(ctx, op, info, spec, 0)
    if ctx.count > 1:
        ctx.bad("Task with an object takes no other argument", ctx.arg_range(1))
    ctx.tasks.append(info)
    return op


def _naming_type(spec: dict[str, Any]) -> str | None:
    """The subagent an unnamed agent is named after (`{subagent_type: "renderer", prompt}`: the
    subagent it runs as), numbered when repeated, as an unnamed `agent_spawn` is; not Claude
    Code's own general types, which say nothing of it, nor another key's mode or role (Roo's
    `<mode>code</mode>`): its prompt's first words do."""
    given = spec.get("subagent_type")
    given = given.strip() if isinstance(given, str) else None
    return given if given and _alias(given) not in _UNTOLD_TYPES else None


def _unread_instructions(ctx: CallContext, spec: dict[str, Any]) -> None:
    """A Task object without a `prompt`, whose text is under a key Task does not take
    (`query: "…"`): the agent would run told only its description, or nothing. Said, and
    skipped."""
    unread = [
        k
        for k, v in spec.items()
        if isinstance(v, str) and v and k not in _OBJECT_KEYS and k.strip("$")  # (`...`: SW003)
    ]
    if not unread:
        return
    keys = ", ".join(f"`{k}`" for k in unread)
    are = "is not an argument" if len(unread) == 1 else "are not arguments"
    ctx.bad(
        f"{keys} {are} of Task, and it has no `prompt`: a Task's instructions are its `prompt` "
        "(Claude Code's Task takes subagent_type, description, prompt); this agent will be "
        "skipped",
        ctx.key_range(0, unread[0]),
    )


def _one_argument(ctx: CallContext, base: dict[str, Any], text: str) -> TaskOp:
    """`Task("You are researcher agent. ...")`: the text is the instructions."""
    known = ctx.known_types()
    name, agent_type = derive_name_and_type(text, known)
    op = TaskOp(**base, name=_unique(ctx, name), instructions=text, agent_type=agent_type)
    info = _info(ctx, op, 0)
    ctx.tasks.append(info)
    return op


def agent_spawn(ctx: CallContext, base: dict[str, Any]) -> TaskOp:
    """`agent_spawn({type, name})`: an agent with no instructions unless it gives some. Beside
    `Task` calls of its message (or of its swarm, without a task_orchestrate) it only declares a
    type for claude-flow; the parser then records it as such."""
    node = ctx.node(0)
    word = ctx.written(0) if node is not None and node.type != "string" else ""
    # `agent_spawn(code-analyzer)`: bare words name the type; they are not variables, unless the
    # batch defines them (`[{type, task}, …].forEach(agent => agent_spawn(agent))`: each item).
    bare = _BARE_TYPE_RE.fullmatch(word) is not None and word not in ctx.evaluator.consts
    spec: Any = {"type": word} if bare else ctx.arg(0) if ctx.count else {}
    if isinstance(spec, str):
        spec = {"type": spec}
    if not isinstance(spec, dict):
        if not isinstance(spec, Undefined):
            ctx.bad("agent_spawn takes an object such as {type, name}", ctx.arg_range(0))
        spec = {}
    # (`agentType`: claude-flow v3's spelling)
    type_key = next((k for k in _SPAWN_TYPE_KEYS if isinstance(spec.get(k), str)), "type")
    agent_type = spec.get(type_key) if isinstance(spec.get(type_key), str) else None
    name = spec.get("name") if isinstance(spec.get("name"), str) else None
    instructions = next(
        (spec[k] for k in ("instructions", "task", "prompt") if spec.get(k) is not None), ""
    )
    op = TaskOp(
        **base,
        name=name or _unique(ctx, agent_type or f"agent-{ctx.index + 1}", spawned=True),
        agent_type=_alias(agent_type or "general"),
        instructions=instructions if isinstance(instructions, str) else js_string(instructions),
    )
    info = TaskInfo(op, spawned=True)
    info.type_rng = ctx.key_range(0, type_key)
    task_options(ctx, op, info, spec, 0)
    ctx.tasks.append(info)
    return op


def sparc_mode(ctx: CallContext, base: dict[str, Any]) -> TaskOp:
    """claude-flow's `sparc_mode({mode, task_description})`: an agent of that SPARC mode
    working on the task (`swarmtui` runs the mode as an agent of its type)."""
    spec = ctx.arg(0) if ctx.count else {}
    if not isinstance(spec, dict):
        if not isinstance(spec, Undefined):
            ctx.bad("sparc_mode takes an object such as {mode, task_description}", ctx.arg_range(0))
        spec = {}
    mode = spec.get("mode") if isinstance(spec.get("mode"), str) else None
    task = next(
        (spec[k] for k in ("task_description", "task", "description") if spec.get(k) is not None),
        "",
    )
    op = TaskOp(
        **base,
        name=_unique(ctx, f"sparc {mode or 'mode'}"),
        agent_type=_alias(mode or "general"),
        instructions=task if isinstance(task, str) else js_string(task),
    )
    info = TaskInfo(op)
    info.type_rng = ctx.key_range(0, "mode")
    ctx.tasks.append(info)
    return op


# Codex's agent types, as the closest of ours.
_CODEX_TYPES = {"default": "general", "worker": "general", "explorer": "Explore"}


def codex_spawn(ctx: CallContext, base: dict[str, Any]) -> TaskOp:
    """Codex's `spawn_agent(agent_type="worker", message="…")`: an agent of that type (Codex's
    own types as the closest of ours) whose instructions are the message."""
    spec = ctx.arg(0)
    message = spec.get("message") if isinstance(spec, dict) else None
    if not isinstance(message, str):
        ctx.bad(
            "spawn_agent's `message` must be text (Codex's spawn_agent takes agent_type, message)",
            ctx.arg_range(0),
        )
        message = ""
    given = spec.get("agent_type") if isinstance(spec, dict) else None
    agent_type = _CODEX_TYPES.get(given, given) if isinstance(given, str) and given else "general"
    op = TaskOp(
        **base,
        name=_derived_name(ctx, message) if message else _unique(ctx, "agent"),
        agent_type=_alias(agent_type),
        instructions=message,
    )
    info = _info(ctx, op, None)
    info.instructions_node = _span(ctx.value_node(0, "message"))
    if isinstance(given, str):
        info.type_rng = ctx.key_range(0, "agent_type")
    ctx.tasks.append(info)
    return op


# pi's built-in agents (pi-subagents), as the closest of our types: its read-only `scout`
# recon is Explore, its `worker` general (`planner`, `reviewer`, `researcher` are ours too).
_PI_TYPES = {"scout": "Explore", "worker": "general"}


def pi_subagent(ctx: CallContext, base: dict[str, Any]) -> TaskOp:
    """pi's `subagent({agent: "scout", task: "…"})`: an agent named after its pi agent, of that
    type (pi's built-in ones as the closest of ours), whose instructions are the task."""
    spec = ctx.arg(0)
    given = spec.get("agent") if isinstance(spec, dict) else None
    instructions = spec.get("task") if isinstance(spec, dict) else None
    if not isinstance(given, str) or not given.strip() or not isinstance(instructions, str):
        if not isinstance(given, Undefined) and not isinstance(instructions, Undefined):
            ctx.bad(
                "pi's subagent takes {agent, task}: the agent's name and its task, as text",
                ctx.arg_range(0),
            )
        given = given if isinstance(given, str) and given.strip() else None
        instructions = instructions if isinstance(instructions, str) else ""
    op = TaskOp(
        **base,
        name=_unique(ctx, given.strip() if given else "subagent"),
        agent_type=_alias(_PI_TYPES.get(given, given) if given else "general"),
        instructions=instructions,
    )
    info = _info(ctx, op, None)
    info.instructions_node = _span(ctx.value_node(0, "task"))
    if given:
        info.type_rng = ctx.key_range(0, "agent")
    ctx.tasks.append(info)
    return op


def task_options(
    ctx: CallContext, op: TaskOp, info: TaskInfo, options: dict[str, Any], arg: int
) -> None:
    """Explicit stores, waits and agents to wait for, and the run options."""
    for keys, attr in ((_STORE_KEYS, "explicit_stores"), (_WAIT_KEYS, "explicit_waits")):
        for key in keys:
            if key not in options:
                continue
            found = _key_list(ctx, options[key], key, arg)
            if found is None:
                continue
            previous = getattr(info, attr) or []
            setattr(info, attr, previous + [k for k in found if k not in previous])
            info.explicit_range = ctx.key_range(arg, key)
    for key in _AFTER_KEYS:
        if key in options:
            found = _key_list(ctx, options[key], key, arg, what="agent names")
            if found:
                info.depends_on += found
                info.explicit_range = info.explicit_range or ctx.key_range(arg, key)
    if "timeout" in options:
        where = ctx.key_range(arg, "timeout")
        op.timeout = number_option(ctx, options["timeout"], "timeout", where, above_zero=True)
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
            elif value is not None and not isinstance(value, Undefined):
                ctx.bad(f"`{key}` must be text", ctx.key_range(arg, key))


def derive_name_and_type(text: str, known: frozenset[str]) -> tuple[str, str]:
    """A name and type for a task given only its instructions: `You are researcher agent` and
    `Research agent: ...` name the type; otherwise the first words name the agent."""
    m = _YOU_ARE_RE.match(text)
    if m is not None:
        words = m.group("x")
        return words, _match_type(words, known)
    m = _LABEL_RE.match(text)
    if m is not None:
        return m.group("label"), _match_type(m.group("x"), known)
    return _first_words(text), "general"


def _match_type(words: str, known: frozenset[str]) -> str:
    """`researcher`, `Research`, `code analyzer` → the known type they name, else their slug."""
    slug = "-".join(w.lower() for w in words.split())
    if slug in known:
        return slug
    wanted = [stem(w) for w in re.split(r"[\s-]+", words) if w]
    for name in sorted(known):
        if [stem(w) for w in name.split("-")] == wanted:
            return name
    return slug


def _first_words(text: str) -> str:
    """`Review the parser for performance` → `Review the parser`."""
    head = _HEAD_END_RE.split(text.strip(), maxsplit=1)[0]
    words = [_short(w) for w in _WORD_RE.findall(head)[:4]]
    while len(words) > 1 and words[-1].lower() in STOP_WORDS:
        words.pop()
    return " ".join(words) or "agent"


def _short(word: str) -> str:
    """WORD, cut where its parts meet when it is long (a script written without spaces is one
    long word: its first characters name the agent)."""
    if len(word) <= _SCRIPT_WORD or ("-" not in word and "." not in word):
        return word[:_SCRIPT_WORD]
    if len(word) <= _LONG_WORD:
        return word
    cut = max(word.rfind("-", 0, _LONG_WORD + 1), word.rfind(".", 0, _LONG_WORD + 1))
    return word[:cut] if cut > 0 else word[:_LONG_WORD]


def _derived_name(ctx: CallContext, instructions: str) -> str:
    name, _ = derive_name_and_type(instructions, frozenset())
    return _unique(ctx, name)


def _unique(ctx: CallContext, name: str, *, spawned: bool = False) -> str:
    """NAME, or NAME 2, NAME 3…: unique among the agents read so far. A name made for an
    `agent_spawn` is unique among those only, since next to Task calls they are not agents."""
    taken = {t.op.name for t in ctx.tasks if t.spawned == spawned}
    if name not in taken:
        return name
    n = 2
    while f"{name} {n}" in taken:
        n += 1
    return f"{name} {n}"


def _span(node: Node | None) -> Span | None:
    return span(node) if node is not None else None


def _alias(agent_type: str) -> str:
    return _TYPE_ALIASES.get(agent_type, agent_type)


def _info(ctx: CallContext, op: TaskOp, instructions_at: int | None) -> TaskInfo:
    info = TaskInfo(op)
    info.source, info.row_offset = ctx.diags.source, ctx.row_offset
    if instructions_at is not None:
        info.instructions_node = _span(ctx.node(instructions_at))
    return info


def _type_from_options(
    ctx: CallContext, op: TaskOp, info: TaskInfo, options: dict[str, Any], arg: int
) -> None:
    for key in TYPE_KEYS:
        value = options.get(key)
        if isinstance(value, str) and value:
            op.agent_type = _alias(value)
            info.type_rng = ctx.key_range(arg, key)
            return


def _key_list(
    ctx: CallContext, value: Any, key: str, arg: int, what: str = "memory keys"
) -> list[str] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        if not isinstance(value, Undefined):
            ctx.bad(f"`{key}` must be a list of {what}", ctx.key_range(arg, key))
        return None
    return [v for v in value if v]
