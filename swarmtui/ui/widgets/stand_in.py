"""A widget's stand-in for a screen's first frame: drawn as the widget looks empty, replaced by it
right after that frame (or sooner, the moment the widget is needed)."""

from __future__ import annotations

from typing import Generic, TypeVar

from textual.strip import Strip
from textual.widget import AwaitMount, Widget

W = TypeVar("W", bound=Widget)


class StandIn(Widget, Generic[W], can_focus=False):
    """Where `widget` goes: its CSS (written for the stand-in's id too) draws the same empty
    box, at a fraction of the cost of mounting and styling the widget itself (an empty tree,
    an empty list: ~2-4 ms of start-up each)."""

    def __init__(self, widget: W, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._widget = widget
        self._placed = False

    def render_line(self, y: int) -> Strip:
        # Blank lines of its style, as an empty list or tree draws them (its border, if its
        # CSS gives it one, is drawn around them as usual).
        return Strip.blank(self.size.width, self.visual_style.rich_style)

    def on_mount(self) -> None:
        self.call_after_refresh(self.place)

    def place(self) -> AwaitMount | None:
        """Put the widget in this place now (laid out in the same refresh as this one leaves
        it); None when it was placed already."""
        parent = self.parent
        if self._placed or not isinstance(parent, Widget):
            return None
        self._placed = True
        with self.app.batch_update():
            mounted = parent.mount(self._widget, before=self)
            self.remove()
        return mounted

    @property
    def widget(self) -> W:
        """The widget, in its place (put there now if it was not yet)."""
        self.place()
        return self._widget

    @property
    def placed(self) -> bool:
        return self._placed
