"""Two small modals: a yes/no question before something that cannot be undone, and a one-line
answer checked as it is submitted (a line to go to, text to find, a time to seek)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from swarmtui.safe_text import visible
from swarmtui.ui.screens.dialog import Dialog

# What an answer is checked with: the reason it cannot be used, or None when it can.
Check = Callable[[str], str | None]


class ConfirmScreen(Dialog[bool]):
    """Dismisses True only on the yes button (or `y`); escape, `n` and the other button say no.
    The focus starts on "no": enter alone never confirms."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,n", "answer(False)", "No", id="confirm.no", tooltip="Keep things as they are"
        ),
        Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip="Go ahead"),
    ]

    def __init__(
        self, question: str, detail: str = "", *, yes: str = "Yes", no: str = "No"
    ) -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            # Names and paths in the question come from outside: never read as markup.
            yield Label(visible(self.question), id="question", markup=False)
            if self.detail:
                yield Label(visible(self.detail), id="detail", markup=False)
            with Horizontal(id="buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="error")
                yield Button(f"{self.no} (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class AskScreen(Dialog[str | None]):
    """Enter submits the answer if `check` passes it (else the reason shows below); escape
    cancels (None)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="ask.cancel", tooltip="Close without answering"),
    ]

    def __init__(
        self, title: str, *, initial: str = "", placeholder: str = "", check: Check | None = None
    ) -> None:
        super().__init__()
        self.title_text = title
        self.initial = initial
        self.placeholder = placeholder
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(visible(self.title_text), id="question", markup=False)
            yield Input(
                self.initial, placeholder=self.placeholder, id="answer", select_on_focus=True
            )
            yield Label("", id="error", markup=False)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        problem = self.check(event.value) if self.check is not None else None
        if problem is not None:
            self.query_one("#error", Label).update(visible(problem))
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


def cancel_question(*, held: bool) -> ConfirmScreen:
    """What `X` asks: cancel a running session, or end one held open for a retry."""
    if held:
        return ConfirmScreen(
            "End the session?",
            "Agents that failed or were cancelled stay so; r can no longer retry them.",
            yes="End it",
            no="Keep it open",
        )
    return ConfirmScreen(
        "Cancel the whole session?",
        "Every running agent is stopped and nothing new starts.",
        yes="Cancel all",
        no="Keep running",
    )
