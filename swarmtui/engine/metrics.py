"""The figures of a session at a moment: elapsed, sequential, idle, critical path, speed-up.

One rule for every place that shows them (the app's timeline and status bar, replay, headless
output): the folded state's metrics once the session has ended; while it runs, the same
metrics with running agents counted up to `now` (the live clock, or a replay's playhead), so
the figures move between events and agree wherever they are read.
"""

from __future__ import annotations

from dataclasses import dataclass

from swarmtui.engine.state import AgentState, SessionState, chain_before


@dataclass(frozen=True, slots=True)
class Figures:
    wall_seconds: float  # elapsed since the session started (paused time included)
    sequential_seconds: float  # the agents' run times added up
    critical_path_seconds: float  # the longest chain of dependent runs so far
    idle_seconds: float  # waiting for the user with nothing running (not part of the speed-up)
    # sequential / (wall - idle); None while there is nothing to compare yet (no agent has
    # finished a run) or nothing ran at all.
    speedup: float | None


def figures(state: SessionState, now: float | None = None) -> Figures:
    """The figures at `now` (seconds since the start; default and at most: the state's time
    once the session has ended)."""
    m = state.metrics
    finished_runs = m.sequential_seconds > 0
    if state.finished:
        # Ended: the clock stops at the last event. Agents still running then (a killed
        # session) count up to it.
        at = wall = m.wall_seconds
        idle = m.idle_seconds
    else:
        at = state.t if now is None else max(now, state.t)
        wall = max(m.wall_seconds, at)
        idle = m.idle_seconds + (at - state.t if state.idle else 0.0)
    sequential = m.sequential_seconds
    critical = m.critical_path_seconds
    if state.running:
        for agent in state.agents.values():
            if agent.status == "running" and agent.started_at is not None:
                so_far = at - agent.started_at
                sequential += so_far
                chain = chain_before(state, agent, agent.started_at) + agent.run_seconds + so_far
                critical = max(critical, chain)
    busy = wall - idle
    speedup = sequential / busy if finished_runs and busy > 0 else None
    return Figures(wall, sequential, critical, idle, speedup)


def agent_seconds(agent: AgentState, now: float) -> float:
    """What an agent's clock shows at `now`: its run time (so far, while it runs), or while it
    waits or is queued, how long it has waited."""
    if agent.status == "running" and agent.started_at is not None:
        return agent.run_seconds + max(0.0, now - agent.started_at)
    if agent.status in ("waiting", "queued") and agent.waiting_since is not None:
        return agent.wait_seconds + max(0.0, now - agent.waiting_since)
    return agent.run_seconds


def format_speedup(speedup: float | None) -> str:
    """`3.2×`, or `–` while there is nothing to compare."""
    return "–" if speedup is None else f"{speedup:.1f}×"
