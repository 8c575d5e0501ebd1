"""The state of a recorded session: its events folded, a killed session marked `interrupted`."""

from __future__ import annotations

from pathlib import Path

from swarmtui.engine.state import SessionState, fold
from swarmtui.store.reader import read_events
from swarmtui.store.sessions import effective_status


def replay_state(session_path: Path) -> SessionState:
    """Fold every committed event. Reads only: never runs a command, a runner or a write."""
    state = fold(read_events(session_path))
    if not state.finished and effective_status("running", session_path) == "interrupted":
        state.status = "interrupted"
    return state
