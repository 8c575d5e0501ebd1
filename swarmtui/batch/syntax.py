"""Syntax errors (§7): SW001 at the first bad token of a statement or call, and the typo commas
tree-sitter accepts (`f(a,, b)`)."""

from __future__ import annotations

import re

from tree_sitter import Node

from swarmtui.batch.diagnostics import Diagnostics
from swarmtui.batch.source import Source

_CALL_HEAD_RE = re.compile(rb"\s*([A-Za-z_$][\w$.]*)\s*\(")
# A comma with nothing before it (`f(a,, b)`, `{a: 1,, b: 2}`, `[1,, 2]`); only a hint,
# `empty_slots` decides.
EMPTY_SLOT_RE = re.compile(rb"[(\[{,][\s/*]*,|[(\[{,]\s*//")
_SLOT_CONTAINERS = {"arguments": "an argument", "object": "an entry", "array": "an element"}


class SyntaxReporter:
    """Reports what tree-sitter could not make sense of, on the operation it breaks."""

    def __init__(self, source: Source, diags: Diagnostics) -> None:
        self.source = source
        self.diags = diags

    def errors(self, node: Node, row_offset: int, op: int | None) -> None:
        """SW001 at the first ERROR or MISSING node under `node` (iteratively: no recursion)."""
        stack = [node]
        while stack:
            cur = stack.pop()
            if cur.is_missing:
                first = _first_token(node)
                if first is not None and cur.end_byte <= first.start_byte:
                    # Missing before anything was written (`./x` lacks what comes before the
                    # `.`): tree-sitter places it where the text before ended, lines above (at
                    # 1:1 after notes); the user's problem is the first token.
                    self.unexpected(first, row_offset, op)
                    return
                what = cur.type if cur.type in ")]}," else f"{cur.type}".replace("_", " ")
                self.diags.add(
                    "SW001",
                    f"syntax error: missing {what}",
                    self.source.node_range(cur, row_offset),
                    op=op,
                )
                return
            if cur.is_error:
                following = _token_after_complete_value(cur)
                if following is not None:
                    self.unexpected(following, row_offset, op)
                    return
                first = cur.child(0) if cur.child_count else None
                token = self.source.snippet(first, 20, row_offset) if first is not None else ""
                rng = self.source.node_range(first if first is not None else cur, row_offset)
                message = f"syntax error: unexpected `{token}`" if token else "syntax error"
                parent = cur.parent
                if token and parent is not None and parent.type in ("arguments", "array", "object"):
                    message += " (is a comma missing?)"
                if first is not None and first.start_byte == first.end_byte:
                    message = "syntax error: this is not finished"
                elif cur.start_byte == node.start_byte and (
                    m := _CALL_HEAD_RE.match(self.source.node_bytes(cur, row_offset))
                ):
                    # The statement itself is the error: most often a call left unfinished.
                    name = m.group(1).decode("utf-8", "replace")
                    message = f"syntax error: `{name}(` is not finished (missing `)` or a quote?)"
                self.diags.add("SW001", message, rng, op=op)
                return
            if cur.has_error:
                stack.extend(reversed(cur.children))

    def unexpected(self, token: Node, row_offset: int, op: int | None) -> None:
        text = self.source.snippet(token, 20, row_offset)
        parent = token.parent
        hint = (
            " (is a comma missing?)"
            if parent is not None
            and parent.type in ("arguments", "array", "object")
            and token.type not in (")", "]", "}", ",")
            else ""
        )
        self.diags.add(
            "SW001",
            f"syntax error: unexpected `{text}`{hint}",
            self.source.node_range(token, row_offset),
            op=op,
        )

    def empty_slots(self, args_node: Node, row_offset: int, op: int) -> None:
        """`f(a,, b)`, `{a: 1,, b: 2}` and `[1,, 2]` parse cleanly in tree-sitter (the last two are
        even valid JavaScript) but are typos here: report the first extra comma."""
        stack = [args_node]
        while stack:
            node = stack.pop()
            what = _SLOT_CONTAINERS.get(node.type)
            if what is not None:
                previous = ""
                for child in node.children:
                    ct = child.type
                    if ct == "comment":
                        continue
                    if ct == "," and previous in ("(", "[", "{", ","):
                        self.diags.add(
                            "SW001",
                            f"syntax error: unexpected `,` ({what} is missing)",
                            self.source.node_range(child, row_offset),
                            op=op,
                        )
                        return
                    previous = ct if ct in ("(", "[", "{", ",") else "value"
            if node.named_child_count:
                stack.extend(reversed(node.named_children))


def arguments(args_node: Node) -> list[Node]:
    """The argument nodes; an ERROR wrapping one good value (`f("a" "b")` wraps `"a"`) still
    counts as that argument, so the arguments after it keep their positions."""
    out: list[Node] = []
    for c in args_node.named_children:
        if c.type == "comment":
            continue
        if c.type == "ERROR":
            inner = c.named_children
            if c.child_count == 1 and len(inner) == 1 and not inner[0].has_error:
                out.append(inner[0])
            continue
        out.append(c)
    return out


def _token_after_complete_value(error: Node) -> Node | None:
    """The first bad token when tree-sitter wrapped a *good* value in the ERROR node.

    `f("x" "y")` gives `ERROR("x")` then `"y"`, and `f(a))` gives `ERROR(f(a), ")")`: in both the
    value inside the ERROR is fine and what follows it is where the text stops making sense (§7).
    """
    first = error.child(0) if error.child_count else None
    if first is None or not first.is_named or first.has_error or first.is_missing:
        return None
    if first.start_byte == first.end_byte:
        return None
    if error.child_count == 1:
        parent = error.parent
        after = error.next_sibling
        if (
            parent is not None
            and parent.type in ("arguments", "array", "object")
            and after is not None
            and after.type not in (",", ")", "]", "}")
        ):
            return after
        return None
    if first.type == "call_expression":
        second = error.child(1)
        return second
    return None


def _first_token(node: Node) -> Node | None:
    """The first token written in NODE (not one tree-sitter supplied), or None."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if cur.is_missing or cur.start_byte == cur.end_byte:
            continue
        if cur.child_count == 0:
            return cur
        stack.extend(reversed(cur.children))
    return None
