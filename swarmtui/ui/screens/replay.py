"""Replay: a recorded session's panels, read-only, driven by a ReplayCursor over its events.

Nothing here runs a command or calls a model: the screen reads `session.db` (an async worker:
aiosqlite reads it in its thread, validation goes in chunks, so a long log never blocks the
event loop) and folds the events it recorded, painting through the same bridge as a live
session.
Playback follows the events' recorded times scaled by the speed; a timer advances a playhead
and the cursor jumps to the last event at or before it.

A session another process is still recording is followed live: the events its writer commits
are read as they come (read-only, `swarmtui.store.follow`), and while the playhead is at the
end its clock moves with the session's. F forks the session at the playhead (the main screen
prepares the fork: `swarmtui.ui.fork_flow`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import DescendantFocus, Resize
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

from swarmtui.engine.events import Event
from swarmtui.safe_text import safe_text, visible
from swarmtui.store.aio import read_events_async
from swarmtui.store.errors import SessionStoreError
from swarmtui.store.follow import FOLLOW_SECONDS, SessionFollower
from swarmtui.store.fork import source_note
from swarmtui.store.points import TIME_HELP, parse_time
from swarmtui.store.replay import interrupted_end, recording_time_now
from swarmtui.store.replay_cursor import ReplayCursor
from swarmtui.ui.bridge import Frame, Panel, SessionBridge
from swarmtui.ui.look import format_seconds
from swarmtui.ui.messages import AgentChosen, ForkRequested
from swarmtui.ui.screens.main_keys import PANES, pane_bindings
from swarmtui.ui.widgets.agents_panel import AgentsPanel
from swarmtui.ui.widgets.key_bar import KeyBar
from swarmtui.ui.widgets.log_panel import LogPanel
from swarmtui.ui.widgets.memory_panel import MemoryPanel
from swarmtui.ui.widgets.status_bar import StatusBar
from swarmtui.ui.widgets.tiles import focus_in_pane, resized, set_compact, show_focused_pane
from swarmtui.ui.widgets.timeline_panel import TimelinePanel
from swarmtui.ui.widgets.todos_panel import TodosPanel
from swarmtui.ui.work import ReportsFailures, WorkFailed

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)
TICK_SECONDS = 1 / 30  # the repaint bound the live screen uses too
LOG_REBUILD_LIMIT = 2_000  # the log panel is bounded; a backward seek refills only its tail

__all__ = ["TIME_HELP", "ReplayScreen", "format_speed", "parse_time"]

# The main screen's panes but the editor: the same keys (and ids, so a remap moves both) focus
# them, and in a small terminal show the one focused.
REPLAY_PANES = {pane: f"replay-{pane}" for pane in PANES if pane != "editor"}


def format_speed(speed: float) -> str:
    return f"{speed:g}×"


class _PositionLine:
    """The position line as a panel of the bridge: painted in the status bar's frame, so the
    two show the same time while the clock moves between events (the line ran ahead)."""

    def __init__(self, show: Callable[[], None]) -> None:
        self._show = show

    def paint(self, frame: Frame) -> None:
        self._show()


class ReplayScreen(ReportsFailures, Screen[None]):
    """Opens `session_path` and replays it; escape goes back."""

    CSS_PATH = "replay.tcss"
    # Priority: the panels bind home/end/space for themselves, but in a replay these keys
    # always drive the playhead.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "space",
            "toggle_play",
            "Play/pause",
            priority=True,
            id="replay.play",
            tooltip="Play or pause the replay",
        ),
        Binding(
            "left",
            "step(-1)",
            "Back 1",
            priority=True,
            id="replay.step_back",
            tooltip="Go back one event",
        ),
        Binding(
            "right",
            "step(1)",
            "Fwd 1",
            priority=True,
            id="replay.step_forward",
            tooltip="Go forward one event",
        ),
        Binding(
            "shift+left",
            "jump(-0.1)",
            "-10%",
            priority=True,
            key_display="⇧←",
            id="replay.back_10",
            tooltip="Go back a tenth of the session",
        ),
        Binding(
            "shift+right",
            "jump(0.1)",
            "+10%",
            priority=True,
            key_display="⇧→",
            id="replay.forward_10",
            tooltip="Go forward a tenth of the session",
        ),
        Binding(
            "home",
            "start",
            "Start",
            priority=True,
            show=False,  # the footer has no room at 120 columns: listed in help (f1)
            id="replay.start",
            tooltip="Go to the start of the session",
        ),
        Binding(
            "end",
            "end",
            "End",
            priority=True,
            show=False,  # the footer has no room at 120 columns: listed in help (f1)
            id="replay.end",
            tooltip="Go to the end of the session",
        ),
        Binding(
            "plus,equals_sign",
            "speed(1)",
            "Faster",
            priority=True,
            key_display="+",
            id="replay.faster",
            tooltip="Double the playback speed (up to 64×)",
        ),
        Binding(
            "minus",
            "speed(-1)",
            "Slower",
            priority=True,
            key_display="-",
            id="replay.slower",
            tooltip="Halve the playback speed (down to 0.25×)",
        ),
        Binding(
            "t",
            "seek_time",
            "Go to time",
            priority=True,
            show=False,  # the footer has no room at 120 columns: listed in help (f1)
            id="replay.seek",
            tooltip="Move the playhead to a time (seconds, or 1m30s, or 40%)",
        ),
        Binding(
            "F",
            "fork",
            "Fork here",
            priority=True,
            id="replay.fork",
            tooltip="A new session from this point (batch and memory editable)",
        ),
        Binding(
            "M",
            "merge",
            "Branches",
            id="replay.merge",
            tooltip="The agents' branches, as recorded",
        ),
        Binding("escape", "back", "Back", id="replay.back", tooltip="Leave the replay"),
        *pane_bindings(REPLAY_PANES),
    ]
    ALLOW_IN_MAXIMIZED_VIEW = "#replay-title, #replay-position, StatusBar, KeyBar"

    playing: reactive[bool] = reactive(False, bindings=True)
    speed: reactive[float] = reactive(1.0)

    def __init__(self, session_path: Path, *, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.session_path = session_path
        self._clock = clock  # tests freeze it and move the playhead with `advance`
        self.cursor: ReplayCursor | None = None
        self.error: str | None = None
        self.has_worktrees = False  # (its agents worked in git worktrees: it can be merged)
        self.damaged_fork: ForkRequested | None = None  # (a log that cannot be replayed)
        self.playhead = 0.0  # recorded seconds since the session started
        self._last_tick: float | None = None
        self._timer: Timer | None = None
        self._log_position = 0
        self.bridge: SessionBridge | None = None
        # The recording stops without a session_finished event: the run was killed.
        self.interrupted = False
        # Another process records the session now: its events are followed as they come.
        self.live = False
        self.recorded_here = False  # (live, and recorded by this app's own session)
        self._live_anchor = (0.0, 0.0)  # (the recording session's time, this clock then)
        self.followed = asyncio.Event()  # set whenever followed events arrive (tests wait on it)

    def compose(self) -> ComposeResult:
        set_compact(self, self.app.size, update=False)  # (as the main screen: before its panes)
        yield Static(safe_text(f"Replay · {self.session_path.name}"), id="replay-title")
        with Horizontal(id="replay-body"):
            with Vertical(id="replay-left"):
                agents = AgentsPanel(read_only=True, id="replay-agents", classes="pane")
                agents.border_title = "Agents"
                yield agents
                timeline = TimelinePanel(read_only=True, id="replay-timeline", classes="pane")
                timeline.border_title = "Timeline"
                yield timeline
            with Vertical(id="replay-right"):
                todos = TodosPanel(read_only=True, id="replay-todos", classes="pane")
                todos.border_title = "Todos"
                yield todos
                memory = MemoryPanel(read_only=True, id="replay-memory", classes="pane")
                memory.border_title = "Memory"
                yield memory
                log = LogPanel(read_only=True, id="replay-log", classes="pane")
                log.border_title = "Log"
                yield log
        yield Static("", id="replay-error")
        yield Static("loading…", id="replay-position")
        yield StatusBar(
            read_only=True, idle="start of the recording: → steps, space plays", id="replay-status"
        )
        yield KeyBar()

    def on_mount(self) -> None:
        self._timer = self.set_interval(TICK_SECONDS, self._tick, pause=True)
        bridge = SessionBridge(self)
        panels: dict[str, Panel] = {
            "agents": self.query_one(AgentsPanel),
            "todos": self.query_one(TodosPanel),
            "memory": self.query_one(MemoryPanel),
            "log": self.query_one(LogPanel),
            "timeline": self.query_one(TimelinePanel),
            "status": self.query_one(StatusBar),
        }
        for name, panel in panels.items():
            bridge.register(name, panel)
        bridge.register("status", _PositionLine(self._show_position))
        self.bridge = bridge
        bridge.start()  # (the playhead moves between events: repainted at the bridge's rate)
        self._load()

    # Small terminals: one pane at a time, as on the main screen ---------------------------
    def on_resize(self, event: Resize) -> None:
        compact = resized(self, event.size)
        self.query_one(StatusBar).set_note("F3…F7 / alt+2…6: panes" if compact else "")
        if compact and self.maximized is None:  # (nothing focused yet: the agents first)
            self.focus_pane("agents")

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        show_focused_pane(self)

    def focus_pane(self, pane: str) -> None:
        panel = self.query_one(f"#{REPLAY_PANES[pane]}", Widget)
        target = panel.key_tree if isinstance(panel, MemoryPanel) else panel
        focus_in_pane(self, target, panel)

    def action_focus_pane(self, pane: str) -> None:
        if pane in REPLAY_PANES:
            self.focus_pane(pane)

    class Loaded(Message):
        """The recorded events, read (and whether the recording was cut off by a kill)."""

        def __init__(self, events: list[Event], interrupted: bool) -> None:
            super().__init__()
            self.events = events
            self.interrupted = interrupted

    class Followed(Message):
        """Events the writer committed since the last read; `ended`: it no longer records."""

        def __init__(self, events: list[Event], ended: bool) -> None:
            super().__init__()
            self.events = events
            self.ended = ended

    @work(exclusive=True, group="replay-load", exit_on_error=False, description="Cannot replay")
    async def _load(self) -> None:
        events = await read_events_async(self.session_path)
        # A killed session ends where it was last seen alive, as `replay --headless` has it.
        end = interrupted_end(events, self.session_path)
        if end is not None:
            events.append(end)
        self.post_message(self.Loaded(events, end is not None))

    @work(exclusive=True, group="replay-follow", exit_on_error=False, description="Cannot follow")
    async def _follow(self, after: int) -> None:
        """Read what the writer commits until it stops recording (reads only)."""
        follower = SessionFollower(self.session_path, after)
        try:
            while True:
                alive = follower.writer_alive
                events = await follower.poll(force=not alive)  # (gone: a last full read)
                ended = not alive or any(e.type == "session_finished" for e in events)
                if events or ended:
                    self.post_message(self.Followed(events, ended))
                if ended:
                    return
                await asyncio.sleep(FOLLOW_SECONDS)
        finally:
            await follower.close()

    @on(WorkFailed)
    def _load_failed(self, message: WorkFailed) -> None:
        if message.group != "replay-load":
            return
        message.stop()  # said in place, on the position line
        error = message.error
        if isinstance(error, SessionStoreError):
            self._failed(str(error))
            self._find_damaged_fork()  # (a damaged log still forks, up to its last good event)
        else:  # anything unexpected still ends as one clean line
            self._failed(f"{self.session_path}: {message.reason}")

    @work(thread=True, group="replay-damaged", exit_on_error=False)
    def _find_damaged_fork(self) -> None:
        from swarmtui.ui.fork_flow import damaged_fork

        fork = damaged_fork(self.session_path)
        if fork is not None and fork.position:
            self.app.call_from_thread(self._damaged_fork_found, fork)

    def _damaged_fork_found(self, fork: ForkRequested) -> None:
        self.damaged_fork = fork
        self.query_one("#replay-error", Static).update(
            "This session cannot be replayed (the reason is below). F forks it up to its last "
            f"readable event (#{fork.position}); escape goes back."
        )
        self.refresh_bindings()

    def _failed(self, message: str) -> None:
        self.error = message.splitlines()[0] if message else "cannot read this session"
        self.query_one("#replay-error", Static).update(
            "This session cannot be replayed (the reason is below). Escape goes back."
        )
        self.add_class("-failed")
        self._show_position()
        self.refresh_bindings()

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        events = message.events
        self.interrupted = message.interrupted
        self.cursor = ReplayCursor(events)
        self.has_worktrees = any(e.type == "worktree_created" for e in events)
        self.refresh_bindings()
        first = events[0] if events else None
        title = getattr(first, "title", "") or self.session_path.name
        self.query_one("#replay-title", Static).update(
            safe_text(f"Replay · {title} · {self.session_path.name}")
        )
        # Open at the end: the finished picture first; home goes back to the start.
        self.cursor.seek(self.cursor.total)
        self.playhead = self.cursor.time
        # No end recorded and not killed: its writer was alive when it was read. Followed
        # from here on, its clock moving at the end (a writer that ended meanwhile: the
        # follower's first read takes the rest and the end).
        if not message.interrupted and not any(e.type == "session_finished" for e in events):
            self.live = True
            self.recorded_here = self._recorded_here()
            # (its clock has gone on since its last event: from when its batch was written)
            now = recording_time_now(events, self.session_path) or 0.0
            self._live_anchor = (max(self.cursor.time, now), self._clock())
            if self._timer is not None:
                self._timer.resume()
            self._follow(events[-1].seq if events else 0)
        self._paint()
        if self.live:
            self.tick_live()  # (at its clock now, not at its last event)

    @on(Followed)
    def _followed(self, message: Followed) -> None:
        cursor = self.cursor
        if cursor is None:
            return
        following = self.following
        cursor.extend(message.events)
        if any(e.type == "worktree_created" for e in message.events):
            self.has_worktrees = True
            self.refresh_bindings()
        if message.ended:
            self.live = False
            end = interrupted_end(cursor.events, self.session_path)
            if end is not None:  # (killed while followed)
                cursor.extend([end])
                self.interrupted = True
            if not self.playing and self._timer is not None:
                self._timer.pause()
        if message.events:  # (never back: the estimate may be ahead of the last event)
            self._live_anchor = (max(cursor.duration, self._live_now()), self._clock())
        if following:
            cursor.seek(cursor.total)
            self.playhead = max(self.playhead, cursor.time)
            if message.ended:  # (the viewer's clock ran on past the session's last sign of life)
                self.playhead = min(self.playhead, self._end_time())
            self._paint(moved=False)
        else:
            self._show_position()
        self.followed.set()

    @property
    def following(self) -> bool:
        """At the end of a session being recorded: new events show at once, the clock moves."""
        return self.live and self.cursor is not None and self.cursor.at_end and not self.playing

    def _live_now(self) -> float:
        """The recording session's clock, estimated from its last event and the time since."""
        t, at = self._live_anchor
        return t + max(0.0, self._clock() - at)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "fork" and getattr(self.app, "read_only", False):
            return False  # (served read-only: nothing is started from here)
        if action == "merge":  # (a session whose agents had worktrees: as recorded, no git)
            return self.has_worktrees
        if action == "fork" and self.damaged_fork is not None:
            return True
        # Nothing to play after a failed load: hide the playback keys.
        return action == "back" or self.error is None

    def action_fork(self) -> None:
        """A new session from this point: the main screen prepares it (batch in the editor,
        memory editable), the run key starts it."""
        cursor = self.cursor
        if cursor is None:
            if self.damaged_fork is not None and self.check_action("fork", ()):
                self.post_message(self.damaged_fork.again())  # (a new message each time)
            return
        self.playing = False
        # (without the end a replay adds to a killed session: it was never recorded)
        recorded = cursor.events[:-1] if self.interrupted else cursor.events
        taken = recorded[: cursor.position]
        at_end = len(taken) == len(recorded)
        note = source_note(self.session_path, recorded, None) if at_end else None
        first = recorded[0] if recorded else None
        session_id = getattr(first, "session_id", "") or self.session_path.name
        fork = ForkRequested(self.session_path, session_id, taken, len(taken), self.playhead, note)
        self.post_message(fork)

    def action_merge(self) -> None:
        """The agents' branches as recorded (no git: merging is done from the sessions
        browser or `swarmtui merge`)."""
        from swarmtui.engine.state import fold
        from swarmtui.ui.screens.merge_record import RecordedMergeScreen

        if self.has_worktrees and self.cursor is not None:
            self.playing = False
            state = fold(self.cursor.events)
            self.app.push_screen(RecordedMergeScreen(self.session_path, state))

    # --- moving the cursor ---

    def _moved(self) -> None:
        self._paint()

    def action_step(self, delta: int) -> None:
        if self.cursor is None:
            return
        self.playing = False
        self.cursor.step(delta)
        self._moved()

    def action_jump(self, fraction: float) -> None:
        if self.cursor is None:
            return
        self.cursor.seek(self.cursor.position + round(fraction * self.cursor.total))
        self._moved()

    def action_start(self) -> None:
        if self.cursor is None:
            return
        self.cursor.seek(0)
        self._moved()

    def action_end(self) -> None:
        if self.cursor is None:
            return
        self.playing = False
        self.cursor.seek(self.cursor.total)
        self._moved()

    def action_speed(self, direction: int) -> None:
        index = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - self.speed))
        self.speed = SPEEDS[max(0, min(len(SPEEDS) - 1, index + direction))]
        self._show_position()

    def action_toggle_play(self) -> None:
        if self.cursor is None:
            return
        if not self.playing and self.cursor.at_end:
            self.cursor.seek(0)  # play from the top when already at the end
            self._moved()
        self.playing = not self.playing

    def watch_playing(self, playing: bool) -> None:
        self._last_tick = None
        if self._timer is not None:
            if playing or self.live:
                self._timer.resume()
            else:
                self._timer.pause()
        self._show_position()

    def _tick(self) -> None:
        now = self._clock()
        elapsed = 0.0 if self._last_tick is None else now - self._last_tick
        self._last_tick = now
        if self.following:
            self.tick_live()
        else:
            self.advance(elapsed)

    def tick_live(self) -> None:
        """At the end of a session being recorded: its clock moves on between events."""
        self.playhead = max(self.playhead, self._live_now())
        if self.bridge is not None:
            self.bridge.move_playhead(self.playhead)  # (the position line moves with it)
        else:
            self._show_position()

    def advance(self, seconds: float) -> None:
        """Move the playhead by `seconds` of real time at the current speed (the timer's step;
        tests call it directly instead of waiting)."""
        cursor = self.cursor
        if cursor is None or not self.playing:
            return
        self.playhead = min(self.playhead + seconds * self.speed, self._end_time())
        target = cursor.position_at_time(self.playhead)
        if target <= cursor.position:  # no new event yet: the clocks still move
            if cursor.at_end and self.playhead >= self._end_time():
                self.playing = False
            if self.bridge is not None:
                self.bridge.move_playhead(self.playhead)  # (the position line moves with it)
            else:
                self._show_position()
            return
        cursor.seek(target)
        if cursor.at_end and self.playhead >= self._end_time():
            self.playing = False
        self._paint(moved=False)

    def _end_time(self) -> float:
        """Where the recording ends (an interrupted one: its last sign of life; one being
        recorded: now)."""
        end = self.cursor.duration if self.cursor is not None else 0.0
        return max(end, self._live_now()) if self.live else end

    def seek_time(self, seconds: float) -> None:
        """Put the playhead at `seconds` since the start: the panels show the session then."""
        cursor = self.cursor
        if cursor is None:
            return
        self.playhead = max(0.0, min(seconds, self._end_time()))
        cursor.seek(cursor.position_at_time(self.playhead))
        self._paint(moved=False)

    def action_seek_time(self) -> None:
        if self.cursor is None:
            return
        from swarmtui.ui.screens.ask import AskScreen

        end = self._end_time()

        def check(text: str) -> str | None:
            return None if parse_time(text, end) is not None else TIME_HELP

        def chosen(answer: str | None) -> None:
            seconds = parse_time(answer or "", end)
            if seconds is not None:
                self.seek_time(seconds)

        self.playing = False
        ask = AskScreen(
            f"Go to time (0s – {format_seconds(end)})",
            initial=f"{self.playhead:.1f}",
            placeholder="12.5, 1m30s or 40%",
            check=check,
        )
        self.app.push_screen(ask, chosen)

    # --- painting ---

    def _paint(self, *, moved: bool = True) -> None:
        """Show the cursor's position through the bridge, as a live session is shown; `moved`:
        the cursor was moved by event (the playhead goes to that event's time)."""
        cursor = self.cursor
        if cursor is None or self.bridge is None:
            return
        if moved:
            self.playhead = cursor.time
        position = cursor.position
        if position >= self._log_position:
            events, restart = cursor.events[self._log_position : position], False
        else:  # moved back: the log starts over with the tail it can keep
            events, restart = cursor.events[max(0, position - LOG_REBUILD_LIMIT) : position], True
        self._log_position = position
        # At its end an interrupted session is not "running": say what happened to it.
        status_bar = self.query_one(StatusBar)
        status_bar.status_label = "interrupted" if self.interrupted and cursor.at_end else None
        self.bridge.show_position(
            cursor.state, events, restart=restart, marker=self.playhead, axis_end=self._end_time()
        )
        self.bridge.flush()
        self._show_position()

    def _recorded_here(self) -> bool:
        """Whether the session is the one this app runs (opened from the browser meanwhile)."""
        from swarmtui.ui.screens.main import MainScreen

        here = self.session_path.resolve()
        for screen in self.app.screen_stack:  # (the main screen, under the browser and this)
            if isinstance(screen, MainScreen):
                running = screen.controller.session_path
                return running is not None and running.resolve() == here
        return False

    def position_text(self) -> str:
        """The position/speed line, e.g. `▶ 1× · event 12/40 · 3.2s / 9.8s · 30%`."""
        if self.error:
            return f"✗ {visible(self.error)}"
        cursor = self.cursor
        if cursor is None:
            return "loading…"
        if self.following:
            who = "this app (its running session)" if self.recorded_here else "another process"
            return (
                f"● live · event {cursor.position} · {format_seconds(self.playhead)}"
                f" · recorded by {who} as you watch"
            )
        mark = "▶ playing" if self.playing else "‖ paused"
        if self.live:
            mark += " (live: end goes back to now)"
        return (
            f"{mark} · {format_speed(self.speed)} · event {cursor.position}/{cursor.total}"
            f" · {format_seconds(self.playhead)} / {format_seconds(self._end_time())}"
            f" · {round(self._fraction() * 100)}%"
        )

    def _fraction(self) -> float:
        end = self._end_time()
        return min(1.0, self.playhead / end) if end > 0 else (1.0 if self.cursor else 0.0)

    def _show_position(self) -> None:
        line = self.query_one("#replay-position", Static)
        line.set_class(self.error is not None, "-error")
        cursor = self.cursor
        text = Text(self.position_text())
        if self.error is None:  # (one line: a narrow terminal cuts it with an ellipsis)
            text.no_wrap, text.overflow = True, "ellipsis"
        if cursor is not None and self.error is None:
            width = max(10, min(40, self.size.width // 4))
            filled = round(self._fraction() * width)
            text.append("  ")
            text.append("━" * filled, Style(bold=True))
            text.append("─" * (width - filled), Style(dim=True))
        line.update(text)

    @on(AgentChosen)
    def _agent_chosen(self, message: AgentChosen) -> None:
        message.stop()
        if self.cursor is None:
            return
        from swarmtui.ui.screens.agent_detail import AgentDetailScreen

        self.playing = False  # the detail shows the agent as of this position
        self.app.push_screen(
            AgentDetailScreen(
                self.cursor.state, message.name, session_path=self.session_path, read_only=True
            )
        )

    def action_back(self) -> None:
        self.playing = False
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        else:
            self.app.exit()
