"""Driving the app in tests: build it, let it settle, wait for a session's events (never sleeps)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual._xterm_parser import XTermParser
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

from swarmtui.engine.events import Event
from swarmtui.engine.settings import RunSettings
from swarmtui.engine.state import SessionState
from swarmtui.ui.app import SwarmApp, make_app
from swarmtui.ui.screens.main import MainScreen
from swarmtui.ui.themes import load_themes
from swarmtui.ui.widgets.batch_editor import BatchEditor

SIZE = (140, 42)
# Generous: a loaded machine can take seconds; a test that hangs fails here instead.
WAIT_TIMEOUT = 30.0


def app_for(
    tmp_path: Path,
    text: str | None = None,
    *,
    settings: RunSettings | None = None,
    run: bool = False,
    file: Path | None = None,
    keymap: dict[str, str] | None = None,
    theme: str | None = None,
) -> SwarmApp:
    """The app as the CLI builds it, on the rehearsal backend (10 ms agents), sessions in
    `tmp_path/sessions`."""
    return make_app(
        file=file,
        text=text,
        run=run,
        settings=settings or RunSettings(rehearsal_seconds=0.01),
        sessions_dir=tmp_path / "sessions",
        keymap=keymap,
        theme=theme,
        freeze_gc=False,
    )


async def workers_done(app: App[Any]) -> None:
    """Wait for every worker to end, failed ones included (their failure is the app's to show)."""
    await asyncio.gather(*(worker.wait() for worker in list(app.workers)), return_exceptions=True)


async def settle(pilot: Pilot[Any]) -> None:
    """Let the main screen's lint catch up with the text, workers finish, the screen repaint."""
    app = pilot.app
    if isinstance(app, SwarmApp) and isinstance(app.screen, MainScreen):
        await asyncio.wait_for(app.main_screen.document.linted.wait(), WAIT_TIMEOUT)
    await workers_done(app)
    await pilot.pause()


async def show_session(pilot: Pilot[Any], events: list[Event]) -> MainScreen:
    """Put a hand-written session on the main screen, as the bridge would, and paint it."""
    app = pilot.app
    assert isinstance(app, SwarmApp)
    await workers_done(app)
    screen = app.main_screen
    assert screen.bridge is not None
    screen.bridge.attach(SessionState(), live=False)
    screen.bridge.feed(events)
    screen.bridge.flush()
    await pilot.pause()
    return screen


async def wait_for_state(
    pilot: Pilot[Any], predicate: Callable[[SessionState], bool], timeout: float = 15.0
) -> SessionState:
    """Wait for a session event after which `predicate(state)` holds (event-driven, no polling)."""
    app = pilot.app
    assert isinstance(app, SwarmApp)
    screen = app.main_screen
    live = screen.controller.live
    assert live is not None, "no live session"
    done = asyncio.get_running_loop().create_future()

    def check(_event: Event | None = None) -> None:
        if not done.done() and predicate(live.state):
            done.set_result(None)

    live.subscribe(check)
    check()
    await asyncio.wait_for(done, timeout)
    assert screen.bridge is not None
    screen.bridge.flush()
    await pilot.pause()
    return live.state


async def type_in_terminal(pilot: Pilot[Any], data: str) -> None:
    """Send `data` as a terminal would: through Textual's own input parser to the app."""
    driver = pilot.app._driver
    assert driver is not None
    for event in XTermParser().feed(data):
        driver.send_message(event)
        await pilot.pause()


def type_at_once(pilot: Pilot[Any], data: str) -> None:
    """Send `data` as keys typed faster than the app handles them: every event is queued before
    the first is handled (`Pilot.press` waits after each key)."""
    driver = pilot.app._driver
    assert driver is not None
    for event in XTermParser().feed(data):
        driver.send_message(event)


class ScreenHost(App[None]):
    """A bare app with swarmtui's themes that opens one screen (the screens under test)."""

    def __init__(self, make_screen: Callable[[], Screen[None]], theme: str = "swarm-dark") -> None:
        super().__init__()
        self._make_screen = make_screen
        self._theme_name = theme

    def on_mount(self) -> None:
        for theme in load_themes()[0]:
            self.register_theme(theme)
        self.theme = self._theme_name
        self.push_screen(self._make_screen())


def top(app: App[Any]) -> Screen[Any]:
    """The screen on top now (read afresh: a check earlier does not narrow it)."""
    return app.screen


def focused(app: App[Any]) -> object:
    """The focused widget now (read afresh, as `top`)."""
    return app.focused


async def steady(pilot: Pilot[Any]) -> None:
    """Settled, and nothing blinks: what a snapshot is taken of."""
    await settle(pilot)
    for widget in pilot.app.screen.query("*"):
        if hasattr(widget, "cursor_blink"):
            widget.cursor_blink = False
    for editor in pilot.app.screen.query(BatchEditor):
        # Its lines drawn in the blink's dark half are cached under the same key as a steady
        # cursor's: drawn again, whatever the blink was doing.
        editor.set_diagnostics(editor.diagnostics)
    await pilot.pause()
