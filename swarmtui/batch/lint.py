"""Whole-batch checks of §7: agent types, duplicates, cycles, messages, memory use, todo lists."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Collection
from pathlib import Path

from swarmtui.batch.agent_types import known_type_names
from swarmtui.batch.calls import TaskInfo
from swarmtui.batch.diagnostics import FRONT_MATTER_NOTE, Diagnostics
from swarmtui.batch.fences import front_matter
from swarmtui.batch.models import (
    BashOp,
    Batch,
    Diagnostic,
    MemoryOp,
    Operation,
    Severity,
    TaskOp,
    TodoWriteOp,
)
from swarmtui.batch.paths import slug
from swarmtui.batch.scan import arguments_below
from swarmtui.batch.source import Range, Source
from swarmtui.batch.todos import link_todos
from swarmtui.batch.values import MUSTACHE_SLOT
from swarmtui.batch.words import all_agents_phrases

# Instructions that say how the agent coordinates, through memory or claude-flow's hooks.
_COORDINATES_RE = re.compile(r"memory|hooks?\b|coordinat|\bshar(?:e|es|ed|ing)\b", re.IGNORECASE)
# Past this many agents with the same problem, one diagnostic names them all.
_FOLD = 3
# Instructions that are a variable's name in quotes (`"gemini_analysis_results"`,
# `"testGaps"`): a template's slot for the real task, never filled in.
_VARIABLE_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+|[a-z]+(?:[A-Z][a-z0-9]+)+")
# Instructions that are a template's stub: one word trailed off (`Research...`), or words in
# brackets standing for the whole text (`[full prompt]`).
_STUB_RE = re.compile(r"[A-Za-z][\w-]*\s*(?:\.\.\.|…)|\[[A-Za-z][^\[\]\n]*\]")
# A template's slot left in instructions (searched, where a stub is the whole text): Claude
# Code's `$ARGUMENTS` and `$1`…`$9`, a slash command's arguments, and the names command files
# give the task they are run with (claude-flow's SPARC orchestrator `$TASK`, `$FEATURE`;
# wshobson's commands `$TARGET`). Other `$NAME`s are shell variables an agent may be told to
# use (`$HOME`, `$GITHUB_TOKEN`); a digit is no slot in `$5.00`, `$5 per run`, awk's `{print
# $1}` or `f=$1`.
# (It starts with its `$`, which the search looks for first: instructions are long.)
_SLOT_RE = re.compile(
    r"\$(?:\{?(?:ARGUMENTS|TASK|FEATURE|TARGET)\b\}?"
    r"|(?<![\w$\\={]\$)(?<!print \$)[1-9](?![\w}\]]|[.,]\d|\s*/|\s+(?:per|each|an?)\b))"
)
# A template's slot in brackets left in longer instructions: words telling the template's user
# what to put there (`[Insert contents of .tdd-cycle/01-requirements.md]`, `[Paste the test
# failures here]`, `<your task here>`), or a line that is only words in brackets (`[PLAN
# SUMMARY]`, `- [Requirement 1]`; two words at least: not `[x]`, a checklist's box, nor
# `[database]`, an INI section). Not a link (`[see here](url)`), an index (`arr[i]`), an
# option's or a command's own slot (`--file [file]`, `"<path>"`: the agent fills those in).
# Or a template's `{{feature}}`, `{{YOUR_REPO}}` (see `MUSTACHE_SLOT`).
_BRACKET_SLOT_RE = re.compile(
    r"(?<![\w\]`'\"!=<\[])(?:\[(?:(?:insert|paste|fill in|enter)\b[^\[\]\n]*|[A-Za-z][^\[\]\n]*"
    r"\bhere)\](?![(\[:])|<(?:(?:insert|paste|fill in|enter)\b[^<>\n]*|[A-Za-z][^<>\n]*\bhere)>)"
    r"|^[ \t]*(?:[-*+]|\d{1,3}[.)])?[ \t]*\[[A-Za-z][\w/'-]*(?:[ \t]+[\w/'-]+)+\][ \t]*$"
    rf"|{MUSTACHE_SLOT}",
    re.IGNORECASE | re.MULTILINE,
)
# Instructions that are only an agent's name (`Task("agent 1")`, `Task("Research agent")`).
_NAME_ONLY_RE = re.compile(r"(?:\w+\s+)?(?:agent|worker)(?:\s*\d+)?|\w+\s+\d+", re.IGNORECASE)
_RUNNABLE = frozenset({"task", "todo_write", "bash", "write", "memory"})
# Who wrote a file a `Write` operation made, in the session's record: a name no agent may take
# (SW011), so an agent named `batch` is not taken for it. (Logs made before it say `batch`.)
BATCH_WRITER = "<batch>"
# `[bash] max_timeout` as built in: a batch is read without the swarmtui.toml it will run with.
BASH_DEFAULT_CAP = 600.0
# An agent's `timeout` past this (a working day) is surely not seconds: Claude Code's tools count
# milliseconds, and `timeout: 60000` (a minute there) would let an agent run for 16 hours here.
AGENT_PLAUSIBLE_SECONDS = 8 * 3600.0


def lint(batch: Batch, tasks: list[TaskInfo], diags: Diagnostics, project_dir: Path | None) -> None:
    """Add the whole-batch diagnostics to `diags` and link todos to agents."""
    _agent_types(tasks, diags, project_dir)
    _duplicates(tasks, diags)
    _instructions(tasks, diags)
    _cycles(tasks, diags)
    _separate_messages(batch, tasks, diags)
    _phases(batch, tasks, diags)
    _memory_use(tasks, diags)
    _timeouts(batch, diags)
    _quoted_operations(batch, diags)
    link_todos(batch, tasks, diags)
    _todo_list(batch, tasks, diags)


def _range(op: TaskOp | TodoWriteOp) -> Range:
    return op.line, op.column, op.end_line, op.end_column


def _agent_types(tasks: list[TaskInfo], diags: Diagnostics, project_dir: Path | None) -> None:
    if not tasks:
        return
    known, problems = known_type_names(project_dir)
    for problem in problems:
        diags.add(problem.code, problem.message, (1, 1, 1, 1), severity=problem.severity)
    unknown: dict[str, list[TaskInfo]] = {}
    for info in tasks:
        if info.op.agent_type not in known:
            unknown.setdefault(info.op.agent_type, []).append(info)
    for agent_type, infos in unknown.items():
        close = suggest_type(agent_type, known)
        hint = (
            f"did you mean {close!r}?"
            if close
            else "it runs as a general agent (docs/batch-language.md lists the known types)"
        )
        count = f" ({len(infos)} agents)" if len(infos) > 1 else ""
        diags.add(
            "SW009",
            f"unknown agent type {agent_type!r}{count}: {hint}",
            infos[0].type_range() or _range(infos[0].op),
        )


def _timeouts(batch: Batch, diags: Diagnostics) -> None:
    """SW012: a `timeout` of 0 (it would stop the work at once), a Bash one past the cap, and
    one that looks like milliseconds, as Claude Code's tools count them."""
    for op in batch.operations():
        if not isinstance(op, BashOp | TaskOp) or op.timeout is None:
            continue
        where = op.line, op.column, op.end_line, op.end_column
        if op.timeout == 0:
            what = "command" if isinstance(op, BashOp) else "agent"
            diags.add(
                "SW012",
                f"`timeout: 0` would stop the {what} at once: give the seconds it may run, or "
                "no timeout for the default",
                where,
                op=op.index,
            )
        elif (message := _long_timeout(op, op.timeout, diags.source)) is not None:
            diags.add("SW012", message, where, op=op.index, severity=Severity.WARNING)


