"""Loops over data the batch writes itself (`team.forEach(m => ...)`, `for (const m of team)`):
read once per item, the item's fields standing for `m.type`, `m.name`.

swarmtui does not run JavaScript, but a loop over a literal array (written inline, or a `const`
of the batch) has nothing left to compute: its items are known, so are the operations it makes.
A loop over anything else (a function's result, a variable nothing defines) is not read (SW019).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tree_sitter import Node

from swarmtui.batch.values import UNDEFINED, Evaluator

# Array methods whose callback runs once per item, in order.
EACH_ITEM = frozenset({"forEach", "map", "flatMap"})
# Loops that make more operations than this, nested ones together, are not read (no batch
# written by hand does; three loops of 1,000 items, one inside the other, would never end).
MAX_LOOP_OPERATIONS = 5000


@dataclass(frozen=True)
class Binding:
    """How a loop names its item: `m`, `(m, i)`, or `({ type, name })`."""

    item: str | None = None
    index: str | None = None
    fields: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        named = (self.item, self.index, *self.fields)
        return tuple(n for n in named if n)


def callback_binding(fn: Node, evaluator: Evaluator) -> Binding | None:
    """The names the callback FN (`m => ...`, `function (m, i) {...}`) gives an item."""
    single = fn.child_by_field_name("parameter")
    if single is not None:
        return Binding(item=evaluator.text(single)) if single.type == "identifier" else None
    params = fn.child_by_field_name("parameters")
    if params is None:
        return None
    named = [c for c in params.named_children if c.type != "comment"]
    if not named or len(named) > 2:
        return None
    first = _pattern(named[0], evaluator)
    if first is None:
        return None
    if len(named) == 2:
        if named[1].type != "identifier":
            return None
        return Binding(first.item, evaluator.text(named[1]), first.fields)
    return first


def for_of_binding(statement: Node, evaluator: Evaluator) -> Binding | None:
    """The names `for (const m of team)` gives an item (None: not a for...of)."""
    operator = statement.child_by_field_name("operator")
    left = statement.child_by_field_name("left")
    if operator is None or operator.type != "of" or left is None:
        return None
    return _pattern(left, evaluator)


def _pattern(node: Node, evaluator: Evaluator) -> Binding | None:
    if node.type == "identifier":
        return Binding(item=evaluator.text(node))
    if node.type == "object_pattern":
        fields = [c for c in node.named_children if c.type != "comment"]
        if fields and all(c.type == "shorthand_property_identifier_pattern" for c in fields):
            return Binding(fields=tuple(evaluator.text(c) for c in fields))
    return None


def literal_items(node: Node | None, evaluator: Evaluator) -> list[Any] | None:
    """The items of NODE when the batch wrote them: an array literal, or the name of a `const`
    holding one; None otherwise (nothing is reported)."""
    if node is None:
        return None
    if node.type == "identifier":
        value = evaluator.consts.get(evaluator.text(node))
    elif node.type == "array" or _of_a_const(node, evaluator):
        value = evaluator.eval(node)  # (`config.agents`, `teams[0]`)
    else:
        return None
    return value if isinstance(value, list) else None


def _of_a_const(node: Node, evaluator: Evaluator) -> bool:
    """Whether NODE is a field of a `const` the batch declared (`config.agents`)."""
    while node.type in ("member_expression", "subscript_expression"):
        inner = node.child_by_field_name("object")
        if inner is None:
            return False
        node = inner
    return node.type == "identifier" and evaluator.text(node) in evaluator.consts


@contextmanager
def bound(evaluator: Evaluator, binding: Binding) -> Iterator[Callable[[int, Any], None]]:
    """Within it, `bind(index, item)` gives the loop's names their values; the names' values
    from before the loop come back after it."""
    consts = evaluator.consts
    saved = {name: consts[name] for name in binding.names() if name in consts}

    def bind(index: int, item: Any) -> None:
        if binding.item:
            consts[binding.item] = item
        if binding.index:
            consts[binding.index] = index
        for name in binding.fields:
            consts[name] = item.get(name) if isinstance(item, dict) else UNDEFINED

    try:
        yield bind
    finally:
        for name in binding.names():
            consts.pop(name, None)
        consts.update(saved)


def label(node: Node | None, evaluator: Evaluator) -> str:
    """What a loop goes over, as the diagnostic names it."""
    if node is None:
        return "a list"
    if node.type == "array":
        return "an array"
    return " ".join(evaluator.text(node).split())[:40]
