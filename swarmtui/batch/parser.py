"""`parse_batch`: batch text → `Batch` (messages, operations, dependencies, diagnostics)."""

from __future__ import annotations

import gc
import re
import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import tree_sitter_javascript
from tree_sitter import Language, Node, Parser

from swarmtui import gc_policy
from swarmtui.batch import fences
from swarmtui.batch.calls import CallContext, TaskInfo
from swarmtui.batch.diagnostics import CERTAIN_CODES, NOTE_LINE, Diagnostics
from swarmtui.batch.forms import LineForm
from swarmtui.batch.loops import (
    EACH_ITEM,
    MAX_LOOP_OPERATIONS,
    Binding,
    bound,
    callback_binding,
    for_of_binding,
    label,
    literal_items,
)
from swarmtui.batch.messages import Item, group_messages
from swarmtui.batch.models import (
    Batch,
    Diagnostic,
    NoteOp,
    Severity,
    SwarmInitOp,
    TaskOp,
    ToolOp,
)
from swarmtui.batch.names import AGENT_TOOLS, PI_SUBAGENT, reads_as_operation
from swarmtui.batch.operations import build_operation
from swarmtui.batch.pasted import CURLY_QUOTES
from swarmtui.batch.paths import slug
from swarmtui.batch.scan import ScanResult, scan
from swarmtui.batch.source import Range, Source
from swarmtui.batch.syntax import EMPTY_SLOT_RE, SyntaxReporter, arguments
from swarmtui.batch.team_tasks import TeamTasks, link_team_tasks
from swarmtui.batch.values import AgentResult, Evaluator

JS_LANGUAGE = Language(tree_sitter_javascript.language())
# One tree-sitter parser, which must never parse in two threads at once (that crashes the
# interpreter): `parse_batch` holds this lock, so any thread may call it.
_PARSER = Parser(JS_LANGUAGE)
_LOCK = threading.Lock()
# Tree-sitter's time for one text, all its pieces together, in seconds of this thread's CPU
# (what other processes or threads do does not count). No batch comes near it (2,000 agents:
# 0.04 s; a 5 MB batch holding a 4.8 MB file: under 1 s), while garbled text can take minutes:
# tree-sitter's error recovery slows down with the size of what is broken (1 MB of random
# characters took 11 s). Past it the rest of the text is not read, and a diagnostic says so.
PARSE_SECONDS = 3.0
_READ_BYTES = 1 << 20  # what tree-sitter is handed at a time
# Parses of more bytes than this are watched and stopped when the time is spent; smaller ones
# take a second at worst, and the time they took counts all the same.
_WATCHED_ABOVE = 128 * 1024

# (A bare `;` is one a note line was given, where tree-sitter recovers from an error.)
_STATEMENT_KINDS_IGNORED = ("comment", "empty_statement", "hash_bang_line", ";")
_SURROGATES_RE = re.compile("[\ud800-\udfff]")
_LONE_CR_RE = re.compile("\r(?!\n)")
# Unicode's line and paragraph separators and NEL: line ends (see `_clean_text`).
_LINE_ENDS = str.maketrans(dict.fromkeys("\u2028\u2029\x85", "\n"))
# Calls whose arguments are operations sent together: `await Promise.all([Task(...), ...])`.
_WRAPPERS = frozenset({"Promise.all", "Promise.allSettled", "Promise.race", "Promise.any"})
# Methods that loop over data: swarmtui does not run JavaScript, so it cannot unroll them.
_LOOPS = frozenset({"forEach", "map", "flatMap", "filter", "reduce", "some", "every", "for"})
_FUNCTIONS = ("arrow_function", "function_expression", "function", "generator_function")


def parse_batch(
    text: str,
    *,
    source_name: str | None = None,
    now: datetime | None = None,
    project_dir: Path | None = None,
) -> Batch:
    """Parse batch text into a `Batch`. Never raises: problems become diagnostics. Safe to call
    from several threads (one parse runs at a time)."""
    # Parsing allocates many small objects that all live until the end: the cyclic garbage
    # collector would scan them again and again (it doubled the time of large batches).
    with _LOCK, gc_policy.paused():
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


def _clean_text(text: object) -> str:
    if isinstance(text, bytes | bytearray):
        return str(bytes(text).decode("utf-8", "replace"))
    if not isinstance(text, str):
        return ""
    if "\r" in text:
        # A carriage return not followed by a line feed ends a line too, as in the editor (and
        # Python's splitlines): old Mac files and some clipboards end lines so, and CR LF
        # converted twice gives `\r\r\n` (a line, then an empty one). Same length: columns stay.
        text = _LONE_CR_RE.sub("\n", text)
    # Lone surrogates cannot be encoded for tree-sitter; one replacement char keeps columns.
    if not text.isascii():
        if text.startswith("\ufeff"):
            text = " " + text[1:]  # a byte-order mark: whitespace, same column count
        if "\u2028" in text or "\u2029" in text or "\x85" in text:
            # Unicode's line and paragraph separators (a word processor's soft line break, a
            # web page's text) and NEL (text from EBCDIC systems) end a line too, as in the
            # editor (and Python's splitlines). One character for one: columns stay.
            text = text.translate(_LINE_ENDS)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = _SURROGATES_RE.sub("\ufffd", text)
    return text


# claude-flow's tool spawning several agents at once: each item is an `agent_spawn`.
_SPAWN_PARALLEL = "agents_spawn_parallel"


# The name of a call a statement starts with.
_TOOL_CALL_HEAD_RE = re.compile(rb"\s*([A-Za-z_$][\w$]*)\s*\(")
# A call inside another's arguments.
_INNER_CALL_RE = re.compile(rb"(?<![\w$.])([A-Za-z_$][\w$-]*)\s*\(")
# Recorded tools whose arguments matter to the run all the same.
_ORDERING_TOOLS = frozenset({"TaskUpdate"})


def _only_recorded(name: str) -> bool:
    """Whether a call of NAME is only recorded, whatever its arguments say."""
    return name in AGENT_TOOLS and name not in _ORDERING_TOOLS


