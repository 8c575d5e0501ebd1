"""`parse_batch`: batch text → `Batch` (messages, operations, dependencies, diagnostics)."""

from __future__ import annotations

import gc
import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import tree_sitter_javascript
from tree_sitter import Language, Node, Parser

from swarmtui.batch.diagnostics import CERTAIN_CODES, Diagnostics
from swarmtui.batch.models import Batch, Diagnostic, Message, NoteOp, Severity
from swarmtui.batch.operations import AnyOp, CallContext, TaskInfo, build_operation
from swarmtui.batch.scan import ScanResult, scan
from swarmtui.batch.source import Range, Source
from swarmtui.batch.values import Evaluator, call_name

JS_LANGUAGE = Language(tree_sitter_javascript.language())
_PARSER = Parser(JS_LANGUAGE)

_STATEMENT_KINDS_IGNORED = ("comment", "empty_statement", "hash_bang_line")
_SURROGATES_RE = re.compile("[\ud800-\udfff]")
_CALL_HEAD_RE = re.compile(rb"\s*([A-Za-z_$][\w$.]*)\s*\(")
# A comma with nothing before it (`f(a,, b)`, `{a: 1,, b: 2}`, `[1,, 2]`); only a hint,
# `_empty_slots` decides.
_EMPTY_SLOT_RE = re.compile(rb"[(\[{,][\s/*]*,|[(\[{,]\s*//")
_SLOT_CONTAINERS = {"arguments": "an argument", "object": "an entry", "array": "an element"}


@dataclass(slots=True)
class _Item:
    """An operation found in the text, before it is placed in a message."""

    offset: int
    row: int
    op: AnyOp
    wait: bool = False


def parse_batch(
    text: str,
    *,
    source_name: str | None = None,
    now: datetime | None = None,
    project_dir: Path | None = None,
) -> Batch:
    """Parse batch text into a `Batch`. Never raises: problems become diagnostics."""
    # Parsing allocates many small objects that all live until the end: the cyclic garbage
    # collector would scan them again and again (it doubled the time of large batches).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _Parse(_clean_text(text), source_name, now, project_dir).run()
    except Exception as exc:  # the last line of defence: a bug must not take the app down
        return Batch(
            source_name=source_name,
            diagnostics=[
                Diagnostic(
                    code="SW001",
                    severity=Severity.ERROR,
                    message=f"internal error while parsing: {type(exc).__name__}: {exc}",
                )
            ],
        )
    finally:
        if collecting:
            gc.enable()


def _clean_text(text: object) -> str:
    if isinstance(text, bytes | bytearray):
        return str(bytes(text).decode("utf-8", "replace"))
    if not isinstance(text, str):
        return ""
    # Lone surrogates cannot be encoded for tree-sitter; one replacement char keeps columns.
    if not text.isascii():
        if text.startswith("\ufeff"):
            text = " " + text[1:]  # a byte-order mark: whitespace, same column count
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = _SURROGATES_RE.sub("\ufffd", text)
    return text


