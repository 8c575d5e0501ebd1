"""The main screen: the batch editor and its diagnostics beside the live panels of a session."""

from __future__ import annotations

import json
import threading
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import DescendantFocus, Resize
from textual.screen import Screen
from textual.theme import Theme
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, TextArea
from textual.worker import Worker, WorkerState

from swarmtui.ui.bridge import Panel, SessionBridge
from swarmtui.ui.empty_state import EMPTY_STATE
from swarmtui.ui.messages import (
    AgentChosen,
    AgentControlRequested,
    DiagnosticChosen,
    TodoStatusRequested,
)
from swarmtui.ui.planned import planned_state
from swarmtui.ui.widgets.agents_panel import AgentsPanel
from swarmtui.ui.widgets.batch_editor import BatchEditor
from swarmtui.ui.widgets.diagnostics_list import DiagnosticsList
from swarmtui.ui.widgets.log_panel import LogPanel
from swarmtui.ui.widgets.memory_panel import MemoryPanel
from swarmtui.ui.widgets.status_bar import StatusBar
from swarmtui.ui.widgets.timeline_panel import TimelinePanel
from swarmtui.ui.widgets.todos_panel import TodosPanel

if TYPE_CHECKING:
    from swarmtui.batch.models import Diagnostic
    from swarmtui.engine.state import SessionState
    from swarmtui.ui.app import SwarmApp

# Pane name -> (widget id to focus, pane container id, title).
PANES: dict[str, tuple[str, str, str]] = {
    "editor": ("editor", "editor-pane", "Editor"),
    "agents": ("agents", "agents", "Agents"),
    "todos": ("todos", "todos", "Todos"),
    "memory": ("memory-tree", "memory", "Memory"),
    "log": ("log", "log", "Log"),
    "timeline": ("timeline", "timeline", "Timeline"),
}
# alt+digit as Textual reads it from most terminals (ESC+digit becomes these characters, see
# textual/_ansi_sequences.py); bound without priority, so the editor can still type them.
ALT_DIGIT_CHARACTERS = {
    "editor": "inverted_exclamation_mark",  # ¡
    "agents": "trade_mark_sign",  # ™
    "todos": "pound_sign",  # £
    "memory": "cent_sign",  # ¢
    "log": "infinity",  # ∞
    "timeline": "section_sign",  # §
}
PANE_KEYS = {
    "editor": "alt+1,f2",
    "agents": "alt+2,f3",
    "todos": "alt+3,f4",
    "memory": "alt+4,f5",
    "log": "alt+5,f6",
    "timeline": "alt+6,f7",
}
# Below this size the panes no longer fit side by side: only the focused one is shown.
COMPACT_WIDTH = 100
COMPACT_HEIGHT = 28
# From this width the editor gets half the screen instead of two fifths.
WIDE_WIDTH = 140
LINT_DELAY = 0.3
FIRST_LINT_DELAY = 0.15
# The batch parser shares one tree-sitter Parser, which must not parse in two threads at once
# (that crashes the interpreter): every parse the app starts holds this lock.
PARSE_LOCK = threading.Lock()