class _Parse:
    def __init__(
        self, text: str, source_name: str | None, now: datetime | None, project_dir: Path | None
    ) -> None:
        self.text = text
        self.source_name = source_name
        self.now = now or datetime.now(UTC)
        self.project_dir = project_dir
        self.scanned: ScanResult = scan(text)
        self.quotes = self.scanned.quotes  # (curly quotes read as strings, not said yet)
        self.source = Source(text, self.scanned.code, self.scanned.literals)
        self.diags = Diagnostics(self.source)
        self.syntax = SyntaxReporter(self.source, self.diags)
        self.evaluator = Evaluator(self.diags, self.now)
        self.items: list[Item] = []
        self.tasks: list[TaskInfo] = []
        self.team = TeamTasks()
        self.op_rows: set[int] = set()
        self.syntax_ranges: list[Range] = []
        self._known: frozenset[str] | None = None
        self.parse_seconds_left = PARSE_SECONDS
        self.stopped: Diagnostic | None = None  # where reading stopped, out of time
        self._loop_base: int | None = None  # operations before the outermost loop being read
        # The last line (1-based) where a statement that is not an operation had its SW001: one
        # starting on it is the same problem (`, a`: unexpected `,`, then `a`), not said again.
        self.error_row = 0
        # Calls of tools only recorded whose arguments could not be read (`_recorded_tool_errors`).
        self.sketched = 0
        # `await Task(...)` as a statement: JavaScript runs what follows it once it is done. The
        # agents of the last such statement of the block being read, the row it ends on (what
        # is read after a line that is not code, such as another block, is not ordered by it),
        # and each agent read after it with them, to wait for within its message.
        self.awaited: list[TaskInfo] = []
        self.awaited_row = 0
        self.awaited_line = 0  # (1-based, where its `await` is)
        self.after_await: list[tuple[TaskInfo, list[TaskInfo], int]] = []

    def run(self) -> Batch:
        pieces = self._pieces()
        for first, last in pieces:
            try:
                self._piece(first, last)
            except _OutOfTime:
                self._stop_reading(first)
                break
            if len(pieces) > 1:
                # The collector is off while parsing (see parse_batch), but a piece's syntax
                # tree and its nodes refer to each other: free them before the next piece.
                gc.collect(0)
        self._command_lines()
        said = -1
        for start, end in self.quotes:  # (in code that is not an operation: said all the same)
            row = self.source.position(start)[0] - 1
            if row != said and self.scanned.lines[row].kind == "code":
                self._curly_quotes(start, end, None)
                said = row
        self._notes()
        self._unproduced_calls()
        self._settle_spawns()
        self._yield_type_names()
        messages = group_messages(self.items, self.scanned.lines, self.diags, self.tasks)
        batch = Batch(messages=messages, source_name=self.source_name)
        # Late imports keep the dependency between modules one-way (they import the models only).
        from swarmtui.batch.dependencies import resolve
        from swarmtui.batch.lint import lint, nothing_runnable, skip_dependents

        link_team_tasks(batch, self.tasks, self.team, self.diags)
        self._after_awaits()
        resolve(batch, self.tasks, self.diags)
        lint(batch, self.tasks, self.diags, self.project_dir)
        for op in batch.operations():
            reason = self.diags.skip.get(op.index)
            if reason and op.skip_reason is None:
                op.skip_reason = reason
        skip_dependents(batch, self.diags)
        nothing_runnable(batch, self.diags)
        self._drop_uncertain()
        batch.diagnostics, batch.diagnostics_dropped = self.diags.final()
        if self.stopped is not None and self.stopped not in batch.diagnostics:
            kept = batch.diagnostics  # (kept whatever the cap: it says what was not read)
            at = next(
                (
                    i
                    for i, d in enumerate(kept)
                    if d.code == "SW022" or (d.line, d.column) > (self.stopped.line, 1)
                ),
                len(kept),
            )
            kept.insert(at, self.stopped)
        return batch

    def _stop_reading(self, row: int) -> None:
        """Out of time at ROW (0-based): nothing from it on is read, not even its notes."""
        rows = len(self.scanned.lines)
        del self.scanned.lines[row:]
        self.stopped = Diagnostic(
            code="SW001",
            severity=Severity.ERROR,
            message=(
                f"reading stopped here: parsing took more than {PARSE_SECONDS:g} s, which no "
                f"batch does (is this one?); lines {row + 1}-{rows} were not read"
            ),
            line=row + 1,
            column=1,
            end_line=row + 1,
            end_column=1,
        )
        self.diags.items.append(self.stopped)  # (an error: the whole-batch checks see it)

    def known_types(self) -> frozenset[str]:
        if self._known is None:
            from swarmtui.batch.agent_types import known_type_names

            self._known = known_type_names(self.project_dir)[0]
        return self._known

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

    def _piece(self, first: int, last: int) -> None:
        tree = self._parse_rows(first, last)
        for node, row_offset in self._statements(tree.root_node, first):
            self._statement(node, row_offset)

    def _pieces(self) -> list[tuple[int, int]]:
        """Row ranges [first, last) parsed separately: the whole text, unless it is big."""
        bounds = [0, *self.scanned.cuts, len(self.source.lines)]
        return list(pairwise(bounds))

    def _parse_rows(self, first: int, last: int) -> Any:
        if first == 0 and last == len(self.source.lines):
            return self._tree(self.source.code_bytes)
        return self._tree("\n".join(self.source.lines[first:last]).encode("utf-8"))

    def _tree(self, data: bytes) -> Any:
        """Tree-sitter's tree of DATA; `_OutOfTime` once the text's time is spent."""
        if self.parse_seconds_left <= 0:
            raise _OutOfTime
        started = time.thread_time()
        try:
            if len(data) <= _WATCHED_ABOVE:
                return _PARSER.parse(data)  # (small: it cannot take long, nothing to stop)
            return _watched_parse(data, started + self.parse_seconds_left)
        finally:
            self.parse_seconds_left -= time.thread_time() - started

    def _statements(self, root: Node, offset: int) -> list[tuple[Node, int]]:
        """Top-level statements; a broken region spanning several operations is re-parsed per
        operation so one unclosed bracket does not swallow the rest of the batch."""
        starts = self.scanned.statement_starts
        result: list[tuple[Node, int]] = []
        for node in root.children:
            if node.has_error and starts:
                first, last = node.start_point[0] + offset, node.end_point[0] + offset
                inside = [
                    r for r in starts[bisect_left(starts, first) : bisect_right(starts, last)]
                ]
                inside = [r for r in inside if r > first]
                if inside:
                    column = self.source.char_column(first, node.start_point[1])
                    result.extend(self._reparse(first, last, inside, column))
                    continue
            result.append((node, offset))
        return result

    def _reparse(
        self, first: int, last: int, inside: list[int], column: int
    ) -> list[tuple[Node, int]]:
        """Rows FIRST to LAST again, cut where operations start; what the FIRST row holds
        before COLUMN is a statement already read (`x: y Task(...)`), blanked."""
        bounds = [first, *inside, last + 1]
        lines = self.source.lines
        out: list[tuple[Node, int]] = []
        for a, b in pairwise(bounds):
            rows = lines[a:b]
            if a == first and column:
                head = rows[0][:column]  # (as many bytes: tree-sitter's columns stay right)
                rows = [" " * len(head.encode("utf-8")) + rows[0][column:], *rows[1:]]
            chunk = "\n".join(rows).encode("utf-8")
            tree = self._tree(chunk)
            out.extend((child, a) for child in tree.root_node.children)
        return out

    def _statement(self, node: Node, row_offset: int) -> None:
        if node.type in _STATEMENT_KINDS_IGNORED:
            return
        row = node.start_point[0] + row_offset
        if self.awaited and any(
            self.scanned.lines[r].kind not in ("code", "blank")
            for r in range(self.awaited_row + 1, min(row, len(self.scanned.lines)))
        ):
            self.awaited = []
        tasks = len(self.tasks)
        self._read_statement(node, row_offset)
        # (Claude Code's Task returns once its agent is done; claude-flow's `agent_spawn` once
        # the agent is spawned, which orders nothing)
        awaited = [t for t in self.tasks[tasks:] if not t.spawned]
        if awaited and _awaits(node):
            self.awaited = awaited
            self.awaited_row = node.end_point[0] + row_offset
            self.awaited_line = row + 1
        elif self.awaited:
            self.awaited_row = max(self.awaited_row, node.end_point[0] + row_offset)

    def _read_statement(self, node: Node, row_offset: int) -> None:
        t = node.type
        self.evaluator.row_offset = row_offset
        if t in ("lexical_declaration", "variable_declaration"):
            self._declaration(node, row_offset)
            return
        if t in ("expression_statement", "return_statement"):
            expr = _first_named(node)
            said, sketched = len(self.diags.items), self.sketched
            if expr is not None and self._expression(expr, row_offset, top=True):
                if (
                    node.has_error
                    and sketched == self.sketched  # (its errors were a sketch's: said so)
                    and all(d.code != "SW001" for d in self.diags.items[said:])
                ):
                    # Operations were read from it, yet tree-sitter could not make sense of all
                    # of it (a line that is not code between two calls): what was lost is said.
                    self.syntax.errors(node, row_offset, None)
                return
        if t == "for_in_statement" and self._for_of(node, row_offset):
            return
        if self.diags.full():
            return  # (not an operation: only a diagnostic, which would not be kept)
        if node.start_point[0] + row_offset < self.error_row:
            return  # (its line has its error already: `, a` is one problem, said at the `,`)
        said = len(self.diags.items)
        self._not_an_operation(node, row_offset)
        for d in self.diags.items[said:]:
            if d.code == "SW001":
                self.error_row = max(self.error_row, d.line)

    def _not_an_operation(self, node: Node, row_offset: int) -> None:
        if node.has_error:
            said = len(self.diags.items)
            self.syntax.errors(node, row_offset, None)
            head = _TOOL_CALL_HEAD_RE.match(self.source.node_bytes(node, row_offset))
            if head is not None:
                name = head.group(1).decode("utf-8", "replace")
                self._recorded_tool_errors(name, node, row_offset, said)
            return
        # (The expression, not its statement: that may end on the `;` a note line was given.)
        shown = (_first_named(node) if node.type == "expression_statement" else None) or node
        rng = self.source.node_range(shown, row_offset)
        if _is_placeholder(node, self.source, row_offset):
            self.diags.add("SW003", "placeholder left to fill in: it is not an operation", rng)
            return
        self.diags.add(
            "SW001",
            f"not an operation: `{self.source.snippet(shown, row_offset=row_offset)}` "
            "(expected a call such as Task(...))",
            rng,
        )

    def _recorded_tool_errors(self, name: str, node: Node, row_offset: int, said: int) -> None:
        """A call of NAME, a tool only recorded, never run (`AskUserQuestion([... up to 4
        options ...])`, as GSD's workflows sketch its options): what could not be read of its
        arguments changes nothing that runs, so its syntax errors (from SAID on) are one note,
        not errors that fail the session. (Not `TaskUpdate`: its `addBlockedBy` orders agents.)"""
        if not _only_recorded(name):
            return
        written = self.source.node_bytes(node, row_offset)
        head = _TOOL_CALL_HEAD_RE.match(written)
        inside = written[head.end() :] if head is not None else written
        if any(
            reads_as_operation(m.group(1).decode("utf-8", "replace"))
            for m in _INNER_CALL_RE.finditer(inside)
        ):
            return  # (an operation was swallowed by what could not be read: an error it stays)
        errors = [d for d in self.diags.items[said:] if d.code == "SW001"]
        if not errors:
            return
        self.sketched += 1
        self.diags.items[said:] = [d for d in self.diags.items[said:] if d.code != "SW001"]
        first = errors[0]
        self.diags.add(
            "SW018",
            f"what {name}'s arguments sketch could not be read ({first.message}): {name} is "
            "not run, so nothing is lost",
            self.source.node_range(node, row_offset),
        )

    def _expression(self, expr: Node, row_offset: int, *, top: bool) -> bool:
        """Record the operations EXPR holds, directly or inside JavaScript wrappers (arrays,
        `await Promise.all([...])`, `async () => {...}`, `r = Task(...)`); False when it holds
        none and nothing was recorded. At the TOP of a statement any call is an operation."""
        while expr.type in ("await_expression", "parenthesized_expression", "spread_element"):
            inner = _first_named(expr)
            if inner is None:
                return False
            expr = inner
        t = expr.type
        if t == "call_expression":
            return self._call_or_wrapper(expr, row_offset, top=top)
        if t in ("sequence_expression", "array"):
            found = False
            for child in expr.named_children:
                if child.type != "comment":
                    found = self._expression(child, row_offset, top=top) or found
            return found
        if t in _FUNCTIONS:
            return self._function(expr, row_offset)
        if t == "subscript_expression":
            # `Task(...)` then `[ Bash(...), Bash(...) ]` on the next line: JavaScript reads one
            # subscript (no semicolon is inserted before `[`); people mean two statements.
            found = False
            for part in ("object", "index"):
                inside = expr.child_by_field_name(part)
                if inside is not None:
                    found = self._expression(inside, row_offset, top=top) or found
            return found
        if t == "assignment_expression":
            form = self._form_at(expr, row_offset, "parenless")
            right = expr.child_by_field_name("right")
            if form is not None and right is not None:
                self._parenless(expr, right, form, row_offset)
                return True
            return right is not None and self._expression(right, row_offset, top=False)
        if t == "identifier":
            form = self._form_at(expr, row_offset, "bare")
            if form is not None:
                self._emit(form.name, [], expr, row_offset, start=form.name_start)
                return True
        return False

    def _call_or_wrapper(self, call: Node, row_offset: int, *, top: bool) -> bool:
        fn = call.child_by_field_name("function")
        name = self._callee(fn, row_offset)
        if name and reads_as_operation(name):
            self._call(call, row_offset, name)
            return True
        if fn is not None and fn.type == "member_expression":
            prop = fn.child_by_field_name("property")
            method = self.source.node_code(prop, row_offset) if prop is not None else ""
            if method in _LOOPS and _holds_operations(call, self, row_offset):
                if not self._unroll_call(call, fn, method, row_offset):
                    self._loop(call, name, row_offset)
                return True
        if name not in _WRAPPERS and not _holds_operations(call, self, row_offset):
            if top:
                self._call(call, row_offset, name)
                return True
            return False
        before = len(self.items)
        if fn is not None and fn.type != "identifier":
            self._expression(fn, row_offset, top=False)
        args_node = call.child_by_field_name("arguments")
        if args_node is not None and args_node.type == "arguments":
            for arg in arguments(args_node):
                self._expression(arg, row_offset, top=name in _WRAPPERS)
        if len(self.items) > before:
            self.op_rows.add(call.start_point[0] + row_offset)
            return True
        return False

    def _function(self, fn: Node, row_offset: int) -> bool:
        body = fn.child_by_field_name("body")
        if body is None:
            return False
        before = len(self.items)
        # (what its body awaits orders its body, not what follows the function)
        awaited, awaited_row, awaited_line = self.awaited, self.awaited_row, self.awaited_line
        if body.type == "statement_block":
            for child in body.named_children:
                self._statement(child, row_offset)
        else:
            self._expression(body, row_offset, top=True)
        self.awaited, self.awaited_row, self.awaited_line = awaited, awaited_row, awaited_line
        return len(self.items) > before

    def _unroll_call(self, call: Node, fn: Node, method: str, row_offset: int) -> bool:
        """`team.forEach(m => Task(...))` over items the batch wrote: read once per item."""
        if method not in EACH_ITEM:
            return False
        args_node = call.child_by_field_name("arguments")
        args = arguments(args_node) if args_node is not None else []
        if not args or args[0].type not in _FUNCTIONS:
            return False
        binding = callback_binding(args[0], self.evaluator)
        over = fn.child_by_field_name("object")
        items = literal_items(over, self.evaluator) if binding is not None else None
        if binding is None or items is None:
            return False
        callback = args[0]
        return self._unroll(
            call, over, items, binding, lambda: self._function(callback, row_offset), row_offset
        )

    def _for_of(self, node: Node, row_offset: int) -> bool:
        """`for (const m of team) { Task(...) }`: read once per item when the batch wrote the
        items; otherwise said (SW019). False when the loop holds no operation."""
        body = node.child_by_field_name("body")
        if body is None or not _holds_operations(body, self, row_offset):
            return False
        binding = for_of_binding(node, self.evaluator)
        over = node.child_by_field_name("right")
        items = literal_items(over, self.evaluator) if binding is not None else None

        def read_body() -> None:
            assert body is not None
            children = body.named_children if body.type == "statement_block" else [body]
            for child in children:
                self._statement(child, row_offset)

        if (
            binding is None
            or items is None
            or not self._unroll(node, over, items, binding, read_body, row_offset)
        ):
            self._loop(node, "for", row_offset)
        return True

    def _unroll(
        self,
        loop: Node,
        over: Node | None,
        items: list[Any],
        binding: Binding,
        read_body: Callable[[], object],
        row_offset: int,
    ) -> bool:
        """Read the loop's body once per item; said in a note (SW025). False (nothing kept)
        when the body made no operation."""
        ops_before, diags_before = len(self.items), len(self.diags.items)
        tasks_before, syntax_before = len(self.tasks), len(self.syntax_ranges)
        outermost = self._loop_base is None
        if outermost:
            self._loop_base = ops_before
        try:
            with bound(self.evaluator, binding) as bind:
                for index, item in enumerate(items):
                    bind(index, item)
                    read_body()
                    if len(self.items) - (self._loop_base or 0) > MAX_LOOP_OPERATIONS:
                        raise _TooManyOperations
        except _TooManyOperations:
            if not outermost:
                raise
            # Nothing of it is kept: a loop read in part would run in part.
            del self.items[ops_before:], self.tasks[tasks_before:]
            del self.diags.items[diags_before:], self.syntax_ranges[syntax_before:]
            for index in [i for i in self.diags.skip if i >= ops_before]:
                del self.diags.skip[index]
            self.diags.syntax_ops = {i for i in self.diags.syntax_ops if i < ops_before}
            self.diags.add(
                "SW001",
                f"this loop makes more than {MAX_LOOP_OPERATIONS:,} operations, which no batch "
                "written by hand does: it is not read",
                self.source.node_range(loop, row_offset),
            )
            return True
        finally:
            if outermost:
                self._loop_base = None
        # The body's diagnostics are the same for every item: each is kept once.
        seen: set[tuple[str, str, int, int]] = set()
        kept = self.diags.items[:diags_before]
        for d in self.diags.items[diags_before:]:
            key = (d.code, d.message, d.line, d.column)
            if key not in seen:
                seen.add(key)
                kept.append(d)
        self.diags.items = kept
        made = len(self.items) - ops_before
        if made == 0 and items:
            return False
        rng = self.source.node_range(loop, row_offset)
        self.op_rows.add(rng[0] - 1)
        over_label = label(over, self.evaluator)
        said = (
            f"a loop over the {len(items)} items of {over_label}: its operations are read once "
            f"per item ({made} operations)"
            if items
            else f"a loop over {over_label}, which holds no item: it makes no operation"
        )
        self.diags.add("SW025", said, (rng[0], rng[1], rng[0], rng[1] + 3))
        return True

    def _loop(self, call: Node, name: str, row_offset: int) -> None:
        """`agents().forEach(m => agent_spawn({...}))`: a loop over data the batch does not
        write, which swarmtui cannot read without running JavaScript."""
        if name == "for":
            shown = "for (...) {...}"
        else:
            fn = call.child_by_field_name("function")
            written = " ".join(self.source.snippet(fn, 40, row_offset).split()) if fn else ""
            shown = f"{written if not name or name.startswith('?') else name}(...)"
        message = (
            f"`{shown}` runs operations in a JavaScript loop over data the batch "
            "does not write (swarmtui does not run JavaScript): write the items as an array, "
            "or one operation per item"
        )
        self._skipped_note(call, "SW019", message, row_offset)

    def _skipped_note(self, node: Node, code: str, message: str, row_offset: int) -> None:
        """NODE, which reads like an operation but cannot be read as one: said (CODE) and kept
        in its place as a note that is skipped for that reason."""
        rng = self.source.node_range(node, row_offset)
        self.diags.add(code, message, rng)
        op = NoteOp(
            index=len(self.items),
            line=rng[0],
            column=rng[1],
            end_line=rng[2],
            end_column=rng[3],
            text=" ".join(self.source.snippet(node, 60, row_offset).split()),
            skip_reason=f"{code}: {message}",
        )
        self._add(op, self.source.node_start(node, row_offset), rng)

    def _declaration(self, node: Node, row_offset: int) -> None:
        self.evaluator.op = None
        if node.has_error:
            self.syntax.errors(node, row_offset, None)
        for decl in node.named_children:
            if decl.type != "variable_declarator":
                continue
            name_node = decl.child_by_field_name("name")
            value_node = decl.child_by_field_name("value")
            if value_node is not None and _holds_operations(value_node, self, row_offset):
                # `const r = await Task(...)`: the operation runs; r stands for its agent's
                # result, which another agent's instructions may use.
                tasks = len(self.tasks)
                self._expression(value_node, row_offset, top=True)
                if name_node is not None:
                    self._bind_results(name_node, [t.op for t in self.tasks[tasks:]], row_offset)
                continue
            if name_node is None or name_node.type != "identifier":
                continue
            name = self.source.node_code(name_node, row_offset)
            value = self.evaluator.eval(value_node) if value_node is not None else None
            self.evaluator.consts[name] = value

    def _bind_results(self, target: Node, spawned: list[TaskOp], row_offset: int) -> None:
        """`const r = await Task(...)`, `const [a, b] = await Promise.all([Task(...), ...])`:
        each name stands for its agent's result. Unless there is one agent per name, the names
        stay without a value (using one is an unsupported expression, SW001)."""
        if target.type == "identifier":
            names = [target]
        elif target.type == "array_pattern":
            names = list(target.named_children)
        else:
            return
        if len(names) != len(spawned):
            return
        for node, op in zip(names, spawned, strict=True):
            if node.type == "identifier":
                name = self.source.node_code(node, row_offset)
                self.evaluator.consts[name] = AgentResult(name, op)

    # -- calls -----------------------------------------------------------------------------------

    def _callee(self, fn: Node | None, row_offset: int) -> str:
        """The callee's name as written: `mcp__claude-flow__x` keeps its dashes."""
        if fn is None:
            return ""
        if self.scanned.names and fn.type == "identifier":
            split = self.scanned.names.get(self.source.node_start(fn, row_offset))
            if split is not None:  # (`mcp__claude - flow__x`, Prettier's split: one name)
                return split
        name = self.evaluator.call_name(fn)
        if name.startswith("mcp__") and fn.type == "identifier":
            start = self.source.node_start(fn, row_offset)
            return self.text[start : self.source.node_end(fn, row_offset)]
        return name

    def _call(self, call: Node, row_offset: int, name: str) -> None:
        args_node = call.child_by_field_name("arguments")
        args = (
            arguments(args_node) if args_node is not None and args_node.type == "arguments" else []
        )
        index = len(self.items)
        if call.has_error and _only_recorded(name):
            said = len(self.diags.items)
            self.syntax.errors(call, row_offset, None)  # (the call is recorded all the same)
            self._recorded_tool_errors(name, call, row_offset, said)
        elif call.has_error:
            self.syntax.errors(call, row_offset, index)
        elif args_node is not None and EMPTY_SLOT_RE.search(
            self.source.node_bytes(args_node, row_offset)
        ):
            self.syntax.empty_slots(args_node, row_offset, index)
        if args_node is not None and args_node.type == "template_string":
            rng = self.source.node_range(call, row_offset)
            self.diags.add("SW001", "call operations with (...), not a template", rng, op=index)
        if not name:
            fn = call.child_by_field_name("function")
            where = self.source.node_range(fn if fn is not None else call, row_offset)
            self.diags.add(
                "SW001",
                "cannot tell which operation this is (one operation per line, named like Task)",
                where,
                op=index,
            )
        if name == "BatchTool" and len(args) == 1 and args[0].type == "object":
            self.op_rows.add(call.start_point[0] + row_offset)  # (read: its invocations)
            self._batch_tool(args[0], row_offset)
            return
        if name.endswith(_SPAWN_PARALLEL) and self._spawn_parallel(name, args, row_offset):
            self.op_rows.add(call.start_point[0] + row_offset)
            return
        if name == PI_SUBAGENT and self._pi_subagents(args, row_offset):
            self.op_rows.add(call.start_point[0] + row_offset)
            return
        self._emit(name, args, call, row_offset)

    def _spawn_parallel(self, name: str, args: list[Node], row_offset: int) -> bool:
        """claude-flow's `agents_spawn_parallel({agents: [{type, name}, ...]})`: each item is
        the `agent_spawn` of that server it stands for (False when it has no such items)."""
        if len(args) != 1:
            return False
        agents = self._pair_value(args[0], "agents", row_offset)
        if agents is None or agents.type != "array":
            return False
        items = [e for e in agents.named_children if e.type != "comment"]
        if not items or any(e.type != "object" for e in items):
            return False
        spawn = name[: -len(_SPAWN_PARALLEL)] + "agent_spawn"
        for item in items:
            self._emit(spawn, [item], item, row_offset)
        return True

    def _pi_subagents(self, args: list[Node], row_offset: int) -> bool:
        """pi's `subagent({tasks: [{agent, task}, ...]})` (at once) or `{chain: [...]}` (in
        turn, each step after the one before it, whose result it is given): each item is the
        one-agent `subagent({agent, task})` (False when there are no such items)."""
        if len(args) != 1:
            return False
        for key in ("tasks", "chain"):
            items_node = self._pair_value(args[0], key, row_offset)
            if items_node is not None:
                break
        if items_node is None or items_node.type != "array":
            return False
        items = [e for e in items_node.named_children if e.type != "comment"]
        if not items or any(e.type != "object" for e in items):
            return False
        before: TaskOp | None = None
        for item in items:
            self._emit(PI_SUBAGENT, [item], item, row_offset)
            info = self.tasks[-1] if self.tasks else None
            if info is None or info.op is not self.items[-1].op:
                before = None  # (not an agent: said where it is; the chain is broken there)
                continue
            if key == "chain" and before is not None:
                info.after_agents.append(before)
            before = info.op
        return True

    def _batch_tool(self, spec: Node, row_offset: int) -> None:
        """`BatchTool({invocations: [{tool_name: "Bash", input: {command: "ls"}}, ...]})`,
        Claude Code's tool of many calls in one: each invocation is the operation it names."""
        invocations = self._pair_value(spec, "invocations", row_offset)
        if invocations is not None and invocations.type == "array":
            elements = invocations.named_children
        else:
            elements = [spec]  # (said below: nothing names a tool)
        for element in elements:
            if element.type == "comment":
                continue
            tool = self._pair_value(element, "tool_name", row_offset)
            name = self.evaluator.eval(tool) if tool is not None else None
            if isinstance(name, str) and name.strip():
                given = self._pair_value(element, "input", row_offset)
                self._emit(name.strip(), [given] if given is not None else [], element, row_offset)
                continue
            message = (
                "a BatchTool invocation names its tool and input: "
                '{tool_name: "Bash", input: {command: "..."}}; it will be skipped'
            )
            self._skipped_note(element, "SW012", message, row_offset)

    def _pair_value(self, node: Node, key: str, row_offset: int) -> Node | None:
        """The value of `key: value` in the object NODE (its key written plain or quoted)."""
        if node.type != "object":
            return None
        for pair in node.named_children:
            name = pair.child_by_field_name("key") if pair.type == "pair" else None
            if name is not None and self.source.node_code(name, row_offset).strip("\"'") == key:
                return pair.child_by_field_name("value")
        return None

    def _parenless(self, assign: Node, value: Node, form: LineForm, row_offset: int) -> None:
        """`TodoWrite { todos: [...] }` (rewritten `_________= {...}`): a call of one argument."""
        if assign.has_error:
            self.syntax.errors(assign, row_offset, len(self.items))
        if form.name.endswith(_SPAWN_PARALLEL) and self._spawn_parallel(
            form.name, [value], row_offset
        ):
            return
        self._emit(form.name, [value], assign, row_offset, start=form.name_start)

    def _emit(
        self,
        name: str,
        args: list[Node],
        node: Node,
        row_offset: int,
        *,
        start: int | None = None,
        values: list[Any] | None = None,
        end: int | None = None,
    ) -> None:
        index = len(self.items)
        begin = self.source.node_start(node, row_offset) if start is None else start
        finish = self.source.node_end(node, row_offset) if end is None else end
        rng = self.source.offsets_range(begin, finish)
        self.evaluator.op = index
        self.evaluator.results_used = []
        tasks = len(self.tasks)
        ctx = CallContext(
            self.diags,
            self.evaluator,
            row_offset,
            index,
            rng,
            self.text[begin:finish],
            args,
            self.tasks,
            values,
            self.known_types,
            self.team,
        )
        op = build_operation(name, ctx)
        self.evaluator.op = None
        if self.awaited:
            for info in self.tasks[tasks:]:
                self.after_await.append((info, self.awaited, self.awaited_line))
        if self.quotes:
            self._curly_quotes(begin, finish, index)
        if self.evaluator.results_used:
            self._uses_results(op, index, rng)
        if index in self.diags.syntax_ops:
            self.syntax_ranges.append(rng)
        self._add(op, begin, rng)

    def _curly_quotes(self, begin: int, finish: int, index: int | None) -> None:
        """Curly quotes the scanner read as straight ones (see `pasted`) between BEGIN and
        FINISH: said once, at the first, and the operation (INDEX) is not run."""
        at = bisect_left(self.quotes, (begin, 0))
        stop = bisect_left(self.quotes, (finish, 0))
        if at >= stop:
            return
        start, end = self.quotes[at]
        written = self.text[start:end]
        if len(written) > 40:
            written = written[:38] + "…" + written[-1]
        quote = '"' if written[0] == "“" else "'"
        straight = quote + written[1:-1] + quote
        message = CURLY_QUOTES.format(shown=written, straight=straight)
        if index is not None:
            message += "; this operation will be skipped"
        self.diags.add("SW001", message, self.source.offsets_range(start, end), op=index)
        if index is not None:
            del self.quotes[at:stop]

    def _uses_results(self, op: Any, index: int, rng: Range) -> None:
        """OP used agents' results (`${research.content}`): an agent waits for them; any
        other operation is read before they exist, so it cannot."""
        used = self.evaluator.results_used
        info = self.tasks[-1] if self.tasks and self.tasks[-1].op is op else None
        if info is not None:
            info.after_agents += [r.op for r in used if r.op is not op]
            return
        first = used[0]
        self.diags.add(
            "SW001",
            f"`{first.name}` is the result of {first.op.name}, known only once it has run: "
            "only another agent's instructions can use it",
            rng,
            op=index,
        )

    def _add(self, op: Any, offset: int, rng: Range) -> None:
        row = rng[0] - 1
        self.op_rows.add(row)
        self.items.append(Item(offset, row, op))

    def _form_at(self, node: Node, row_offset: int, kind: str) -> LineForm | None:
        """The operation form the scanner rewrote where NODE starts, if it is of KIND."""
        row = node.start_point[0] + row_offset
        if row >= len(self.scanned.lines):
            return None
        form = self.scanned.lines[row].form
        if form is None or form.kind != kind:
            return None
        if kind == "parenless":
            start = self.source.node_start(node, row_offset)
            return form if start == form.name_start else None
        return form

    def _command_lines(self) -> None:
        """`mcp__claude-flow__agent_spawn researcher --capabilities=x`: calls the scanner read."""
        for row, info in enumerate(self.scanned.lines):
            form = info.form
            if info.kind != "cli" or form is None:
                continue
            self.evaluator.row_offset = 0
            args: list[Any] = [form.values] if form.values else []
            if not form.values and form.positionals:
                args = [" ".join(form.positionals)]
            index = len(self.items)
            rng = self.source.offsets_range(form.name_start, form.end)
            ctx = CallContext(
                self.diags,
                self.evaluator,
                0,
                index,
                rng,
                self.text[form.name_start : form.end],
                [],
                self.tasks,
                args,
                self.known_types,
                self.team,
            )
            self.evaluator.op = index
            op = build_operation(form.name, ctx)
            self.evaluator.op = None
            self.op_rows.add(row)
            self.items.append(Item(form.name_start, row, op))

    # -- after reading every call --------------------------------------------------------------

    def _yield_type_names(self) -> None:
        """Agents named after their type (`Agent({subagent_type: "coder", prompt})`) are
        numbered from 2 when an agent of the batch is given that name (`Task("Coder", …)`, even
        below them): a name made up must not make the batch's names clash (SW011)."""
        made = [t for t in self.tasks if t.type_named]
        if not made:
            return
        given = {slug(t.op.name) for t in self.tasks if not t.type_named}
        numbers: dict[str, int] = {}
        for info in made:
            base = info.type_named or ""
            if slug(base) not in given:
                continue
            n = numbers.get(base, 1) + 1
            while slug(f"{base} {n}") in given:
                n += 1
            numbers[base] = n
            info.op.name = f"{base} {n}"

    def _after_awaits(self) -> None:
        """An agent read after `await Task(...)` in its message waits until the awaited agents
        finish, as JavaScript would start it only then (said in a note, SW013); as with an
        agent's result (`${r.content}`), through `after_agents`."""
        live = {id(t) for t in self.tasks}
        for info, awaited, line in self.after_await:
            if id(info) not in live:
                continue
            after = [
                a
                for a in awaited
                if id(a) in live and a.message == info.message and a.op not in info.after_agents
            ]
            if not after:
                continue
            info.after_agents += [a.op for a in after]
            names = ", ".join(a.op.name for a in after)
            op = info.op
            self.diags.add(
                "SW013",
                f"{op.name} waits until {names} {'finishes' if len(after) == 1 else 'finish'}: "
                f"it is written after the `await` on line {line}, and JavaScript runs what "
                "follows an `await` once it is done",
                (op.line, op.column, op.line, op.end_column if op.end_line == op.line else 1 << 20),
            )

    def _settle_spawns(self) -> None:
        """An `agent_spawn` without instructions in the message of `Task` calls, or in the swarm
        of Task calls with no `task_orchestrate` of its own, only declares a type for
        claude-flow's coordination (Claude Code's Task tool runs the agents): it is recorded,
        not run as an agent of its own. Otherwise the spawned agents are the agents, and work on
        their own swarm's `task_orchestrate` task (never another swarm's, nor another task when
        theirs is skipped)."""
        spawned = [t for t in self.tasks if t.spawned and not t.op.instructions.strip()]
        if not spawned:
            return
        inits = [it.op.line for it in self.items if isinstance(it.op, SwarmInitOp)]
        # Messages are grouped later: a header or a `[Wait for completion]` line opens one.
        opens = [r + 1 for r, i in enumerate(self.scanned.lines) if i.kind in ("header", "wait")]

        def swarm(line: int) -> tuple[int, int]:
            at = bisect_right(inits, line)
            return (inits[at - 1] if at else 1, inits[at] - 1 if at < len(inits) else 1 << 30)

        # The lines of the Task calls (the runners) by message and by swarm, in order.
        by_message: dict[int, list[int]] = {}
        by_swarm: dict[int, list[int]] = {}
        for t in self.tasks:
            if not t.spawned:
                by_message.setdefault(bisect_right(opens, t.op.line), []).append(t.op.line)
                by_swarm.setdefault(bisect_right(inits, t.op.line), []).append(t.op.line)
        for group in (*by_message.values(), *by_swarm.values()):
            group.sort()
        declared: dict[int, str] = {}  # id(op) -> why
        for info in spawned:
            line = info.op.line
            near = same = by_message.get(bisect_right(opens, line), [])
            if not near and self.team.orchestration_for(info.op, swarm(line)) is None:
                near = by_swarm.get(bisect_right(inits, line), [])
            if near:
                at = bisect_left(near, line)
                nearest = min(near[max(at - 1, 0) : at + 1], key=lambda n: abs(n - line))
                where = "in its message" if same else "in its swarm, which has no task_orchestrate"
                declared[id(info.op)] = (
                    f"agent_spawn only declares the type {info.op.agent_type} for claude-flow's "
                    f"coordination: the Task calls {where} (the nearest on line {nearest}) "
                    "are the agents"
                )
        if declared:
            for item in self.items:
                reason = declared.get(id(item.op))
                if reason is None:
                    continue
                op = item.op
                assert isinstance(op, TaskOp)
                self.diags.add("SW018", reason, (op.line, op.column, op.end_line, op.end_column))
                item.op = ToolOp(
                    index=op.index,
                    line=op.line,
                    column=op.column,
                    end_line=op.end_line,
                    end_column=op.end_column,
                    tool="agent_spawn",
                    role="coordination",
                    summary=op.agent_type,
                    skip_reason=reason,
                )
            self.tasks = [t for t in self.tasks if id(t.op) not in declared]
            spawned = [t for t in spawned if id(t.op) not in declared]
        groups: dict[tuple[int, str], tuple[str, list[TaskOp]]] = {}  # (line, why) -> task, agents
        skipped: dict[int, tuple[str, list[TaskOp]]] = {}  # line -> its reason, agents
        elsewhere: dict[tuple[int, int], list[TaskOp]] = {}  # their swarm -> agents
        for info in spawned:
            lo, hi = swarm(info.op.line)
            chosen = self.team.orchestration_for(info.op, (lo, hi))
            if chosen is None:
                if self.team.orchestrated:
                    elsewhere.setdefault((lo, hi), []).append(info.op)
                continue
            skip = self.diags.skip.get(chosen.op.index)
            if skip is not None:
                skipped.setdefault(chosen.op.line, (skip, []))[1].append(info.op)
                continue
            if not chosen.op.summary:
                continue
            info.op.instructions = chosen.op.summary
            why = (
                "naming it"
                if info.op.name in chosen.assign_to
                else "the next after it"
                if chosen.op.line > info.op.line
                else "the last before it"
            )
            groups.setdefault((chosen.op.line, why), (chosen.op.summary, []))[1].append(info.op)
        for line, (reason, agents) in skipped.items():
            message = (
                f"{_names(agents)}: spawned without instructions, their task is the "
                f"task_orchestrate of line {line}, which is skipped ({reason}): "
                f"{'it' if len(agents) == 1 else 'they'} will be skipped"
            )
            for agent in agents:
                self.diags.skip.setdefault(agent.index, f"SW014: {message}")
            first = agents[0]
            self.diags.add(
                "SW014", message, (first.line, first.column, first.end_line, first.end_column)
            )
        for (lo, hi), agents in elsewhere.items():
            lines = [o.op.line for o in self.team.orchestrated]
            others = (
                f"the task_orchestrate of line {lines[0]} is another swarm's"
                if len(lines) == 1
                else f"those of lines {', '.join(map(str, lines[:3]))}"
                f"{' …' if len(lines) > 3 else ''} are other swarms'"
            )
            bounds = f"lines {lo}–{hi}" if hi < 1 << 30 else f"from line {lo} on"
            first = agents[0]
            self.diags.add(
                "SW013",
                f"{_names(agents)}: spawned without instructions, and no task_orchestrate in "
                f"their swarm ({bounds}) gives them a task: {others}",
                (first.line, first.column, first.end_line, first.end_column),
            )
        if len({o.op.summary for o in self.team.orchestrated}) < 2:
            return  # (one task for all: no choice to explain)
        for (line, why), (task, agents) in groups.items():
            first = agents[0]
            self.diags.add(
                "SW013",
                f"{_names(agents)}: spawned without instructions, work on the task_orchestrate "
                f"of line {line} ({why}): {task[:60]}",
                (first.line, first.column, first.end_line, first.end_column),
            )

    # -- lines -----------------------------------------------------------------------------------

    def _notes(self) -> None:
        fences.report(self.scanned.blocks, self.source, self.diags)
        for row, info in enumerate(self.scanned.lines):
            if info.kind not in ("note", "wait", "unread"):
                continue
            if not info.call_like and info.kind != "wait" and self.diags.full():
                continue  # a note changes nothing that runs: past the cap it is not kept
            rng = self.source.line_range(row)
            wait = info.kind == "wait"
            skip_reason: str | None = None
            if info.kind == "unread":
                pass  # (a line of a fenced block not read: said once for the block, SW027/28)
            elif info.args_below:
                names = ", ".join(f"`{name}:`" for name in info.args_below[:3])
                more = " …" if len(info.args_below) > 3 else ""
                message = (
                    f"{info.call_like}'s arguments are written on the lines below it ({names}"
                    f"{more}), which are not read: write them in braces on its line, "
                    f"{info.call_like} {{ {info.args_below[0]}: …, … }}; this operation "
                    "will be skipped"
                )
                self.diags.add("SW019", message, rng)
                skip_reason = f"SW019: {message}"
            elif info.command:
                shown = info.text if len(info.text) <= 50 else info.text[:49] + "…"
                message = (
                    f"`{shown}` is a Claude Code slash command: swarmtui does not run it; "
                    "write the operations it stands for (Task, Bash, …)"
                )
                self.diags.add("SW027", message, rng)
            elif info.lookalike:
                self.diags.add("SW019", info.lookalike, rng)
                skip_reason = f"SW019: {info.lookalike}"
            elif info.call_like:
                name = info.call_like
                message = (
                    f"`{info.text[:40]}` reads like {name} but is not an operation: write "
                    f'{name}("...") with its arguments in parentheses or quotes'
                )
                if info.text.startswith("<invoke"):
                    message = (
                        f'`{info.text[:60]}` is not read: each `<parameter name="…">` must '
                        "end with `</parameter>` (nothing else on its line but a comment), "
                        "and the call with `</invoke>`; this operation will be skipped"
                    )
                self.diags.add("SW019", message, rng)
                skip_reason = f"SW019: {message}"
            else:
                message = (
                    "[Wait for completion]: starts a new message"
                    if wait
                    else f"{NOTE_LINE}{info.text[:60]}"
                )
                self.diags.add("SW015", message, rng)
            op = NoteOp(
                # (an index no call has: `group_messages` renumbers every item in text order
                # and carries the skip reasons recorded by index along)
                index=len(self.items),
                line=rng[0],
                column=rng[1],
                end_line=rng[2],
                end_column=rng[3],
                text=info.text,
                skip_reason=skip_reason,
            )
            self.items.append(Item(self.source.line_starts[row] + rng[1] - 1, row, op, wait))

    def _unproduced_calls(self) -> None:
        syntax_rows = {d.line - 1 for d in self.diags.items if d.code == "SW001"}
        for row, info in enumerate(self.scanned.lines):
            if row in self.op_rows or row in syntax_rows:
                continue
            if info.call_start:
                self.diags.add(
                    "SW001",
                    "this line looks like an operation but none could be read from it",
                    self.source.line_range(row),
                )
            elif info.continued:
                self.diags.add("SW001", self._continued_message(row), self.source.line_range(row))

    def _continued_message(self, row: int) -> str:
        """Why the operation at ROW, inside a statement the code above left open, was lost."""
        lines = self.scanned.lines
        above = next((r for r in range(row - 1, -1, -1) if lines[r].kind == "code"), -1)
        last = self.source.line_text(above)[-1:] if above >= 0 else ""
        said = f" (line {above + 1} ends with `{last}`)" if last else ""
        return f"this operation is not read: the code above goes on into it{said}"


