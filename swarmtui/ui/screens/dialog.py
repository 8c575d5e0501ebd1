"""The small dialogs' common base: their look (dialogs.tcss), and a tighter one in a small
terminal, where the box would otherwise run off the screen with its buttons."""

from __future__ import annotations

from typing import TypeVar

from textual.events import Resize
from textual.screen import ModalScreen
from textual.widgets import Button

# Below this size the dialog drops its padding and stacks its buttons, one line each.
SMALL_WIDTH = 70
SMALL_HEIGHT = 20

T = TypeVar("T")


class Dialog(ModalScreen[T]):
    """A box centred over the dimmed screen; -small in a small terminal (and scrolled if even
    that does not fit)."""

    CSS_PATH = "dialogs.tcss"

    def on_mount(self) -> None:
        self._fit(self.app.size.width, self.app.size.height)

    def on_resize(self, event: Resize) -> None:
        self._fit(event.size.width, event.size.height)

    def _fit(self, width: int, height: int) -> None:
        small = width < SMALL_WIDTH or height < SMALL_HEIGHT
        self.set_class(small, "-small")
        for button in self.query(Button):
            button.compact = small
