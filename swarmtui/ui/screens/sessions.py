"""The sessions browser: past sessions, newest first, filtered by typing; enter replays one."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static
from textual.widgets.data_table import ColumnKey

from swarmtui.store.sessions import SessionInfo, list_sessions
from swarmtui.ui.look import format_seconds
from swarmtui.ui.work import ReportsFailures, WorkFailed

# Session status -> the agent status whose theme colour shows it.
STATUS_COLOUR = {
    "completed": "agent-done",
    "running": "agent-running",
    "failed": "agent-failed",
    "cancelled": "agent-cancelled",
    "interrupted": "agent-waiting",
    "unreadable": "agent-failed",
}


def format_started(started_at: str) -> str:
    """`2026-11-29T22:43:38Z` → `2026-11-29 22:43` (unparseable text is shown as is)."""
    text = started_at.replace("T", " ").removesuffix("Z").split(".")[0].split("+")[0]
    if len(text) == 19 and text[16] == ":":
        return text[:16]
    return text


def matches(info: SessionInfo, query: str) -> bool:
    """Every word of the query appears in the title, id, status, backend or start time."""
    haystack = " ".join(
        (info.title, info.id, info.status, info.backend, info.started_at, info.path.name)
    ).lower()
    return all(word in haystack for word in query.lower().split())


class SessionsScreen(ReportsFailures, Screen[None]):
    """Lists the sessions recorded in `sessions_dir`; never fails on a broken folder."""

    CSS_PATH = "sessions.tcss"
    AUTO_FOCUS = "#sessions-filter"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="sessions.back", tooltip="Close the sessions browser"),
        Binding(
            "down",
            "cursor(1)",
            "Next",
            show=False,
            id="sessions.next",
            tooltip="Highlight the next session",
        ),
        Binding(
            "up",
            "cursor(-1)",
            "Previous",
            show=False,
            id="sessions.previous",
            tooltip="Highlight the previous session",
        ),
        Binding(
            "enter",
            "open",
            "Replay",
            id="sessions.open",
            tooltip="Replay the highlighted session",
        ),
        Binding(
            "f5",
            "refresh",
            "Refresh",
            id="sessions.refresh",
            tooltip="Read the sessions folder again",
        ),
    ]

    def __init__(self, sessions_dir: Path) -> None:
        super().__init__()
        self.sessions_dir = sessions_dir
        self.sessions: list[SessionInfo] = []
        self.shown: list[SessionInfo] = []
        self.listed = False  # the folder has been read once

    class Listed(Message):
        """The sessions of the folder, read, newest first."""

        def __init__(self, sessions: list[SessionInfo]) -> None:
            super().__init__()
            self.sessions = sessions

    def compose(self) -> ComposeResult:
        yield Static(f"Sessions · {self.sessions_dir}", id="sessions-title")
        yield Input(placeholder="Type to filter by title, id, status…", id="sessions-filter")
        yield DataTable(id="sessions-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="sessions-detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Title", key="title", width=self._title_width(self.app.size.width))
        table.add_column("Started", key="started", width=16)
        table.add_column("Status", key="status", width=13)
        table.add_column("Agents", key="agents", width=6)
        table.add_column("Wall", key="wall", width=7)
        table.add_column("Speed-up", key="speedup", width=8)
        self.action_refresh()

    @staticmethod
    def _title_width(screen_width: int) -> int:
        # What the other columns, cell padding, margins and a scrollbar leave, within reason.
        return max(12, min(48, screen_width - 66))

    def on_resize(self, event: events.Resize) -> None:
        table = self.query_one(DataTable)
        column = table.columns.get(ColumnKey("title"))
        width = self._title_width(event.size.width)
        if column is not None and column.width != width:
            column.width = width
            table.refresh()

    def on_screen_resume(self) -> None:
        # Back from a replay or a run: a session may have been recorded meanwhile.
        if self.is_mounted:
            self.action_refresh()

    def action_refresh(self) -> None:
        self._list()

    # A thread worker: listing is one small read per folder, and aiosqlite's hop to its thread
    # per statement made it slower (200 sessions: 0.41 s against 0.23 s, the screen as live
    # either way; bench/ui.py).
    @work(
        thread=True,
        exclusive=True,
        group="sessions-list",
        exit_on_error=False,
        description="Cannot list",
    )
    def _list(self) -> None:
        self.post_message(self.Listed(list_sessions(self.sessions_dir)))

    @on(Listed)
    def _listed(self, message: Listed) -> None:
        self.sessions = message.sessions
        self.listed = True
        self._fill(self.query_one(Input).value)

    @on(WorkFailed)
    def _list_failed(self, message: WorkFailed) -> None:
        # Listing promises not to raise; if it does, the browser stays usable and says why.
        if message.group == "sessions-list":
            message.stop()
            self.sessions = []
            self.listed = True
            self._fill(self.query_one(Input).value)
            text = f"cannot list {self.sessions_dir}: {message.reason}"
            self.notify(text, severity="error", markup=False)

    def _fill(self, query: str) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self.shown = [info for info in self.sessions if matches(info, query)]
        variables = self.app.theme_variables
        for index, info in enumerate(self.shown):
            status_style = variables.get(STATUS_COLOUR.get(info.status, "agent-pending"), "")
            title = info.title or info.path.name
            table.add_row(
                Text(title, style="italic" if info.error else ""),
                format_started(info.started_at),
                Text(("⚠ " if info.error else "") + info.status, style=status_style),
                Text(str(info.agents) if not info.error else "", justify="right"),
                Text(format_seconds(info.wall_seconds), justify="right"),
                Text(f"{info.speedup:.1f}×" if info.speedup else "", justify="right"),
                key=str(index),
            )
        self._describe()

    def _describe(self) -> None:
        detail = self.query_one("#sessions-detail", Static)
        info = self.highlighted
        if info is None:
            total = len(self.sessions)
            if not self.listed:
                detail.update(f"Reading {self.sessions_dir}…")
            elif total == 0:
                detail.update(f"No sessions recorded in {self.sessions_dir} yet.")
            else:
                detail.update(f"No session matches the filter ({total} in all).")
        elif info.error:
            detail.update(Text(info.error, style=self.app.theme_variables.get("error", "")))
        else:
            detail.update(f"{info.id} · {info.backend} · {info.path}")

    @property
    def highlighted(self) -> SessionInfo | None:
        table = self.query_one(DataTable)
        if not self.shown or table.cursor_row < 0 or table.cursor_row >= len(self.shown):
            return None
        return self.shown[table.cursor_row]

    @on(Input.Changed, "#sessions-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        self._describe()

    @on(Input.Submitted, "#sessions-filter")
    @on(DataTable.RowSelected)
    def _chosen(self) -> None:
        self.action_open()

    def action_cursor(self, delta: int) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + delta)))

    def action_open(self) -> None:
        info = self.highlighted
        if info is None:
            return
        if info.error:
            self.notify(info.error, title="Cannot replay this session", severity="error")
            return
        from swarmtui.ui.screens.replay import ReplayScreen

        self.app.push_screen(ReplayScreen(info.path))

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        else:
            self.app.exit()
