"""The key bar at the bottom of every screen: the keys in force that fit the width, each whole.

Textual's `Footer` lays every key out in a row and lets the terminal's edge cut the last ones
(`f1 He▏` at 80 columns). The key bar keeps what fits and drops the rest, lowest priority
first, ending the row with `…` when it did; the keys dropped are in help (f1) and the palette.

Priority follows the order the footer shows: the focused widget's keys first, then the
screen's, then the app's. The help key and the palette key (docked on the right) are never
dropped: they lead to every other key.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.events import Resize
from textual.widget import Widget
from textual.widgets import Footer, Label
from textual.widgets._footer import FooterKey

# Actions whose key stays whatever the width.
PINNED_ACTIONS = frozenset({"help", "app.help"})
MORE = "…"
MORE_TOOLTIP = "More keys: f1 lists them all, ctrl+p finds any command"
# The cells a key takes around its key and description, as the footer's CSS pads them: the key
# padded one cell on each side, the description one on its right. The palette key also has a
# border on its left and one cell of padding on its right.
KEY_PADDING = 2
DESCRIPTION_PADDING = 1
PALETTE_EXTRA = 2
MORE_WIDTH = len(MORE) + 1  # (and a cell of margin)


class KeyHint(NamedTuple):  # (not a dataclass: made in a fifth of the time, at start-up)
    """One key as the bar shows it."""

    key: str
    display: str
    description: str
    action: str
    enabled: bool
    tooltip: str

    @property
    def width(self) -> int:
        if not self.description:
            return cell_len(self.display)
        return (
            cell_len(self.display) + KEY_PADDING + cell_len(self.description) + DESCRIPTION_PADDING
        )

    @property
    def palette_width(self) -> int:
        """Its width as the palette's key, docked on the right: Textual draws that one compact
        (no padding round the key, one cell before the description), with its border."""
        return cell_len(self.display) + 1 + cell_len(self.description) + PALETTE_EXTRA

    def widget(self, classes: str = "") -> FooterKey:
        return FooterKey(
            self.key,
            self.display,
            self.description,
            self.action,
            disabled=not self.enabled,
            tooltip=self.tooltip,
            classes=classes,
        )


def fit(hints: list[KeyHint], width: int) -> tuple[list[KeyHint], bool]:
    """The hints that fit in WIDTH cells, in their order (the pinned ones kept, the others
    dropped from the last), and whether any was dropped (the bar then ends in `…`)."""
    if sum(h.width for h in hints) <= width:
        return hints, False
    room = width - MORE_WIDTH
    kept = list(hints)
    for hint in reversed(hints):
        if sum(h.width for h in kept) <= room:
            break
        if hint.action not in PINNED_ACTIONS:
            kept.remove(hint)
    while kept and sum(h.width for h in kept) > room:  # (even the pinned ones do not fit)
        kept.pop()
    return kept, True


class MoreKeys(Label):
    """The `…` that ends the bar when keys were dropped."""


class KeyBar(Footer):
    """A footer whose keys never run past the screen's edge (see the module's docstring)."""

    DEFAULT_CSS = """
    KeyBar MoreKeys {
        width: auto;
        margin: 0 1 0 0;
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._laid_out_for = 0  # the width the keys were chosen for

    def _hints(self) -> list[KeyHint]:
        """Each shown action's first key, in the footer's order (the palette's left out)."""
        seen: set[str] = {"command_palette"}
        hints: list[KeyHint] = []
        for _node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in seen:
                seen.add(binding.action)
                hints.append(self._hint(binding, enabled, tooltip))
        return hints

    def _hint(self, binding: Binding, enabled: bool, tooltip: str) -> KeyHint:
        return KeyHint(
            key=binding.key,
            display=self.app.get_key_display(binding),
            description=binding.description,
            action=binding.action,
            enabled=enabled,
            tooltip=tooltip,
        )

    def _palette(self) -> KeyHint | None:
        """The command palette's key, docked on the right (as Textual's footer shows it)."""
        if not (self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE):
            return None
        active = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if active is None:
            return None
        _node, binding, enabled, _tooltip = active
        return self._hint(binding, enabled, binding.tooltip or binding.description)

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        width = self.size.width or self.app.size.width
        self._laid_out_for = width
        hints = self._hints()
        palette = self._palette()
        room = width - (palette.palette_width if palette is not None else 0)
        kept, dropped = fit(hints, room)
        for hint in kept:
            yield hint.widget().data_bind(compact=Footer.compact)
        if dropped:
            more = MoreKeys(MORE)
            more.tooltip = MORE_TOOLTIP
            yield more
        if palette is not None:
            yield palette.widget(classes="-command-palette")

    async def on_resize(self, event: Resize) -> None:
        if self._bindings_ready and event.size.width != self._laid_out_for:
            await self.recompose()


class KeyBarPlace(ScrollableContainer, can_focus=False):
    """The key bar's place in a screen's first frame, where it shows no keys yet (they are known
    once the screen's bindings are, after that frame): the bar itself, whose styles and mounting
    cost 2 ms of start-up, takes this place right after the first frame (`replace`)."""

    DEFAULT_CSS = """
    KeyBarPlace {
        dock: bottom;
        height: 1;
        background: $footer-background;
        scrollbar-size: 0 0;
    }
    """

    def on_mount(self) -> None:
        self.call_after_refresh(self.replace)

    async def replace(self) -> None:
        """The key bar in this place (laid out in the same refresh as this one leaves it)."""
        parent = self.parent
        if not isinstance(parent, Widget):
            return
        bar = KeyBar()
        with self.app.batch_update():
            mounted = parent.mount(bar, before=self)
            self.remove()
        await mounted
        # (its keys: the screen told its bindings before the bar was there to hear it)
        bar.call_later(bar.bindings_changed, bar.screen)  # (in the bar's own messages)
