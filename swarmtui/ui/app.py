"""`SwarmApp` and `make_app`, the one factory the CLI and the tests use to build the app."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.driver import Driver
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.theme import BUILTIN_THEMES, Theme
from textual.worker import Worker

from swarmtui import gc_policy, locations
from swarmtui.safe_text import visible, visible_lines
from swarmtui.text_files import read_text_file
from swarmtui.ui.examples import DEFAULT_EXAMPLE, example_names, read_example
from swarmtui.ui.look import STATUS_COLOR_DEFAULTS
from swarmtui.ui.messages import BatchRequested, ForkRequested
from swarmtui.ui.screens.main import MainScreen
from swarmtui.ui.session_controller import RunContext
from swarmtui.ui.terminal import TERMINAL_CLOSED, TerminalClosed, driver_class, terminal_gone
from swarmtui.ui.work import ReportsFailures, WorkFailed

if TYPE_CHECKING:
    from swarmtui.engine.settings import RunSettings
    from swarmtui.ui.fork_flow import ForkDraft

# After start-up the heap is frozen and collections made rarer: full passes under load stall
# the event loop for 50-110 ms (architecture.md, "The app").
FREEZE_AFTER = 1.0
# The backend a run uses when neither the CLI nor the configuration names one (`RunSettings`'s
# default: that module is imported once the settings are first built, after the first frame).
DEFAULT_BACKEND = "rehearsal"


class ThemesLoaded(Message):
    """Every theme file validated (after the first frame), and the broken ones' reasons."""

    def __init__(self, themes: list[Theme], errors: list[str]) -> None:
        super().__init__()
        self.themes = themes
        self.errors = errors


