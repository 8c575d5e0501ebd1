"""Literal values of the batch language (§3): strings, joins, JSON.stringify, dates, constants."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tree_sitter import Node

from swarmtui.batch.diagnostics import Diagnostics
from swarmtui.batch.models import TaskOp
from swarmtui.batch.scan import PLACEHOLDER_CHAR

# Values nested deeper than this are refused rather than risking the Python stack.
MAX_DEPTH = 200

# `{...}`, a string that is only `...` or only words in angle brackets (`"<agent-type>"`); but
# a spaced `{ ... }` after code (`impl Plugin for X { ... }`, `fn run() { ... }`) is an elided
# body, not a value to fill in.
_PLACEHOLDER_IN_STRING = re.compile(
    r"\{\.\.\.[^{}\n]*\}|(?<![\w)\]>][ \t])(?<![\w)\]>])\{[ \t]+\.\.\.[^{}\n]*\}|^\s*\.\.\.\s*$"
    r"|^\s*<[A-Za-z]\w*(?:[ -]\w+)+>\s*$"
)
# A template's slot in double braces (`{{feature}}`, `{{YOUR_REPO}}`, as workflow and command
# templates write them), never filled in; not GitHub Actions' `${{ github.sha }}`, nor Go's
# `{{.State.Status}}`, nor `{{{x}}}`.
MUSTACHE_SLOT = r"(?<![$\w{])\{\{[ \t]*[A-Za-z_]\w*[ \t]*\}\}(?!\})"
_SIMPLE_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "0": "\0",
    "\n": "",
    "\r\n": "",
    "\r": "",
}


class Undefined:
    """The value of an expression that could not be evaluated (already reported)."""

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED = Undefined()


@dataclass(frozen=True, slots=True)
class AgentResult:
    """`const research = await Task(...)`: what the name stands for, the result of the agent
    OP spawns, known only once it has run. Another agent's instructions may use it (that agent
    then waits for it, and is given it as a memory input); nothing else can."""

    name: str  # as written in the batch
    op: TaskOp

    def __str__(self) -> str:
        return f"(the result of agent {self.op.name}, given to you with your inputs)"


_PYTHON_LITERALS: dict[str, Any] = {"True": True, "False": False, "None": None}


def js_string(value: Any) -> str:
    """How JavaScript would turn a literal value into text (for `+` joins and templates)."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join("" if v is None else js_string(v) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    if isinstance(value, Undefined):
        return "undefined"
    return str(value)


def iso_time(now: datetime) -> str:
    now = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


