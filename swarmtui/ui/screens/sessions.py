"""The sessions browser: past sessions, filtered by typing and sorted; enter replays one, and a
session's batch can be edited, run again, or the session deleted (after asking).

Forks are shown with their family: a fork's row comes right under the session it was forked
from, indented. Two sessions marked (f6) are compared side by side (f7). While a session is
being recorded, the list is read again every few seconds. f9 opens the merge view of a session
whose agents worked in git worktrees.
"""

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
from swarmtui.ui.look import clip_start, format_seconds
from swarmtui.ui.messages import BatchRequested
from swarmtui.ui.widgets.key_bar import KeyBar
from swarmtui.ui.work import ReportsFailures, WorkFailed

# While a session is being recorded, the list is read again this often (seconds).
LIVE_REFRESH_SECONDS = 2.0

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


def families(infos: list[SessionInfo]) -> list[tuple[SessionInfo, int]]:
    """INFOS in their order, each fork moved right under the session it was forked from (when
    that one is listed), with its depth in the family."""
    listed = {info.id for info in infos}
    children: dict[str, list[SessionInfo]] = {}
    roots: list[SessionInfo] = []
    for info in infos:
        parent = info.forked_from
        if parent is not None and parent in listed and parent != info.id:
            children.setdefault(parent, []).append(info)
        else:
            roots.append(info)
    out: list[tuple[SessionInfo, int]] = []
    seen: set[str] = set()

    def walk(info: SessionInfo, depth: int) -> None:
        if info.id in seen:
            return
        seen.add(info.id)
        out.append((info, depth))
        for child in children.get(info.id, []):
            walk(child, depth + 1)

    for info in [*roots, *infos]:  # (then whatever a cycle of ids kept from the roots)
        walk(info, 0)
    return out


def matches(info: SessionInfo, query: str) -> bool:
    """Every word of the query appears in the title, id, status, backend or start time."""
    haystack = " ".join(
        (info.title, info.id, info.status, info.backend, info.started_at, info.path.name)
    ).lower()
    return all(word in haystack for word in query.lower().split())


# The list's columns, their titles and widths (the title's and the id's follow the terminal).
COLUMNS = ("title", "started", "id", "status", "agents", "wall", "speedup")
COLUMN_LABELS = {
    "title": "Title",
    "started": "Started",
    "id": "Id",
    "status": "Status",
    "agents": "Agents",
    "wall": "Wall",
    "speedup": "Speed-up",
}
COLUMN_WIDTHS = {"started": 19, "status": 13, "agents": 6, "wall": 7, "speedup": 8}
# Too narrow for every column: these go first, in this order; the title and status stay.
DROPPED = ("speedup", "agents", "id", "wall", "started")
MIN_TITLE = 12
TABLE_MARGINS = 3  # (the table's margins and its scrollbar)