class _TooManyOperations(Exception):
    """Loops (nested ones together) made more than `MAX_LOOP_OPERATIONS` operations."""


class _OutOfTime(Exception):
    """Tree-sitter's time for this text (`PARSE_SECONDS`) is spent."""


def _watched_parse(data: bytes, deadline: float) -> Any:
    """DATA's tree, or `_OutOfTime` when tree-sitter is still at it at DEADLINE (this thread's
    CPU time). Only a parse that reads through a callback can be stopped, and the nodes of such
    a tree must not be asked for their text (py-tree-sitter 0.26 may crash: its issue 435):
    nothing is, the text of a node is sliced from our own bytes (`Source.node_bytes`)."""

    def read(at: int, _point: Any) -> bytes:
        return data[at : at + _READ_BYTES]

    def out_of_time(_at: int, _has_error: bool) -> bool:
        return time.thread_time() > deadline

    try:
        return _PARSER.parse(read, progress_callback=out_of_time)
    except ValueError:  # ("Parsing failed": stopped by out_of_time)
        _PARSER.reset()
        raise _OutOfTime from None


def _awaits(statement: Node) -> bool:
    """`await Task(...)`, `x = await ...`, `const r = await Promise.all([...])`: a statement
    whose value is awaited."""
    if statement.type == "expression_statement":
        expr = _first_named(statement)
        if expr is not None and expr.type == "assignment_expression":
            expr = expr.child_by_field_name("right")
        return expr is not None and expr.type == "await_expression"
    if statement.type in ("lexical_declaration", "variable_declaration"):
        for decl in statement.named_children:
            value = (
                decl.child_by_field_name("value") if decl.type == "variable_declarator" else None
            )
            if value is not None and value.type == "await_expression":
                return True
    return False


