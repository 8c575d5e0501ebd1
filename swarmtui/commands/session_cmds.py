"""`swarmtui run --headless`, `sessions`, `replay --headless` and `export`."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import Any

import click

from swarmtui import locations
from swarmtui.commands.output import error as _error
from swarmtui.commands.output import json_text
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


def _result_json(state: SessionState, path: Path) -> str:
    """`{"summary": ..., "state": ...}`, keys sorted, indented: what run and replay print."""
    import pydantic_core

    from swarmtui import gc_policy
    from swarmtui.engine.summary import summary_json

    # Hundreds of thousands of small objects, none of them garbage; the Rust serializer
    # indents ten times faster than the json module (whose C encoder cannot indent).
    with gc_policy.paused():
        document = {"summary": summary_json(state, path), "state": state.to_json()}
        return escape_json(pydantic_core.to_json(_sorted(document), indent=2).decode())


def _sorted(value: Any) -> Any:
    """VALUE with the keys of every object in sorted order."""
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def _fmt_seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}s"


def _agent_lines(state: SessionState) -> list[str]:
    lines = []
    for a in state.agents.values():
        if a.status == "running" and a.started_at is not None:
            elapsed = state.t - a.started_at + a.run_seconds
        else:
            elapsed = a.run_seconds
        waiting = (
            f" waits for {', '.join(a.missing)}" if a.status == "waiting" and a.missing else ""
        )
        reason = f" — {a.reason}" if a.reason and a.status != "done" else ""
        # (names, types, keys and reasons come from the batch, agents and servers)
        line = f"{a.status:<9} {elapsed:7.2f}s  {a.name} ({a.type}){waiting}{reason}"
        lines.append(visible(line))
    return lines


def _rehearsal_lines(state: SessionState) -> list[str]:
    """What a rehearsal did not run: each Bash command and each agent's real backend's work."""
    lines = []
    for b in sorted(state.bash.values(), key=lambda b: b.op):
        if b.status == "rehearsed":
            lines.append(visible(f"rehearsed bash (op {b.op}, in {b.cwd}): {b.command}"))
    for a in state.agents.values():
        if a.rehearsed is not None:
            r = a.rehearsed
            waits = f" after {', '.join(r.waits)}" if r.waits else ""
            line = f"rehearsed {a.name} ({r.backend}, in {r.cwd}{waits}): {r.command}"
            lines.append(visible(line))
    return lines


def _final_text(state: SessionState, path: Path) -> str:
    m = state.metrics
    head = (
        f"{state.status}: {visible(str(path))}\n"
        f"wall {m.wall_seconds:.2f}s, sequential {m.sequential_seconds:.2f}s, "
        f"critical path {m.critical_path_seconds:.2f}s, speed-up {m.speedup:.2f}x"
    )
    if state.max_parallel is not None:
        why = f" ({state.max_parallel_reason})" if state.max_parallel_reason else ""
        head += f"\nat most {state.max_parallel} agents at once{why}"
    return "\n".join([head, *_agent_lines(state), *_rehearsal_lines(state)])


async def _run_live(session: Any, show_live: bool) -> SessionState:
    """Run the session; on a terminal, repaint one line per agent while it runs."""
    loop = asyncio.get_running_loop()
    for number in _END_SIGNALS:  # ended from outside: cancelled with the reason, as Ctrl-C
        loop.add_signal_handler(number, session.interrupt, f"ended by {number.name}")
    if not show_live:
        state: SessionState = await session.run()
        return state
    from rich.console import Console
    from rich.live import Live
    from rich.text import Text

    console = Console(stderr=False)

    def render() -> Text:
        title = visible(f"{session.session_id}  [{session.settings.backend.upper()}]")
        return Text("\n".join([title, *_agent_lines(session.state)]))

    with Live(render(), console=console, auto_refresh=False, transient=False) as live:
        task = asyncio.ensure_future(session.run())
        while not task.done():
            await asyncio.wait([task], timeout=_REFRESH_SECONDS)
            live.update(render(), refresh=True)
        result: SessionState = task.result()
        return result


def _settings_or_error(options: dict[str, Any]) -> tuple[Any, Any] | None:
    """(loaded configuration, RunSettings) for these options, or None after saying why not."""
    from swarmtui.commands.settings import build_run_settings, load_options_config
    from swarmtui.config import ConfigError

    try:
        loaded = load_options_config(options)
        settings = build_run_settings(options, loaded=loaded)
    except ConfigError as exc:
        _error(str(exc))
        return None
    if settings.backend == "command" and not settings.command_template:
        _error("the command backend needs --command TEMPLATE")
        return None
    return loaded, settings


def run_headless_command(file: Path, as_json: bool, options: dict[str, Any]) -> int:
    from swarmtui.commands.batch_cmds import UnreadableFile, read_batch_file

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
    session = new_live_session(
        text, source_name=str(file), settings=settings, sessions_dir=sessions_dir
    )
    return _run_session(session, as_json, str(file))


def resume_command(session_ref: str, as_json: bool, options: dict[str, Any]) -> int:
    """Take up an interrupted (or failed, or cancelled) session again, in its own folder."""
    from swarmtui.store import SessionStoreError, read_recording, resolve_session

    try:
        path = resolve_session(session_ref, _sessions_dir(options.get("sessions_dir")))
        recording = read_recording(path)
    except SessionStoreError as exc:
        _error(str(exc))
        return EXIT_USAGE
    started = recording.started
    if options.get("backend") is None and started is not None:
        # The backend it ran with, unless told otherwise (the configuration may say another).
        options = {**options, "backend": started.backend}
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


def _run_session(session: Any, as_json: bool, source: str) -> int:
    """Run SESSION (new or resumed) in this terminal; print the result; the exit status."""
    from swarmtui.store import SessionStoreError

    show_live = not as_json and sys.stdout.isatty()
    try:
        state = asyncio.run(_run_live(session, show_live))
    except KeyboardInterrupt:
        # The session recorded itself as cancelled before the interrupt came back up here.
        state = session.state
        if not as_json or state.status != "cancelled":
            _error(f"interrupted; the session is recorded in {session.path}")
            return EXIT_FAILED
    except (SessionStoreError, OSError) as exc:
        _error(str(exc))
        return EXIT_FAILED
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
        except SessionStoreError as exc:
            _error(str(exc))
            return EXIT_FAILED
    if as_json:
        click.echo(_result_json(state, path))
    else:
        for d in session.batch.diagnostics:
            if d.severity.value == "error":
                click.echo(d.format(source), err=True)
        for event in state.diagnostics:
            if event.code == "SW020":  # about the run's settings, not a place in the file
                click.echo(f"warning: {visible(event.message)}", err=True)
        if not show_live:
            click.echo(_final_text(state, path))
        else:
            m = state.metrics
            click.echo(
                visible(
                    f"{state.status}: {path} "
                    f"(wall {m.wall_seconds:.2f}s, speed-up {m.speedup:.2f}x)"
                )
            )
            if state.max_parallel_reason:
                click.echo(
                    f"at most {state.max_parallel} agents at once ({state.max_parallel_reason})"
                )
            for line in _rehearsal_lines(state):
                click.echo(line)
    ok = state.status == "completed" and not session.log_error
    return EXIT_OK if ok else EXIT_FAILED


def sessions_command(sessions_dir: Path | None, as_json: bool) -> int:
    from swarmtui.store import list_sessions

    infos = list_sessions(_sessions_dir(sessions_dir))
    if as_json:
        click.echo(json_text([i.to_json() for i in infos]))
        return EXIT_OK
    if not infos:
        click.echo("no sessions")
        return EXIT_OK
    for i in infos:
        if i.error:
            click.echo(visible(f"{i.id}  unreadable: {i.error}"))
            continue
        speedup = "-" if i.speedup is None else f"{i.speedup:.2f}x"
        line = (
            f"{i.id}  {i.status:<11} {i.started_at}  {_fmt_seconds(i.wall_seconds):>8}  "
            f"{i.agents} agents  {speedup:>6}  {i.title}"
        )
        click.echo(visible(line))
    return EXIT_OK


def replay_headless_command(session: str, sessions_dir: Path | None, as_json: bool) -> int:
    from swarmtui.store import SessionStoreError, replay_state, resolve_session

    try:
        path = resolve_session(session, _sessions_dir(sessions_dir))
        state = replay_state(path)
    except SessionStoreError as exc:
        _error(str(exc))
        return EXIT_USAGE
    path = path.resolve()
    click.echo(_result_json(state, path) if as_json else _final_text(state, path))
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
