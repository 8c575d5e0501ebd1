"""The layout of the main screen: rows and columns of panes that fill them whole, and which pane
holds the focus."""

from __future__ import annotations

from collections.abc import Sequence

from textual.containers import Horizontal, Vertical
from textual.widget import Widget


class Row(Horizontal):
    """Panes side by side, filling the row: it has no border and nothing of its own to draw."""

    # Drawn as blank lines of its background, which its panes cover: Textual otherwise renders
    # a container's whole area line by line under its children (3 ms of the first frame for
    # the main screen's four).
    BLANK = True


class Column(Vertical):
    """Panes one above the other, filling the column (drawn blank, as `Row`)."""

    BLANK = True


def pane_of(widget: Widget) -> Widget | None:
    """The pane (a widget of class `pane`) that `widget` is in, or is."""
    for node in (widget, *widget.ancestors):
        if isinstance(node, Widget) and node.has_class("pane"):
            return node
    return None


def mark_focused_pane(panes: Sequence[Widget], focused: Widget | None) -> None:
    """`-focused` on the one of `panes` that holds the focus, what `:focus-within` would say.
    (Styled by `:focus-within`, a pane is restyled whole as a widget in it is focused, and that
    widget once more: at start-up, 2 ms for the editor's pane, whose styles were right.)"""
    pane = pane_of(focused) if focused is not None else None
    for node in panes:
        node.set_class(node is pane, "-focused")
