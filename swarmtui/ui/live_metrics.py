"""The timeline figures while a session runs: finished agents plus running ones so far.

The state's metrics only count an agent's run once it has finished, so mid-run they understate
the sequential time and the speed-up; the final figures are the state's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from swarmtui.engine.state import SessionState


@dataclass(frozen=True)
class Figures:
    wall_seconds: float
    sequential_seconds: float
    speedup: float
    critical_path_seconds: float


def live_figures(state: SessionState, now: float | None = None) -> Figures:
    """Wall time, sequential time (agents' run times added up), speed-up and critical path.

    While the session runs, `now` (seconds since its start; default: the state's time) extends
    the wall time and every running agent counts the time it has run so far.
    """
    metrics = state.metrics
    if state.status != "running":
        return Figures(
            metrics.wall_seconds,
            metrics.sequential_seconds,
            metrics.speedup,
            metrics.critical_path_seconds,
        )
    now = state.t if now is None else now
    wall = max(metrics.wall_seconds, now)
    sequential = metrics.sequential_seconds
    for agent in state.agents.values():
        if agent.status == "running" and agent.started_at is not None:
            sequential += max(0.0, max(now, state.t) - agent.started_at)
    speedup = sequential / wall if wall > 0 else 0.0
    return Figures(wall, sequential, speedup, metrics.critical_path_seconds)
