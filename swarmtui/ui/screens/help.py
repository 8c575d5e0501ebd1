"""Help: the keys that apply on the screen below (its active bindings) and a batch cheat-sheet."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.console import Group
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static, TextArea

from swarmtui.ui.look import (
    STATUS_GLYPH,
    STATUS_MEANING,
    STATUSES,
    TODO_GLYPH,
    TODO_STATUS_COLOR,
    status_styles,
)

CHEAT_SHEET: tuple[tuple[str, str], ...] = (
    ("[Single Message - Title]:", "opens a message: its operations start together"),
    ('Message 2: Bash("make test")', "puts one operation in message 2 (messages run in order)"),
    ('Task(name, instructions, "type", {…})', "spawns an agent; options: waits, stores, timeout"),
    ('Agent(subagent_type: "t", prompt: "…")', "Claude Code's notation, read as Task({…})"),
    ("TodoWrite({todos: [{id, content, status, priority}]})", "sets the todo list"),
    ("Bash(command, {timeout, cwd})", "runs a shell command in the session folder"),
    ("Write(path, content)", "writes a file (a bare name goes under artifacts/)"),
    ("memory.store(key, value, {namespace, ttl})", "also retrieve / delete / search"),
    ("mcp__claude_flow__swarm_init({maxAgents: 6})", "session settings: topology, maxAgents"),
    ("\"Store the plan in memory under 'K'\"", "the agent stores K when it finishes"),
    ("\"Wait for 'K'\" · \"Read … from memory 'K'\"", "the agent waits until K is stored"),
    ('"Wait for the deploy plan."', "resolved against what others store (SW013 shows how)"),
    ("{...}  ...", "placeholders: reported, and that operation is skipped"),
    ("sessions/.../", "rewritten to this session's folder"),
)


def _words(name: str) -> str:
    """`AgentsPanel` → `Agents panel`."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return spaced[:1].upper() + spaced[1:].lower()


def _group_name(node: DOMNode) -> str:
    if isinstance(node, App):
        return "Everywhere"
    if isinstance(node, Screen):
        return "This screen"
    title = getattr(node, "border_title", None)
    return str(title) if title else _words(type(node).__name__)


@dataclass
class KeyRow:
    keys: list[str]
    description: str
    tooltip: str
    enabled: bool


def _declared_order(node: DOMNode) -> dict[str, int]:
    """Binding id (or action) -> its position in the node's BINDINGS: the order to list them."""
    order: dict[str, int] = {}
    for bindings in node._bindings.key_to_bindings.values():
        for binding in bindings:
            order.setdefault(binding.id or binding.action, len(order))
    return order


def binding_rows(screen: Screen[Any]) -> list[tuple[str, list[KeyRow]]]:
    """(group, rows) for the screen's active bindings, focused widget first (after the screen's
    own when it is a text editor, whose keys are editing keys), rows in the order declared, the
    keys of one binding merged (`ctrl+r / ctrl+enter`); bindings hidden and without a tooltip
    are left out. The screen's keys that cannot apply now (check_action False: e.g. pause with
    no session) are listed too, as not available."""
    app = screen.app
    groups: dict[str, dict[tuple[int, str], KeyRow]] = {}
    nodes: dict[str, DOMNode] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description or not (binding.show or binding.tooltip):
            continue
        name = _group_name(active.node)
        nodes.setdefault(name, active.node)
        rows = groups.setdefault(name, {})
        ident = (id(active.node), binding.id or binding.action)
        key = app.get_key_display(binding)
        row = rows.get(ident)
        if row is None:
            rows[ident] = KeyRow([key], binding.description, binding.tooltip, active.enabled)
        elif key not in row.keys:
            row.keys.append(key)
    screen_rows = groups.setdefault("This screen", {})
    nodes.setdefault("This screen", screen)
    for bindings in screen._bindings.key_to_bindings.values():
        for binding in bindings:
            ident = (id(screen), binding.id or binding.action)
            if not binding.description or not binding.tooltip:
                continue
            key = app.get_key_display(binding)
            row = screen_rows.get(ident)
            if row is None:
                screen_rows[ident] = KeyRow([key], binding.description, binding.tooltip, False)
            elif key not in row.keys and not row.enabled:
                row.keys.append(key)
    if not screen_rows:
        del groups["This screen"]
    focused = screen.focused
    editing = focused is not None and isinstance(focused, (TextArea, Input))
    order = {"This screen": 1, "Everywhere": 2}
    result = []
    for name, rows in groups.items():
        declared = _declared_order(nodes[name])
        listed = sorted(rows.items(), key=lambda item: declared.get(item[0][1], len(declared)))
        result.append((name, [row for _ident, row in listed]))
    result.sort(key=lambda group: order.get(group[0], 1.5 if editing else 0))
    return result


