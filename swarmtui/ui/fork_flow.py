"""A fork being prepared in the app: the source's events up to the point, and the memory values
the user sets, until the batch in the editor is run as the fork.

F in a replay (or `swarmtui fork SESSION --at ...` without `--headless`) makes one; the main
screen shows the state the fork would start from (agents that stay done, memory at the point)
while the batch is edited, `m` sets a memory value, and the run key starts the fork. A session
whose log is damaged cannot be replayed, but F still forks it, up to its last readable event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from swarmtui.ui.messages import ForkRequested

if TYPE_CHECKING:
    from swarmtui.batch.models import Batch
    from swarmtui.engine.events import Event
    from swarmtui.engine.fork import ForkPlan, ForkPoint
    from swarmtui.engine.session import Recording
    from swarmtui.engine.settings import RunSettings
    from swarmtui.engine.state import SessionState
    from swarmtui.store.points import Point


@dataclass
class ForkDraft:
    """The source (folder, id), the events taken up, the point, why the source stops early."""

    source_path: Path
    session_id: str
    taken: list[Event]  # the source's first `point.events` events
    point: Point
    note: str | None = None
    # (namespace, key) -> value, in the order set
    memory: dict[tuple[str, str], Any] = field(default_factory=dict)
    plan: ForkPlan | None = None  # for the batch last previewed

    @property
    def label(self) -> str:
        from swarmtui.store.points import format_time

        return (
            f"fork of {self.session_id} at event {self.point.events} ({format_time(self.point.t)})"
        )

    def set_memory(self, key: str, value: Any, namespace: str = "default") -> None:
        self.memory[(namespace, key)] = value

    def fork_point(self) -> ForkPoint:
        from swarmtui.engine.fork import ForkPoint, MemoryEdit

        edits = tuple(MemoryEdit(k, v, ns) for (ns, k), v in self.memory.items())
        return ForkPoint(self.session_id, self.source_path, self.point.t, self.note, edits)

    def preview(self, batch: Batch, settings: RunSettings) -> SessionState:
        """The state the fork of BATCH would start from (and its plan, kept in `plan`)."""
        from swarmtui.engine.fork import fork_preview

        state, self.plan = fork_preview(self.taken, self.fork_point(), batch, settings)
        return state

    def recording(self, text: str) -> Recording:
        """What the fork of TEXT takes up (`swarmtui.store.fork_live_session` runs it)."""
        from swarmtui.engine.session import Recording

        return Recording(self.source_path, text, self.taken, self.fork_point())


def damaged_fork(path: Path) -> ForkRequested | None:
    """The fork of the session at PATH, whose log cannot be replayed, up to its last readable
    event (its note says so); None when not even its start can be read. Reads only."""
    from swarmtui.store import SessionStoreError, read_fork_source

    try:
        source = read_fork_source(path)
    except SessionStoreError:
        return None
    events = source.events
    return ForkRequested(path, source.session_id, events, len(events), source.end, source.note)