# A Bash operation written in Claude Code's shape, its arguments an object (`Bash({command,
# timeout})`, `Bash(command: ...)`, a BatchTool invocation): its `timeout` is in milliseconds.
_OBJECT_SHAPE_RE = re.compile(r"\{|Bash\s*(?:\(\s*)?(?:\{|[A-Za-z_$][\w$]*\s*(?::|=(?![=>])))")


def _long_timeout(op: BashOp | TaskOp, seconds: float, source: Source) -> str | None:
    """What to say of a `timeout` of SECONDS longer than OP may plausibly run: a Bash one past
    the default cap, an agent's past a working day; from 1000 up, it asks whether milliseconds
    were meant (one rule for both), unless they were written."""
    if isinstance(op, BashOp):
        if seconds <= BASH_DEFAULT_CAP:
            return None
        as_written = (
            f"the command is stopped at the default cap of {BASH_DEFAULT_CAP:g} s unless "
            "swarmtui.toml raises `[bash] max_timeout`"
        )
        if _OBJECT_SHAPE_RE.match(source.text, source.line_starts[op.line - 1] + op.column - 1):
            return f"`timeout: {seconds * 1000:.0f}` ms is more than the cap: {as_written}"
        if seconds < 1000:
            return f"`timeout: {seconds:g}` is more than the cap: {as_written}"
    else:
        if seconds <= AGENT_PLAUSIBLE_SECONDS:
            return None
        as_written = f"the agent may run for {seconds / 3600:.3g} hours"
    return (
        f"`timeout: {seconds:g}` counts seconds, not milliseconds as in Claude Code: did you "
        f"mean `timeout: {seconds / 1000:g}`? As written, {as_written}"
    )


