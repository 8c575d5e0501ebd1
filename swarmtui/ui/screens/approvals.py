"""The approval queue: what waits for the user's decision, and the three ways to decide.

Each request shows who asks (an agent, or the batch itself), what (the tool and the command or
path), in which folder, and why no rule decided it (the rule that asked, or that none matched).
`y` lets it go ahead once, `s` allows its pattern for the rest of the session (every other
request it covers goes ahead too), `n` refuses it with a reason the asking agent is told. The
list follows the session as it runs (the screen is one of the bridge's panels); text from
outside swarmtui is shown with its control characters made visible.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from swarmtui.batch.models import printable
from swarmtui.ui.bridge import Frame
from swarmtui.ui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from swarmtui.engine.state import ApprovalState, SessionState
    from swarmtui.ui.session_controller import SessionController

EMPTY = "Nothing waits for approval."
SUBJECT_LABEL = {
    "Bash": "Command",
    "process": "Command",
    "Write": "Path",
    "Edit": "Path",
    "MultiEdit": "Path",
    "Read": "Path",
    "WebFetch": "Domain",
}


def request_line(request: ApprovalState) -> Text:
    """One line of the list: who, what, and about what."""
    who = printable(request.agent) if request.agent else "batch"
    text = Text()
    text.append(f"{who}  ", Style(bold=True))
    text.append(f"{printable(request.tool)}  ", Style(dim=True))
    text.append(printable(request.subject))
    return text


def request_detail(request: ApprovalState, session_folder: str | None) -> Text:
    """Everything the user needs to decide about REQUEST."""
    folder = printable(request.cwd)
    if session_folder is not None:
        where = session_folder if request.cwd == "." else f"{session_folder}/{request.cwd}"
        folder = f"{printable(where)} ({folder})"
    rows = [
        ("Agent", printable(request.agent) if request.agent else "the batch itself"),
        ("Wants", printable(request.tool)),
        (SUBJECT_LABEL.get(request.tool, "Subject"), printable(request.subject)),
        ("Folder", folder),
        ("Why it asks", printable(request.asked or "")),
    ]
    if request.pattern:
        rows.append(("s allows", f"{printable(request.pattern)} for the rest of the session"))
    text = Text()
    for label, value in rows:
        text.append(f"{label:<12}", Style(bold=True))
        text.append(f"{value}\n")
    return text


class ApprovalsScreen(ModalScreen[None]):
    """The queue of requests waiting for a decision, over the main screen."""

    CSS_PATH = "approvals.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "y",
            "approve",
            "Approve once",
            id="approvals.once",
            tooltip="Let the highlighted request go ahead, this once",
        ),
        Binding(
            "s",
            "approve_session",
            "Approve pattern",
            id="approvals.session",
            tooltip="Allow the request's pattern for the rest of the session",
        ),
        Binding(
            "n",
            "deny",
            "Deny…",
            id="approvals.deny",
            tooltip="Refuse the highlighted request, with a reason",
        ),
        Binding("escape", "close", "Close", id="approvals.close", tooltip="Back to the session"),
    ]

    def __init__(self, controller: SessionController) -> None:
        super().__init__()
        self.controller = controller
        self.state: SessionState = controller.state
        self._ids: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="approvals-dialog"):
            yield Label("", id="approvals-title")
            yield OptionList(id="approvals-list")
            yield Static("", id="approvals-detail")
            yield Input(placeholder="Why? (enter denies, escape goes back)", id="deny-reason")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#deny-reason", Input).display = False
        self.controller.bridge.register("approvals", self)
        self.paint(Frame(state=self.controller.state))
        self.query_one(OptionList).focus()

    def on_unmount(self) -> None:
        self.controller.bridge.unregister(self)

    # Panel ------------------------------------------------------------------------------------
    def paint(self, frame: Frame) -> None:
        """Show the requests waiting now, keeping the highlighted one where it still waits."""
        self.state = frame.state
        waiting = list(frame.state.awaiting.values())
        ids = [request.id or "" for request in waiting]
        title = self.query_one("#approvals-title", Label)
        title.update(f"Waiting for approval ({len(ids)})" if ids else EMPTY)
        options = self.query_one(OptionList)
        # (an empty list is not drawn: the title says nothing waits)
        options.display = bool(ids)
        if ids == self._ids:
            return
        previous = self.selected
        self._ids = ids
        options.clear_options()
        options.add_options([Option(request_line(r), id=r.id) for r in waiting])
        if ids:
            options.highlighted = ids.index(previous) if previous in ids else 0
            if self.focused is None:
                options.focus()
        self._show_detail()
        self.refresh_bindings()

    @property
    def selected(self) -> str | None:
        options = self.query_one(OptionList)
        index = options.highlighted
        if index is None or not 0 <= index < len(self._ids):
            return None
        return self._ids[index]

    def _show_detail(self) -> None:
        request = self.state.awaiting.get(self.selected or "")
        detail = self.query_one("#approvals-detail", Static)
        if request is None:
            detail.update("")
            return
        path = self.controller.session_path
        detail.update(request_detail(request, str(path) if path is not None else None))

    @on(OptionList.OptionHighlighted)
    def _highlighted(self) -> None:
        self._show_detail()
        self.refresh_bindings()

    # Deciding ---------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("approve", "deny"):
            return self.selected is not None
        if action == "approve_session":
            request = self.state.awaiting.get(self.selected or "")
            return request is not None and request.pattern is not None
        return True

    def action_approve(self) -> None:
        if self.selected is not None:
            self.controller.approve(self.selected)

    def action_approve_session(self) -> None:
        if self.selected is not None:
            self.controller.approve(self.selected, for_session=True)

    def action_deny(self) -> None:
        if self.selected is None:
            return
        reason = self.query_one("#deny-reason", Input)
        reason.display = True
        reason.value = ""
        reason.focus()

    @on(Input.Submitted, "#deny-reason")
    def _deny_with_reason(self, event: Input.Submitted) -> None:
        event.stop()
        if self.selected is not None:
            self.controller.deny(self.selected, event.value.strip())
        self._close_reason()

    def _close_reason(self) -> None:
        self.query_one("#deny-reason", Input).display = False
        self.query_one(OptionList).focus()

    def action_close(self) -> None:
        if self.query_one("#deny-reason", Input).display:
            self._close_reason()
        else:
            self.dismiss(None)
