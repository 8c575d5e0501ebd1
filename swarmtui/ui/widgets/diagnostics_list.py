"""The diagnostics list under the editor; choosing a diagnostic moves the editor's cursor to it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from swarmtui.safe_text import visible
from swarmtui.ui.look import plural
from swarmtui.ui.messages import DiagnosticChosen

if TYPE_CHECKING:
    # The batch package is imported by the lint worker, off the start-up path.
    from swarmtui.batch.models import Diagnostic

_MARK = {"error": "✗", "warning": "▲", "info": "ℹ"}
# Laying out an option costs ~0.5 ms on the UI thread (wrapping, measuring): a batch with
# thousands of problems would block typing for seconds. The rest is summed up in one line.
MAX_SHOWN = 200


_RANK = {"error": 0, "warning": 1}


class DiagnosticsList(OptionList):
    """Errors first, then warnings, then notes, each by position (only the first MAX_SHOWN are
    laid out: a pasted file's hundreds of notes must not hide its one error); the border title
    counts errors, warnings and notes."""

    ALLOW_MAXIMIZE = False

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.diagnostics: list[Diagnostic] = []
        self._fingerprint: list[object] = []

    def show_diagnostics(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(
            diagnostics, key=lambda d: (_RANK.get(d.severity.value, 2), d.line, d.column, d.code)
        )
        shown = self.diagnostics[:MAX_SHOWN]
        fingerprint: list[object] = [len(self.diagnostics)]
        fingerprint += [(d.line, d.column, d.code, d.severity.value, d.message) for d in shown]
        if fingerprint != self._fingerprint:
            self._fingerprint = fingerprint
            self._rebuild(shown, len(self.diagnostics) - len(shown))
        counts = {s: sum(1 for d in diagnostics if d.severity.value == s) for s in _MARK}
        summary = ", ".join(
            (
                plural(counts["error"], "error"),
                plural(counts["warning"], "warning"),
                plural(counts["info"], "note"),
            )
        )
        self.border_title = f"Diagnostics: {summary}" if diagnostics else "Diagnostics: none"

    def _rebuild(self, shown: list[Diagnostic], more: int) -> None:
        variables = self.app.theme_variables
        options = []
        for diagnostic in shown:
            severity = diagnostic.severity.value
            color = variables.get({"error": "error", "warning": "warning"}.get(severity, "accent"))
            text = Text()
            text.append(f"{_MARK.get(severity, '?')} ", Style(color=color, bold=True))
            text.append(f"{diagnostic.line}:{diagnostic.column} ", Style(dim=True))
            text.append(f"{diagnostic.code} ", Style(color=color, bold=True))
            text.append(visible(diagnostic.message))
            options.append(Option(text))
        if more:
            options.append(
                Option(
                    Text(
                        f"+{more:,} more (the editor underlines every one; fix these first)",
                        Style(italic=True, dim=True),
                    ),
                    disabled=True,
                )
            )
        highlighted = self.highlighted
        self.clear_options()
        self.add_options(options)
        if highlighted is not None and shown:
            self.highlighted = min(highlighted, len(shown) - 1)
        elif self.has_focus:
            self._highlight_first()  # focused before the first lint came back (f8 at start)

    def on_focus(self) -> None:
        self._highlight_first()

    def _highlight_first(self) -> None:
        # Enter works at once on the first problem, without a Down first.
        if self.highlighted is None and self.diagnostics:
            self.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.diagnostics):
            diagnostic = self.diagnostics[event.option_index]
            self.post_message(DiagnosticChosen(diagnostic.line, diagnostic.column))
