"""A stand-in for "no session yet" that panels can read without importing the engine.

Importing `swarmtui.engine.state` builds every event model (pydantic), about a fifth of the
app's start-up; panels show this until a real `SessionState` arrives.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from swarmtui.engine.state import SessionState

_METRICS = SimpleNamespace(
    wall_seconds=0.0, sequential_seconds=0.0, critical_path_seconds=0.0, speedup=0.0
)

EMPTY_STATE: SessionState = cast(
    "SessionState",
    SimpleNamespace(
        session_id="",
        title="",
        backend="",
        started_at="",
        status="running",
        reason=None,
        max_parallel=None,
        paused=False,
        seq=0,
        t=0.0,
        messages={},
        agents={},
        memory={},
        todos={},
        bash={},
        files=[],
        skipped=[],
        metrics=_METRICS,
        awaiting={},
        approvals=[],
        confinement=None,
    ),
)


def new_state() -> SessionState:
    """A real, empty SessionState (imports the engine's state module on first use)."""
    from swarmtui.engine.state import SessionState

    return SessionState()