class SwarmApp(ReportsFailures, App[None]):
    """Write, run, watch and replay swarm sessions."""

    CSS_PATH = "app.tcss"
    TITLE = "swarmtui"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            id="app.quit",
            tooltip="Quit swarmtui (asks first when there are unsaved changes)",
            priority=True,
        ),
        Binding(
            "ctrl+p",
            "command_palette",
            "Palette",
            id="app.palette",
            tooltip="Search every command",
            priority=True,
            show=False,
        ),
        Binding(
            "ctrl+l",
            "sessions",
            "Sessions",
            id="app.sessions",
            tooltip="Browse past sessions",
            show=False,  # (in help and the palette; the footer's room goes to focused keys)
        ),
        Binding("f1", "help", "Help", id="app.help", tooltip="Keys and the batch language"),
    ]

    def __init__(
        self,
        *,
        text: str,
        path: Path | None = None,
        example: str | None = None,
        run: bool = False,
        replay: Path | None = None,
        settings: RunSettings | None = None,
        sessions_dir: Path | None = None,
        project_dir: Path | None = None,
        theme: str | None = None,
        keymap: dict[str, str] | None = None,
        freeze_gc: bool = True,
        settings_factory: Callable[[], RunSettings] | None = None,
        backend: str | None = None,
        compare: tuple[Path, Path] | None = None,
        read_only: bool = False,
        fork: tuple[ForkDraft, str] | None = None,
    ) -> None:
        super().__init__()
        self.compare_paths = compare
        self.fork_on_start = fork  # (a fork to prepare, and the batch it starts with)
        # No control that runs or changes anything (the main screen hides them): `serve
        # --read-only` lets people watch.
        self.read_only = read_only
        self.initial_text = text
        self.initial_path = path
        self.initial_example = example
        self.run_on_start = run
        self.replay_path = replay
        self._settings = settings
        self._settings_factory = settings_factory
        self._backend = backend
        self.sessions_dir = sessions_dir or locations.default_sessions_dir()
        self.project_dir = project_dir
        self.freeze_gc = freeze_gc
        self._settled = False  # (whether start-up's heap has been frozen: `_freeze_heap`)
        self.startup_messages: list[str] = []
        self._ending = False  # (a signal or the terminal's closing is ending the app)
        # A theme remembered from the picker that is gone (a deleted theme file, or one of
        # Textual's that older versions offered) quietly gives way to the default.
        self._quiet_fallback = theme is None
        if theme is None:
            from swarmtui.ui.ui_state import remembered_theme

            theme = remembered_theme()
        self._setup_themes(theme)
        self._drop_textual_themes()
        if keymap:
            self.set_keymap(keymap)

    def _setup_themes(self, name: str | None) -> None:
        from swarmtui.ui.theme_build import DEFAULT_THEME, bundled_theme

        self._wanted_theme = name
        self._quick_theme = bundled_theme(name or DEFAULT_THEME)
        if self._quick_theme is not None:
            # The first frame needs only this theme; validating every file imports pydantic
            # (130-190 ms), so that happens in a worker right after the first frame.
            self.register_theme(self._quick_theme)
            self.theme = self._quick_theme.name
            return
        # A user's theme (or an unreadable shipped one) is validated before it is used.
        from swarmtui.ui.themes import load_themes, pick_theme

        themes, errors = load_themes()
        for theme in themes:
            self.register_theme(theme)
        chosen, problem = pick_theme(name, themes)
        self.theme = chosen
        self.startup_messages.extend(errors)
        if problem and not self._quiet_fallback:
            self.startup_messages.append(problem)

    def _drop_textual_themes(self) -> None:
        """Offer (in the palette's Theme picker) and accept only swarmtui's themes, shipped or
        the user's files: they carry the agent-status and syntax colours, and the shipped
        ones their contrast guarantee; Textual's would be refused by `theme` in the
        configuration and at the next start. (A user's file may reuse one of their names.)"""
        for name, theme in BUILTIN_THEMES.items():
            if self.available_themes.get(name) is theme:
                self.unregister_theme(name)

    @work(thread=True, group="startup", exit_on_error=False, description="Themes not loaded")
    def _load_themes(self) -> None:
        from swarmtui.ui.themes import load_themes

        self.post_message(ThemesLoaded(*load_themes()))

    @work(thread=True, group="startup", exit_on_error=False, description="Settings not built")
    def _prepare_settings(self) -> None:
        """Build the run settings off the event loop, before the user runs the batch."""
        _ = self.settings

    @on(ThemesLoaded)
    def _themes_loaded(self, message: ThemesLoaded) -> None:
        """Register every validated theme and report the broken files (after the first frame)."""
        from swarmtui.ui.themes import pick_theme

        themes, errors = message.themes, message.errors
        for theme in themes:
            self.register_theme(theme)
        chosen, problem = pick_theme(self._wanted_theme, themes)
        if chosen != self.theme:
            self.theme = chosen
        elif self.available_themes.get(chosen) != self._quick_theme:
            # A user's file of the same name wins over the shipped one: apply it.
            self.mutate_reactive(App.theme)
        if self._quiet_fallback:
            problem = None
        for line in [*errors, *([problem] if problem else [])]:
            self.notify(line, severity="warning", timeout=8, markup=False)

    @property
    def settings(self) -> RunSettings:
        """The run settings, built on first use when the CLI left that for later."""
        if self._settings is None:
            factory = self._settings_factory
            if factory is None:
                from swarmtui.engine.settings import RunSettings  # (after the first frame)

                factory = RunSettings
            self._settings = factory()
        return self._settings

    @settings.setter
    def settings(self, settings: RunSettings) -> None:
        self._settings = settings

    @property
    def backend_label(self) -> str:
        """The backend the next run uses, without building the settings for it."""
        if self._settings is not None:
            return self._settings.backend
        return self._backend or DEFAULT_BACKEND  # (building the settings imports pydantic)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast of the app (screens' and widgets' `notify` come here): its text names
        files, agents and keys and carries errors from outside, so it is never markup and its
        controls are written visibly."""
        super().notify(
            visible_lines(message),
            title=visible(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def action_help_quit(self) -> None:
        """ctrl+c outside the editor: say how to quit. (Textual's own toast is markup, which
        `notify` here shows as written: `[b]ctrl+q[/b]`.)"""
        for key, active in self.active_bindings.items():
            if active.binding.action in ("quit", "app.quit"):
                self.notify(f"Press {key} to quit the app", title="Do you want to quit?")
                return

    def get_theme_variable_defaults(self) -> dict[str, str]:
        # Lets the tcss use $agent-* with any theme, including Textual's built-in ones.
        # (and $row-cursor: a translucent grey that suits light and dark built-in themes)
        return {**STATUS_COLOR_DEFAULTS, "row-cursor": "#8080803d"}

    @property
    def main_screen(self) -> MainScreen:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        raise LookupError("the main screen is not on the stack")

    @on(WorkFailed)
    def _work_failed(self, message: WorkFailed) -> None:
        """Every worker's failure that no screen showed in place (the one place they end)."""
        self.notify(message.text, severity="error", timeout=10, markup=False)

    def refresh_css(self, animate: bool = True) -> None:
        if self.screen_stack:
            super().refresh_css(animate)
            return
        # Before the first screen, as the app starts (the theme chosen in `__init__` asks for
        # this): nothing is styled yet, so the theme's variables are set and the sources parsed
        # once, into the stylesheet's own cache. Textual's way parses them in a throwaway copy,
        # then all again as the first screen mounts (5 ms of start-up).
        self.stylesheet.set_variables(self.get_css_variables())
        self.stylesheet.parse()
        self.stylesheet.update(self)

    def on_load(self) -> None:
        if self.freeze_gc:
            # No collection before the first frame (15-25 ms of it, scanning only what start-up
            # keeps); `_freeze_heap` settles it. The CLI paused it already, before its imports.
            gc_policy.pause_for_start_up()

    def on_unmount(self) -> None:
        if self.freeze_gc and not self._settled:
            gc_policy.end_start_up_early()  # (closed within its first second)

    async def on_mount(self) -> None:
        context = RunContext(
            settings=lambda: self.settings,
            sessions_dir=self.sessions_dir,
            project_dir=self.project_dir,
        )
        main = MainScreen(
            text=self.initial_text,
            context=context,
            path=self.initial_path,
            example=self.initial_example,
            backend_label=self.backend_label,
        )
        await self.push_screen(main)
        for message in self.startup_messages:
            self.notify(message, severity="warning", timeout=8)
        if self.replay_path is not None:
            self.call_later(self._open_replay, self.replay_path)
        elif self.compare_paths is not None:
            from swarmtui.ui.screens.compare import CompareScreen

            self.call_later(self.push_screen, CompareScreen(*self.compare_paths))
        elif self.fork_on_start is not None:
            self.call_later(main.prepare_fork, *self.fork_on_start)
        elif self.run_on_start:
            # After the first frame: starting a run imports the engine.
            self.call_after_refresh(main.action_run)
        if self._quick_theme is not None:
            self.call_after_refresh(self._load_themes)
        self.theme_changed_signal.subscribe(self, self._theme_chosen)
        if self._settings is None:
            self.call_after_refresh(self._prepare_settings)
        if self.freeze_gc:
            # Once start-up has settled: a collection before the first frame would delay it.
            self.set_timer(FREEZE_AFTER, self._freeze_heap, name="gc-freeze")
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(number, self._end_by_signal, number.name)

    def get_driver_class(self) -> type[Driver]:
        return driver_class(super().get_driver_class())

    def _end_by_signal(self, name: str) -> None:
        """SIGTERM or SIGHUP: the end of the app, as `_end_from_outside` says. (A SIGHUP after
        the terminal has gone is its closing, told as such whichever news came first.)"""
        closed = name == "SIGHUP" and terminal_gone(self._driver)
        self._end_from_outside(TERMINAL_CLOSED if closed else f"ended by {name}")

    @on(TerminalClosed)
    def _terminal_closed(self) -> None:
        self._end_from_outside(TERMINAL_CLOSED)

    def _end_from_outside(self, reason: str) -> None:
        """A running session ends as `cancelled` with REASON, recorded as Ctrl-C would, then
        the app exits (once: the next signal or news of the terminal changes nothing)."""
        if self._ending:
            return
        self._ending = True
        try:
            main = self.main_screen
        except LookupError:
            main = None
        live = main.controller.live if main is not None else None
        if main is None or live is None or not main.controller.running:
            self.exit()
            return
        live.interrupt(reason)
        session = [w for w in main.workers if w.group == "session" and not w.is_finished]
        self.run_worker(self._exit_after(session), group="signal", exit_on_error=False)

    async def _exit_after(self, workers: list[Worker[None]]) -> None:
        for worker in workers:
            with contextlib.suppress(Exception):
                await worker.wait()
        self.exit()

    def _theme_chosen(self, theme: Theme) -> None:
        if theme.name != self._wanted_theme:  # (not the start-up's own choice)
            from swarmtui.ui.ui_state import remember_theme

            self._wanted_theme = theme.name
            remember_theme(theme.name)

    def _freeze_heap(self) -> None:
        self._settled = True
        gc_policy.settle_after_start_up()  # (paused for start-up: `on_load`, or the CLI)

    def _open_replay(self, path: Path) -> None:
        from swarmtui.ui.screens.replay import ReplayScreen

        self.push_screen(ReplayScreen(path))

    # App-wide actions -------------------------------------------------------------------------
    def action_sessions(self) -> None:
        """Open the sessions browser, or go back to the one already open (never a second)."""
        from swarmtui.ui.screens.sessions import SessionsScreen

        if any(isinstance(screen, SessionsScreen) for screen in self.screen_stack):
            while not isinstance(self.screen, SessionsScreen):
                self.pop_screen()
            return
        self.push_screen(SessionsScreen(self.sessions_dir))

    @on(BatchRequested)
    def _batch_requested(self, message: BatchRequested) -> None:
        """A past session's batch into the editor (after asking about unsaved changes)."""
        main = self.main_screen

        def load() -> None:
            while self.screen is not main:
                self.pop_screen()
            main.drop_fork()  # (another batch: not the fork that was being prepared)
            main.document.load(message.text, None)
            main.focus_pane("editor")
            if message.run:
                main.action_run()

        main.document.when_saved_or_discarded(load, question="Replace the batch in the editor?")

    @on(ForkRequested)
    def _fork_requested(self, message: ForkRequested) -> None:
        """F in a replay: the session's batch in the editor and the panels at the point, after
        asking about unsaved changes; the run key starts the fork."""
        from swarmtui.engine.folders import BATCH_FILE
        from swarmtui.store.points import Point
        from swarmtui.ui.fork_flow import ForkDraft

        batch_file = message.path / BATCH_FILE
        try:
            text = batch_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.notify(f"Cannot fork: {batch_file} cannot be read ({exc})", severity="error")
            return
        taken = message.events[: message.position]
        point = Point(message.position, message.t)
        draft = ForkDraft(message.path, message.session_id, taken, point, message.note)
        main = self.main_screen

        def load() -> None:
            while self.screen is not main:
                self.pop_screen()
            main.prepare_fork(draft, text)

        main.document.when_saved_or_discarded(load, question="Replace the batch in the editor?")

    def action_help(self) -> None:
        from swarmtui.ui.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        try:
            main = self.main_screen
        except LookupError:
            self.exit()
            return
        main.confirm_quit(self.exit)

    # Command palette: every action of the screen below, plus a few without keys.
    async def _run_bound_action(self, node: DOMNode, action: str) -> None:
        await self.run_action(action, node)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.id or binding.id in seen or binding.id == "app.palette":
                continue
            if not active.enabled:
                continue
            seen.add(binding.id)
            title = binding.description or binding.action
            key = binding.key_display or self.get_key_display(binding)
            yield SystemCommand(
                title,
                f"{binding.tooltip} ({key})",
                partial(self._run_bound_action, active.node, binding.action),
            )
        if isinstance(screen, MainScreen) and not self.read_only:
            # The focus keys and cancel-all are bindings: listed once, above.
            yield from screen.palette_commands(example_names())