class _Parse:
    def __init__(
        self, text: str, source_name: str | None, now: datetime | None, project_dir: Path | None
    ) -> None:
        self.text = text
        self.source_name = source_name
        self.now = now or datetime.now(UTC)
        self.project_dir = project_dir
        self.scanned: ScanResult = scan(text)
        self.source = Source(text, self.scanned.code)
        self.diags = Diagnostics(self.source)
        self.evaluator = Evaluator(self.diags, self.now)
        self.items: list[_Item] = []
        self.tasks: list[TaskInfo] = []
        self.op_rows: set[int] = set()
        self.syntax_ranges: list[Range] = []

    def run(self) -> Batch:
        tree = _PARSER.parse(self.source.code_bytes)
        for node, row_offset in self._statements(tree.root_node):
            self._statement(node, row_offset)
        self._notes()
        self._unproduced_calls()
        messages = self._messages()
        batch = Batch(messages=messages, source_name=self.source_name)
        # Late imports keep the dependency between modules one-way (they import the models only).
        from swarmtui.batch.dependencies import resolve
        from swarmtui.batch.lint import lint, skip_dependents

        resolve(batch, self.tasks, self.diags)
        lint(batch, self.tasks, self.diags, self.project_dir)
        for op in batch.operations():
            reason = self.diags.skip.get(op.index)
            if reason and op.skip_reason is None:
                op.skip_reason = reason
        skip_dependents(batch, self.diags)
        self._drop_uncertain()
        batch.diagnostics = sorted(
            self.diags.items, key=lambda d: (d.line, d.column, d.code, d.message)
        )
        return batch

    def _drop_uncertain(self) -> None:
        """Whole-batch checks read the arguments of every call; for a call with a syntax error
        those may be shifted (`Task("B" "Do b.")`), so only certain findings stay on it."""
        if not self.syntax_ranges:
            return

        # Calls do not overlap: the one starting last at or before a position is the only
        # candidate (a bisection keeps batches full of broken calls linear).
        ranges = sorted(self.syntax_ranges)
        starts = [(r[0], r[1]) for r in ranges]

        def inside(d: Diagnostic) -> bool:
            at = bisect_right(starts, (d.line, d.column)) - 1
            return at >= 0 and (d.line, d.column) < (ranges[at][2], ranges[at][3])

        self.diags.items = [d for d in self.diags.items if d.code in CERTAIN_CODES or not inside(d)]

    # -- statements ------------------------------------------------------------------------------

    def _statements(self, root: Node) -> list[tuple[Node, int]]:
        """Top-level statements; a broken region spanning several operations is re-parsed per
        operation so one unclosed bracket does not swallow the rest of the batch."""
        starts = self.scanned.statement_starts
        result: list[tuple[Node, int]] = []
        for node in root.children:
            if node.has_error and starts:
                first, last = node.start_point[0], node.end_point[0]
                inside = [r for r in _rows_between(starts, first, last) if r > first]
                if inside:
                    result.extend(self._reparse(first, last, inside))
                    continue
            result.append((node, 0))
        return result

    def _reparse(self, first: int, last: int, inside: list[int]) -> list[tuple[Node, int]]:
        bounds = [first, *inside, last + 1]
        lines = self.source.lines
        out: list[tuple[Node, int]] = []
        for a, b in pairwise(bounds):
            chunk = "\n".join(lines[a:b]).encode("utf-8")
            tree = _PARSER.parse(chunk)
            out.extend((child, a) for child in tree.root_node.children)
        return out

    def _statement(self, node: Node, row_offset: int) -> None:
        t = node.type
        if t in _STATEMENT_KINDS_IGNORED:
            return
        self.evaluator.row_offset = row_offset
        if t in ("lexical_declaration", "variable_declaration"):
            self._declaration(node, row_offset)
            return
        if t == "expression_statement":
            expr = next((c for c in node.named_children if c.type != "comment"), None)
            while expr is not None and expr.type in (
                "await_expression",
                "parenthesized_expression",
            ):
                expr = next((c for c in expr.named_children if c.type != "comment"), None)
            if expr is not None and expr.type == "call_expression":
                self._call(expr, row_offset)
                return
            if expr is not None and expr.type == "sequence_expression":
                calls = [c for c in expr.named_children if c.type == "call_expression"]
                if len(calls) == len(expr.named_children):
                    for call in calls:
                        self._call(call, row_offset)
                    return
        if node.has_error:
            self._syntax_errors(node, row_offset, None)
            return
        rng = self.source.node_range(node, row_offset)
        if _is_placeholder(node):
            self.diags.add("SW003", "placeholder left to fill in: it is not an operation", rng)
            return
        self.diags.add(
            "SW001",
            f"not an operation: `{self.source.snippet(node, row_offset=row_offset)}` "
            "(expected a call such as Task(...))",
            rng,
        )

    def _declaration(self, node: Node, row_offset: int) -> None:
        self.evaluator.op = None
        if node.has_error:
            self._syntax_errors(node, row_offset, None)
        for decl in node.named_children:
            if decl.type != "variable_declarator":
                continue
            name_node = decl.child_by_field_name("name")
            value_node = decl.child_by_field_name("value")
            if name_node is None or name_node.type != "identifier":
                continue
            name = (name_node.text or b"").decode("utf-8", "replace")
            value = self.evaluator.eval(value_node) if value_node is not None else None
            self.evaluator.consts[name] = value

    def _call(self, call: Node, row_offset: int) -> None:
        index = len(self.items)
        fn = call.child_by_field_name("function")
        args_node = call.child_by_field_name("arguments")
        name = call_name(fn) if fn is not None else ""
        rng = self.source.node_range(call, row_offset)
        args = (
            _arguments(args_node) if args_node is not None and args_node.type == "arguments" else []
        )
        if call.has_error:
            self._syntax_errors(call, row_offset, index)
        elif args_node is not None and _EMPTY_SLOT_RE.search(args_node.text or b""):
            self._empty_slots(args_node, row_offset, index)
        if args_node is not None and args_node.type == "template_string":
            self.diags.add("SW001", "call operations with (...), not a template", rng, op=index)
        self.evaluator.op = index
        ctx = CallContext(
            self.diags, self.evaluator, row_offset, index, rng, call, args, self.tasks
        )
        if not name:
            where = self.source.node_range(fn, row_offset) if fn is not None else rng
            self.diags.add(
                "SW001",
                "cannot tell which operation this is (one operation per line, named like Task)",
                where,
                op=index,
            )
        op = build_operation(name, ctx)
        self.evaluator.op = None
        if index in self.diags.syntax_ops:
            self.syntax_ranges.append(rng)
        row = rng[0] - 1
        self.op_rows.add(row)
        self.items.append(_Item(self.source.node_start(call, row_offset), row, op))

    def _syntax_errors(self, node: Node, row_offset: int, op: int | None) -> None:
        """SW001 at the first ERROR or MISSING node under `node` (iteratively: no recursion)."""
        stack = [node]
        while stack:
            cur = stack.pop()
            if cur.is_missing:
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
                    self._unexpected(following, row_offset, op)
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
                    m := _CALL_HEAD_RE.match(cur.text or b"")
                ):
                    # The statement itself is the error: most often a call left unfinished.
                    name = m.group(1).decode("utf-8", "replace")
                    message = f"syntax error: `{name}(` is not finished (missing `)` or a quote?)"
                self.diags.add("SW001", message, rng, op=op)
                return
            if cur.has_error:
                stack.extend(reversed(cur.children))

    def _unexpected(self, token: Node, row_offset: int, op: int | None) -> None:
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

    def _empty_slots(self, args_node: Node, row_offset: int, op: int) -> None:
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

    # -- lines -----------------------------------------------------------------------------------

    def _notes(self) -> None:
        for row, info in enumerate(self.scanned.lines):
            if info.kind not in ("note", "wait"):
                continue
            rng = self.source.line_range(row)
            wait = info.kind == "wait"
            skip_reason: str | None = None
            if info.call_like:
                # Issue 2: a line that starts like an operation must not pass as prose.
                message = (
                    f"`{info.text[:40]}` looks like a call to {info.call_like} but is not one "
                    f"(write {info.call_like}(...) with parentheses)"
                )
                self.diags.add("SW001", message, rng)
                skip_reason = f"SW001: {message}"
            else:
                message = (
                    "[Wait for completion]: starts a new message"
                    if wait
                    else f"not an operation, kept as a note: {info.text[:60]}"
                )
                self.diags.add("SW015", message, rng)
            op = NoteOp(
                index=0,
                line=rng[0],
                column=rng[1],
                end_line=rng[2],
                end_column=rng[3],
                text=info.text,
                skip_reason=skip_reason,
            )
            self.items.append(_Item(self.source.line_starts[row] + rng[1] - 1, row, op, wait))

    def _unproduced_calls(self) -> None:
        syntax_rows = {d.line - 1 for d in self.diags.items if d.code == "SW001"}
        for row, info in enumerate(self.scanned.lines):
            if info.call_start and row not in self.op_rows and row not in syntax_rows:
                self.diags.add(
                    "SW001",
                    "this line looks like an operation but none could be read from it",
                    self.source.line_range(row),
                )

    # -- messages --------------------------------------------------------------------------------

    def _messages(self) -> list[Message]:
        self.items.sort(key=lambda it: it.offset)
        # Indices follow the text; diagnostics already recorded used the call order, which is
        # the same order for calls, so only notes need their index set here.
        remap: dict[int, int] = {}
        for new, item in enumerate(self.items):
            if not isinstance(item.op, NoteOp) or item.op.skip_reason is not None:
                remap[item.op.index] = new
            item.op.index = new
        self.diags.skip = {remap[k]: v for k, v in self.diags.skip.items() if k in remap}

        by_row: dict[int, list[_Item]] = {}
        for item in self.items:
            by_row.setdefault(item.row, []).append(item)
        messages: dict[int, Message] = {}
        current: int | None = None
        new_pending = False
        held: list[_Item] = []

        def open_message(idx: int, title: str | None, line: int) -> None:
            nonlocal held
            if idx not in messages:
                messages[idx] = Message(index=idx, title=title, line=line)
            elif title and not messages[idx].title:
                messages[idx].title = title
            for it in held:
                messages[idx].operations.append(it.op)
            held = []

        for row, info in enumerate(self.scanned.lines):
            if info.kind == "header":
                idx = info.number or (max(messages) + 1 if messages else 1)
                open_message(idx, info.title, row + 1)
                current, new_pending = idx, False
            for item in by_row.get(row, ()):
                if isinstance(item.op, NoteOp) and item.op.skip_reason is None:
                    if current is None or new_pending:
                        held.append(item)
                    else:
                        messages[current].operations.append(item.op)
                    if item.wait:
                        new_pending = True
                    continue
                if info.kind == "prefix" and info.number is not None:
                    target = info.number
                    open_message(target, None, row + 1)
                    messages[target].operations.append(item.op)
                    continue
                if current is None or new_pending:
                    # Before any header: message 1; after [Wait for completion]: a new one.
                    current = max(messages) + 1 if messages and new_pending else 1
                    open_message(current, None, row + 1)
                    new_pending = False
                messages[current].operations.append(item.op)
            if info.kind == "prefix" and not info.call_start and row not in by_row:
                assert info.number is not None
                open_message(info.number, None, row + 1)
                current, new_pending = info.number, False
        if held:
            target = current if current is not None else (max(messages) if messages else 1)
            if target not in messages:
                open_message(target, None, held[0].row + 1)
            else:
                messages[target].operations.extend(it.op for it in held)
        message_of = {id(op): idx for idx, msg in messages.items() for op in msg.operations}
        for task in self.tasks:
            task.message = message_of.get(id(task.op), 0)
        return [messages[k] for k in sorted(messages)]


def _arguments(args_node: Node) -> list[Node]:
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


def _rows_between(starts: list[int], first: int, last: int) -> list[int]:
    from bisect import bisect_left, bisect_right

    return starts[bisect_left(starts, first) : bisect_right(starts, last)]


def op_range(op: AnyOp) -> Range:
    return op.line, op.column, op.end_line, op.end_column


def _is_placeholder(node: Node) -> bool:
    """A statement that is only `...` or `{...}` (blanked to `$` identifiers by the scanner)."""
    expr = (
        node.named_children[0]
        if node.type == "expression_statement" and node.named_children
        else None
    )
    text = expr.text if expr is not None and expr.type == "identifier" else None
    return bool(text) and text.strip(b"$") == b""  # type: ignore[union-attr]
