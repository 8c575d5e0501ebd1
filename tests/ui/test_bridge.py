"""The event bridge: a storm of events costs one repaint per frame; launch errors are one line."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from swarmtui.cli import cli
from swarmtui.engine.events import AgentOutput, AgentQueued, AgentUsage, Event, SessionStarted
from swarmtui.engine.state import SessionState
from swarmtui.ui.app import make_app
from swarmtui.ui.bridge import Frame
from swarmtui.ui.widgets.agents_panel import AgentsPanel
from swarmtui.ui.widgets.log_panel import MAX_LOG_LINES, LogPanel
from swarmtui.ui.widgets.status_bar import StatusBar

from .helpers import (
    SIZE,
    settle,
)
from .live_sessions import (
    PLANS,
    finished_events,
    fold,
)


class PaintCounter:
    """A panel that records how often it is repainted."""

    def __init__(self) -> None:
        self.paints = 0

    def paint(self, frame: Frame) -> None:
        self.paints += 1


def storm(count: int) -> list[Event]:
    events: list[Event] = [
        SessionStarted(session_id="s", title="t", backend="rehearsal", started_at="x", agents=PLANS)
    ]
    events += [AgentQueued(agent=plan.name) for plan in PLANS]
    events += [
        AgentOutput(agent=PLANS[i % len(PLANS)].name, text=f"line {i}", t=i / 1000)
        for i in range(count)
    ]
    for seq, event in enumerate(events, start=1):
        event.seq = seq
    return events


async def test_a_storm_of_events_is_one_repaint_per_panel(tmp_path: Path) -> None:
    app = make_app(sessions_dir=tmp_path, freeze_gc=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        bridge = app.main_screen.bridge
        assert bridge is not None
        bridge.stop()  # drive the frames by hand
        counter = PaintCounter()
        bridge.register("agents", counter)
        bridge.flush()
        counter.paints = 0
        events = storm(5000)
        bridge.feed(events)
        assert counter.paints == 0  # events only mark panels dirty
        bridge.flush()
        assert counter.paints == 1
        bridge.flush()
        assert counter.paints == 1  # nothing new: nothing repainted
        log = app.main_screen.query_one(LogPanel)
        assert log.row_count == min(len(events), MAX_LOG_LINES)
        assert log.events[-1] is events[-1]
        agents = app.main_screen.query_one(AgentsPanel)
        assert agents.row_count == len(PLANS)
        assert bridge.state.agents[PLANS[0].name].output_tail[-1].startswith("line")


async def test_the_bridge_repaints_at_most_thirty_times_a_second(tmp_path: Path) -> None:
    app = make_app(sessions_dir=tmp_path, freeze_gc=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        bridge = app.main_screen.bridge
        assert bridge is not None
        assert bridge._timer is not None
        assert 1 / bridge._timer._interval <= 30


def test_launch_errors_are_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(cli, ["run", str(tmp_path / "missing.swarm.js")])
    assert missing.exit_code == 2  # as with --headless
    assert "missing.swarm.js: no such file" in missing.output
    folder = runner.invoke(cli, [str(tmp_path)])
    assert folder.exit_code == 2
    assert "is a directory" in folder.output


def test_finished_fixture_is_a_completed_session() -> None:

    state = fold(finished_events())
    assert state.status == "completed"
    assert state.metrics.speedup > 1


async def test_the_status_bar_counted_frame_by_frame_matches_a_fresh_count(tmp_path: Path) -> None:
    # The bar counts agents per status from the rows that changed in each frame; after any
    # number of frames that must equal counting every agent afresh.
    events = _with_usage(finished_events())
    app = make_app(sessions_dir=tmp_path, freeze_gc=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main_screen
        bridge = screen.bridge
        bridge.stop()  # drive the frames by hand
        bridge.attach(SessionState(), live=False)
        for start in range(0, len(events), 3):
            bridge.feed(events[start : start + 3])
            bridge.flush()
            bar = screen.status_bar
            fresh = StatusBar(backend=bar.backend)
            await app.mount(fresh)
            fresh.set_file(bar.file_label, bar.modified)
            fresh.set_note(bar.note)
            fresh.paint(Frame(bridge.state))
            assert fresh.render_status().plain == screen.status_bar.render_status().plain
            await fresh.remove()
        final = screen.status_bar.render_status().plain
        assert "✓4 ✗1 · 1.2k tok" in final, final


def _with_usage(events: list[Event]) -> list[Event]:
    used = AgentUsage(agent="Backend", tokens_in=1_000, tokens_out=200, cost_usd=0.01, t=5.5)
    used.seq = len(events) + 1
    return [*events[:-1], used, events[-1]]
