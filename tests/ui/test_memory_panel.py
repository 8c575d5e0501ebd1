"""The memory tree: a crowded branch folds and builds its keys only when opened; labels are text."""

from __future__ import annotations

from textual.app import App, ComposeResult

from swarmtui.engine.events import MemoryStored
from swarmtui.engine.state import SessionState, apply
from swarmtui.ui.bridge import Frame
from swarmtui.ui.widgets.memory_panel import FOLD_CHILDREN, MemoryPanel


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield MemoryPanel(id="memory")


def _store(state: SessionState, *keys: str) -> None:
    for key in keys:
        apply(state, MemoryStored(key=key, value=key, by="t"))


async def test_a_crowded_branch_folds_and_its_keys_are_built_when_it_opens() -> None:
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        panel = app.query_one(MemoryPanel)
        state = SessionState()
        _store(state, *(f"swarm/k/{i:03d}" for i in range(10)))
        panel.paint(Frame(state))
        _store(state, *(f"swarm/k/{i:03d}" for i in range(10, 200)))
        panel.paint(Frame(state))  # the same state, 190 keys later
        await pilot.pause()
        root = panel.key_tree.root
        (namespace,) = root.children
        (swarm,) = namespace.children
        (branch,) = swarm.children
        assert str(branch.label) == "k" and not branch.is_expanded
        assert len(branch.children) == FOLD_CHILDREN  # the rest wait for the branch to open
        panel.select_key("default", "swarm/k/199")
        await pilot.pause()
        assert branch.is_expanded and len(branch.children) == 200
        cursor = panel.key_tree.cursor_node
        assert cursor is not None and cursor.data == ("default", "swarm/k/199")
        assert "swarm/k/199" in str(panel.query_one("#memory-detail").render())


async def test_key_labels_are_shown_as_written_not_as_markup() -> None:
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        panel = app.query_one(MemoryPanel)
        state = SessionState()
        _store(state, "notes/[red]loud")
        panel.paint(Frame(state))
        await pilot.pause()
        (namespace,) = panel.key_tree.root.children
        (notes,) = namespace.children
        (leaf,) = notes.children
        assert str(leaf.label) == "[red]loud"