def parse_memory_value(text: str) -> Any:
    """What the user typed as a memory value: JSON when it is JSON, else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


class EditorPane(Vertical):
    ALLOW_MAXIMIZE = True


# The actions an app made with `read_only=True` hides: everything that runs or changes something.
READ_ONLY_HIDDEN = frozenset({"run", "save", "open", "pause", "cancel_session", "store_memory"})


class MainScreen(Screen[None]):
    """Edit a batch, run it, watch and steer the session."""

    ESCAPE_TO_MINIMIZE = False
    ALLOW_IN_MAXIMIZED_VIEW = "StatusBar, Footer"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+r,ctrl+enter",
            "run",
            "Run",
            id="run",
            tooltip="Run the batch in the editor as a new session",
            priority=True,
        ),
        Binding("ctrl+s", "save", "Save", id="save", tooltip="Save the batch to its file"),
        Binding("ctrl+o", "open", "Open", id="open", tooltip="Open a batch file"),
        *[
            Binding(
                keys,
                f"focus_pane('{pane}')",
                f"Focus {PANES[pane][2].lower()}",
                id=f"focus.{pane}",
                tooltip=f"Focus the {PANES[pane][2].lower()} pane",
                show=False,
                # Priority: the F-keys must work from the editor too (TextArea binds f6/f7).
                priority=True,
            )
            for pane, keys in PANE_KEYS.items()
        ],
        Binding(
            "f8",
            "focus_diagnostics",
            "Focus diagnostics",
            id="focus.diagnostics",
            tooltip="Focus the diagnostics list (enter on one moves the cursor to it)",
            show=False,
            priority=True,  # from the editor, where tab indents
        ),
        # No description: kept out of the footer, the help and the palette (the binding above
        # is the one listed); no id, so remapping `focus.*` leaves these working.
        *[
            Binding(character, f"focus_pane('{pane}')", "", show=False)
            for pane, character in ALT_DIGIT_CHARACTERS.items()
        ],
        Binding(
            "space",
            "pause",
            "Pause/resume",
            id="session.pause",
            tooltip="Pause the session (no new agent starts) or resume it",
        ),
        Binding(
            "m",
            "store_memory",
            "Store key",
            id="memory.store",
            tooltip="Store a memory key by hand (unblocks agents waiting for it)",
        ),
        Binding(
            "X",
            "cancel_session",
            "Cancel all",
            id="session.cancel",
            tooltip="Cancel the whole session",
            show=False,
        ),
        Binding("escape", "back", "Editor", id="back", tooltip="Back to the editor", show=False),
    ]

    def __init__(
        self,
        *,
        text: str,
        path: Path | None = None,
        example: str | None = None,
    ) -> None:
        super().__init__()
        self.path = path
        self.example = example
        self.saved_text = text
        self._initial_text = text
        self.live: Any = None
        self.running = False
        self.bridge: SessionBridge | None = None
        self._lint_timer: Timer | None = None
        self._lint_generation = 0
        self.diagnostics: list[Diagnostic] = []
        self.planned: SessionState | None = None
        self.last_error: str | None = None
        self.lint_delay = LINT_DELAY

    @property
    def swarm_app(self) -> SwarmApp:
        return cast("SwarmApp", self.app)

    # Layout -----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="workspace"):
            with Vertical(id="left"):
                with EditorPane(id="editor-pane", classes="pane"):
                    yield BatchEditor(self._initial_text, id="editor")
                    yield DiagnosticsList(id="diagnostics")
                yield LogPanel(id="log", classes="pane")
            with Vertical(id="right"):
                yield AgentsPanel(id="agents", classes="pane")
                yield TimelinePanel(id="timeline", classes="pane")
                with Horizontal(id="lower"):
                    yield TodosPanel(id="todos", classes="pane")
                    yield MemoryPanel(id="memory", classes="pane")
        yield StatusBar(backend=self.swarm_app.backend_label, id="status")
        yield Footer()

    def on_mount(self) -> None:
        for index, (_focus, pane_id, title) in enumerate(PANES.values(), start=1):
            self.query_one(f"#{pane_id}").border_title = f"{index} {title}"
        if getattr(self.app, "read_only", False):  # served read-only: watch, change nothing
            self.editor.read_only = True
            self.query_one(AgentsPanel).read_only = True
            self.query_one(TodosPanel).read_only = True
        bridge = SessionBridge(self.app)
        for name in ("agents", "todos", "memory", "log", "timeline", "status"):
            bridge.register(name, cast(Panel, self.query_one(f"#{name}", Widget)))
        self.bridge = bridge
        bridge.start()
        self._update_file_label()
        self.app.theme_changed_signal.subscribe(self, self._apply_editor_theme)
        self._apply_editor_theme(self.app.current_theme)
        self.editor.focus()
        # After the first frame: the first parse imports the batch package, off the start-up path.
        self.set_timer(FIRST_LINT_DELAY, self._start_lint, name="first-lint")

    @property
    def editor(self) -> BatchEditor:
        return self.query_one(BatchEditor)

    @property
    def status_bar(self) -> StatusBar:
        return self.query_one(StatusBar)

    @property
    def state(self) -> SessionState:
        """The session shown: the live or last one, else the batch's plan (before any run)."""
        state = self.bridge.state if self.bridge is not None else EMPTY_STATE
        if state is EMPTY_STATE and self.planned is not None:
            return self.planned
        return state

    def _apply_editor_theme(self, theme: Theme) -> None:
        from swarmtui.ui.theme_build import text_area_theme_for

        editor_theme = text_area_theme_for(theme)
        self.editor.register_theme(editor_theme)
        self.editor.theme = editor_theme.name

    def on_resize(self, event: Resize) -> None:
        compact = event.size.width < COMPACT_WIDTH or event.size.height < COMPACT_HEIGHT
        self.set_class(compact, "-compact")
        self.set_class(event.size.width >= WIDE_WIDTH, "-wide")
        # F-keys first: alt+digit types a character in some terminals (macOS: alt+2 is ™).
        self.status_bar.set_note("F2…F7 / alt+1…6: panes" if compact else "")
        if compact:
            self._maximize_focused()
        elif self.maximized is not None:
            self.minimize()

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        if self.has_class("-compact"):
            self._maximize_focused()

    def _maximize_focused(self) -> None:
        focused = self.focused
        pane = self._pane_of(focused) if focused is not None else None
        if pane is not None and self.maximized is not pane:
            self.maximize(pane, container=False)

    def _pane_of(self, widget: Widget) -> Widget | None:
        for node in (widget, *widget.ancestors):
            if isinstance(node, Widget) and node.has_class("pane"):
                return node
        return None

    # File state --------------------------------------------------------------------------------
    @property
    def modified(self) -> bool:
        return self.editor.text != self.saved_text

    @property
    def source_name(self) -> str:
        if self.path is not None:
            return self.path.name
        return self.example or "<editor>"

    def _update_file_label(self) -> None:
        if self.path is not None:
            label = str(self.path)
        elif self.example is not None:
            label = f"example {self.example} (ctrl+s saves a copy)"
        else:
            label = "new batch (not saved yet)"
        modified = self.modified
        self.status_bar.set_file(label, modified)
        self.app.sub_title = f"{self.source_name}{' ●' if modified else ''}"

    def load(self, text: str, path: Path | None, example: str | None = None) -> None:
        """Put a batch in the editor (after open)."""
        self.path = path
        self.example = example
        self.saved_text = text
        self.editor.load_text(text)
        self._update_file_label()
        self._start_lint()

    def write_file(self, path: Path) -> bool:
        text = self.editor.text
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            self.notify(f"Could not save {path}: {exc.strerror or exc}", severity="error")
            return False
        self.path = path
        self.example = None
        self.saved_text = text
        self._update_file_label()
        self.notify(f"Saved {path}")
        return True

    # Diagnostics as you type ------------------------------------------------------------------
    @on(TextArea.Changed, "#editor")
    def _editor_changed(self) -> None:
        self._update_file_label()
        if self._lint_timer is not None:
            self._lint_timer.stop()
        if self.lint_delay <= 0:
            self._start_lint()
            return
        self._lint_timer = self.set_timer(self.lint_delay, self._start_lint, name="lint-debounce")

    def _start_lint(self) -> None:
        self._lint_generation += 1
        text = self.editor.text
        self.run_worker(
            partial(self._lint, text, self._lint_generation),
            name="lint",
            group="lint",
            thread=True,
            exit_on_error=False,
        )

    def _lint(self, text: str, generation: int) -> tuple[int, list[Diagnostic], SessionState]:
        from swarmtui.batch import parse_batch

        with PARSE_LOCK:
            batch = parse_batch(text, source_name=self.source_name)
        # Also warms the engine's modules and the settings, off the event loop, before the
        # user runs the batch.
        plan = planned_state(batch)
        _ = self.swarm_app.settings
        return generation, list(batch.diagnostics), plan

    def _show_diagnostics(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        self.editor.set_diagnostics(diagnostics)
        self.query_one(DiagnosticsList).show_diagnostics(diagnostics)

    def _show_lint_result(self, diagnostics: list[Diagnostic], plan: SessionState) -> None:
        """Apply a lint's results on the UI thread (what blocks typing while it runs)."""
        self._show_diagnostics(diagnostics)
        self._show_plan(plan)

    def _show_plan(self, plan: SessionState) -> None:
        """Until a session runs, the agents and todos panels show what the batch would start."""
        if self.bridge is not None and self.bridge.state is EMPTY_STATE:
            self.planned = plan
            self.bridge.show_preview(plan)

    @on(DiagnosticChosen)
    def _diagnostic_chosen(self, message: DiagnosticChosen) -> None:
        self.editor.move_cursor((max(0, message.line - 1), max(0, message.column - 1)))
        self.editor.focus()

    # Workers --------------------------------------------------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "lint":
            if event.state == WorkerState.SUCCESS and worker.result is not None:
                generation, diagnostics, plan = worker.result
                if generation == self._lint_generation:
                    self._show_lint_result(diagnostics, plan)
            elif event.state == WorkerState.ERROR:
                self.query_one(
                    DiagnosticsList
                ).border_title = (
                    f"Diagnostics unavailable: {type(worker.error).__name__}: {worker.error}"
                )
        elif worker.group == "session" and event.state in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self._session_ended(worker)

    def _session_ended(self, worker: Worker[Any]) -> None:
        self.running = False
        self._set_controls_live(False)
        if self.bridge is not None:
            self.bridge.live_clock = False
            self.bridge.dirty.update(("agents", "timeline", "status"))
            self.bridge.flush()
        if worker.state == WorkerState.ERROR:
            error = worker.error
            self.last_error = f"{type(error).__name__}: {error}"
            self.notify(
                f"The session stopped with an error: {self.last_error}. Your batch is unchanged.",
                severity="error",
                timeout=10,
            )
        elif worker.state == WorkerState.SUCCESS:
            state = self.state
            speedup = f", speed-up {state.metrics.speedup:.1f}×" if state.metrics.speedup else ""
            self.notify(f"Session {state.status}{speedup}")
        self.refresh_bindings()

    # Running and steering -------------------------------------------------------------------
    def action_run(self) -> None:
        if self.running:
            self.notify("A session is already running (X cancels it).", severity="warning")
            return
        from swarmtui.engine.session import LiveSession

        app = self.swarm_app
        text = self.editor.text
        try:
            with PARSE_LOCK:  # LiveSession parses the text
                live = LiveSession(
                    text,
                    source_name=self.source_name,
                    settings=app.settings,
                    sessions_dir=app.sessions_dir,
                    project_dir=app.project_dir,
                )
        except Exception as exc:  # a bad batch or folder must not take the editor with it
            self.last_error = f"{type(exc).__name__}: {exc}"
            self.notify(f"Could not start the session: {self.last_error}", severity="error")
            return
        self.start_live(live)

    def start_live(self, live: Any) -> None:
        """Watch `live` (a LiveSession) and run it in the long-lived session worker."""
        bridge = self.bridge
        assert bridge is not None
        self.live = live
        self.running = True
        bridge.attach(live.state, live=True)

        def forward(event: Any) -> None:
            bridge.state = live.state
            bridge.on_event(event)

        live.subscribe(forward)
        self.run_worker(live.run(), name="session", group="session", exit_on_error=False)
        self._set_controls_live(True)
        self.refresh_bindings()
        self.focus_pane("agents")

    def _set_controls_live(self, live: bool) -> None:
        agents = self.query_one(AgentsPanel)
        agents.controls_live = live
        agents.update_controls()

    def _live_or_warn(self) -> Any:
        if self.live is None or not self.running:
            self.notify("No session is running (ctrl+r runs the batch).", severity="warning")
            return None
        return self.live

    def action_pause(self) -> None:
        live = self._live_or_warn()
        if live is None:
            return
        if self.state.paused:
            live.resume()
            self.notify("Resumed")
        else:
            live.pause()
            self.notify("Paused: no new agent starts; running ones finish")

    def action_cancel_session(self) -> None:
        live = self._live_or_warn()
        if live is not None:
            live.cancel_session()

    @on(AgentControlRequested)
    def _agent_control(self, message: AgentControlRequested) -> None:
        live = self._live_or_warn()
        if live is None:
            return
        agent = self.state.agents.get(message.name)
        if message.action == "cancel":
            if agent is not None and agent.status in ("done", "failed", "cancelled", "skipped"):
                self.notify(f"{message.name} has already ended ({agent.status}).")
                return
            live.cancel_agent(message.name)
        else:
            if agent is not None and agent.status not in ("failed", "cancelled"):
                self.notify(f"Only a failed or cancelled agent can be retried ({agent.status}).")
                return
            live.retry_agent(message.name)

    @on(TodoStatusRequested)
    def _todo_status(self, message: TodoStatusRequested) -> None:
        live = self._live_or_warn()
        if live is not None:
            live.set_todo_status(message.todo_id, message.status)

    def action_store_memory(self) -> None:
        if self._live_or_warn() is None:
            return
        from swarmtui.ui.screens.memory_form import MemoryFormScreen

        key = ""
        agents = self.query_one(AgentsPanel)
        selected = self.state.agents.get(agents.selected or "")
        if selected is not None:
            missing = [k for k in selected.waits if k not in selected.arrived and "*" not in k]
            key = missing[0] if missing else ""
        self.app.push_screen(MemoryFormScreen(key=key), self._memory_form_done)

    def _memory_form_done(self, result: tuple[str, str, str] | None) -> None:
        if result is None:
            return
        live = self._live_or_warn()
        if live is None:
            return
        key, value, namespace = result
        live.store_memory(key, parse_memory_value(value), namespace=namespace or "default")
        self.notify(f"Stored {namespace or 'default'}:{key}")

    @on(AgentChosen)
    def _agent_chosen(self, message: AgentChosen) -> None:
        from swarmtui.ui.screens.agent_detail import AgentDetailScreen

        session_path = getattr(self.live, "path", None)
        self.app.push_screen(
            AgentDetailScreen(
                self.state, message.name, session_path=session_path, bridge=self.bridge
            )
        )

    # Focus ----------------------------------------------------------------------------------
    def focus_pane(self, pane: str) -> None:
        target_id = PANES[pane][0]
        widget = self.query_one(f"#{target_id}", Widget)
        if self.has_class("-compact"):
            # Maximize first: a maximized view limits focus to the widgets it shows.
            container = self.query_one(f"#{PANES[pane][1]}", Widget)
            self.maximize(container, container=False)
        widget.focus()

    def action_focus_pane(self, pane: str) -> None:
        if pane in PANES:
            self.focus_pane(pane)

    def action_focus_diagnostics(self) -> None:
        if self.has_class("-compact"):
            self.maximize(self.query_one("#editor-pane", Widget), container=False)
        self.query_one(DiagnosticsList).focus()

    def action_back(self) -> None:
        self.focus_pane("editor")

    # Files ----------------------------------------------------------------------------------
    def action_save(self) -> None:
        if self.path is None:
            self.action_save_as()
        else:
            self.write_file(self.path)

    def action_save_as(self) -> None:
        from swarmtui.ui.screens.open_file import OpenFileScreen

        suggestion = self.path or Path.cwd() / (self.example or "batch.swarm.js")
        self.app.push_screen(
            OpenFileScreen(mode="save", initial=str(suggestion)), self._save_as_chosen
        )

    def _save_as_chosen(self, path: Path | None) -> None:
        if path is not None:
            self.write_file(path)

    def action_open(self) -> None:
        from swarmtui.ui.screens.open_file import OpenFileScreen

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.open_path(path)

        self.when_saved_or_discarded(
            lambda: self.app.push_screen(OpenFileScreen(mode="open"), chosen),
            question="Open another file?",
        )

    def open_path(self, path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            self.notify(f"{path} is not a text file (UTF-8)", severity="error")
            return
        except OSError as exc:
            self.notify(f"Could not open {path}: {exc.strerror or exc}", severity="error")
            return
        self.load(text, path)

    def open_example(self, name: str) -> None:
        from swarmtui.ui.app import read_example

        def go() -> None:
            self.load(read_example(name), None, example=name)

        self.when_saved_or_discarded(go, question="Open an example?")

    def when_saved_or_discarded(self, then: Any, *, question: str) -> None:
        """Run `then` once unsaved changes are saved or knowingly dropped."""
        if not self.modified:
            then()
            return
        from swarmtui.ui.screens.confirm_quit import ConfirmQuitScreen

        def answered(choice: str | None) -> None:
            if choice == "save":
                if self.path is not None and self.write_file(self.path):
                    then()
                elif self.path is None:
                    self.action_save_as()
            elif choice == "discard":
                then()

        self.app.push_screen(
            ConfirmQuitScreen(question=question, detail=self._unsaved_detail()), answered
        )

    def _unsaved_detail(self) -> str:
        where = str(self.path) if self.path is not None else f"the example {self.source_name}"
        return f"The batch has unsaved changes ({where})."

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in READ_ONLY_HIDDEN and getattr(self.app, "read_only", False):
            return False
        if action in ("pause", "cancel_session", "store_memory"):
            return self.running
        return True
