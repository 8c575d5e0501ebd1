"""The merge view of a replay: the agents' branches as the session recorded them (what each
changed, its kept patch, the conflicts it met, the merges made since), and no git at all.

A replay never runs a command, so nothing here checks the branches against the repository:
merging is done on purpose, from the sessions browser (f9) or `swarmtui merge SESSION`, which
check them first. Every name, branch and file comes from outside and is shown as plain text.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static

from swarmtui.engine.state import SessionState
from swarmtui.engine.worktree_state import MergeState, WorktreeState, merge_text
from swarmtui.safe_text import visible as printable
from swarmtui.ui.diff_text import change_text, patch_text, read_patch, stats_text
from swarmtui.ui.look import status_styles
from swarmtui.ui.widgets.key_bar import KeyBar

TO_MERGE = "to merge, f9 in the sessions browser or `swarmtui merge {name}` (they check with git)"


def recorded_text(
    agent: str, tree: WorktreeState, merges: list[MergeState], styles: dict[str, Style]
) -> Text:
    """What the session recorded of one agent's branch: a failure (with the conflicting
    files), what it changed, and the merges that brought it in."""
    if tree.failed is not None:
        files = printable(", ".join(tree.conflicts[:4]))
        more = f" and {len(tree.conflicts) - 4} more" if len(tree.conflicts) > 4 else ""
        listed = f" ({files}{more})" if files else ""
        return Text(f"failed: {printable(tree.failed)}{listed}", styles["failed"])
    if tree.commit is None:
        return Text("nothing committed (it did not end)", Style(dim=True))
    count = len(tree.files) + tree.more_files
    text = Text(
        f"{change_text(tree.added, tree.removed)} in {count} file{'s' if count != 1 else ''}",
        styles["done"] if count else Style(dim=True),
    )
    into = [m.target for m in merges if agent in m.agents]
    if into:
        text.append(f" · merged into {printable(', '.join(into))}")
    return text


class RecordedMergeScreen(Screen[None]):
    """The agents' branches of a replayed session, from its event log and kept patches."""

    CSS_PATH = "merge.tcss"
    AUTO_FOCUS = "#merge-branches"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "d",
            "toggle_diff",
            "Diff",
            id="merge_record.diff",
            tooltip="Show or hide the highlighted agent's kept patch",
        ),
        Binding("escape", "back", "Back", id="merge_record.back", tooltip="Back to the replay"),
    ]

    def __init__(self, session_path: Path, state: SessionState) -> None:
        super().__init__()
        self.session_path = session_path
        self.state = state
        self.trees = {
            name: agent.worktree for name, agent in state.agents.items() if agent.worktree
        }

    def compose(self) -> ComposeResult:
        with Vertical(id="merge-body"):
            yield Static(id="merge-header")
            yield DataTable(id="merge-branches", cursor_type="row", zebra_stripes=True)
            yield Static(id="merge-plan")
            with VerticalScroll(id="merge-diff-scroll"):
                yield Static(id="merge-diff")
            yield Static(id="merge-result")
        yield KeyBar()

    def on_mount(self) -> None:
        workspace = self.state.workspace
        name = printable(self.session_path.name)
        header = Text()
        header.append(name, Style(bold=True))
        header.append(" · as recorded: a replay runs no git\n")
        if workspace is not None and workspace.repo is not None:
            header.append(printable(workspace.repo))
            if workspace.branch is not None and workspace.head is not None:
                header.append(f", from {printable(workspace.branch)} at {workspace.head[:10]}")
            header.append("\n")
        header.append(TO_MERGE.format(name=name), Style(dim=True))
        self.query_one("#merge-header", Static).update(header)
        self.query_one("#merge-diff-scroll").display = False
        table = self.query_one("#merge-branches", DataTable)
        table.add_columns("agent", "recorded", "branch")  # (the branch last: it is long)
        merges = workspace.merges if workspace is not None else []
        styles = status_styles(self.app)
        fork = self.state.forked_from
        carried = set(fork.carried) if fork is not None else set()
        for agent, tree in self.trees.items():
            recorded = recorded_text(agent, tree, merges, styles)
            if agent in carried:  # (done in the source: its branch is the source's)
                recorded.append(" · carried from the source", Style(dim=True))
            table.add_row(
                Text(printable(agent)),
                recorded,
                Text(printable(tree.branch), Style(dim=True)),
                key=agent,
            )
        self._show_merges(merges)
        self._show_files()

    def _show_merges(self, merges: list[MergeState]) -> None:
        if not merges:
            text = Text("No merge recorded.", Style(dim=True))
        else:
            text = Text("Merges recorded:")
            for merge in merges:
                text.append(f"\n  {printable(merge_text(merge))}")
        self.query_one("#merge-result", Static).update(text)

    def _selected(self) -> str | None:
        row = self.query_one("#merge-branches", DataTable).cursor_row
        names = list(self.trees)
        return names[row] if 0 <= row < len(names) else None

    def _show_files(self) -> None:
        name = self._selected()
        target = self.query_one("#merge-plan", Static)
        if name is None:
            target.update(Text("No agent worked in a git worktree.", Style(dim=True)))
            return
        tree = self.trees[name]
        styles = status_styles(self.app)
        text = stats_text(tree, styles["done"], styles["failed"])
        text.rstrip()
        if tree.patch:
            text.append(f"\nkept as {printable(tree.patch)}: d shows it", Style(dim=True))
        target.update(text)
        if self.query_one("#merge-diff-scroll").display:
            self._show_patch(name)

    def _show_patch(self, name: str) -> None:
        tree = self.trees[name]
        patch = read_patch(self.session_path, tree.patch) if tree.patch else ""
        styles = status_styles(self.app)
        if patch is None:
            text = Text(f"{printable(tree.patch or '')}: not found in the session folder")
        elif not patch:
            text = Text("No patch kept: it changed nothing.", Style(dim=True))
        else:
            text = patch_text(patch, styles["done"], styles["failed"], styles["waiting"])
        self.query_one("#merge-diff", Static).update(text)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_files()

    def action_toggle_diff(self) -> None:
        scroll = self.query_one("#merge-diff-scroll")
        name = self._selected()
        scroll.display = name is not None and not scroll.display
        # (the patch names its files: their counts make room for it on a small screen)
        self.query_one("#merge-plan").display = not scroll.display
        if scroll.display and name is not None:
            self._show_patch(name)

    def action_back(self) -> None:
        self.dismiss(None)
