"""The `summary` object of `swarmtui run --json` (and of `replay --json`), from a state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from swarmtui.engine.state import SessionState


def _r(value: float | None) -> float | None:
    return None if value is None else float(round(value, 3))


def summary_json(state: SessionState, path: Path) -> dict[str, Any]:
    """Session id, path, status, metrics and one entry per agent (in batch order)."""
    m = state.metrics
    return {
        "session_id": state.session_id,
        "path": str(path),
        "status": state.status,
        "wall_seconds": _r(m.wall_seconds),
        "sequential_seconds": _r(m.sequential_seconds),
        "critical_path_seconds": _r(m.critical_path_seconds),
        "speedup": round(m.speedup, 2),
        "agents": [
            {
                "name": a.name,
                "type": a.type,
                "status": a.status,
                "started_at": _r(a.started_at),
                # Both times are null for an agent that never started (skipped, or failed
                # while waiting): it has no run to place on the timeline.
                "finished_at": _r(a.finished_at) if a.started_at is not None else None,
                "run_seconds": _r(a.run_seconds),
                "wait_seconds": _r(a.wait_seconds),
                "waits": list(a.waits),
                "stores": list(a.stores),
                "reason": a.reason,
            }
            for a in state.agents.values()
        ],
    }