def _first_named(node: Node) -> Node | None:
    return next((c for c in node.named_children if c.type != "comment"), None)


def _holds_operations(node: Node, parse: _Parse, row_offset: int) -> bool:
    """Whether an operation call (or a Claude Code tool call) is written anywhere inside NODE."""
    text = parse.source.node_bytes(node, row_offset)
    if b"(" not in text and b"=" not in text:
        return False
    stack = [node]
    while stack:
        cur = stack.pop()
        if cur.type == "call_expression":
            fn = cur.child_by_field_name("function")
            name = parse.evaluator.call_name(fn) if fn is not None else ""
            if reads_as_operation(name) or name in AGENT_TOOLS:
                return True
        elif cur.type == "assignment_expression" and parse._form_at(cur, row_offset, "parenless"):
            return True
        stack.extend(cur.named_children)
    return False


def _is_placeholder(node: Node, source: Source, row_offset: int) -> bool:
    """A statement that is only `...` or `{...}` (blanked to `$` identifiers by the scanner)."""
    expr = (
        node.named_children[0]
        if node.type == "expression_statement" and node.named_children
        else None
    )
    if expr is None or expr.type != "identifier":
        return False
    text = source.node_bytes(expr, row_offset)
    return bool(text) and text.strip(b"$") == b""


def _names(agents: list[TaskOp]) -> str:
    return ", ".join(a.name for a in agents[:4]) + (" …" if len(agents) > 4 else "")