def _quoted_operations(batch: Batch, diags: Diagnostics) -> None:
    """SW026: an operation on a line quoted with `>` (pasted from a chat or an e-mail) runs like
    a bulleted one; said at the line, since an example quoted there ("don't do this") would
    run too. Once per line, for what would run."""
    source = diags.source
    text, code, starts = source.text, source.code, source.line_starts
    if ">" not in text:
        return  # (most batches: nothing quoted)
    said: set[int] = set()
    for op in batch.operations():
        row = op.line - 1
        if (
            op.column == 1  # (nothing before it on its line: most operations)
            or op.kind not in _RUNNABLE
            or op.skip_reason is not None
            or op.index in diags.skip
            or row in said
            or row >= len(starts)
        ):
            continue
        start = starts[row]
        before = text[start : start + op.column - 1]
        quote = start + len(before) - len(before.lstrip(" \t"))
        # (the scanner blanks a quote's `>` in the code it parses: a `>` still there is code)
        if text[quote : quote + 1] != ">" or code[quote : quote + 1] != " ":
            continue
        said.add(row)
        diags.add(
            "SW026",
            "this line is quoted with `>` but runs as an operation, as a bulleted one does: "
            "delete it if it was only an example",
            (op.line, quote - start + 1, op.end_line, op.end_column),
            op=op.index,
        )


def suggest_type(name: str, known: Collection[str]) -> str | None:
    """The known type NAME is surely a slip for: a near spelling (`reviewr`), a different case
    or separator (`Code_Analyzer`), or the one known type that ends with it (`architect` →
    `system-architect` only when no other type does). None when nothing is that close."""
    folded = re.sub(r"[\s_]+", "-", name.strip().lower())
    if folded in known:
        return folded
    ends = [k for k in known if k.endswith("-" + folded)]
    if len(ends) == 1:
        return ends[0]
    from difflib import get_close_matches  # (only for an unknown type: a rare path)

    close = get_close_matches(folded, list(known), n=2, cutoff=0.85)
    return close[0] if len(close) == 1 or (close and close[0] != close[1]) else None


def _duplicates(tasks: list[TaskInfo], diags: Diagnostics) -> None:
    seen: dict[str, TaskInfo] = {}
    # An agent's files (its report, its log) and the key it stores when done are named by the
    # slug of its name: `Coder A` and `coder-a` would share them.
    slugs: dict[str, TaskInfo] = {}
    for info in tasks:
        name = info.op.name
        if name == BATCH_WRITER:
            diags.add(
                "SW011",
                f"agent name {name!r} is swarmtui's own (the batch's Write operations): choose "
                "another",
                _range(info.op),
                op=info.op.index,
            )
            continue
        first = seen.get(name)
        if first is None:
            seen[name] = info
            first = slugs.setdefault(slug(name), info)
            if first is info:
                continue
            message = (
                f"agent name {name!r} is too like {first.op.name!r} (line {first.op.line}): "
                f"both would write their files as {slug(name)!r}"
            )
        else:
            message = f"duplicate agent name {name!r} (first spawned on line {first.op.line})"
        diags.add("SW011", message, _range(info.op), op=info.op.index)


def _each_or_folded(
    diags: Diagnostics,
    code: str,
    infos: list[TaskInfo],
    each: str,
    together: str,
    *,
    skip: bool = False,
    slot: Callable[[TaskOp], str] | None = None,
) -> None:
    """One diagnostic per agent, or past a few, one naming them all (no flood of the same
    remark): EACH is formatted with {name}, {instructions} and what SLOT finds in them, {slot};
    TOGETHER with {count} and {names}. With SKIP, each of the agents is skipped for it."""
    if len(infos) >= _FOLD:
        names = ", ".join(info.op.name for info in infos)
        message = together.format(count=len(infos), names=names)
        first = infos[0].op.index if skip else None
        diags.add(code, message, _range(infos[0].op), op=first)
        if skip:
            for info in infos[1:]:
                diags.skip.setdefault(info.op.index, f"{code}: {message}")
        return
    for info in infos:
        message = each.format(
            name=info.op.name,
            instructions=info.op.instructions.strip(),
            slot=slot(info.op) if slot is not None else "",
        )
        diags.add(code, message, _range(info.op), op=info.op.index if skip else None)


