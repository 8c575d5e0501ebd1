"""A modal that asks before unsaved changes (or a running session) would be lost."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label


class ConfirmQuitScreen(ModalScreen[str | None]):
    """Dismisses with "save", "discard" or None (cancel)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="confirm.cancel", tooltip="Keep working"),
        Binding("s", "choose('save')", "Save", id="confirm.save", tooltip="Save, then continue"),
        Binding(
            "d",
            "choose('discard')",
            "Don't save",
            id="confirm.discard",
            tooltip="Continue without saving",
        ),
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
                    yield Button("Save", id="save", variant="primary")
                yield Button(
                    "Don't save" if self.can_save else "Quit", id="discard", variant="error"
                )
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "cancel" else event.button.id)

    def action_choose(self, choice: str) -> None:
        if choice == "save" and not self.can_save:
            return
        self.dismiss(choice)

    def action_cancel(self) -> None:
        self.dismiss(None)
