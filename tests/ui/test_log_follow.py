"""The log follows new events until the user reads back (up, page up, home, the wheel), and
again from the end or with `f`; `/` filters it by agent and by kind."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult

from swarmtui.engine.events import AgentOutput, AgentStarted, Event, MemoryStored
from swarmtui.engine.state import SessionState
from swarmtui.ui.bridge import Frame
from swarmtui.ui.screens.ask import AskScreen
from swarmtui.ui.widgets.log_panel import LogFilter, LogPanel

from .helpers import app_for, settle

SEQ = iter(range(1, 100_000))


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield LogPanel(id="log")


def _burst(n: int) -> list[Event]:
    events: list[Event] = []
    for i in range(n):
        agent = ("Alpha", "Beta")[i % 2]
        event: Event = (
            AgentOutput(agent=agent, text=f"line {i}")
            if i % 3
            else MemoryStored(key=f"k{i}", value=i, by=agent)
        )
        event.seq, event.t = next(SEQ), i / 10
        events.append(event)
    return events


async def _paint(pilot: object, log: LogPanel, events: list[Event]) -> None:
    log.paint(Frame(SessionState(), events=events))
    for _ in range(3):
        await pilot.pause()  # type: ignore[attr-defined]


def _at_end(log: LogPanel) -> bool:
    return log.scroll_offset.y >= log.max_scroll_y - 1


async def test_it_follows_until_read_back_and_again_with_f() -> None:
    app = Host()
    async with app.run_test(size=(100, 20)) as pilot:
        log = app.query_one(LogPanel)
        log.focus()
        for _ in range(5):  # bursts faster than a frame: it must still end at the bottom
            log.paint(Frame(SessionState(), events=_burst(40)))
        await _paint(pilot, log, _burst(40))
        assert log.follow and _at_end(log) and log.max_scroll_y > 0
        await pilot.press("pageup")
        assert not log.follow
        where = log.scroll_offset.y
        await _paint(pilot, log, _burst(40))
        assert log.scroll_offset.y == where  # reading back: it stays put
        assert "not following" in str(log.border_subtitle)
        await pilot.press("f")
        await pilot.pause()
        assert log.follow and _at_end(log)
        await pilot.press("home")
        assert not log.follow
        await pilot.press("end")
        await pilot.pause()
        assert log.follow and _at_end(log)


async def test_a_new_session_is_followed_again() -> None:
    """Read back in one session, the next one's events are followed (the log stayed at the
    top of the new session, its end out of sight)."""
    app = Host()
    async with app.run_test(size=(100, 20)) as pilot:
        log = app.query_one(LogPanel)
        log.focus()
        await _paint(pilot, log, _burst(80))
        await pilot.press("up")
        assert not log.follow
        log.paint(Frame(SessionState(), events=_burst(80), restart=True))
        for _ in range(3):
            await pilot.pause()
        assert log.follow and _at_end(log) and log.max_scroll_y > 0
        assert "not following" not in str(log.border_subtitle)


async def test_slash_filters_by_agent_and_by_kind() -> None:
    app = Host()
    async with app.run_test(size=(100, 20)) as pilot:
        log = app.query_one(LogPanel)
        log.focus()
        events = _burst(30)
        await _paint(pilot, log, events)
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.screen, AskScreen)
        await pilot.press(*"alpha memory", "enter")
        await pilot.pause()
        shown = log.shown
        assert shown and all(
            e.type == "memory_stored" and getattr(e, "by", "") == "Alpha" for e in shown
        )
        assert log.row_count == len(shown)
        assert "filter: alpha memory" in str(log.border_subtitle)
        # New events go through the same filter.
        await _paint(pilot, log, [AgentStarted(agent="Beta", seq=next(SEQ), t=9.0)])
        assert log.shown == shown
        log.set_filter("")
        await pilot.pause()
        assert len(log.shown) == len(events) + 1


def test_a_filter_word_is_a_kind_or_part_of_a_name() -> None:
    out = AgentOutput(agent="Alpha Scout", text="x")
    stored = MemoryStored(key="k", value=1, by="Alpha Scout")
    assert LogFilter("scout").matches(out) and LogFilter("scout").matches(stored)
    assert LogFilter("output").matches(out) and not LogFilter("output").matches(stored)
    assert not LogFilter("beta").matches(out)
    assert LogFilter("").matches(out) and not LogFilter("")


async def test_the_log_hidden_by_a_small_terminal_still_ends_at_the_newest(
    tmp_path: Path,
) -> None:
    """Events that come while the log is hidden (a small terminal shows only the focused
    pane) are followed: back at a size that shows it, it ends at the newest, not the first."""
    app = app_for(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        screen = app.main_screen
        log = screen.query_one(LogPanel)
        screen.bridge.attach(SessionState(), live=False)
        screen.bridge.feed(_burst(10))
        screen.bridge.flush()
        await pilot.pause()
        await pilot.resize_terminal(80, 24)  # (the editor alone)
        await pilot.pause()
        screen.bridge.feed(_burst(200))
        screen.bridge.flush()
        for _ in range(3):
            await pilot.pause()
        await pilot.resize_terminal(160, 50)
        for _ in range(3):
            await pilot.pause()
        assert log.follow and log.max_scroll_y > 0 and _at_end(log), (
            log.scroll_offset,
            log.max_scroll_y,
        )
