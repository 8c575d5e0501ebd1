"""The timeline draws every attempt of a retried agent (it used to draw only the last): each
attempt's bar in the colour of how it ended, one that failed ending in ✗, and the wait before
each attempt."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from swarmtui.engine.events import (
    AgentFinished,
    AgentPlan,
    AgentQueued,
    AgentStarted,
    AgentWaiting,
    Control,
    Event,
    MessageStarted,
    SessionFinished,
    SessionResumed,
    SessionStarted,
)
from swarmtui.engine.settings import RunSettings
from swarmtui.engine.state import fold
from swarmtui.ui.look import status_styles
from swarmtui.ui.screens.replay import ReplayScreen
from swarmtui.ui.widgets.agents_panel import AgentsPanel
from swarmtui.ui.widgets.timeline_panel import RUN_CHAR, TimelinePanel, phases

from .helpers import SIZE, app_for, settle, show_session, wait_for_state, workers_done
from .test_replay_screen import opened

BAR = 100  # cells: 10 a second on the 10 s axis below
NAMES = ["Flaky", "Manual", "Waiter", "Steady"]


def _session() -> list[Event]:
    """Flaky fails at 4 s and is retried at once; Manual fails at 2 s and the user retries it
    at 5 s; Waiter waits 1 s, fails at 3 s, is retried at 5 s and waits for a slot until 6 s;
    Steady runs the whole 10 s."""
    t_events: list[tuple[float, Event]] = [
        (
            0,
            SessionStarted(
                session_id="s",
                title="t",
                backend="command",
                started_at="2026-01-01",
                agents=[AgentPlan(name=n) for n in NAMES],
            ),
        ),
        (0, MessageStarted(index=1)),
        (0, AgentQueued(agent="Flaky")),
        (0, AgentStarted(agent="Flaky", attempt=1)),
        (0, AgentQueued(agent="Manual")),
        (0, AgentStarted(agent="Manual", attempt=1)),
        (0, AgentWaiting(agent="Waiter", keys=["k"])),
        (0, AgentQueued(agent="Steady")),
        (0, AgentStarted(agent="Steady", attempt=1)),
        (1, AgentQueued(agent="Waiter")),
        (1, AgentStarted(agent="Waiter", attempt=1)),
        (2, AgentFinished(agent="Manual", status="failed", reason="exit 1")),
        (3, AgentFinished(agent="Waiter", status="failed", reason="exit 1")),
        (4, AgentStarted(agent="Flaky", attempt=2)),
        (5, Control(action="retry", target="Manual")),
        (5, AgentQueued(agent="Manual")),
        (5, AgentStarted(agent="Manual", attempt=2)),
        (5, Control(action="retry", target="Waiter")),
        (5, AgentQueued(agent="Waiter")),
        (6, AgentStarted(agent="Waiter", attempt=2)),
        (8, AgentFinished(agent="Flaky", status="done")),
        (8, AgentFinished(agent="Manual", status="done")),
        (9, AgentFinished(agent="Waiter", status="done")),
        (10, AgentFinished(agent="Steady", status="done")),
        (10, SessionFinished(status="completed")),
    ]
    events = []
    for seq, (t, event) in enumerate(t_events, start=1):
        event.seq, event.t = seq, float(t)
        events.append(event)
    return events


def _bar(row: Text, name_width: int) -> Text:
    return row[name_width + 1 :]


def test_the_fold_keeps_every_attempt_before_the_last() -> None:
    state = fold(_session())
    spans = {
        name: [(s.attempt, s.started, s.ended, s.status, s.wait_total) for s in a.ended_attempts]
        for name, a in state.agents.items()
    }
    assert spans["Flaky"] == [(1, 0, 4, "failed", 0)]
    assert spans["Manual"] == [(1, 0, 2, "failed", 0)]
    assert spans["Waiter"] == [(1, 1, 3, "failed", 1)]
    assert spans["Steady"] == []  # (one attempt: nothing more than the agent's own times)
    waiter = state.agents["Waiter"]
    assert (waiter.attempts, waiter.started_at, waiter.finished_at) == (2, 6, 9)


async def test_every_attempt_has_its_bar(tmp_path: Path) -> None:
    app = app_for(tmp_path, "")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await show_session(pilot, _session())
        timeline = screen.query_one(TimelinePanel)
        nw = timeline._name_width(BAR + 20)
        width = nw + 1 + BAR
        rows = {name: timeline.render_row(i, width) for i, name in enumerate(NAMES)}
        bars = {name: _bar(row, nw) for name, row in rows.items()}
        failed_then_done = RUN_CHAR * 39 + "✗" + RUN_CHAR * 40 + " " * 20
        assert bars["Flaky"].plain == failed_then_done
        assert bars["Manual"].plain == RUN_CHAR * 19 + "✗" + " " * 30 + RUN_CHAR * 30 + " " * 20
        assert bars["Waiter"].plain == (
            "░" * 10 + RUN_CHAR * 19 + "✗" + " " * 20 + "░" * 10 + RUN_CHAR * 30 + " " * 10
        )
        assert bars["Steady"].plain == RUN_CHAR * 100
        # Each attempt in the colour of how it ended.
        styles = status_styles(app)
        for name, failed_at, done_at in (("Flaky", 5, 60), ("Manual", 5, 60), ("Waiter", 15, 70)):
            bar = bars[name]
            assert bar.get_style_at_offset(app.console, failed_at).color == styles["failed"].color
            assert bar.get_style_at_offset(app.console, done_at).color == styles["done"].color


async def test_retries_of_a_real_run_show_each_attempt(tmp_path: Path) -> None:
    """Real command agents: Flaky fails its first attempt and is retried at once (retries: 1);
    Once fails and the user retries it with r. Both end done with two attempts drawn, live and
    in the session's replay."""
    template = (
        'if [ -f "tried-$SWARM_AGENT" ]; then echo second; '
        'else touch "tried-$SWARM_AGENT"; echo first >&2; exit 1; fi'
    )
    batch = (
        'Task("Flaky", "Try twice.", "general", {retries: 1})\n'
        'Task("Once", "Try once.", "general")\n'
    )
    settings = RunSettings(backend="command", command_template=template)
    app = app_for(tmp_path, batch, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        state = await wait_for_state(
            pilot,
            lambda s: s.agents["Flaky"].status == "done" and s.agents["Once"].status == "failed",
        )
        agents = app.main_screen.query_one(AgentsPanel)
        agents.cursor = list(state.agents).index("Once")
        await pilot.press("f3", "r")
        state = await wait_for_state(pilot, lambda s: s.agents["Once"].status == "done")
        for name in ("Flaky", "Once"):
            agent = state.agents[name]
            ended = [(s.attempt, s.status) for s in agent.ended_attempts]
            assert ended == [(1, "failed")] and agent.attempts == 2, (name, ended)
        timeline = app.main_screen.query_one(TimelinePanel)
        for index, name in enumerate(state.agents):
            bar = _bar(timeline.render_row(index, 120), timeline._name_width(120)).plain
            assert bar.count("✗") == 1, (name, bar)
            assert RUN_CHAR in bar.partition("✗")[2] or name == "Flaky", (name, bar)
        if app.main_screen.controller.running:
            app.main_screen.controller.cancel_session()
            await wait_for_state(pilot, lambda s: s.finished)
        # The replay of the session draws the same attempts.
        path = app.main_screen.controller.session_path
        assert path is not None
        await workers_done(app)
        app.push_screen(ReplayScreen(path))
        replay = await opened(pilot)
        replayed = replay.query_one(TimelinePanel)
        for index, name in enumerate(state.agents):
            bar = _bar(replayed.render_row(index, 120), replayed._name_width(120)).plain
            assert bar.count("✗") == 1, (name, bar)
            assert RUN_CHAR in bar.partition("✗")[2] or name == "Flaky", (name, bar)


def test_a_resumed_session_keeps_the_run_it_died_in() -> None:
    """An agent running when the session was killed: its run is an `interrupted` attempt, drawn
    (and marked) before the run of the resumed session."""
    events = _session()[:9]  # (Steady started at 0; nothing has ended)
    resumed = SessionResumed(seq=10, t=3.0, resumed_at="2026-01-02", backend="command")
    again = AgentStarted(seq=11, t=3.0, agent="Steady", attempt=2)
    state = fold([*events, resumed, again])
    spans = [
        (s.attempt, s.started, s.ended, s.status) for s in state.agents["Steady"].ended_attempts
    ]
    assert spans == [(1, 0.0, 3.0, "interrupted")]
    assert phases(state.agents["Steady"], 5.0) == [(0.0, 3.0, "interrupted"), (3.0, 5.0, "run")]
