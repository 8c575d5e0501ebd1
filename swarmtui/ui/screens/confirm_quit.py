"""A modal that asks before unsaved changes (or a running session) would be lost.

No single letter drops unsaved work: a user still typing when the dialog opens would answer it
("add" after ctrl+q). Don't save takes ctrl+d or its button; Cancel has the focus."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label

from swarmtui.ui.screens.dialog import Dialog


class ConfirmQuitScreen(Dialog[str | None]):
    """Dismisses with "save", "discard" or None (cancel)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="confirm.cancel", tooltip="Keep working"),
        Binding("s", "choose('save')", "Save", id="confirm.save", tooltip="Save, then continue"),
        Binding(
            "ctrl+d",
            "choose('discard')",
            "Don't save",
            id="confirm.discard",
            tooltip="Continue without saving",
        ),
        # With nothing to save the dialog only asks whether to quit: q answers it.
        Binding("q", "choose('quit')", "Quit", id="confirm.quit", tooltip="Quit swarmtui"),
    ]

    def __init__(self, *, question: str, detail: str, can_save: bool = True) -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.can_save = can_save

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.question, id="question")
            yield Label(self.detail, id="detail")
            with Horizontal(id="buttons"):
                if self.can_save:
                    yield Button("Save (s)", id="save", variant="primary")
                yield Button(
                    "Don't save (^d)" if self.can_save else "Quit (q)",
                    id="discard",
                    variant="error",
                )
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "cancel" else event.button.id)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose" and parameters:
            # Save and don't-save only when there is something to save; q only when there is not.
            return (parameters[0] == "quit") != self.can_save
        return True

    def action_choose(self, choice: str) -> None:
        if (choice == "quit") == self.can_save:
            return
        self.dismiss("discard" if choice == "quit" else choice)

    def action_cancel(self) -> None:
        self.dismiss(None)