def make_app(
    *,
    file: Path | None = None,
    text: str | None = None,
    run: bool = False,
    replay: Path | None = None,
    settings: RunSettings | None = None,
    sessions_dir: Path | None = None,
    theme: str | None = None,
    keymap: dict[str, str] | None = None,
    project_dir: Path | None = None,
    freeze_gc: bool = True,
    settings_factory: Callable[[], RunSettings] | None = None,
    backend: str | None = None,
    compare: tuple[Path, Path] | None = None,
    read_only: bool = False,
    fork: tuple[ForkDraft, str] | None = None,
) -> SwarmApp:
    """The app as the CLI and the tests build it.

    `file` is read now (an unreadable file raises OSError for the caller to report);
    a missing `file` opens empty and is created on save. Without `file` or `text`, the
    editor starts with the built-in example. `settings_factory` builds the settings when they
    are first needed (instead of `settings`); `backend` labels the status bar until then.
    `compare` opens the comparison of two recorded sessions over the main screen.
    `read_only` hides every control that runs or changes something (for `serve --read-only`).
    `fork` prepares a fork (and the batch it starts with) in the main screen.
    """
    example: str | None = None
    if text is None and file is not None:
        text = read_text_file(file) if file.exists() else ""
    if text is None:
        example = DEFAULT_EXAMPLE
        text = read_example(example)
    return SwarmApp(
        text=text,
        path=file,
        example=example,
        run=run,
        replay=replay,
        settings=settings,
        sessions_dir=sessions_dir,
        project_dir=project_dir,
        theme=theme,
        keymap=keymap,
        freeze_gc=freeze_gc,
        settings_factory=settings_factory,
        backend=backend,
        compare=compare,
        read_only=read_only,
        fork=fork,
    )
