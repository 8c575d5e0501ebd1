"""`swarmtui run --headless`, `sessions`, `replay --headless` and `export`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from swarmtui import locations
from swarmtui.engine.state import SessionState

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# How often the live terminal view repaints (it reads the state; the engine never waits for it).
_REFRESH_SECONDS = 0.25


def _error(message: str) -> None:
    click.echo(f"swarmtui: {message}", err=True)


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
        return pydantic_core.to_json(_sorted(document), indent=2).decode()


def _sorted(value: Any) -> Any:
    """VALUE with the keys of every object in sorted order."""
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def _fmt_seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}s"


def _agent_lines(state: SessionState, now: float | None = None) -> list[str]:
    """One line per agent: status, its clock (run time, or how long it has waited), name."""
    from swarmtui.engine.metrics import agent_seconds

    at = state.t if now is None else max(now, state.t)
    lines = []
    for a in state.agents.values():
        elapsed = agent_seconds(a, at)
        waiting = (
            f" waits for {', '.join(a.missing)}" if a.status == "waiting" and a.missing else ""
        )
        reason = f" — {a.reason}" if a.reason and a.status != "done" else ""
        lines.append(f"{a.status:<9} {elapsed:7.2f}s  {a.name} ({a.type}){waiting}{reason}")
    return lines


def _rehearsal_lines(state: SessionState) -> list[str]:
    """What a rehearsal did not run: each Bash command and each agent's real backend's work."""
    lines = []
    for b in sorted(state.bash.values(), key=lambda b: b.op):
        if b.status == "rehearsed":
            lines.append(f"rehearsed bash (op {b.op}, in {b.cwd}): {b.command}")
    for a in state.agents.values():
        if a.rehearsed is not None:
            r = a.rehearsed
            waits = f" after {', '.join(r.waits)}" if r.waits else ""
            lines.append(f"rehearsed {a.name} ({r.backend}, in {r.cwd}{waits}): {r.command}")
    return lines


def _figures_text(state: SessionState) -> str:
    """`wall 2.00s, sequential 5.10s, critical path 2.00s, speed-up 2.55x` (the engine's rule:
    no speed-up while nothing can be compared; idle time named when there was some)."""
    from swarmtui.engine.metrics import figures

    f = figures(state)
    speedup = "-" if f.speedup is None else f"{f.speedup:.2f}x"
    idle = f", idle {f.idle_seconds:.2f}s" if f.idle_seconds >= 0.005 else ""
    return (
        f"wall {f.wall_seconds:.2f}s, sequential {f.sequential_seconds:.2f}s, "
        f"critical path {f.critical_path_seconds:.2f}s, speed-up {speedup}{idle}"
    )


def _bash_lines(state: SessionState) -> list[str]:
    """Each Bash operation that ran: its exit status (and the reason when it failed)."""
    lines = []
    for b in sorted(state.bash.values(), key=lambda b: b.op):
        if b.status == "rehearsed":
            continue  # (listed with what the rehearsal did not run)
        if b.exit_status is None:
            outcome = "running" if not state.finished else "did not finish"
        else:
            outcome = f"exit {b.exit_status}"
        said = b.reason and b.reason != f"exit status {b.exit_status}"
        reason = f" ({b.reason})" if said else ""
        lines.append(f"bash {outcome}{reason}: {b.command}")
    return lines


def _warning_lines(state: SessionState) -> list[str]:
    """The batch's warnings and the run's (errors are printed on stderr before the summary)."""
    return [
        f"warning: {d.message}" + (f" (line {d.line})" if d.line else "")
        for d in state.diagnostics
        if d.severity == "warning"
    ]


def _final_text(state: SessionState, path: Path) -> str:
    head = f"{state.status}: {path}\n{_figures_text(state)}"
    return "\n".join(
        [
            head,
            *_agent_lines(state),
            *_bash_lines(state),
            *_rehearsal_lines(state),
            *_warning_lines(state),
        ]
    )


async def _run_live(session: Any, show_live: bool) -> SessionState:
    """Run the session; on a terminal, repaint one line per agent while it runs."""
    if not show_live:
        state: SessionState = await session.run()
        return state
    from rich.console import Console
    from rich.live import Live
    from rich.text import Text

    console = Console(stderr=False)
    # The session's clock between events: the last event's time plus what has passed since.
    last = [0.0, time.monotonic()]

    def tick(event: Any) -> None:
        last[:] = [event.t, time.monotonic()]

    session.subscribe(tick)

    def render() -> Text:
        title = f"{session.session_id}  [{session.settings.backend.upper()}]"
        now = last[0] + time.monotonic() - last[1]
        return Text("\n".join([title, *_agent_lines(session.state, now)]))

    with Live(render(), console=console, auto_refresh=False, transient=False) as live:
        task = asyncio.ensure_future(session.run())
        while not task.done():
            await asyncio.wait([task], timeout=_REFRESH_SECONDS)
            live.update(render(), refresh=True)
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
    if session.log_error:
        _error(session.log_error)
    if as_json:
        click.echo(_result_json(state, path))
    else:
        for d in session.batch.diagnostics:
            if d.severity.value == "error":
                click.echo(d.format(source), err=True)
        if not show_live:
            click.echo(_final_text(state, path))
        else:  # the agents' lines are on the screen already
            click.echo(f"{state.status}: {path}\n{_figures_text(state)}")
            for line in [*_bash_lines(state), *_rehearsal_lines(state), *_warning_lines(state)]:
                click.echo(line)
    return EXIT_OK if state.status == "completed" else EXIT_FAILED


def sessions_command(sessions_dir: Path | None, as_json: bool) -> int:
    from swarmtui.store import list_sessions

    infos = list_sessions(_sessions_dir(sessions_dir))
    if as_json:
        click.echo(json.dumps([i.to_json() for i in infos], indent=2, ensure_ascii=False))
        return EXIT_OK
    if not infos:
        click.echo("no sessions")
        return EXIT_OK
    for line in _sessions_table(infos):
        click.echo(line)
    return EXIT_OK


def _sessions_table(infos: list[Any]) -> list[str]:
    """The sessions as aligned columns under a header (an unreadable one says why instead)."""
    header = ("ID", "STATUS", "STARTED", "WALL", "AGENTS", "SPEED-UP", "TITLE")
    rows = []
    for i in infos:
        if i.error:
            rows.append((i.id, "unreadable", "", "", "", "", i.error))
            continue
        speedup = "-" if not i.speedup else f"{i.speedup:.2f}x"
        wall = _fmt_seconds(i.wall_seconds)
        rows.append((i.id, i.status, i.started_at, wall, str(i.agents), speedup, i.title))
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
            out.write(event.model_dump_json())
            out.write("\n")
        out.flush()
    return EXIT_OK