def _instructions(tasks: list[TaskInfo], diags: Diagnostics) -> None:
    # (one skipped for its unread instructions, `query: "…"`, has said so already)
    untold = [i for i in tasks if not i.op.instructions.strip() and i.op.index not in diags.skip]
    if untold:
        untold = _arguments_written_below(untold, diags)
    _each_or_folded(
        diags,
        "SW014",
        untold,
        "{name} has no instructions",
        "{count} agents have no instructions ({names}): give each its task "
        "(Task(name, instructions, type), or agent_spawn({{type, name, task}}))",
    )
    # Not understood as a task, though the agent will run: told only a name, it cannot know
    # what to do, and the run would look like success.
    _each_or_folded(
        diags,
        "SW014",
        [info for info in tasks if _only_a_name(info.op)],
        "{name}: its instructions are only a name ('{instructions}'), not a task: "
        "the agent is told just that",
        "{count} agents' instructions are only a name, not a task ({names}): "
        "give each its task (Task(name, instructions, type))",
    )
    # A template's stub (`prompt: "Research..."`, `"[full prompt]"`) is its placeholder.
    _each_or_folded(
        diags,
        "SW003",
        [info for info in tasks if _STUB_RE.fullmatch(info.op.instructions.strip())],
        "placeholder left to fill in: {name}'s instructions ('{instructions}') are a "
        "template's stub, not a task: this agent will be skipped",
        "placeholder left to fill in: {count} agents' instructions are a template's stub, "
        "not a task ({names}): these agents will be skipped",
        skip=True,
    )
    _each_or_folded(
        diags,
        "SW003",
        [info for info in tasks if "$" in info.op.instructions and _slot(info.op)],
        "placeholder left to fill in: {name}'s instructions hold {slot}, a slot of the "
        "template they come from, never filled in (write the task in its place): this agent "
        "will be skipped",
        "placeholder left to fill in: {count} agents' instructions hold a slot of the template "
        "they come from ($ARGUMENTS, $1, $TASK…), never filled in ({names}): these agents will "
        "be skipped",
        skip=True,
        slot=_slot,
    )
    _each_or_folded(
        diags,
        "SW003",
        [
            info
            for info in tasks
            if (
                "[" in info.op.instructions
                or "<" in info.op.instructions
                or "{{" in info.op.instructions
            )
            and info.op.index not in diags.skip
            and _BRACKET_SLOT_RE.search(info.op.instructions)
        ],
        "placeholder left to fill in: {name}'s instructions hold {slot}, a slot of the "
        "template they come from, never filled in (write what it stands for in its place): "
        "this agent will be skipped",
        "placeholder left to fill in: {count} agents' instructions hold a slot of the template "
        "they come from (`[Insert …]`, `[Paste … here]`, a line `[Requirement 1]`, "
        "`{{{{feature}}}}`), never filled in ({names}): these agents will be skipped",
        skip=True,
        slot=_bracket_slot,
    )


def _arguments_written_below(untold: list[TaskInfo], diags: Diagnostics) -> list[TaskInfo]:
    """Of the agents UNTOLD, those whose call is followed by lines indented under it that read as
    its arguments (`Agent(subagent_type="reviewer", name="pm")`, then `  persona: {…}`,
    `  requirement_source: …`, a Korean review kit's skill) are skipped, saying so (SW019): they
    would run told nothing of what is written for them. The others are returned."""
    lines = diags.source.text.split("\n")
    rest: list[TaskInfo] = []
    for info in untold:
        op = info.op
        names, _ = arguments_below(lines, op.end_line - 1) if op.end_line <= len(lines) else ((), 0)
        if not names:
            rest.append(info)
            continue
        shown = ", ".join(f"`{name}:`" for name in names[:3]) + (" …" if len(names) > 3 else "")
        message = (
            f"{op.name} has no instructions, and the lines indented under its call ({shown}) "
            "read as its arguments, which a call does not take so: write them in it "
            "(`prompt`, or its instructions); this agent will be skipped"
        )
        diags.add("SW019", message, _range(op), op=op.index)
        diags.skip.setdefault(op.index, f"SW019: {message}")  # (a warning that skips)
    return rest


def _slot(op: TaskOp) -> str:
    m = _SLOT_RE.search(op.instructions)
    return m.group() if m is not None else ""


def _bracket_slot(op: TaskOp) -> str:
    m = _BRACKET_SLOT_RE.search(op.instructions)
    found = m.group() if m is not None else ""
    return found.lstrip(" \t-*+.)0123456789").rstrip()  # (a line's: without its list marker)


def _only_a_name(op: TaskOp) -> bool:
    """Whether OP's instructions are a variable's name, or only the agent's own short name."""
    text = op.instructions.strip()
    if _VARIABLE_NAME_RE.fullmatch(text):
        return True
    return text == op.name.strip() and _NAME_ONLY_RE.fullmatch(text) is not None


def _graph(tasks: list[TaskInfo]) -> dict[int, list[int]]:
    """For each task (by position), the tasks it waits for."""
    position: dict[str, int] = {}
    for i, info in enumerate(tasks):
        position.setdefault(info.op.name, i)
    graph: dict[int, list[int]] = {}
    for i, info in enumerate(tasks):
        deps = {
            position[name]
            for edge in info.op.edges
            if edge.direction == "wait"
            for name in edge.providers
            if name in position
        }
        graph[i] = sorted(deps)
    return graph