class HelpScreen(ModalScreen[None]):
    """Opens over any screen; escape (or f1) closes it."""

    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1", "close", "Close", id="help.close", tooltip="Close the help"),
    ]

    def _screen_below(self) -> Screen[Any] | None:
        others: list[Screen[Any]] = [s for s in self.app.screen_stack if s is not self]
        return others[-1] if others else None

    def compose(self) -> ComposeResult:
        below = self._screen_below()
        with Vertical(id="help-box"):
            yield Static("Help", id="help-title")
            with VerticalScroll(id="help-body"):
                yield Static(self._keys(below), id="help-keys")
                yield Static(self._legend(), id="help-legend")
                yield Static(self._cheat_sheet(), id="help-cheat-sheet")
            yield Static("escape closes", id="help-hint")

    def _keys(self, below: Screen[Any] | None) -> Group | Text:
        if below is None:
            return Text("No keys here.")
        variables = self.app.theme_variables
        key_style = Style(bold=True, color=variables.get("footer-key-foreground") or None)
        parts: list[Table | Text] = []
        for name, entries in binding_rows(below):
            table = Table.grid(padding=(0, 2))
            # (a key list or description too long for its column ends in "…", never mid-word)
            table.add_column(width=16, no_wrap=True, overflow="ellipsis")
            table.add_column(width=16, no_wrap=True, overflow="ellipsis")
            table.add_column(ratio=1)
            for row in entries:
                dim = Style(dim=not row.enabled)
                table.add_row(
                    Text(" / ".join(row.keys), key_style + dim),
                    Text(row.description, dim),
                    Text(
                        (row.tooltip if row.tooltip != row.description else "")
                        + ("" if row.enabled else " (not available here)"),
                        Style(dim=True),
                    ),
                )
            parts.append(Text(name, Style(bold=True, underline=True)))
            parts.append(table)
            parts.append(Text(""))
        return Group(*parts)

    def _legend(self) -> Group:
        """What each status glyph means, in its theme colour (agents, then todos)."""
        styles = status_styles(self.app)
        table = Table.grid(padding=(0, 2))
        table.add_column(width=12, no_wrap=True, overflow="ellipsis")
        table.add_column(ratio=1)
        for status in STATUSES:
            table.add_row(
                Text(f"{STATUS_GLYPH[status]} {status}", styles[status]),
                Text(STATUS_MEANING[status]),
            )
        todos = Text("Todos: ")
        for status, glyph in TODO_GLYPH.items():
            todos.append(
                f"{glyph} {status.replace('_', ' ')}  ", styles[TODO_STATUS_COLOR[status][6:]]
            )
        return Group(
            Text("Status glyphs", Style(bold=True, underline=True)), table, todos, Text("")
        )

    def _cheat_sheet(self) -> Group:
        code = Style(color=self.app.theme_variables.get("syntax-string") or None)
        table = Table.grid(padding=(0, 2))
        table.add_column(ratio=1)
        table.add_column(ratio=1)
        for example, meaning in CHEAT_SHEET:
            table.add_row(Text(example, code), Text(meaning))
        return Group(
            Text("Batch language", Style(bold=True, underline=True)),
            Text("Everything in one message runs at the same time.", Style(italic=True)),
            table,
        )

    def action_close(self) -> None:
        self.dismiss()
