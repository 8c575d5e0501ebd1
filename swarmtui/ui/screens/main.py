"""The main screen: the batch document beside the live panels of a session, and its keys.

The screen lays the panes out (and, in a small terminal, shows only the focused one); what is
written lives in the `BatchDocument`, what runs in the `SessionController`. The screen turns
keys into their calls and runs the session in its worker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.events import DescendantFocus, Resize, ScreenResume
from textual.geometry import Size
from textual.widget import Widget
from textual.worker import Worker

from swarmtui.ui.bridge import Panel, SessionBridge
from swarmtui.ui.messages import AgentChosen, AgentControlRequested, TodoStatusRequested
from swarmtui.ui.screens.main_keys import MAIN_BINDINGS, PANES
from swarmtui.ui.screens.merge_key import MERGE_BINDING, SessionScreen
from swarmtui.ui.session_controller import RunContext, SessionController
from swarmtui.ui.widgets.agents_panel import AgentsPanel
from swarmtui.ui.widgets.batch_document import BatchDocument
from swarmtui.ui.widgets.batch_editor import BatchEditor
from swarmtui.ui.widgets.key_bar import KeyBarPlace
from swarmtui.ui.widgets.log_panel import LogPanel
from swarmtui.ui.widgets.memory_panel import MemoryPanel
from swarmtui.ui.widgets.stand_in import StandIn
from swarmtui.ui.widgets.status_bar import StatusBar
from swarmtui.ui.widgets.tiles import (
    Column,
    Row,
    focus_in_pane,
    mark_focused_pane,
    resized,
    set_compact,
    show_focused_pane,
)
from swarmtui.ui.widgets.timeline_panel import TimelinePanel
from swarmtui.ui.widgets.todos_panel import TodosPanel
from swarmtui.ui.work import ReportsFailures

if TYPE_CHECKING:
    from pathlib import Path

    from swarmtui.batch.models import Batch
    from swarmtui.engine.session import LiveSession
    from swarmtui.engine.state import SessionState
    from swarmtui.ui.fork_flow import ForkDraft

# From this width the editor gets half the screen instead of two fifths.
WIDE_WIDTH = 140
SESSION_FAILED = "The session stopped with an error: {reason}. Your batch is unchanged."
RUNNING_WARNING = "A session is running; quitting stops it (it replays up to now)."
FORK_WAITING = "not started yet: ctrl+r starts the fork, m sets a memory value"


# The actions an app made with `read_only=True` hides: everything that runs or changes something.
READ_ONLY_HIDDEN = frozenset(
    {
        "run",
        "save",
        "open",
        "new",
        "pause",
        "cancel_session",
        "store_memory",
        "fork_memory",
        "approvals",
    }
)


class MainScreen(ReportsFailures, SessionScreen):
    """Edit a batch, run it, watch and steer the session."""

    ESCAPE_TO_MINIMIZE = False
    BLANK = True  # (its background only, covered by its panes and bars: `tiles.Row`)
    ALLOW_IN_MAXIMIZED_VIEW = "StatusBar, Footer, KeyBarPlace"
    AUTO_FOCUS = "#editor"

    BINDINGS: ClassVar[list[BindingType]] = [*MAIN_BINDINGS, MERGE_BINDING]

    def __init__(
        self,
        *,
        text: str,
        context: RunContext,
        path: Path | None = None,
        example: str | None = None,
        backend_label: str = "rehearsal",
    ) -> None:
        super().__init__()
        # (-focused: the editor is focused as the screen opens, `AUTO_FOCUS`)
        self.document = BatchDocument(
            text, path=path, example=example, id="editor-pane", classes="pane -focused"
        )
        self.bridge = SessionBridge(self)
        self.controller = SessionController(
            context, self.bridge, self.notify, bell=self._tell_terminal
        )
        self._backend_label = backend_label
        self.document.estimator = self._estimate
        self._resumed = False  # (whether the screen has been shown once: `on_screen_resume`)

    def _tell_terminal(self, sequence: str) -> None:
        """Write a notification's escape SEQUENCE (`App.bell` writes only the bell) to the
        terminal; a headless app has none."""
        driver = self.app._driver
        if sequence and not self.app.is_headless and driver is not None:
            driver.write(sequence)

    # Layout -----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # Sized now, not at the first resize: changing a class then restyles every widget. (The
        # classes style only the panes, not yet mounted: the screen needs no restyle for them.)
        self._size_classes(self.app.size, update=False)
        with Row(id="workspace"):
            with Column(id="left"):
                yield self.document
                yield LogPanel(id="log", classes="pane")
            with Column(id="right"):
                yield AgentsPanel(id="agents", classes="pane")
                yield TimelinePanel(id="timeline", classes="pane")
                with Row(id="lower"):
                    yield TodosPanel(id="todos", classes="pane")
                    yield MemoryPanel(id="memory", classes="pane")
        yield StatusBar(backend=self._backend_label, id="status")
        yield KeyBarPlace()  # (the key bar, after the first frame)

    def on_mount(self) -> None:
        for index, (_focus, pane_id, title) in enumerate(PANES.values(), start=1):
            self.query_one(f"#{pane_id}").border_title = f"{index} {title}"
        if getattr(self.app, "read_only", False):  # served read-only: watch, change nothing
            self.editor.read_only = True
            self.query_one(AgentsPanel).read_only = True
            self.query_one(TodosPanel).read_only = True
        panels: dict[str, Panel] = {
            "agents": self.query_one(AgentsPanel),
            "todos": self.query_one(TodosPanel),
            "memory": self.query_one(MemoryPanel),
            "log": self.query_one(LogPanel),
            "timeline": self.query_one(TimelinePanel),
            "status": self.status_bar,
        }
        for name, panel in panels.items():
            self.bridge.register(name, panel)
        self.bridge.start()
        # (at once too: the editor's, `AUTO_FOCUS`)
        self.watch(self, "focused", partial(mark_focused_pane, list(self.query(".pane"))))

    def on_screen_resume(self, event: ScreenResume) -> None:
        if not self._resumed:
            # Shown for the first time, straight after mounting: every widget was styled as it
            # mounted (and a change of theme restyles every screen on the stack), so Textual's
            # restyle of the whole screen here would only repeat it: a third of the styling
            # before the first frame. Later resumes (a dialog closed) restyle as usual.
            self._resumed = True
            event.refresh_styles = False

    @property
    def editor(self) -> BatchEditor:
        return self.document.editor

    @property
    def status_bar(self) -> StatusBar:
        return self.query_one(StatusBar)

    @property
    def state(self) -> SessionState:
        """The session shown: the live or last one, else the batch's plan (before any run)."""
        return self.controller.state

    @on(BatchDocument.FileChanged)
    def _file_changed(self, message: BatchDocument.FileChanged) -> None:
        self.status_bar.set_file(message.label, message.modified)
        self.app.sub_title = message.title

    @on(BatchDocument.Loaded)
    def _loaded(self) -> None:
        self.controller.forget_ended_session()
        self._controls_changed()

    @on(BatchDocument.Linted)
    def _linted(self, message: BatchDocument.Linted) -> None:
        self.controller.show_plan(message.plan, message.batch)
        self.status_bar.set_estimate(message.estimate)

    def _estimate(self, batch: Batch) -> str:
        """What running BATCH may use with the configured backend (in the lint's thread)."""
        from swarmtui.ui.planned import REHEARSAL_ESTIMATE, estimate_text

        if self._backend_label == "rehearsal":  # (no settings to build: nothing is spent)
            return REHEARSAL_ESTIMATE
        context = self.controller.context
        return estimate_text(batch, context.settings(), context.project_dir)

    def prepare_fork(self, draft: ForkDraft, text: str) -> None:
        """The source's batch in the editor (as a new batch), the panels at the fork's point:
        edit, set memory values (`m`), and run to start the fork."""
        self.document.load(text, None)
        if self.controller.prepare_fork(draft, text):
            self._fork_changed()
            self.focus_pane("editor")

    def drop_fork(self) -> None:
        self.controller.drop_fork()
        self._fork_changed()

    def _fork_changed(self) -> None:
        preparing = self.controller.fork is not None
        self.status_bar.status_label = FORK_WAITING if preparing else None
        self.status_bar.refresh()
        self.refresh_bindings()

    # Compact layout: only the focused pane --------------------------------------------------
    def _size_classes(self, size: Size, *, update: bool = True) -> bool:
        """Set -compact and -wide for a terminal of `size` (restyling the screen if `update`);
        whether it is compact."""
        self.set_class(size.width >= WIDE_WIDTH, "-wide", update=update)
        return set_compact(self, size, update=update)

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width >= WIDE_WIDTH, "-wide")
        compact = resized(self, event.size)
        # F-keys first: alt+digit types a character in some terminals (macOS: alt+2 is ™).
        self.status_bar.set_note("F2…F7 / alt+1…6: panes" if compact else "")

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        show_focused_pane(self)

    def focus_pane(self, pane: str) -> None:
        for stand_in in self.query(StandIn):  # (a key pressed before the first frame)
            stand_in.place()
        widget = self.query_one(f"#{PANES[pane][0]}", Widget)
        focus_in_pane(self, widget, self.query_one(f"#{PANES[pane][1]}", Widget))

    def action_focus_pane(self, pane: str) -> None:
        if pane in PANES:
            self.focus_pane(pane)

    def action_focus_diagnostics(self) -> None:
        if self.has_class("-compact"):
            self.maximize(self.document, container=False)
        self.document.diagnostics_list.focus()

    def action_back(self) -> None:
        self.focus_pane("editor")

    # Running and steering -------------------------------------------------------------------
    def action_run(self) -> None:
        live = self.controller.start(self.document.text, self.document.run_source)
        if live is not None:
            self._fork_changed()
            self.run_live(live)

    def run_live(self, live: LiveSession) -> None:
        """Run `live` in the session worker, the panels following it."""
        if live is not self.controller.live:
            self.controller.watch(live)
        self._run_session(live)
        self._controls_changed()
        self.focus_pane("agents")

    @work(exclusive=True, group="session", exit_on_error=False, description=SESSION_FAILED)
    async def _run_session(self, live: LiveSession) -> None:
        await live.run()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "session" and worker.is_finished:
            self.controller.ended(worker.error)
            self._controls_changed()

    def _controls_changed(self) -> None:
        agents = self.query_one(AgentsPanel)
        agents.controls_live = self.controller.running
        agents.update_controls()
        self.refresh_bindings()

    def action_pause(self) -> None:
        self.controller.toggle_pause()

    def action_cancel_session(self) -> None:
        from swarmtui.ui.screens.ask import cancel_question

        def answered(yes: bool | None) -> None:
            if yes:
                self.controller.cancel_session()

        self.app.push_screen(cancel_question(held=self.controller.held), answered)

    @on(AgentControlRequested)
    def _agent_control(self, message: AgentControlRequested) -> None:
        self.controller.control_agent(message.action, message.name)

    @on(TodoStatusRequested)
    def _todo_status(self, message: TodoStatusRequested) -> None:
        self.controller.set_todo_status(message.todo_id, message.status)

    def action_store_memory(self) -> None:
        if not self.controller.can_store_memory():
            return
        from swarmtui.ui.screens.memory_form import MemoryFormScreen

        agent, entry = self.query_one(AgentsPanel).selected, self.query_one(MemoryPanel).selected
        key, value, namespace = self.controller.form_defaults(agent, entry)
        if self.controller.fork is not None and not self.controller.running:
            form = MemoryFormScreen.for_fork(key=key, value=value, namespace=namespace)
        else:
            form = MemoryFormScreen(key=key, value=value, namespace=namespace)
        self.app.push_screen(form, self._memory_form_done)

    def action_fork_memory(self) -> None:
        """`m` while a fork is prepared: the same form, worded for the fork's memory."""
        self.action_store_memory()

    def _memory_form_done(self, result: tuple[str, str, str] | None) -> None:
        if result is not None:
            self.controller.store_memory(*result)

    def action_approvals(self) -> None:
        from swarmtui.ui.screens.approvals import ApprovalsScreen

        self.app.push_screen(ApprovalsScreen(self.controller))

    @on(AgentChosen)
    def _agent_chosen(self, message: AgentChosen) -> None:
        from swarmtui.ui.screens.agent_detail import AgentDetailScreen

        detail = AgentDetailScreen(
            self.state,
            message.name,
            session_path=self.controller.session_path,
            bridge=self.bridge,
            send=self.controller.send_message,
        )
        self.app.push_screen(detail)

    # The document ---------------------------------------------------------------------------
    def action_save(self) -> None:
        self.document.save()

    def action_new(self) -> None:
        self.document.new()
        self.focus_pane("editor")

    def action_save_as(self) -> None:
        self.document.save_as()

    def action_open(self) -> None:
        self.document.choose_and_open()

    def confirm_quit(self, quit: Callable[[], None]) -> None:
        """Quit once unsaved changes are saved or dropped, and a running session is let go."""
        warning = RUNNING_WARNING if self.controller.running else None
        self.document.when_saved_or_discarded(quit, question="Quit swarmtui?", warning=warning)

    def palette_commands(self, examples: Iterable[str]) -> Iterable[SystemCommand]:
        """Commands without a key: save as, and each built-in example."""
        yield SystemCommand("Save as…", "Save the batch under a new name", self.action_save_as)
        if self.controller.fork is not None:
            yield SystemCommand("Drop the fork", self.controller.fork.label, self.drop_fork)
        for name in examples:
            yield SystemCommand(
                f"Open example {name}",
                "Load a built-in example batch into the editor",
                partial(self.document.open_example, name),
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in READ_ONLY_HIDDEN and getattr(self.app, "read_only", False):
            return False
        # (m stores a key in a running session, or sets the memory of a fork not started yet)
        forking = self.controller.fork is not None and not self.controller.running
        if action == "fork_memory":
            return forking
        if action in ("pause", "cancel_session", "store_memory"):
            return self.controller.running
        return super().check_action(action, parameters)
