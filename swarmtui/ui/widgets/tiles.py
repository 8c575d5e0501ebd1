"""The layout containers of the main screen: rows and columns of panes that fill them whole."""

from __future__ import annotations

from textual.containers import Horizontal, Vertical


class Row(Horizontal):
    """Panes side by side, filling the row: it has no border and nothing of its own to draw."""

    # Drawn as blank lines of its background, which its panes cover: Textual otherwise renders
    # a container's whole area line by line under its children (3 ms of the first frame for
    # the main screen's four).
    BLANK = True


class Column(Vertical):
    """Panes one above the other, filling the column (drawn blank, as `Row`)."""

    BLANK = True
