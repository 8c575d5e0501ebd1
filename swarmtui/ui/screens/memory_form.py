"""The form to store a memory key by hand: the way to unblock an agent that waits for it."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


class MemoryFormScreen(ModalScreen[tuple[str, str, str] | None]):
    """Dismisses with (key, value text, namespace); the value is JSON when it parses as JSON."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="memory_form.cancel", tooltip="Store nothing"),
    ]

    def __init__(self, *, key: str = "", namespace: str = "default") -> None:
        super().__init__()
        self.key = key
        self.namespace = namespace

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Store a memory key", id="question")
            yield Label("Key")
            yield Input(self.key, placeholder="swarm/area/key", id="key")
            yield Label("Value (JSON or text)")
            yield Input("", placeholder='"done" or {"ok": true}', id="value")
            yield Label("Namespace")
            yield Input(self.namespace, id="namespace")
            yield Label("", id="error")
            with Horizontal(id="buttons"):
                yield Button("Store", id="store", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#value" if self.key else "#key", Input).focus()

    def _submit(self) -> None:
        key = self.query_one("#key", Input).value.strip()
        if not key:
            self.query_one("#error", Label).update("A key is needed.")
            self.query_one("#key", Input).focus()
            return
        value = self.query_one("#value", Input).value
        namespace = self.query_one("#namespace", Input).value.strip() or "default"
        self.dismiss((key, value, namespace))

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "key":
            self.query_one("#value", Input).focus()
        elif event.input.id == "value":
            self.query_one("#namespace", Input).focus()
        else:
            self._submit()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "store":
            self._submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
