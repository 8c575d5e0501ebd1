"""The form to store a memory key by hand: the way to unblock an agent that waits for it, and
to set the memory a fork starts with before it runs (worded for that: `for_fork`)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from swarmtui.ui.screens.dialog import Dialog

_QUOTES = "'\"`"


def key_problem(key: str, what: str = "key") -> str | None:
    """Why `key` cannot be a memory key (the batch language's rule: no whitespace, no quotes)."""
    if not key:
        return f"A {what} is needed."
    if any(ch.isspace() for ch in key):
        return f"A {what} has no spaces (e.g. swarm/api/schema)."
    if any(ch in _QUOTES for ch in key):
        return f"A {what} has no quotes: write it as it would appear inside them."
    return None


class MemoryFormScreen(Dialog[tuple[str, str, str] | None]):
    """Dismisses with (key, value text, namespace); the value is JSON when it parses as JSON."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="memory_form.cancel", tooltip="Change nothing"),
    ]

    def __init__(
        self,
        *,
        key: str = "",
        namespace: str = "default",
        value: str = "",
        heading: str = "Store a memory key",
        button: str = "Store",
    ) -> None:
        super().__init__()
        self.key = key
        self.namespace = namespace
        self.value = value
        self.heading = heading
        self.button = button

    @classmethod
    def for_fork(cls, *, key: str, value: str, namespace: str) -> MemoryFormScreen:
        """The form for a fork being prepared: nothing runs yet, the value is what the fork
        starts with."""
        return cls(
            key=key,
            value=value,
            namespace=namespace,
            heading="Set a memory value the fork starts with",
            button="Set",
        )

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.heading, id="question", markup=False)
            yield Label("Key")
            yield Input(self.key, placeholder="swarm/area/key", id="key")
            yield Label("Value (JSON or text)")
            yield Input(self.value, placeholder='"done" or {"ok": true}', id="value")
            yield Label("Namespace")
            yield Input(self.namespace, id="namespace")
            yield Label("", id="error")
            with Horizontal(id="buttons"):
                yield Button(self.button, id="store", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#value" if self.key else "#key", Input).focus()

    def _submit(self) -> None:
        key = self.query_one("#key", Input).value.strip()
        namespace = self.query_one("#namespace", Input).value.strip() or "default"
        for field, problem in (
            ("#key", key_problem(key)),
            ("#namespace", key_problem(namespace, "namespace")),
        ):
            if problem is not None:
                self.query_one("#error", Label).update(problem)
                self.query_one(field, Input).focus()
                return
        value = self.query_one("#value", Input).value
        self.dismiss((key, value, namespace))

    @on(Input.Changed, "#key")
    def _key_changed(self, event: Input.Changed) -> None:
        # Said while typing, not only on submit; an empty key is only reported on submit.
        key = event.value.strip()
        self.query_one("#error", Label).update((key_problem(key) or "") if key else "")

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