class SessionsScreen(ReportsFailures, Screen[None]):
    """Lists the sessions recorded in `sessions_dir`; never fails on a broken folder."""

    CSS_PATH = "sessions.tcss"
    AUTO_FOCUS = "#sessions-filter"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="sessions.back", tooltip="Close the sessions browser"),
        # Priority, as the F-keys: a non-priority key goes round the focused widget's queue
        # first, so f6 down f7 typed fast would mark and compare before the highlight moved.
        Binding(
            "down",
            "cursor(1)",
            "Next",
            show=False,
            priority=True,
            id="sessions.next",
            tooltip="Highlight the next session",
        ),
        Binding(
            "up",
            "cursor(-1)",
            "Previous",
            show=False,
            priority=True,
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
            "f6",
            "mark",
            "Mark",
            id="sessions.mark",
            tooltip="Mark the highlighted session to compare it (two at most: A, then B)",
            priority=True,
        ),
        Binding(
            "f7",
            "compare",
            "Compare",
            id="sessions.compare",
            tooltip="Compare the two marked sessions side by side (one marked: with the "
            "highlighted one; none: a fork with its source)",
            priority=True,
        ),
        Binding(
            "f8",
            "delete",
            "Delete",
            id="sessions.delete",
            tooltip="Delete the highlighted session's folder (asks first)",
            priority=True,
        ),
        Binding(
            "f9",
            "merge",
            "Merge",
            id="sessions.merge",
            tooltip="Merge the highlighted session's agent branches back (checked with git first)",
            priority=True,
        ),
    ]

    def __init__(self, sessions_dir: Path) -> None:
        super().__init__()
        self.sessions_dir = sessions_dir
        self.sessions: list[SessionInfo] = []
        self.shown: list[SessionInfo] = []
        self.listed = False  # the folder has been read once
        # Listings started, and the newest one shown: an older one that ends after a newer one
        # (two readings in flight, say one started just before a session was deleted) is not
        # shown over it.
        self.listings = 0
        self.shown_listing = 0
        self.sort = 0  # index in SORTS
        self.marked: list[Path] = []  # sessions marked to compare: A, then B
        self.depth: dict[Path, int] = {}  # each shown session's depth in its family

    class Listed(Message):
        """The sessions of the folder, read, newest first."""

        def __init__(self, sessions: list[SessionInfo], listing: int) -> None:
            super().__init__()
            self.sessions = sessions
            self.listing = listing

    def compose(self) -> ComposeResult:
        yield Static(safe_text(f"Sessions · {self.sessions_dir}"), id="sessions-title")
        yield Input(placeholder="Type to filter by title, id, status…", id="sessions-filter")
        yield DataTable(id="sessions-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="sessions-detail")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_interval(LIVE_REFRESH_SECONDS, self._refresh_while_recording)
        self._set_columns(self.app.size.width)
        self.action_refresh()

    @staticmethod
    def _id_width(screen_width: int) -> int:
        # Ids are long (`session-20261129-224338-` and a slug of up to 40): their start, the
        # date the Started column shows, is cut first (with …), and they share what is left
        # evenly with the title.
        return max(10, min(64, (screen_width - 84) // 2 + 10))

    @classmethod
    def _title_width(cls, screen_width: int) -> int:
        # What the other columns, cell padding, margins and a scrollbar leave, within reason.
        return max(12, min(64, screen_width - 72 - cls._id_width(screen_width)))

    @classmethod
    def columns_for(cls, screen_width: int) -> list[tuple[str, int]]:
        """(column key, width) shown in a terminal this wide: every column while the title
        keeps 12 cells, else the columns of DROPPED go first, in its order (the status
        stays, next to the title)."""
        widths = dict(COLUMN_WIDTHS, id=cls._id_width(screen_width))
        shown = list(COLUMNS)
        for dropped in (None, *DROPPED):
            if dropped is not None:
                shown.remove(dropped)
            # (each column has a cell of padding on either side)
            others = sum(widths[key] + 2 for key in shown if key != "title")
            room = screen_width - others - 2 - TABLE_MARGINS
            if room >= MIN_TITLE or dropped == DROPPED[-1]:
                title = cls._title_width(screen_width) if dropped is None else min(64, room)
                return [
                    (key, max(MIN_TITLE // 2, title) if key == "title" else widths[key])
                    for key in shown
                ]
        raise AssertionError("unreachable: the last drop returns")

    def _set_columns(self, screen_width: int) -> bool:
        """Lay the columns out for the width; whether they changed (the rows must be made
        again: their cells were cut to the old widths)."""
        table = self.query_one(DataTable)
        wanted = self.columns_for(screen_width)
        now = [(key.value, column.width) for key, column in table.columns.items()]
        if now == wanted:
            return False
        if [key for key, _ in now] == [key for key, _ in wanted]:
            for key, width in wanted:
                table.columns[ColumnKey(key)].width = width
        else:
            table.clear(columns=True)
            for key, width in wanted:
                table.add_column(COLUMN_LABELS[key], key=key, width=width)
        return True

    def on_resize(self, event: events.Resize) -> None:
        if self._set_columns(event.size.width):
            self._fill(self.query_one(Input).value)

    def on_screen_resume(self) -> None:
        # Back from a replay or a run: a session may have been recorded meanwhile.
        if self.is_mounted:
            self.action_refresh()

    def action_refresh(self) -> None:
        self.listings += 1
        self._list(self.listings)

    def _refresh_while_recording(self) -> None:
        """A session being recorded changes (its status, wall time, agents): read again."""
        if self.listed and any(info.status == "running" for info in self.sessions):
            self.action_refresh()

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
    def _list(self, listing: int) -> None:
        self.post_message(self.Listed(list_sessions(self.sessions_dir), listing))

    @on(Listed)
    def _listed(self, message: Listed) -> None:
        if message.listing < self.shown_listing:
            return  # (a newer reading is on the screen already)
        self.shown_listing = message.listing
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
        before = self.highlighted
        table.clear()
        _label, key, reverse = SORTS[self.sort]
        ordered = sorted(
            (info for info in self.sessions if matches(info, query)),
            key=lambda info: sort_key(info, key),
            reverse=reverse,
        )
        if not reverse:  # (sessions without the figure last, whichever the direction)
            ordered.sort(key=lambda info: sort_key(info, key)[0] is False)
        family = families(ordered)
        self.shown = [info for info, _depth in family]
        self.depth = {info.path: depth for info, depth in family}
        self.marked = [path for path in self.marked if any(i.path == path for i in self.sessions)]
        variables = self.app.theme_variables
        id_width = self._id_width(self.app.size.width)
        keys = [key.value for key in table.columns]
        for index, info in enumerate(self.shown):
            status_style = variables.get(STATUS_COLOUR.get(info.status, "agent-pending"), "")
            title = self._title_cell(info)
            cells: dict[str | None, object] = {
                "title": _cut(title),
                "started": format_started(info.started_at),
                "id": safe_text(clip_start(info.id, id_width), style="dim"),
                "status": _cut(
                    safe_text(("⚠ " if info.error else "") + info.status, style=status_style)
                ),
                "agents": Text(str(info.agents) if not info.error else "", justify="right"),
                "wall": Text(format_seconds(info.wall_seconds), justify="right"),
                "speedup": Text(f"{info.speedup:.1f}×" if info.speedup else "", justify="right"),
            }
            table.add_row(*(cells[key] for key in keys), key=str(index))
        if before is not None:  # (read again, sorted, filtered: the same session stays lit)
            row = next((i for i, info in enumerate(self.shown) if info.path == before.path), 0)
            table.move_cursor(row=row)
        self._describe()

    def _title_cell(self, info: SessionInfo) -> Text:
        """The title, under its source's row when it is a fork, with its compare mark."""
        cell = Text()
        if info.path in self.marked:
            cell.append(f"[{'AB'[self.marked.index(info.path)]}] ", "bold reverse")
        depth = self.depth.get(info.path, 0)
        if depth:
            cell.append("  " * (depth - 1) + "└ ", "dim")
        elif info.forked_from is not None:  # (its source is not listed: said all the same)
            cell.append("↳ ", "dim")
        cell.append_text(
            safe_text(info.title or info.path.name, style="italic" if info.error else "")
        )
        return cell

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
            origin = (
                f" · forked from {info.forked_from} at event {info.forked_at}"
                if info.forked_from is not None
                else ""
            )
            detail.update(
                safe_text(f"{info.id} · {info.backend}{origin} · {info.path} · sorted: {sort}")
            )

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
        self.refresh_bindings()  # (f9 is shown for a session whose agents had worktrees)

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

    def action_mark(self) -> None:
        info = self.highlighted
        if info is None:
            return
        if info.path in self.marked:
            self.marked.remove(info.path)
        else:
            self.marked = [*self.marked[-1:], info.path]  # (a third mark drops the first)
        self._fill(self.query_one(Input).value)

    def action_compare(self) -> None:
        """Compare the marked sessions (one marked: with the highlighted one; none marked: the
        highlighted fork with its source)."""
        info = self.highlighted
        pair: list[Path] = list(self.marked)
        if len(pair) == 1 and info is not None and info.path != pair[0]:
            pair.append(info.path)
        elif not pair and info is not None and info.forked_from is not None:
            source = next((i for i in self.sessions if i.id == info.forked_from), None)
            if source is not None:
                pair = [source.path, info.path]
        if len(pair) != 2:
            self.notify(
                "Mark two sessions with f6 (or one, and highlight the other), then f7.",
                severity="warning",
            )
            return
        from swarmtui.ui.screens.compare import CompareScreen

        self.app.push_screen(CompareScreen(pair[0], pair[1]))

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

    def action_merge(self) -> None:
        """The merge view of the highlighted session: its branches checked with git, merged
        only when asked (a replay shows them as recorded, without git)."""
        info = self.highlighted
        if info is None or not self.check_action("merge", ()):
            return
        from swarmtui.ui.screens.merge import MergeScreen

        self.app.push_screen(MergeScreen(info.path))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Served read-only: nothing here changes or runs anything.
        if action in ("edit", "rerun", "delete", "merge") and getattr(self.app, "read_only", False):
            return False
        if action == "merge":  # (a session whose agents worked in git worktrees)
            info = self.highlighted if self.shown else None  # (none listed yet)
            return info is not None and (info.path / "worktrees").is_dir()
        return True

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        else:
            self.app.exit()