class Evaluator:
    """Turns a tree-sitter expression into a Python value, reporting what it cannot."""

    def __init__(self, diags: Diagnostics, now: datetime) -> None:
        self.diags = diags
        self.source = diags.source
        self.now = now
        self.consts: dict[str, Any] = {}
        # Nodes read are of the text parsed from this row on (see `Source.node_bytes`).
        self.row_offset = 0
        # Set per operation: where its diagnostics go and whether it held a placeholder.
        self.op: int | None = None
        # The agents' results (`${research.content}`) the operation being read used.
        self.results_used: list[AgentResult] = []

    def eval(self, node: Node, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            self._error("SW001", "value nested too deeply", node)
            return UNDEFINED
        t = node.type
        if t == "string":
            return self._string(node)
        if t == "template_string":
            return self._template(node, depth)
        if t == "number":
            return _number(self.text(node))
        if t == "true":
            return True
        if t == "false":
            return False
        if t == "null" or t == "undefined":
            return None
        if t == "array":
            return [self.eval(c, depth + 1) for c in node.named_children if c.type != "comment"]
        if t == "object":
            return self._object(node, depth)
        if t == "parenthesized_expression":
            inner = [c for c in node.named_children if c.type != "comment"]
            return self.eval(inner[0], depth + 1) if inner else UNDEFINED
        if t == "binary_expression":
            return self._binary(node, depth)
        if t == "unary_expression":
            return self._unary(node, depth)
        if t == "identifier":
            return self._name(node)
        if t == "call_expression":
            return self._call(node, depth)
        if t in ("member_expression", "subscript_expression"):
            return self._member(node, depth)
        if t == "spread_element":
            inner = node.named_children
            return self.eval(inner[0], depth + 1) if inner else UNDEFINED
        if t == "ERROR":
            return UNDEFINED  # reported by the syntax check
        self._unsupported(node)
        return UNDEFINED

    def text(self, node: Node) -> str:
        """NODE's code as written (placeholders blanked)."""
        return self.source.node_code(node, self.row_offset)

    def call_name(self, fn: Node) -> str:
        """`Task`, `memory.store`, `new Date().toISOString` — the dotted name of a callee."""
        t = fn.type
        if t == "identifier":
            return self.text(fn)
        if t == "member_expression":
            obj = fn.child_by_field_name("object")
            prop = fn.child_by_field_name("property")
            if obj is None or prop is None:
                return self.text(fn)
            if obj.type == "new_expression":
                ctor = obj.child_by_field_name("constructor")
                base = f"new {self.text(ctor)}()" if ctor is not None else "new"
            elif obj.type in ("identifier", "member_expression"):
                base = self.call_name(obj)
            else:
                base = "?"
            return f"{base}.{self.text(prop)}"
        return ""

    # -- pieces ----------------------------------------------------------------------------------

    def _string(self, node: Node) -> str:
        raw = self.source.node_bytes(node, self.row_offset)
        if len(raw) >= 2 and raw[0] == raw[-1] and b"\\" not in raw and not node.has_error:
            # The common case, a plain string with no escapes: no need to visit its children.
            return self._checked(node, raw[1:-1].decode("utf-8", "replace"))
        parts: list[str] = []
        for child in node.children:
            ct = child.type
            if ct == "string_fragment":
                parts.append(self.text(child))
            elif ct == "escape_sequence":
                parts.append(_unescape(self.text(child)))
            elif ct == "html_character_reference":
                parts.append(self.text(child))
        return self._checked(node, "".join(parts))

    def _template(self, node: Node, depth: int) -> str:
        if self.source.literals:
            blanked = self.source.literals.get(self.source.node_start(node, self.row_offset))
            if blanked is not None:
                return self._checked(node, _line_ends(blanked))
        parts: list[str] = []
        for child in node.children:
            ct = child.type
            if ct == "string_fragment":
                parts.append(_line_ends(self.text(child)))
            elif ct == "escape_sequence":
                parts.append(_unescape(self.text(child)))
            elif ct == "template_substitution":
                inner = [c for c in child.named_children if c.type != "comment"]
                if inner:
                    parts.append(js_string(self.eval(inner[0], depth + 1)))
        return self._checked(node, "".join(parts))

    def _checked(self, node: Node, value: str) -> str:
        """VALUE, the text of NODE, after saying whether it holds a placeholder."""
        if ("..." in value or value[:1] == "<") and _PLACEHOLDER_IN_STRING.search(value):
            self._placeholder(node)
        return value

    def _object(self, node: Node, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for child in node.named_children:
            ct = child.type
            if ct == "pair":
                key_node = child.child_by_field_name("key")
                value_node = child.child_by_field_name("value")
                if key_node is None or value_node is None:
                    continue
                key = self._key(key_node, depth)
                result[key] = self.eval(value_node, depth + 1)
            elif ct == "shorthand_property_identifier":
                result[self.text(child)] = self._name(child)
            elif ct == "spread_element":
                value = self.eval(child, depth + 1)
                if isinstance(value, dict):
                    result.update(value)
            elif ct in ("comment", "ERROR"):
                continue
            else:
                self._error("SW001", f"unsupported object entry `{self.text(child)[:40]}`", child)
        return result

    def _key(self, node: Node, depth: int) -> str:
        if node.type == "string":
            return self._string(node)
        if node.type == "computed_property_name":
            inner = node.named_children
            return js_string(self.eval(inner[0], depth + 1)) if inner else ""
        return self.text(node)

    def _binary(self, node: Node, depth: int) -> Any:
        op_node = node.child_by_field_name("operator")
        left_node = node.child_by_field_name("left")
        right_node = node.child_by_field_name("right")
        if op_node is None or left_node is None or right_node is None:
            return UNDEFINED
        if op_node.type != "+":
            self._error("SW001", f"only `+` can join values, not `{op_node.type}`", op_node)
            return UNDEFINED
        # Long `a + b + c + ...` chains nest to the left: walk them without recursion.
        operands: list[Node] = [right_node]
        left = left_node
        while (
            left.type == "binary_expression"
            and (lop := left.child_by_field_name("operator")) is not None
            and lop.type == "+"
            and (lr := left.child_by_field_name("right")) is not None
            and (ll := left.child_by_field_name("left")) is not None
        ):
            operands.append(lr)
            left = ll
        operands.append(left)
        operands.reverse()
        value = self.eval(operands[0], depth + 1)
        for operand in operands[1:]:
            value = _plus(value, self.eval(operand, depth + 1))
        return value

    def _unary(self, node: Node, depth: int) -> Any:
        op_node = node.child_by_field_name("operator")
        arg = node.child_by_field_name("argument")
        if op_node is None or arg is None:
            return UNDEFINED
        value = self.eval(arg, depth + 1)
        if op_node.type == "-" and isinstance(value, int | float) and not isinstance(value, bool):
            return -value
        if op_node.type == "+" and isinstance(value, int | float):
            return value
        self._error("SW001", f"unsupported operator `{op_node.type}`", op_node)
        return UNDEFINED

    def _name(self, node: Node) -> Any:
        name = self.text(node)
        if name and name.strip(PLACEHOLDER_CHAR) == "":
            self._placeholder(node)
            return self.diags.source.text[
                self.diags.source.node_start(node, self.row_offset) : self.diags.source.node_end(
                    node, self.row_offset
                )
            ]
        if name in self.consts:
            value = self.consts[name]
            if isinstance(value, AgentResult):
                self.results_used.append(value)
            if isinstance(value, Undefined) and self.op is not None:
                self._error("SW002", f"{name} has no value: its definition has an error", node)
            return value
        if name == "undefined":
            return None
        if name in _PYTHON_LITERALS:  # (Claude Code's tools shown called in Python's notation)
            return _PYTHON_LITERALS[name]
        self._error("SW002", f"{name} is not defined", node)
        return UNDEFINED

    def _member(self, node: Node, depth: int) -> Any:
        """`member.type`, `team[0]`, `items.length` of a value the batch wrote (a `const`, or a
        loop's item): JavaScript's value, `undefined` (None) for a missing key."""
        obj = node.child_by_field_name("object")
        key: Any = None
        if node.type == "member_expression":
            prop = node.child_by_field_name("property")
            if prop is not None and prop.type == "property_identifier":
                key = self.text(prop)
        elif (index := node.child_by_field_name("index")) is not None:
            key = self.eval(index, depth + 1)
        known = obj is not None and (obj.type != "identifier" or self.text(obj) in self.consts)
        value = self.eval(obj, depth + 1) if obj is not None and key is not None and known else None
        if isinstance(value, Undefined | AgentResult):
            return value  # (any field of a result, `.content`, `.output`: the result)
        if isinstance(value, dict) and isinstance(key, str):
            return value.get(key)
        if isinstance(value, list | str):
            if key == "length":
                return len(value)
            if isinstance(key, int) and not isinstance(key, bool):
                return value[key] if 0 <= key < len(value) else None
        self._unsupported(node)
        return UNDEFINED

    def _call(self, node: Node, depth: int) -> Any:
        fn = node.child_by_field_name("function")
        args_node = node.child_by_field_name("arguments")
        name = self.call_name(fn) if fn is not None else ""
        args = (
            [c for c in args_node.named_children if c.type != "comment"]
            if args_node is not None
            else []
        )
        if name == "JSON.stringify":
            if not args:
                return "undefined"
            value = self.eval(args[0], depth + 1)
            indent: int | None = None
            if len(args) >= 3:
                spaces = self.eval(args[2], depth + 1)
                if isinstance(spaces, int) and not isinstance(spaces, bool) and spaces > 0:
                    indent = min(spaces, 10)
            return json_text(value, indent)
        if name == "Date.now":
            return int(self.now.timestamp() * 1000)
        if name in ("new Date().toISOString", "new Date().toJSON"):
            return iso_time(self.now)
        self._error(
            "SW001", f"`{name or self.text(node)[:40]}(...)` cannot be used as a value", node
        )
        return UNDEFINED

    # -- reporting -------------------------------------------------------------------------------

    def _unsupported(self, node: Node) -> None:
        snippet = self.diags.source.snippet(node, row_offset=self.row_offset)
        self._error("SW001", f"unsupported expression `{snippet}`", node)

    def _error(self, code: str, message: str, node: Node) -> None:
        self.diags.add(
            code, message, self.diags.source.node_range(node, self.row_offset), op=self.op
        )

    def _placeholder(self, node: Node) -> None:
        self.diags.add(
            "SW003",
            "placeholder left to fill in: this operation will be skipped",
            self.diags.source.node_range(node, self.row_offset),
            op=self.op,
        )


def _number(text: str) -> int | float:
    clean = text.replace("_", "").rstrip("n")
    try:
        if clean[:2].lower() in ("0x", "0o", "0b"):
            return int(clean, 0)
        if any(c in clean for c in ".eE"):
            return float(clean)
        return int(clean)
    except ValueError:
        try:
            return float(clean)
        except ValueError:
            return 0


def _unescape(seq: str) -> str:
    body = seq[1:]
    if body in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[body]
    try:
        if body.startswith("x") and len(body) == 3:
            return chr(int(body[1:], 16))
        if body.startswith("u{") and body.endswith("}"):
            code = int(body[2:-1], 16)
            return chr(code) if code <= 0x10FFFF else "\ufffd"
        if body.startswith("u") and len(body) == 5:
            code = int(body[1:], 16)
            # A lone surrogate cannot be stored as text: keep the replacement character.
            return "\ufffd" if 0xD800 <= code <= 0xDFFF else chr(code)
        if body[:1].isdigit():
            return chr(int(body, 8)) if all(c in "01234567" for c in body) else body
    except ValueError:
        return body
    return body


def _line_ends(text: str) -> str:
    """A template's text as JavaScript reads it: its line ends are `\\n`, whatever the file's
    (a batch saved on Windows told its agents `\\r\\n`)."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _plus(left: Any, right: Any) -> Any:
    if left.__class__ is str and right.__class__ is str:
        return left + right  # (the common case: instructions written over several lines)
    if isinstance(left, Undefined) or isinstance(right, Undefined):
        return UNDEFINED
    numeric = (int, float)
    if (
        isinstance(left, numeric)
        and isinstance(right, numeric)
        and not isinstance(left, bool)
        and not isinstance(right, bool)
    ):
        return left + right
    return js_string(left) + js_string(right)


def json_text(value: Any, indent: int | None) -> str:
    """VALUE as `JSON.stringify(VALUE, null, INDENT)` writes it."""
    import json  # (only JSON text needs it)

    def clean(v: Any) -> Any:
        if isinstance(v, Undefined):
            return None
        return str(v)  # (an agent's result: what it stands for, not the whole value lost)

    try:
        if indent:
            return json.dumps(value, indent=indent, ensure_ascii=False, default=clean)
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=clean)
    except (TypeError, ValueError, RecursionError):
        return "null"
