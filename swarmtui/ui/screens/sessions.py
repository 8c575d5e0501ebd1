"""The sessions browser: past sessions, filtered by typing and sorted; enter replays one, and a
session's batch can be edited, run again, or the session deleted (after asking)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static
from textual.widgets.data_table import ColumnKey

from swarmtui.safe_text import safe_text, visible
from swarmtui.store.sessions import SessionInfo, list_sessions
from swarmtui.ui.look import clip, format_seconds
from swarmtui.ui.messages import BatchRequested
from swarmtui.ui.widgets.key_bar import KeyBar
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
    """`2026-11-29T22:43:38Z` → `2026-11-29 22:43:38` (unparseable text is shown as is)."""
    return started_at.replace("T", " ").removesuffix("Z").split(".")[0].split("+")[0]


# What `f4` sorts by, in turn: (label, key, newest/largest first).
SORTS: list[tuple[str, str, bool]] = [
    ("newest first", "started", True),
    ("oldest first", "started", False),
    ("title", "title", False),
    ("status", "status", False),
    ("longest first", "wall", True),
    ("fastest first", "speedup", True),
]


def sort_key(info: SessionInfo, key: str) -> tuple[object, ...]:
    """What a session is sorted on (sessions without the figure go last either way)."""
    value: object = {
        "started": info.started_at,
        "title": (info.title or info.id).lower(),
        "status": info.status,
        "wall": info.wall_seconds,
        "speedup": info.speedup,
    }[key]
    return (value is not None, value if value is not None else 0, info.id)


def _cut(text: Text) -> Text:
    """A cell that ends in "…" when its column is too narrow (never cut mid-word silently)."""
    text.overflow = "ellipsis"
    text.no_wrap = True
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
            priority=True,  # (shown in the footer, and from the filter too)
        ),
        Binding(
            "f2",
            "edit",
            "Edit batch",
            id="sessions.edit",
            tooltip="Open the session's batch in the editor (as a new, unsaved batch)",
            priority=True,
        ),
        Binding(
            "f3",
            "rerun",
            "Run again",
            id="sessions.rerun",
            tooltip="Run the session's batch again as a new session",
            priority=True,
        ),
        Binding(
            "f4",
            "sort",
            "Sort",
            id="sessions.sort",
            tooltip="Sort by the next column",
            priority=True,
        ),
        Binding(
            "f5",
            "refresh",
            "Refresh",
            id="sessions.refresh",
            tooltip="Read the sessions folder again",
        ),
        Binding(
            "f8",
            "delete",
            "Delete",
            id="sessions.delete",
            tooltip="Delete the highlighted session's folder (asks first)",
            priority=True,
        ),
    ]

    def __init__(self, sessions_dir: Path) -> None:
        super().__init__()
        self.sessions_dir = sessions_dir
        self.sessions: list[SessionInfo] = []
        self.shown: list[SessionInfo] = []
        self.listed = False  # the folder has been read once
        self.sort = 0  # index in SORTS

    class Listed(Message):
        """The sessions of the folder, read, newest first."""

        def __init__(self, sessions: list[SessionInfo]) -> None:
            super().__init__()
            self.sessions = sessions

    def compose(self) -> ComposeResult:
        yield Static(safe_text(f"Sessions · {self.sessions_dir}"), id="sessions-title")
        yield Input(placeholder="Type to filter by title, id, status…", id="sessions-filter")
        yield DataTable(id="sessions-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="sessions-detail")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Title", key="title", width=self._title_width(self.app.size.width))
        table.add_column("Started", key="started", width=19)
        table.add_column("Id", key="id", width=self._id_width(self.app.size.width))
        table.add_column("Status", key="status", width=13)
        table.add_column("Agents", key="agents", width=6)
        table.add_column("Wall", key="wall", width=7)
        table.add_column("Speed-up", key="speedup", width=8)
        self.action_refresh()

    @staticmethod
    def _id_width(screen_width: int) -> int:
        # Ids are long (`session-20261129-224338-slug`): their tail is cut first (with …).
        return max(10, min(36, (screen_width - 84) // 2 + 10))

    @classmethod
    def _title_width(cls, screen_width: int) -> int:
        # What the other columns, cell padding, margins and a scrollbar leave, within reason.
        return max(12, min(48, screen_width - 72 - cls._id_width(screen_width)))

    def on_resize(self, event: events.Resize) -> None:
        table = self.query_one(DataTable)
        for key, width in (
            ("title", self._title_width(event.size.width)),
            ("id", self._id_width(event.size.width)),
        ):
            column = table.columns.get(ColumnKey(key))
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
        _label, key, reverse = SORTS[self.sort]
        self.shown = sorted(
            (info for info in self.sessions if matches(info, query)),
            key=lambda info: sort_key(info, key),
            reverse=reverse,
        )
        if not reverse:  # (sessions without the figure last, whichever the direction)
            self.shown.sort(key=lambda info: sort_key(info, key)[0] is False)
        variables = self.app.theme_variables
        id_width = self._id_width(self.app.size.width)
        for index, info in enumerate(self.shown):
            status_style = variables.get(STATUS_COLOUR.get(info.status, "agent-pending"), "")
            title = info.title or info.path.name
            table.add_row(
                _cut(safe_text(title, style="italic" if info.error else "")),
                format_started(info.started_at),
                safe_text(clip(info.id, id_width), style="dim"),
                safe_text(("⚠ " if info.error else "") + info.status, style=status_style),
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
                detail.update(safe_text(f"Reading {self.sessions_dir}…"))
            elif total == 0:
                detail.update(safe_text(f"No sessions recorded in {self.sessions_dir} yet."))
            else:
                detail.update(f"No session matches the filter ({total} in all).")
        elif info.error:
            detail.update(safe_text(info.error, style=self.app.theme_variables.get("error", "")))
        else:
            sort = SORTS[self.sort][0]
            detail.update(safe_text(f"{info.id} · {info.backend} · {info.path} · sorted: {sort}"))

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

    def action_sort(self) -> None:
        self.sort = (self.sort + 1) % len(SORTS)
        self._fill(self.query_one(Input).value)
        self.notify(f"Sorted: {SORTS[self.sort][0]}", timeout=2)

    def _batch_of(self, info: SessionInfo) -> str | None:
        """The batch the session ran (its own copy), or None after saying why not."""
        from swarmtui.engine.folders import BATCH_FILE

        try:
            return (info.path / BATCH_FILE).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.notify(
                visible(f"{info.path / BATCH_FILE}: cannot be read ({exc})"),
                severity="error",
                markup=False,
            )
            return None

    def _to_editor(self, then_run: bool) -> None:
        info = self.highlighted
        if info is None:
            return
        text = self._batch_of(info)
        if text is None:
            return
        self.post_message(BatchRequested(text, run=then_run))

    def action_edit(self) -> None:
        self._to_editor(then_run=False)

    def action_rerun(self) -> None:
        self._to_editor(then_run=True)

    def action_delete(self) -> None:
        info = self.highlighted
        if info is None:
            return
        from swarmtui.store.eventlog import writer_alive

        if writer_alive(info.path):
            self.notify("This session is still running: it cannot be deleted.", severity="warning")
            return
        if (info.path / "worktrees").is_dir():
            self._ask_delete(info)  # (its agents had git worktrees: what goes with them?)
        else:
            self._confirm_delete(info, [])

    @work(thread=True, group="sessions-delete", exit_on_error=False, description="Cannot delete")
    def _ask_delete(self, info: SessionInfo) -> None:
        # (Its worktrees' unmerged work is found with git: off the event loop.)
        from swarmtui.store.workspaces import deletion_notes

        notes = deletion_notes(info.path)
        self.app.call_from_thread(self._confirm_delete, info, notes)

    def _confirm_delete(self, info: SessionInfo, notes: list[str]) -> None:
        from swarmtui.ui.screens.ask import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(info.path)

        detail = " ".join([f"Its folder goes, with its events and artifacts: {info.path}", *notes])
        question = ConfirmScreen(f"Delete {info.id}?", detail, yes="Delete", no="Keep it")
        self.app.push_screen(question, answered)

    @work(thread=True, group="sessions-delete", exit_on_error=False, description="Cannot delete")
    def _delete(self, path: Path) -> None:
        from swarmtui.store.workspaces import delete_session

        done = delete_session(path, discard_unmerged=True)  # (the question said what goes)
        for problem in done.problems:
            self.app.call_from_thread(self.notify, problem, severity="warning", markup=False)
        self.app.call_from_thread(self.action_refresh)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Served read-only: nothing here changes or runs anything.
        return not (action in ("edit", "rerun", "delete") and getattr(self.app, "read_only", False))

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        else:
            self.app.exit()
