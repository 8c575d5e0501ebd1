"""What reading one call needs: its arguments (as tree-sitter nodes or ready values), where they
are, how to report on them, and what is known about the tasks read so far."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, overload

from tree_sitter import Node

from swarmtui.batch.diagnostics import Diagnostics
from swarmtui.batch.models import TaskOp
from swarmtui.batch.source import Range, Source, Span
from swarmtui.batch.team_tasks import TeamTasks
from swarmtui.batch.values import UNDEFINED, Evaluator, Undefined, js_string


@dataclass(slots=True)
class TaskInfo:
    """What dependency inference needs to know about a task beyond its model."""

    op: TaskOp
    message: int = 0
    explicit_waits: list[str] | None = None
    explicit_stores: list[str] | None = None
    explicit_range: Range | None = None
    # Agents named by `dependsOn` (it waits until they finish).
    depends_on: list[str] = field(default_factory=list)
    # Agents it waits for to finish besides what its words say: those whose results its
    # instructions use (`${research.content}`), those on the team tasks its task is blocked by.
    after_agents: list[TaskOp] = field(default_factory=list)
    # Phrases of its instructions already read as such a wait (not read again as memory waits).
    read_phrases: list[str] = field(default_factory=list)
    # Spawned with `agent_spawn` (next to `Task` calls, that only declares a type).
    spawned: bool = False
    # The type it is named after when no name was given (that name yields to one given).
    type_named: str | None = None
    # The instructions and type arguments, turned into ranges only when a diagnostic needs them.
    source: Source | None = None
    row_offset: int = 0
    instructions_node: Span | None = None
    type_node: Span | None = None
    # Where the type was given when it is not an argument of its own (`{subagent_type: ...}`).
    type_rng: Range | None = None

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
            return self.type_rng
        return self.source.node_range(self.type_node, self.row_offset)


@dataclass(slots=True)
class CallContext:
    """Everything `build_operation` needs to read one call."""

    diags: Diagnostics
    evaluator: Evaluator
    row_offset: int
    index: int
    rng: Range
    # The call's text as written (for notes about unknown operations).
    text: str
    args: list[Node]
    tasks: list[TaskInfo] = field(default_factory=list)
    # Arguments already read (command-line MCP calls have no syntax tree): used instead of args.
    values: list[Any] | None = None
    # The agent types known to this batch, read only when a task's type must be guessed.
    known_types: Callable[[], frozenset[str]] = frozenset
    # Claude Code's team task list, as the batch's calls build it.
    team: TeamTasks = field(default_factory=TeamTasks)

    @property
    def count(self) -> int:
        """How many arguments the call has."""
        return len(self.values) if self.values is not None else len(self.args)

    def node(self, i: int) -> Node | None:
        return self.args[i] if self.values is None and i < len(self.args) else None

    def arg(self, i: int) -> Any:
        if self.values is not None:
            return self.values[i] if i < len(self.values) else UNDEFINED
        if i >= len(self.args):
            return UNDEFINED
        return self.evaluator.eval(self.args[i])

    def written(self, i: int) -> str:
        """Argument i as the user typed it."""
        node = self.node(i)
        if node is None:
            return ""
        source, offset = self.diags.source, self.row_offset
        return source.text[source.node_start(node, offset) : source.node_end(node, offset)]

    def arg_range(self, i: int) -> Range:
        node = self.node(i)
        if node is None:
            return self.rng
        return self.diags.source.node_range(node, self.row_offset)

    def key_range(self, i: int, key: str) -> Range:
        """The range of `key: value` inside argument i, else the argument, else the call."""
        pair = self._pair(i, key)
        if pair is None:
            return self.arg_range(i)
        return self.diags.source.node_range(pair, self.row_offset)

    def value_node(self, i: int, key: str) -> Node | None:
        """The value of `key: value` inside argument i."""
        pair = self._pair(i, key)
        return pair.child_by_field_name("value") if pair is not None else None

    def _pair(self, i: int, key: str) -> Node | None:
        """The `key: value` pair: of the argument itself first, else anywhere inside it."""
        root = self.node(i)
        if root is None:
            return None
        direct = [c for c in root.named_children if c.type == "pair"]
        for node in chain(direct, _descendant_pairs(root)):
            k = node.child_by_field_name("key")
            if k is not None and self.key_name(k) == key:
                return node
        return None

    def key_name(self, key: Node) -> str:
        """The key of a `key: value` pair as written, without its quotes."""
        return self.diags.source.node_code(key, self.row_offset).strip("\"'`")

    def bad(self, message: str, rng: Range | None = None, code: str = "SW012") -> None:
        self.diags.add(code, message, rng or self.rng, op=self.index)


def _descendant_pairs(root: Node) -> Iterator[Node]:
    stack = list(reversed(root.named_children))
    while stack:
        node = stack.pop()
        if node.type == "pair":
            yield node
        stack.extend(reversed(node.named_children))


def text_arg(ctx: CallContext, i: int, what: str, *, required: bool = False) -> str | None:
    if i >= ctx.count:
        if required:
            ctx.bad(f"missing {what}")
        return None
    return as_text(ctx, ctx.arg(i), what, i)


def as_text(ctx: CallContext, value: Any, what: str, i: int) -> str | None:
    """VALUE (argument i) as text (numbers are written out); anything else is reported."""
    if value.__class__ is str:
        return str(value)
    if value is None or isinstance(value, Undefined):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return js_string(value)
    ctx.bad(f"the {what} must be text", ctx.arg_range(i))
    return None


@overload
def number_option(
    ctx: CallContext, value: Any, key: str, rng: Range, *, above_zero: bool = False
) -> float | None: ...


@overload
def number_option(
    ctx: CallContext, value: Any, key: str, rng: Range, *, keep_int: bool, above_zero: bool = False
) -> int | float | None: ...


def number_option(
    ctx: CallContext,
    value: Any,
    key: str,
    rng: Range,
    *,
    keep_int: bool = False,
    above_zero: bool = False,
) -> int | float | None:
    """A number of seconds, or None (a negative one is reported). ABOVE_ZERO: 0 is refused
    too, by lint (SW012 says what 0 would do), so the message asks for more than 0."""
    if value is None or isinstance(value, Undefined):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return value if keep_int and isinstance(value, int) else float(value)
    bound = "> 0" if above_zero else "≥ 0"
    ctx.bad(f"`{key}` must be a number of seconds {bound}, not {js_string(value)}", rng)
    return None
