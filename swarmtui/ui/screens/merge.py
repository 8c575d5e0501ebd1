"""The merge view: a session's agent branches, each checked against the branch to merge into
(`git merge-tree`: clean, which files conflict, already merged), and the merge of the chosen ones.
Opened on purpose (`M` after a session, `f9` in the sessions browser); a replay shows the branches
as recorded instead (`merge_record`), running no git.

`space` chooses a branch, `a` all or none, `i` names the branch to merge into (a new one is made
from HEAD, for a pull request), `m` merges. Nothing changes until `m`, and merging into the
branch checked out in your working tree asks first, since its files change (uncommitted changes
to the files the merge changes stop it). Git runs in a thread worker; names, branches and files
come from outside and are shown as plain text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from swarmtui.safe_text import visible as printable
from swarmtui.ui.look import plural, status_styles
from swarmtui.ui.widgets.key_bar import KeyBar
from swarmtui.ui.work import ReportsFailures, WorkFailed

if TYPE_CHECKING:
    from swarmtui.engine.workspace.merge import BranchCheck, MergePlan, MergeResult
    from swarmtui.store.workspaces import MergeView

_STATUS_WORDS = {
    "clean": "merges cleanly",
    "merged": "already there",
    "missing": "branch gone",
}


def check_text(check: BranchCheck, styles: dict[str, Style]) -> Text:
    """What merging one branch into the target would do."""
    if check.status == "conflicts":
        files = printable(", ".join(check.conflicts[:4]))
        more = f" and {len(check.conflicts) - 4} more" if len(check.conflicts) > 4 else ""
        text = Text(f"conflicts: {files}{more}", styles["failed"])
    elif check.status == "clean":
        count = f"{check.commits} commit{'s' if check.commits != 1 else ''}"
        text = Text(f"merges cleanly ({count})", styles["done"])
    else:
        text = Text(_STATUS_WORDS[check.status], Style(dim=True))
    if check.uncommitted:
        text.append(f" · {len(check.uncommitted)} uncommitted files (committed first)")
    return text


class MergeScreen(ReportsFailures, Screen[None]):
    """The agent branches of one recorded session, and merging them back."""

    CSS_PATH = "merge.tcss"
    AUTO_FOCUS = "#merge-branches"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "choose", "Choose", id="merge.choose", tooltip="Choose this branch"),
        Binding("a", "toggle_all", "All/none", id="merge.all", tooltip="Choose every branch"),
        Binding("i", "into", "Into…", id="merge.into", tooltip="Name the branch to merge into"),
        Binding("m", "merge", "Merge", id="merge.run", tooltip="Merge the chosen branches"),
        Binding("escape", "back", "Back", id="merge.back", tooltip="Leave the merge view"),
    ]

    @dataclass
    class Checked(Message):
        view: MergeView

    @dataclass
    class Planned(Message):
        chosen: list[str]
        plan: MergePlan | None
        problem: str | None

    @dataclass
    class Merged(Message):
        result: MergeResult | None
        problem: str | None
        unrecorded: str | None = None  # why the session's log does not hold the merge

    def __init__(self, session_path: Path) -> None:
        super().__init__()
        self.session_path = session_path
        self.view: MergeView | None = None
        self.chosen: list[str] = []
        self.into: str | None = None
        self.plan: MergePlan | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="merge-body"):
            yield Static(id="merge-header")
            yield Input(placeholder="the branch checked out now", id="merge-into")
            yield DataTable(id="merge-branches", cursor_type="row", zebra_stripes=True)
            yield Static(id="merge-plan")
            yield Static(id="merge-result")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#merge-branches", DataTable)
        table.add_columns(" ", "agent", "check", "branch")  # (the branch last: it is long)
        self.query_one("#merge-into", Input).border_title = "Merge into (enter to check)"
        self._say(f"Checking the branches of {printable(self.session_path.name)}…")
        self.check()

    # --- workers ------------------------------------------------------------------------------

    @work(thread=True, group="merge", exit_on_error=False, description="Merge view: {reason}")
    def check(self) -> None:
        from swarmtui.store.workspaces import merge_view

        self.post_message(self.Checked(merge_view(self.session_path, self.into)))

    @work(thread=True, group="merge-plan", exclusive=True, exit_on_error=False)
    def plan_selection(self, view: MergeView, chosen: list[str]) -> None:
        from swarmtui.engine.workspace.git import GitError
        from swarmtui.engine.workspace.repo import WorkspaceProblem
        from swarmtui.store.workspaces import plan_chosen

        try:
            self.post_message(self.Planned(chosen, plan_chosen(view, chosen), None))
        except (WorkspaceProblem, GitError) as exc:
            self.post_message(self.Planned(chosen, None, str(exc)))

    @work(thread=True, group="merge", exit_on_error=False, description="Merge: {reason}")
    def merge(self, view: MergeView, chosen: list[str], confirmed: bool) -> None:
        from swarmtui.engine.workspace.git import GitError
        from swarmtui.engine.workspace.repo import WorkspaceProblem
        from swarmtui.store.workspaces import merge_chosen

        try:
            result, unrecorded = merge_chosen(view, chosen, confirmed=confirmed)
            self.post_message(self.Merged(result, None, unrecorded))
        except (WorkspaceProblem, GitError) as exc:
            self.post_message(self.Merged(None, str(exc)))

    # --- results ------------------------------------------------------------------------------

    def _say(self, message: str, style: Style | None = None) -> None:
        self.query_one("#merge-result", Static).update(Text(printable(message), style or Style()))

    @on(WorkFailed)
    def _failed(self, event: WorkFailed) -> None:
        event.stop()
        self._say(event.text, status_styles(self.app)["failed"])

    @on(Checked)
    def _checked(self, event: Checked) -> None:
        first = self.view is None
        view = self.view = event.view
        target = view.target
        if not target.exists:
            where = f"a new branch, made from {target.tip[:10]}"
        elif target.in_user_tree:
            where = f"checked out in {target.checked_out}: your files change when you merge"
        elif target.checked_out is not None:
            where = f"checked out in {target.checked_out}"
        else:
            where = "not checked out: no working tree changes"
        header = Text()
        header.append(printable(self.session_path.name), Style(bold=True))
        header.append(f"\n{printable(str(view.repo))}\ninto ")
        header.append(printable(target.branch), Style(bold=True))
        header.append(f" ({printable(where)})")
        self.query_one("#merge-header", Static).update(header)
        known = {check.agent for check in view.checks if check.status != "missing"}
        self.chosen = [name for name in self.chosen if name in known]
        self._fill()
        if first:  # (after a merge, its result stays said)
            self._say("space chooses, m merges; nothing changes before that")
        self._replan()

    def _fill(self) -> None:
        if self.view is None:
            return
        table = self.query_one("#merge-branches", DataTable)
        row = table.cursor_row
        table.clear()
        styles = status_styles(self.app)
        for check in self.view.checks:
            mark = "[x]" if check.agent in self.chosen else "[ ]"
            table.add_row(
                Text(mark),  # (a plain string is read as markup, and "[x]" shows nothing)
                Text(printable(check.agent)),
                check_text(check, styles),
                Text(printable(check.branch), Style(dim=True)),
                key=check.agent,
            )
        if self.view.checks:
            table.move_cursor(row=min(row, len(self.view.checks) - 1))

    def _replan(self) -> None:
        self.plan = None
        text = self.query_one("#merge-plan", Static)
        if self.view is None or not self.chosen:
            text.update(Text("Nothing chosen.", Style(dim=True)))
            return
        text.update(Text("Checking the chosen branches together…", Style(dim=True)))
        self.plan_selection(self.view, list(self.chosen))

    @on(Planned)
    def _planned(self, event: Planned) -> None:
        if event.chosen != self.chosen:
            return  # (the choice changed since)
        styles = status_styles(self.app)
        text = self.query_one("#merge-plan", Static)
        if event.problem is not None:
            text.update(Text(printable(event.problem), styles["failed"]))
            return
        plan = self.plan = event.plan
        assert plan is not None
        if not plan.merged:
            text.update(Text("The chosen work is there already.", Style(dim=True)))
            return
        count = len(plan.changed_files)
        text.update(
            Text(
                f"Merging {printable(', '.join(plan.merged))} changes {count} "
                f"file{'s' if count != 1 else ''}: m to merge",
                styles["done"],
            )
        )

    @on(Merged)
    def _merged(self, event: Merged) -> None:
        styles = status_styles(self.app)
        if event.problem is not None or event.result is None:
            self._say(f"Nothing was merged: {event.problem}", styles["failed"])
            return
        result = event.result
        if not result.merged:
            self._say("Nothing to merge: the chosen work is there already.")
        else:
            moved = (
                f"; {plural(result.moved_files, 'file')} changed in your working tree"
                if result.moved_files
                else ""
            )
            merged = (
                f"Merged {', '.join(result.merged)} into {result.target.branch} at "
                f"{result.commit[:10]}{moved}"
            )
            if event.unrecorded is not None:  # (merged all the same: say what is missing)
                self._say(f"{merged}; {event.unrecorded}", styles["waiting"])
            else:
                self._say(merged, styles["done"])
        self.chosen = []
        self.check()

    # --- actions ------------------------------------------------------------------------------

    def _selected(self) -> str | None:
        if self.view is None or not self.view.checks:
            return None
        row = self.query_one("#merge-branches", DataTable).cursor_row
        if 0 <= row < len(self.view.checks):
            return self.view.checks[row].agent
        return None

    def action_choose(self) -> None:
        name = self._selected()
        if name is None or self.view is None:
            return
        check = next(c for c in self.view.checks if c.agent == name)
        if check.status == "missing":
            return
        if name in self.chosen:
            self.chosen.remove(name)
        else:
            order = [c.agent for c in self.view.checks]
            self.chosen = sorted([*self.chosen, name], key=order.index)
        self._fill()
        self._replan()

    def action_toggle_all(self) -> None:
        if self.view is None:
            return
        every = [c.agent for c in self.view.checks if c.status != "missing"]
        self.chosen = [] if self.chosen == every else every
        self._fill()
        self._replan()

    def action_into(self) -> None:
        self.query_one("#merge-into", Input).focus()

    @on(Input.Submitted, "#merge-into")
    def _into_given(self, event: Input.Submitted) -> None:
        self.into = event.value.strip() or None
        self.view = None  # (what is shown was checked against the other branch)
        self.query_one("#merge-branches", DataTable).focus()
        self._say("Checking…")
        self.check()

    def action_merge(self) -> None:
        view = self.view
        if view is None or not self.check_action("merge", ()):
            return
        if not self.chosen:
            self._say("Choose branches first (space, or a for all).")
            return
        chosen = list(self.chosen)
        target = view.target
        if not target.in_user_tree:
            self.merge(view, chosen, False)
            return
        files = len(self.plan.changed_files) if self.plan is not None else 0
        question = printable(f"Merge {', '.join(chosen)} into {target.branch}?")
        detail = printable(
            f"Files in {target.checked_out} change ({files} of them). Uncommitted changes to "
            "other files are kept; uncommitted changes to these files stop the merge."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.merge(view, chosen, True)
            else:
                self._say("Nothing was merged.")

        from swarmtui.ui.screens.ask import ConfirmScreen

        confirm = ConfirmScreen(question, detail, yes="Merge", no="Cancel")
        self.app.push_screen(confirm, answered)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # (served read-only: the branches are shown, nothing is merged)
        return not (action == "merge" and getattr(self.app, "read_only", False))

    def action_back(self) -> None:
        self.dismiss(None)
