"""The batch document: the editor and its diagnostics, the file behind them, the lint as you type.

It owns everything about the text being written: where it is saved, whether it has unsaved
changes (and the one way of asking before they would be lost), and a lint that runs in a thread
worker a moment after each edit. The results come back as a `Linted` message: the document shows
the diagnostics, and the screen above shows the plan.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.theme import Theme
from textual.timer import Timer
from textual.widgets import TextArea

from swarmtui.text_files import (
    NAMES,
    READABLE,
    UTF8,
    NotText,
    encode_text,
    file_encoding,
    read_text_file,
)
from swarmtui.ui.messages import DiagnosticChosen
from swarmtui.ui.planned import planned_state
from swarmtui.ui.widgets.batch_editor import BatchEditor
from swarmtui.ui.widgets.diagnostics_list import DiagnosticsList
from swarmtui.ui.widgets.stand_in import StandIn
from swarmtui.ui.work import ReportsFailures, WorkFailed

if TYPE_CHECKING:
    from swarmtui.batch.models import Batch, Diagnostic
    from swarmtui.engine.state import SessionState

LINT_DELAY = 0.3
FIRST_LINT_DELAY = 0.15


class BatchDocument(ReportsFailures, Vertical):
    """The editor pane: `BatchEditor` over its `DiagnosticsList`."""

    ALLOW_MAXIMIZE = True

    class Linted(Message):
        """A lint of the text has finished (its generation says which edit it saw)."""

        def __init__(
            self,
            generation: int,
            diagnostics: list[Diagnostic],
            plan: SessionState,
            batch: Batch | None = None,
            estimate: str = "",
            listed: list[Diagnostic] | None = None,
        ) -> None:
            super().__init__()
            self.generation = generation
            self.diagnostics = diagnostics
            # What the diagnostics list shows: runs of prose notes said once (joined_notes).
            self.listed = diagnostics if listed is None else listed
            self.plan = plan
            self.batch = batch  # the parsed batch (a fork being prepared is planned from it)
            self.estimate = estimate  # what running it may use, said as an estimate ("": unknown)

    class FileChanged(Message):
        """What the status bar says about the file: its label, and whether it is modified."""

        def __init__(self, label: str, title: str, modified: bool) -> None:
            super().__init__()
            self.label = label
            self.title = title
            self.modified = modified

    class Loaded(Message):
        """Another batch is in the editor (new, opened, an example, a session's batch)."""

    def __init__(
        self,
        text: str,
        *,
        path: Path | None = None,
        example: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._initial_text = text
        self.path = path
        self.example = example
        self.saved_text = text
        self.diagnostics: list[Diagnostic] = []
        self.lint_delay = LINT_DELAY
        self._lint_timer: Timer | None = None
        self._lint_generation = 0
        # Set while the diagnostics shown are those of the editor's text.
        self.linted = asyncio.Event()
        self._described: tuple[str, str, bool] | None = None
        # What running a parsed batch may use, in a few words (called in the lint's thread).
        self.estimator: Callable[[Batch], str] | None = None
        # Empty until the first lint: its stand-in draws it in the first frame.
        self._diagnostics_place = StandIn(DiagnosticsList(id="diagnostics"), id="diagnostics-place")

    def compose(self) -> ComposeResult:
        yield BatchEditor(self._initial_text, id="editor")
        yield self._diagnostics_place

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._apply_editor_theme)
        self._apply_editor_theme(self.app.current_theme)
        self._describe()
        if self.path is not None and not self.path.exists():  # (`swarmtui NEW.swarm.js`)
            self.notify(self._missing_note(self.path), markup=False, timeout=8)
        # After the first frame: the first parse imports the batch package, off the start-up path.
        self._lint_timer = self.set_timer(FIRST_LINT_DELAY, self.lint, name="first-lint")

    @property
    def editor(self) -> BatchEditor:
        return self.query_one(BatchEditor)

    @property
    def diagnostics_list(self) -> DiagnosticsList:
        return self._diagnostics_place.widget

    @property
    def text(self) -> str:
        return self.editor.text

    @property
    def modified(self) -> bool:
        return self.editor.text != self.saved_text

    @property
    def source_name(self) -> str:
        if self.path is not None:
            return self.path.name
        return self.example or "<editor>"

    @property
    def run_source(self) -> str:
        """Where a session of the text says it came from: the file's path (its git repository
        is found from it), else the source name."""
        return str(self.path) if self.path is not None else self.source_name

    @property
    def label(self) -> str:
        if self.path is not None:
            return str(self.path)
        if self.example is not None:
            return f"example {self.example} (ctrl+s saves a copy)"
        # Once typed into, the status bar's "● unsaved" says the rest (and 80 columns hold it).
        return "new batch" if self.modified else "new batch (not saved yet)"

    def _describe(self) -> None:
        modified = self.modified
        title = f"{self.source_name}{' ●' if modified else ''}"
        described = (self.label, title, modified)
        if described != self._described:
            self._described = described
            self.post_message(self.FileChanged(*described))

    def _apply_editor_theme(self, theme: Theme) -> None:
        from swarmtui.ui.theme_build import text_area_theme_for

        editor_theme = text_area_theme_for(theme)
        self.editor.register_theme(editor_theme)
        self.editor.theme = editor_theme.name

    # Diagnostics as you type ------------------------------------------------------------------
    @on(TextArea.Changed, "#editor")
    def _edited(self) -> None:
        self.linted.clear()
        self._describe()
        if self._lint_timer is not None:
            self._lint_timer.stop()
        if self.lint_delay <= 0:
            self.lint()
            return
        self._lint_timer = self.set_timer(self.lint_delay, self.lint, name="lint-debounce")

    def lint(self) -> None:
        """Lint the text now (in a thread: the batch package parses it)."""
        self._lint_generation += 1
        self.linted.clear()
        self._lint(self.editor.text, self.source_name, self._lint_generation)

    @work(thread=True, exclusive=True, group="lint", exit_on_error=False)
    def _lint(self, text: str, source_name: str, generation: int) -> None:
        from swarmtui.batch import parse_batch
        from swarmtui.batch.diagnostics import joined_notes

        batch = parse_batch(text, source_name=source_name)
        # Also warms the engine's modules, off the event loop, before the user runs the batch.
        plan = planned_state(batch)
        guess = ""
        if self.estimator is not None:
            try:
                guess = self.estimator(batch)
            except Exception:  # an estimate must never cost the user the diagnostics
                guess = ""
        diagnostics = list(batch.diagnostics)
        listed = joined_notes(diagnostics, text)
        self.post_message(self.Linted(generation, diagnostics, plan, batch, guess, listed))

    @on(Linted)
    def _show_lint(self, message: Linted) -> None:
        if message.generation != self._lint_generation:
            message.stop()  # an older text's: a newer lint is on its way
            return
        self.diagnostics = message.diagnostics
        self.editor.set_diagnostics(message.diagnostics)
        self.diagnostics_list.show_diagnostics(message.listed)
        self.linted.set()

    @on(WorkFailed)
    def _lint_failed(self, message: WorkFailed) -> None:
        if message.group == "lint":
            message.stop()  # said in place: the diagnostics list's title
            title = f"Diagnostics unavailable: {message.reason}"
            self.diagnostics_list.border_title = title

    @on(DiagnosticChosen)
    def _diagnostic_chosen(self, message: DiagnosticChosen) -> None:
        message.stop()
        self.editor.move_cursor((max(0, message.line - 1), max(0, message.column - 1)))
        self.editor.focus()

    # The file ---------------------------------------------------------------------------------
    def load(self, text: str, path: Path | None, example: str | None = None) -> None:
        """Put a batch in the editor (after open)."""
        self.path = path
        self.example = example
        self.saved_text = text
        self.editor.load_text(text)
        self._describe()
        self.post_message(self.Loaded())  # (first: the lint's result comes after it)
        self.lint()

    def write(self, path: Path) -> bool:
        """Save the text to `path`; False (after saying why) when it cannot be written."""
        text = self.editor.text
        # (a file keeps its encoding: a UTF-16 batch stays UTF-16 for the tools that wrote it)
        encoding = file_encoding(path)
        try:
            path.write_bytes(encode_text(text, encoding))
        except OSError as exc:
            self.notify(
                f"Could not save {path}: {exc.strerror or exc}", severity="error", markup=False
            )
            return False
        self.path = path
        self.example = None
        self.saved_text = text
        self._describe()
        kept = f" (as {NAMES[encoding]}, the file's encoding)" if encoding != UTF8 else ""
        self.notify(f"Saved {path}{kept}", markup=False)
        return True

    @staticmethod
    def _missing_note(path: Path) -> str:
        """What opening `path`, which does not exist, means for saving."""
        if path.parent.is_dir():
            return f"{path} does not exist yet: saving creates it."
        return (
            f"{path} does not exist yet, nor its folder {path.parent}: "
            "saving asks where to save it (Save as…)."
        )

    def save(self, then: Callable[[], None] | None = None) -> None:
        """Save to the file (asking for a path first when there is none, or when its folder
        is gone: a file given on the command line may name one that never existed), then
        `then`."""
        if self.path is None:
            self.save_as(then)
        elif not self.path.parent.is_dir():
            self.notify(
                f"Cannot save {self.path}: the folder {self.path.parent} does not exist. Save as…",
                severity="warning",
                markup=False,
            )
            self.save_as(then, suggestion=Path.cwd() / self.path.name)
        elif self.write(self.path) and then is not None:
            then()

    def save_as(
        self, then: Callable[[], None] | None = None, *, suggestion: Path | None = None
    ) -> None:
        from swarmtui.ui.screens.open_file import OpenFileScreen

        if suggestion is None:
            suggestion = self.path or Path.cwd() / (self.example or "batch.swarm.js")

        def write(path: Path) -> None:
            if self.write(path) and then is not None:
                then()

        def chosen(path: Path | None) -> None:
            if path is None:
                return
            if path.exists() and path != self.path:
                self._confirm_replace(path, write)
            else:
                write(path)

        self.app.push_screen(OpenFileScreen(mode="save", initial=str(suggestion)), chosen)

    def _confirm_replace(self, path: Path, write: Callable[[Path], None]) -> None:
        from swarmtui.ui.screens.ask import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                write(path)

        question = ConfirmScreen(
            f"Replace {path}?",
            "A file of that name exists; saving replaces its text.",
            yes="Replace",
            no="Cancel",
        )
        self.app.push_screen(question, answered)

    def new(self) -> None:
        """An empty batch, not saved yet (after asking about unsaved changes)."""
        self.when_saved_or_discarded(
            lambda: self.load("", None), question="Start a new, empty batch?"
        )

    def choose_and_open(self) -> None:
        """Ask for a file and open it (after asking about unsaved changes)."""
        from swarmtui.ui.screens.open_file import OpenFileScreen

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.open_path(path)

        def ask() -> None:
            self.app.push_screen(OpenFileScreen(mode="open"), chosen)

        self.when_saved_or_discarded(ask, question="Open another file?")

    def open_path(self, path: Path) -> None:
        try:
            text = read_text_file(path)
        except NotText:
            message = f"{path} is not a text file ({READABLE})"
            self.notify(message, severity="error", markup=False)
            return
        except OSError as exc:
            message = f"Could not open {path}: {exc.strerror or exc}"
            self.notify(message, severity="error", markup=False)
            return
        self.load(text, path)

    def open_example(self, name: str) -> None:
        from swarmtui.ui.examples import read_example

        self.when_saved_or_discarded(
            lambda: self.load(read_example(name), None, example=name),
            question="Open an example?",
        )

    def when_saved_or_discarded(
        self, then: Callable[[], None], *, question: str, warning: str | None = None
    ) -> None:
        """Run `then` once unsaved changes are saved or knowingly dropped; with a `warning`
        (what else would be lost), ask even when there are no unsaved changes."""
        modified = self.modified
        if not modified and warning is None:
            then()
            return
        from swarmtui.ui.screens.confirm_quit import ConfirmQuitScreen

        details = [self._unsaved_detail()] if modified else []
        if warning is not None:
            details.append(warning)

        def answered(choice: str | None) -> None:
            if choice == "save":
                self.save(then)
            elif choice == "discard":
                then()

        self.app.push_screen(
            ConfirmQuitScreen(question=question, detail=" ".join(details), can_save=modified),
            answered,
        )

    def _unsaved_detail(self) -> str:
        if self.path is not None:
            where = str(self.path)
        elif self.example is not None:
            where = f"the example {self.example}"
        else:  # (as the status bar names it: "<editor>" is only a session's source name)
            where = "new batch"
        return f"The batch has unsaved changes ({where})."
