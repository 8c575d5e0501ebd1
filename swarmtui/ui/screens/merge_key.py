"""The `M` key of the main screen: the merge view of the session it ran, once that has ended,
when its agents worked in git worktrees (hidden otherwise, and in a read-only app)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.screen import Screen

if TYPE_CHECKING:
    from swarmtui.ui.session_controller import SessionController


MERGE_TOOLTIP = "Merge the agents' git branches back (after the session)"
MERGE_BINDING = Binding("M", "merge", "Merge", id="session.merge", tooltip=MERGE_TOOLTIP)


class SessionScreen(Screen[None]):
    """A screen that runs sessions through its `controller` (its BINDINGS hold MERGE_BINDING)."""

    controller: SessionController

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action != "merge":
            return True
        controller = self.controller
        if getattr(self.app, "read_only", False) or controller.running:
            return False
        agents = controller.state.agents.values()
        return controller.session_path is not None and any(a.worktree for a in agents)

    def action_merge(self) -> None:
        from swarmtui.ui.screens.merge import MergeScreen

        path = self.controller.session_path
        if path is not None and self.check_action("merge", ()):
            self.app.push_screen(MergeScreen(path))
