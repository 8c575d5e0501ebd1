"""Live timeline figures: running agents count while the session runs; the end uses the state's."""

from __future__ import annotations

from swarmtui.engine.events import (
    AgentFinished,
    AgentPlan,
    AgentQueued,
    AgentStarted,
    Event,
    SessionFinished,
    SessionStarted,
)
from swarmtui.engine.state import SessionState, apply
from swarmtui.ui.bridge import Frame
from swarmtui.ui.live_metrics import live_figures


def _state(events: list[Event]) -> SessionState:
    state = SessionState()
    for seq, event in enumerate(events, start=1):
        event.seq = seq
        apply(state, event)
    return state


def _events() -> list[Event]:
    plans = [AgentPlan(name=n) for n in ("A", "B", "C")]
    return [
        SessionStarted(
            session_id="s",
            title="t",
            backend="rehearsal",
            started_at="2025-01-01T00:00:00Z",
            agents=plans,
        ),
        *[AgentQueued(agent=p.name) for p in plans],
        AgentStarted(agent="A", t=0.0),
        AgentStarted(agent="B", t=0.5),
        AgentFinished(agent="A", status="done", t=1.5),
    ]


def test_running_agents_count_their_time_so_far() -> None:
    state = _state(_events())
    # The state alone: only A's 1.5 s is counted.
    assert state.metrics.sequential_seconds == 1.5
    figures = live_figures(state, now=2.0)
    assert figures.wall_seconds == 2.0
    assert figures.sequential_seconds == 1.5 + (2.0 - 0.5)
    assert figures.speedup == 3.0 / 2.0
    # Without a clock: the state's own time (the last event).
    assert live_figures(state).sequential_seconds == 1.5 + (1.5 - 0.5)


def test_queued_and_waiting_agents_do_not_count() -> None:
    state = _state(_events()[:4])
    figures = live_figures(state, now=3.0)
    assert figures.sequential_seconds == 0.0
    assert figures.speedup == 0.0
    assert figures.wall_seconds == 3.0


def test_the_final_figures_are_the_states_metrics() -> None:
    events = [
        *_events(),
        AgentFinished(agent="B", status="done", t=2.5),
        SessionFinished(status="completed", t=2.5),
    ]
    state = _state(events)
    figures = live_figures(state, now=10.0)
    metrics = state.metrics
    assert (figures.wall_seconds, figures.sequential_seconds, figures.speedup) == (
        metrics.wall_seconds,
        metrics.sequential_seconds,
        metrics.speedup,
    )
    assert figures.sequential_seconds == 1.5 + 2.0


async def test_the_timeline_header_shows_the_live_figures() -> None:
    from textual.app import App, ComposeResult

    from swarmtui.ui.widgets.timeline_panel import TimelinePanel

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield TimelinePanel(id="timeline")

    app = Host()
    async with app.run_test(size=(100, 12)):
        panel = app.query_one(TimelinePanel)
        panel.paint(Frame(_state(_events()), now=2.0))
        header = panel.render_header(0, 100).plain
        assert "wall 2.0s" in header and "sequential 3.0s" in header, header
        assert "speed-up 1.5×" in header, header