def _cycles(tasks: list[TaskInfo], diags: Diagnostics) -> None:
    graph = _graph(tasks)
    for component in _strongly_connected(graph):
        if len(component) == 1 and component[0] not in graph[component[0]]:
            continue
        ordered = sorted(component)
        names = [tasks[i].op.name for i in ordered]
        cycle = " → ".join([*names, names[0]])
        for i in ordered:
            diags.add(
                "SW005",
                f"dependency cycle: {cycle}; none of these agents can start",
                _range(tasks[i].op),
                op=tasks[i].op.index,
            )


def _strongly_connected(graph: dict[int, list[int]]) -> list[list[int]]:
    """Tarjan's algorithm without recursion (batches can chain thousands of agents)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    result: list[list[int]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work: list[tuple[int, int]] = [(root, 0)]
        while work:
            node, child_pos = work.pop()
            if child_pos == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = graph.get(node, [])
            recurse = False
            for pos in range(child_pos, len(children)):
                child = children[pos]
                if child not in index:
                    work.append((node, pos + 1))
                    work.append((child, 0))
                    recurse = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if recurse:
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                result.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return result


def _separate_messages(batch: Batch, tasks: list[TaskInfo], diags: Diagnostics) -> None:
    """SW006: agents in a later message that depend on nothing before it could start earlier."""
    if len(batch.messages) < 2 or not tasks:
        return
    first = batch.messages[0].index
    graph = _graph(tasks)
    message = [info.message for info in tasks]
    # An agent depends on earlier messages if it (or what it waits for in its own message) does.
    dependents: dict[int, list[int]] = {i: [] for i in graph}
    earlier: set[int] = set()
    queue: deque[int] = deque()
    for i, deps in graph.items():
        for d in deps:
            dependents[d].append(i)
            if message[d] < message[i] and i not in earlier:
                earlier.add(i)
                queue.append(i)
    while queue:
        d = queue.popleft()
        for i in dependents[d]:
            if message[i] == message[d] and i not in earlier:
                earlier.add(i)
                queue.append(i)
    movable = [i for i in graph if message[i] != first and i not in earlier]
    if not movable:
        return
    before = _wall(graph, message)
    moved = list(message)
    for i in movable:
        moved[i] = first
    after = _wall(_waits_for_everyone(graph, tasks, moved), moved)
    if after >= before:
        return  # moving them would not make the batch faster: nothing worth saying
    gain = f"expected speed-up {before / after:.1f}× ({before} → {after} agent-lengths)"
    for i in movable:
        info = tasks[i]
        diags.add(
            "SW006",
            f"{info.op.name} (message {info.message}) depends on nothing in earlier messages: "
            f"it could share message {first}; {gain}",
            _range(info.op),
        )


# A comment or heading opening a numbered phase of the work (`// Phase 2: Pseudocode`, `# Step
# 2`, `/* Stage 2 */`): written between the operations of one message, it promises an order
# that the message does not keep (its operations start together).
_PHASE_RE = re.compile(
    r"^[ \t]*(?://+|#+|/\*+)[ \t]*(?:\*\*)?(phase|step|stage)[ \t]+(\d{1,3})\b[^\n]*",
    re.IGNORECASE | re.MULTILINE,
)
_PHASE_WORDS = ("hase", "HASE", "tep", "TEP", "tage", "TAGE")
# Numbered Markdown list items between operations ("1. **Find the artifacts:**", a block, "2.
# Spawn renderer:", a block, "3. Verify output:"): steps too, when no operation is on their line.
_LIST_STEP_RE = re.compile(r"^[ \t]{0,3}(\d{1,2})[.)][ \t]+\S[^\n]*", re.MULTILINE)
# Words saying the phases are meant to run together (`// STEP 1: Initialize swarm (in parallel
# with agent spawning)`, `[Single Message - All 20 agents launched at once]:`): no surprise there.
_TOGETHER_RE = re.compile(
    r"parallel|concurrent|simultaneous|same time|at once|(?:single|same|one) message|together",
    re.IGNORECASE,
)
# Operations whose order would matter: agents, commands and files (not settings, todos,
# memory operations or recorded tools).
_PHASED = frozenset({"task", "bash", "write"})


def _phases(batch: Batch, tasks: list[TaskInfo], diags: Diagnostics) -> None:
    """SW029: numbered phases (`// Phase 1`, then `// Phase 2`) between the operations of one
    message, which all start at once, when nothing of the later phase waits (through memory,
    or for an agent's result) for what is before it. Once per message, at the first such
    phase's comment."""
    text = diags.source.text
    listed = "1. " in text or "1) " in text
    if not listed and not any(word in text for word in _PHASE_WORDS):
        return  # (most batches; looking for a word is faster than looking at every line)
    marks: list[tuple[int, str, int, str]] = []  # (line, word, number, comment)
    row, at = 1, 0
    for m in _PHASE_RE.finditer(text):
        row += text.count("\n", at, m.start())
        at = m.start()
        marks.append((row, m.group(1).lower(), int(m.group(2)), m.group().strip()))
    items: list[tuple[int, str, int, str]] = []
    if listed:
        op_lines = {op.line for op in batch.operations() if op.kind != "note"}
        row, at = 1, 0
        for m in _LIST_STEP_RE.finditer(text):
            row += text.count("\n", at, m.start())
            at = m.start()
            if row not in op_lines:
                items.append((row, "item", int(m.group(1)), m.group().strip()))
    if len(marks) < 2 and len(items) < 2:
        return
    message_of: dict[int, int] = {}
    ops: list[Operation] = []
    for message in batch.messages:
        for op in message.operations:
            if op.kind != "note":
                message_of[op.index] = message.index
                ops.append(op)
    ops.sort(key=lambda op: op.line)
    phased = [op for op in ops if op.kind in _PHASED]
    starts = [op.line for op in phased]
    # The marks between operations, not inside one (a prompt's own steps).
    free: list[tuple[int, str, int, str]] = []
    i, reach = 0, 0  # (operations starting before the mark; the last line they reach)
    for mark in sorted(marks + items):
        while i < len(ops) and ops[i].line < mark[0]:
            reach = max(reach, ops[i].end_line)
            i += 1
        if reach < mark[0]:
            free.append(mark)
    titles = {message.index: message.title or "" for message in batch.messages}
    warned: set[int] = set()
    earliest: dict[int, dict[int, int]] = {}  # by message
    last = len(diags.source.lines) + 1
    comments = [m for m in free if m[1] != "item"]
    pairs = [
        (comments[n - 1], comments[n], comments[n + 1][0] if n + 1 < len(comments) else last)
        for n in range(1, len(comments))
    ]
    pairs += _item_pairs([m for m in free if m[1] == "item"], last)
    for (before, word, number, first), (line, now, later, comment), end in pairs:
        if now != word or later <= number:
            continue
        if word != "item" and _TOGETHER_RE.search(first + comment):
            continue  # (an item's "in parallel", "in a single message" is about its own work)
        phase = phased[bisect_right(starts, line) : bisect_left(starts, end)]
        messages = {message_of[op.index] for op in phase}
        if len(messages) != 1:
            continue  # (none, or its own messages already order it)
        (index,) = messages
        earlier = phased[bisect_right(starts, before) : bisect_left(starts, line)]
        if index in warned or not any(message_of[op.index] == index for op in earlier):
            continue
        if _TOGETHER_RE.search(titles[index]):
            continue
        if index not in earliest:
            earliest[index] = _earliest_waited(tasks, index)
        if any(earliest[index].get(op.index, line) < line for op in phase):
            continue  # (its agents wait for what is before it)
        warned.add(index)
        shown = comment if len(comment) <= 50 else comment[:49] + "…"
        diags.add(
            "SW029",
            f"`{shown}`: the phases of one message run at the same time, not one after the "
            "other (its operations all start together); to run this one after the one "
            "before it, put it in a message of its own (`[Message]:` above this line), or "
            'have its agents wait for a memory key the earlier ones store ("Wait for '
            "'swarm/spec/done'\")",
            diags.source.line_range(line - 1),
        )


def _item_pairs(
    items: list[tuple[int, str, int, str]], last: int
) -> list[tuple[tuple[int, str, int, str], tuple[int, str, int, str], int]]:
    """Each numbered list item after the first of its list, with (as the mark before it) the
    list's first item, so that what any earlier step does counts ("3. Launch the swarm", "4.
    Self-assess", "5. Launch the validators": the validators come after the swarm), and the
    line where its own step ends."""
    pairs = []
    start = 0
    for n in range(1, len(items)):
        if items[n][2] <= items[n - 1][2]:
            start = n  # (a new list: its numbers start again)
            continue
        first = items[start]
        end = items[n + 1][0] if n + 1 < len(items) else last
        pairs.append(((first[0], "item", items[n - 1][2], first[3]), items[n], end))
    return pairs


def _earliest_waited(tasks: list[TaskInfo], message: int) -> dict[int, int]:
    """For each agent of MESSAGE (by operation index): the first line of an agent of the same
    message it waits for, directly or through others (absent when it waits for none)."""
    graph = _graph(tasks)
    mine = {i for i, info in enumerate(tasks) if info.message == message}
    earliest: dict[int, int] = {}
    done: set[int] = set()
    for start in mine:
        if start in done:
            continue
        stack = [(start, iter(graph[start]))]
        on_path = {start}
        while stack:
            node, deps = stack[-1]
            for d in deps:
                if d in mine and d not in done and d not in on_path:
                    on_path.add(d)
                    stack.append((d, iter(graph[d])))
                    break
            else:
                stack.pop()
                on_path.discard(node)
                done.add(node)
                lines = [
                    min(tasks[d].op.line, earliest.get(tasks[d].op.index, tasks[d].op.line))
                    for d in graph[node]
                    if d in mine
                ]
                if lines:
                    earliest[tasks[node].op.index] = min(lines)
    return earliest


def _waits_for_everyone(
    graph: dict[int, list[int]], tasks: list[TaskInfo], message: list[int]
) -> dict[int, list[int]]:
    """GRAPH with the agents moved as MESSAGE says: one that waits for "all agents to complete"
    waits for every other agent of its own message but those waiting for it (dependencies.py),
    so in its new message it waits for those (a move that only seems to save time must not be
    advised)."""
    everyone = [
        i
        for i, info in enumerate(tasks)
        if info.explicit_waits is None
        and not info.depends_on
        and all_agents_phrases(info.op.instructions)
    ]
    if not everyone:
        return graph
    members: dict[int, list[int]] = {}
    for i in graph:
        members.setdefault(message[i], []).append(i)
    waiters: dict[int, list[int]] = {}
    for i, deps in graph.items():
        for d in deps:
            waiters.setdefault(d, []).append(i)
    moved = dict(graph)
    for i in everyone:
        after_it: set[int] = set()
        stack = [i]
        while stack:
            for w in waiters.get(stack.pop(), ()):
                if w not in after_it:
                    after_it.add(w)
                    stack.append(w)
        others = (j for j in members[message[i]] if j != i and j not in after_it)
        moved[i] = sorted({*graph[i], *others})
    return moved


def _wall(graph: dict[int, list[int]], message: list[int]) -> int:
    """Wall time in agent-lengths: messages run one after another, each as long as its
    longest chain of waiting agents (every agent taking one unit)."""
    total = 0
    groups: dict[int, list[int]] = {}
    for i in graph:
        groups.setdefault(message[i], []).append(i)
    for members in groups.values():
        inside = set(members)
        indegree = {i: 0 for i in members}
        after: dict[int, list[int]] = {i: [] for i in members}
        for i in members:
            for d in graph[i]:
                if d in inside and d != i:
                    indegree[i] += 1
                    after[d].append(i)
        depth = {i: 1 for i in members}
        ready = deque(i for i in members if indegree[i] == 0)
        while ready:
            d = ready.popleft()
            for i in after[d]:
                depth[i] = max(depth[i], depth[d] + 1)
                indegree[i] -= 1
                if indegree[i] == 0:
                    ready.append(i)
        total += max(depth.values(), default=0)
    return total


def _memory_use(tasks: list[TaskInfo], diags: Diagnostics) -> None:
    """SW007 where others coordinate through memory but an agent says nothing of how it does:
    batches whose agents all work from the conversation, or through claude-flow's hooks, are
    left alone."""
    if len(tasks) < 2 or not any(info.op.waits or info.op.stores for info in tasks):
        return
    silent = [
        info
        for info in tasks
        if not info.op.waits
        and not info.op.stores
        and info.op.instructions.strip()
        and not _COORDINATES_RE.search(info.op.instructions)
    ]
    _each_or_folded(
        diags,
        "SW007",
        silent,
        "{name} neither reads nor writes memory: how will it know what the others did, or they "
        "what it did?",
        "{count} agents neither read nor write memory ({names}), while the others coordinate "
        "through it: how will they know what the others did?",
    )


def _todo_list(batch: Batch, tasks: list[TaskInfo], diags: Diagnostics) -> None:
    todo_ops = [op for op in batch.operations() if isinstance(op, TodoWriteOp)]
    if not todo_ops or all(op.index in diags.skip for op in todo_ops):
        return  # (a list left to fill in is not a short one)
    ids = {todo.id for op in todo_ops for todo in op.todos}
    last = todo_ops[-1]
    if len(ids) == 1:
        diags.add("SW008", "a single todo tracks the whole batch", _range(last))
    elif len(ids) < len(tasks):
        diags.add(
            "SW008",
            f"{len(ids)} todos for {len(tasks)} agents: the list is shorter than the work",
            _range(last),
        )


def skip_dependents(batch: Batch, diags: Diagnostics) -> None:
    """An agent whose wait only skipped agents would satisfy would wait forever: skip it too
    (SW004), and so on down the chain, so the engine never starts what cannot finish."""
    tasks = batch.tasks()
    first: dict[str, TaskOp] = {}
    for task in tasks:
        first.setdefault(task.name, task)
    stored_by_memory = {
        op.key
        for op in batch.operations()
        if isinstance(op, MemoryOp) and op.action == "store" and op.key and not op.skip_reason
    }
    waiting_on: dict[str, list[TaskOp]] = {}
    for task in tasks:
        for edge in task.edges:
            if edge.direction == "wait":
                for name in edge.providers:
                    waiting_on.setdefault(name, []).append(task)
    queue = deque(t.name for t in tasks if t.skip_reason)
    while queue:
        name = queue.popleft()
        for task in waiting_on.get(name, ()):
            if task.skip_reason:
                continue
            for edge in task.edges:
                if edge.direction != "wait" or not edge.providers:
                    continue
                if any(k in stored_by_memory for k in edge.keys):
                    continue
                if all(first[p].skip_reason for p in edge.providers if p in first):
                    reason = (
                        f"waits for {', '.join(edge.keys)}, which only "
                        f"{', '.join(edge.providers)} would store, and will not run"
                    )
                    diags.add("SW004", f"{task.name} {reason}", _range(task))
                    task.skip_reason = f"SW004: {reason}"
                    queue.append(task.name)
                    break


def can_run(batch: Batch) -> bool:
    """Whether anything in BATCH could run: a task, todo list, Bash, Write or memory operation
    that is not skipped, or an agent skipped only for a key nothing stores (SW004: a key stored
    by hand rescues it). A batch that cannot is refused before any session is made."""
    return any(
        op.kind in _RUNNABLE
        and (op.skip_reason is None or (op.kind == "task" and op.skip_reason.startswith("SW004")))
        for op in batch.operations()
    )


def nothing_runnable(batch: Batch, diags: Diagnostics) -> None:
    """SW021: a batch in which nothing will run must not pass for one that ran (an empty session
    that "completes"), an empty or blank text included. Reported only when no other error
    already says why."""
    if any(op.kind in _RUNNABLE and op.skip_reason is None for op in batch.operations()):
        return
    if any(d.severity == "error" for d in diags.items):
        return
    recorded = [op for op in batch.operations() if op.kind in ("tool", "note")]
    unread = [
        op for op in recorded if op.kind == "note" and (op.skip_reason or "").startswith("SW019")
    ]
    skipped = [op for op in batch.operations() if op.kind in _RUNNABLE]
    unknown = next(
        (
            op
            for op in recorded
            if op.kind == "note" and (op.skip_reason or "").startswith("unknown")
        ),
        None,
    )
    what = (
        f"every operation that would run is skipped (line {skipped[0].line}: "
        f"{skipped[0].skip_reason})"
        if skipped
        else "its operations are written in a way swarmtui cannot read (SW019: a look-alike, or a "
        "loop over data the batch does not write)"
        if unread
        else f"its operations are ones swarmtui does not know (SW009: line {unknown.line}, "
        f"{unknown.skip_reason})"
        if unknown is not None
        else _in_blocks(diags)
        if any(d.code in ("SW027", "SW028") and not _front_matter(d) for d in diags.items)
        else "it holds only operations swarmtui records without running (agents' own tools, "
        "coordination, MCP tools) and notes"
        if any(op.kind == "tool" for op in recorded)
        else "it holds only prose (notes), no operation"
        if recorded
        else "it holds no operation at all"
        if diags.source.text.strip()
        else "it is empty"
    )
    fronts = [_front_matter(d) for d in diags.items if d.code == "SW028"]
    if fronts and all(fronts) and not skipped:
        _, end = front_matter(diags.source.text.split("\n"))  # (its closing `---`, 0-based)
        if all(op.line <= end + 1 for op in recorded):
            what = f"it holds only its front matter, {_FRONT_MATTER}"
        else:
            what += f", and its front matter is {_FRONT_MATTER}"
    diags.add(
        "SW021",
        f"nothing in this batch can run: {what}; "
        + ("mend it" if skipped else "add a Task, Bash, Write, TodoWrite or memory operation"),
        (1, 1, 1, 1),
    )


# What a front matter is, when it is the only thing not read (an agent or command file's).
_FRONT_MATTER = "the file's metadata, which is not read (SW028)"


def _front_matter(d: Diagnostic) -> bool:
    return d.code == "SW028" and d.message.startswith(FRONT_MATTER_NOTE)


def _in_blocks(diags: Diagnostics) -> str:
    """Why nothing runs when the code was in fenced blocks that are not read (SW027, SW028); a
    front matter is no such block (`nothing_runnable` says it apart)."""
    codes = {d.code for d in diags.items if not _front_matter(d)}
    said = {"slash command" in d.message for d in diags.items if d.code == "SW027"}
    where = {
        frozenset({False}): "in shell blocks",
        frozenset({True}): "Claude Code slash commands",
    }.get(frozenset(said), "in shell blocks and slash commands")
    shell = f"its only commands are {where} (SW027), which are not run"
    other = "blocks not read as a batch (SW028: another language, or no operation in them)"
    if "SW028" not in codes:
        return shell
    if "SW027" not in codes:
        return f"its code is in {other}"
    return f"{shell}, and the rest of its code in {other}"
