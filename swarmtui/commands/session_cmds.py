"""`swarmtui run --headless`, `resume`, `sessions`, `replay --headless` and `export`.

A headless run decides what asks by its flags: refused (the default, or `--approve deny`),
granted (`--yes`), or asked on this terminal (`--approve ask`, see `approval_prompt`). Where
commands cannot be sandboxed it says so on standard error at once, and in the summary.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from pathlib import Path
from typing import Any

import click

from swarmtui import locations
from swarmtui.commands.output import error as _error
from swarmtui.commands.output import json_text
from swarmtui.commands.session_text import (
    agent_lines,
    figures_text,
    final_text,
    operation_lines,
    reason_lines,
    result_json,
)
from swarmtui.engine.state import SessionState
from swarmtui.safe_text import escape_json, visible

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# Signals that end a session as cancelled, with their name as the reason.
_END_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
# How often the live terminal view repaints (it reads the state; the engine never waits for it).
_REFRESH_SECONDS = 0.25


def _sessions_dir(option: Path | None) -> Path:
    if option is not None:
        return option
    try:
        from swarmtui.config import load_config

        configured = load_config().config.sessions_dir
    except Exception:  # a broken config must not hide past sessions
        configured = None
    return Path(configured) if configured else locations.default_sessions_dir()


def _fmt_seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}s"


class _Display:
    """The live progress view on a terminal (one line per agent), which a question on the
    terminal pauses."""

    def __init__(self, session: Any, show: bool) -> None:
        self.session = session
        self.show = show
        self.live: Any = None
        self.paused = False
        # The session's clock between events: the last event's time plus what has passed.
        self._last = (0.0, time.monotonic())
        if show:
            session.subscribe(self._tick)

    def _tick(self, event: Any) -> None:
        self._last = (event.t, time.monotonic())

    def render(self) -> Any:
        from rich.text import Text

        title = visible(f"{self.session.session_id}  [{self.session.settings.backend.upper()}]")
        t, at = self._last
        now = t + time.monotonic() - at
        return Text("\n".join([title, *agent_lines(self.session.state, now)]))

    def pause(self) -> None:
        if self.live is not None and not self.paused:
            self.live.stop()
        self.paused = True

    def resume(self) -> None:
        if self.live is not None and self.paused:
            self.live.start(refresh=True)
        self.paused = False

    async def run(self) -> SessionState:
        """Run the session; on a terminal, repaint the view while it runs."""
        loop = asyncio.get_running_loop()
        for number in _END_SIGNALS:  # ended from outside: cancelled with the reason, as Ctrl-C
            loop.add_signal_handler(number, self.session.interrupt, f"ended by {number.name}")
        if not self.show:
            state: SessionState = await self.session.run()
            return state
        from rich.console import Console
        from rich.live import Live

        with Live(self.render(), console=Console(), auto_refresh=False, transient=False) as live:
            self.live = live
            task = asyncio.ensure_future(self.session.run())
            while not task.done():
                await asyncio.wait([task], timeout=_REFRESH_SECONDS)
                if not self.paused:
                    live.update(self.render(), refresh=True)
            result: SessionState = task.result()
            return result


def _settings_or_error(options: dict[str, Any]) -> tuple[Any, Any] | None:
    """(loaded configuration, RunSettings) for these options, or None after saying why not."""
    from swarmtui.commands.settings import (
        build_run_settings,
        load_options_config,
        settings_problem,
    )
    from swarmtui.config import ConfigError

    try:
        loaded = load_options_config(options)
        settings = build_run_settings(options, loaded=loaded)
    except ConfigError as exc:
        _error(str(exc))
        return None
    problem = settings_problem(settings)
    if problem:
        _error(problem)
        return None
    if options.get("approve") is not None and options.get("assume_yes"):
        _error("--yes approves what would ask; --approve says who decides it: use one")
        return None
    if options.get("approve") == "ask" and not sys.stdin.isatty():
        _error("--approve ask asks on the terminal, and standard input is not one")
        return None
    return loaded, settings


def run_headless_command(file: Path, as_json: bool, options: dict[str, Any]) -> int:
    from swarmtui.commands.batch_cmds import UnreadableFile, read_batch_file

    options = {**options, "headless": True}
    try:
        text = read_batch_file(str(file))
    except UnreadableFile as exc:
        _error(str(exc))
        return EXIT_USAGE
    built = _settings_or_error(options)
    if built is None:
        return EXIT_USAGE
    loaded, settings = built
    sessions_dir = options.get("sessions_dir") or loaded.config.sessions_dir
    sessions_dir = Path(sessions_dir) if sessions_dir else locations.default_sessions_dir()

    from swarmtui.engine.folders import sessions_dir_problem
    from swarmtui.store import new_live_session

    problem = sessions_dir_problem(sessions_dir)
    if problem:
        _error(problem)
        return EXIT_USAGE
    from swarmtui.engine.session import NothingToRun

    try:
        session = new_live_session(
            text, source_name=str(file), settings=settings, sessions_dir=sessions_dir
        )
    except NothingToRun as exc:
        # As `swarmtui lint` says it (exit 1), and no session folder that "failed" doing nothing.
        for d in exc.batch.diagnostics:
            if d.severity.value == "error":
                click.echo(d.format(str(file)), err=True)
        _error(f"{file}: nothing in this batch can run; no session was made")
        return EXIT_FAILED
    return _run_session(session, as_json, str(file))


def resume_command(session_ref: str, as_json: bool, options: dict[str, Any]) -> int:
    """Take up an interrupted (or failed, or cancelled) session again, in its own folder."""
    from swarmtui.store import SessionStoreError, read_recording, resolve_session

    options = {**options, "headless": True}
    try:
        path = resolve_session(session_ref, _sessions_dir(options.get("sessions_dir")))
        recording = read_recording(path)
    except SessionStoreError as exc:
        _error(str(exc))
        return EXIT_USAGE
    options = as_it_ran(recording.events, options)
    built = _settings_or_error(options)
    if built is None:
        return EXIT_USAGE
    _, settings = built
    from swarmtui.store import resume_live_session

    try:
        session = resume_live_session(recording, settings=settings)
    except SessionStoreError as exc:
        _error(str(exc))
        return EXIT_USAGE
    return _run_session(session, as_json, str(path))


def as_it_ran(events: list[Any], options: dict[str, Any]) -> dict[str, Any]:
    """OPTIONS for taking up (resuming, forking) the session of EVENTS: the backend it last
    ran with (at its start or latest resume) unless `--backend` names one, and what that
    backend was given then (its command template, server, model: the run's flags are nowhere
    else) wherever neither the flags nor the configuration say anything."""
    from swarmtui.commands.settings import build_run_settings
    from swarmtui.config import ConfigError
    from swarmtui.engine.events import SessionResumed, SessionStarted

    last = next(
        (e for e in reversed(events) if isinstance(e, SessionStarted | SessionResumed)), None
    )
    if last is None or options.get("backend") not in (None, last.backend):
        return options
    options = {**options, "backend": last.backend}
    if last.backend_options is None:
        return options
    try:
        configured = build_run_settings(options)
    except ConfigError:
        return options  # (said when the settings are built)
    recorded = last.backend_options.model_dump(exclude_none=True)
    return options | {k: v for k, v in recorded.items() if getattr(configured, k) is None}


def _terminal_notify(notification: Any) -> None:
    """The terminal's own notification (bell, OSC 9 / 777) on whichever stream is a terminal
    (the real one: the live view redirects `sys.stdout` through a console that drops them)."""
    from swarmtui.engine.confine.notify import notify_terminal

    for stream in (sys.__stderr__, sys.__stdout__):
        if stream is not None and stream.isatty():
            notify_terminal(notification, stream)
            return


def _say_confinement(event: Any) -> None:
    """Say at once how commands are confined when it matters (no sandbox, or off)."""
    if event.type != "confinement" or not event.notice:  # (cheap: called for every event)
        return
    from swarmtui.batch.models import printable

    _error(printable(event.notice))


def _say_workspace(event: Any) -> None:
    """Say at once when the repository cannot be used (and what happens instead)."""
    if event.type != "workspace_refused":
        return
    from swarmtui.safe_text import visible

    then = "no agent will start" if event.stopped else "agents work in the session folder"
    _error(visible(f"no worktrees ({then}): {event.reason}"))


def _run_session(session: Any, as_json: bool, source: str) -> int:
    """Run SESSION (new or resumed) in this terminal; print the result; the exit status."""
    from swarmtui.batch.models import printable
    from swarmtui.commands.approval_prompt import TerminalApprover
    from swarmtui.store import SessionStoreError

    show_live = not as_json and sys.stdout.isatty()
    display = _Display(session, show_live)
    # (Each subscriber costs every event something: only those with something to do.)
    if any(stream is not None and stream.isatty() for stream in (sys.__stderr__, sys.__stdout__)):
        session.terminal_notify = _terminal_notify
    if session.settings.backend != "rehearsal":  # (a rehearsal confines nothing: runs nothing)
        session.subscribe(_say_confinement)
    if session.settings.workspace.worktrees is not False:
        session.subscribe(_say_workspace)
    approver: TerminalApprover | None = None
    if session.settings.approvals == "wait":  # --approve ask (checked: a terminal)
        approver = TerminalApprover(
            session,
            input_fd=sys.stdin.fileno(),
            output=sys.stderr,
            pause=display.pause,
            resume=display.resume,
        )
        session.subscribe(approver)
    try:
        state = asyncio.run(display.run())
    except KeyboardInterrupt:
        # The session recorded itself as cancelled before the interrupt came back up here.
        state = session.state
        if not as_json or state.status != "cancelled":
            _error(f"interrupted; the session is recorded in {session.path}")
            return EXIT_FAILED
    except (SessionStoreError, OSError) as exc:
        _error(str(exc))
        return EXIT_FAILED
    finally:
        if approver is not None:
            approver.close()
    path = session.path.resolve()
    if session.end_reason:
        _error(f"{session.end_reason}; the session is recorded in {path}")
    if session.log_error:
        # The recording stopped short: say so, and print what was recorded (what a replay
        # shows), not the run's own view of events that no replay will ever have.
        _error(session.log_error)
        from swarmtui.store import replay_state

        try:
            state = replay_state(path)
        except SessionStoreError:  # (nothing readable was recorded: the line above says why)
            return EXIT_FAILED
    if session.notifier is not None:
        for problem in session.notifier.errors:
            _error(printable(problem))
    if as_json:
        click.echo(result_json(state, path))
    else:
        for d in session.batch.diagnostics:
            if d.severity.value == "error":
                click.echo(d.format(source), err=True)
        if not show_live:
            click.echo(final_text(state, path))
        else:  # the agents' lines are on the screen already
            click.echo(visible(f"{state.status}: {path}") + f"\n{figures_text(state)}")
            if state.max_parallel_reason:
                why = state.max_parallel_reason
                click.echo(f"at most {state.max_parallel} agents at once ({why})")
            for line in [*reason_lines(state), *operation_lines(state)]:
                click.echo(line)
    ok = state.status == "completed" and not session.log_error
    return EXIT_OK if ok else EXIT_FAILED


def sessions_command(sessions_dir: Path | None, as_json: bool) -> int:
    from swarmtui.store import list_sessions

    folder = _sessions_dir(sessions_dir)
    infos = list_sessions(folder)
    if as_json:
        click.echo(json_text([i.to_json() for i in infos]))
        return EXIT_OK
    if not infos:
        # (a mistyped --sessions-dir is not an empty folder: say which it is)
        click.echo(
            "no sessions"
            if folder.is_dir()
            else f"no sessions: {visible(str(folder))} does not exist"
        )
        return EXIT_OK
    for line in _sessions_table(infos):
        click.echo(line)
    return EXIT_OK


def _sessions_table(infos: list[Any]) -> list[str]:
    """The sessions as aligned columns under a header (an unreadable one says why instead)."""
    header: tuple[str, ...] = ("ID", "STATUS", "STARTED", "WALL", "AGENTS", "SPEED-UP", "TITLE")
    forks = any(i.forked_from for i in infos)  # (a FROM column only when there are forks)
    if forks:
        header = (*header[:-1], "FROM", header[-1])
    rows: list[tuple[str, ...]] = []
    for i in infos:
        if i.error:
            rows.append((i.id, "unreadable", "", "", "", "", *([""] if forks else []), i.error))
            continue
        speedup = "-" if not i.speedup else f"{i.speedup:.2f}x"
        wall = _fmt_seconds(i.wall_seconds)
        origin = [f"{i.forked_from}@{i.forked_at}" if i.forked_from else ""] if forks else []
        rows.append((i.id, i.status, i.started_at, wall, str(i.agents), speedup, *origin, i.title))
    # (ids, titles and errors come from the folder: shown visibly, then measured)
    rows = [tuple(visible(cell) for cell in row) for row in rows]
    widths = [max(len(row[c]) for row in (header, *rows)) for c in range(len(header) - 1)]
    right = {3, 4, 5}  # numbers line up on the right
    lines = []
    for row in (header, *rows):
        cells = [
            cell.rjust(width) if c in right else cell.ljust(width)
            for c, (cell, width) in enumerate(zip(row, widths, strict=False))
        ]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return lines


def replay_headless_command(session: str, sessions_dir: Path | None, as_json: bool) -> int:
    from swarmtui.store import SessionStoreError, replay_state, resolve_session

    try:
        path = resolve_session(session, _sessions_dir(sessions_dir))
        state = replay_state(path)
    except SessionStoreError as exc:
        _error(str(exc))
        return EXIT_USAGE
    path = path.resolve()
    click.echo(result_json(state, path) if as_json else final_text(state, path))
    return EXIT_OK


def export_command(session: str, sessions_dir: Path | None, fmt: str) -> int:
    from swarmtui.store import SessionStoreError, read_events, resolve_session

    try:
        path = resolve_session(session, _sessions_dir(sessions_dir))
        events = read_events(path)
    except SessionStoreError as exc:
        _error(str(exc))
        return EXIT_USAGE
    out = sys.stdout
    with contextlib.suppress(BrokenPipeError):
        for event in events:
            out.write(escape_json(event.model_dump_json()))
            out.write("\n")
        out.flush()
    return EXIT_OK
