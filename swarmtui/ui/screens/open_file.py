"""A modal asking for a file path, to open a batch or to save it under a name."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label

from swarmtui.ui.screens.dialog import Dialog


def check_path(raw: str, mode: Literal["open", "save"]) -> tuple[Path | None, str | None]:
    """The path typed, or a one-line reason it cannot be used."""
    text = raw.strip()
    if not text:
        return None, "Type a path."
    path = Path(text).expanduser()
    if mode == "open":
        if not path.exists():
            return None, f"No such file: {path}"
        if path.is_dir():
            return None, f"{path} is a folder"
        return path, None
    if path.is_dir():
        return None, f"{path} is a folder"
    if not path.parent.exists():
        return None, f"No such folder: {path.parent}"
    return path, None


class OpenFileScreen(Dialog[Path | None]):
    """Enter accepts the path; escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="file.cancel", tooltip="Close without choosing"),
    ]

    def __init__(self, *, mode: Literal["open", "save"], initial: str = "") -> None:
        super().__init__()
        self.mode = mode
        self.initial = initial

    def compose(self) -> ComposeResult:
        title = "Open a batch file" if self.mode == "open" else "Save the batch as"
        with Vertical(id="dialog"):
            yield Label(title, id="question")
            yield Input(self.initial, placeholder="path/to/batch.swarm.js", id="path")
            yield Label("", id="error")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        path, error = check_path(event.value, self.mode)
        if error is not None:
            self.query_one("#error", Label).update(error)
            return
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)
