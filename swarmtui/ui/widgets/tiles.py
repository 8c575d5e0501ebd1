"""The layout of the main and replay screens: rows and columns of panes that fill them whole,
which pane holds the focus, and (in a small terminal) only that pane shown."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget

# Below this size the panes no longer fit side by side: only the focused one is shown.
COMPACT_WIDTH = 100
COMPACT_HEIGHT = 28


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


def set_compact(screen: Screen[Any], size: Size, *, update: bool = True) -> bool:
    """-compact on `screen` in a terminal of `size` too small for its panes side by side
    (restyling it if `update`); whether it is compact. Its CSS fills the screen with the
    maximized pane (`.-compact .pane.-maximized`)."""
    compact = size.width < COMPACT_WIDTH or size.height < COMPACT_HEIGHT
    screen.set_class(compact, "-compact", update=update)
    return compact


def show_focused_pane(screen: Screen[Any]) -> None:
    """Compact: maximize the pane holding the focus (on a focus change)."""
    focused = screen.focused
    pane = pane_of(focused) if focused is not None else None
    if screen.has_class("-compact") and pane is not None and screen.maximized is not pane:
        screen.maximize(pane, container=False)


def resized(screen: Screen[Any], size: Size) -> bool:
    """Lay `screen` out for a terminal of `size`: compact, only the focused pane; else every
    pane again. Whether it is compact."""
    compact = set_compact(screen, size)
    if compact:
        show_focused_pane(screen)
    elif screen.maximized is not None:
        screen.minimize()
    return compact


def focus_in_pane(screen: Screen[Any], widget: Widget, pane: Widget) -> None:
    """Focus `widget`, in `pane`: shown first when compact (a maximized view limits the focus
    to the widgets it shows)."""
    if screen.has_class("-compact"):
        screen.maximize(pane, container=False)
    widget.focus()
