"""`swarmtui fork SESSION --at EVENT|TIME [--set KEY=VALUE ...] [--batch FILE] [--headless]`.

Reads the session as far as it can be read (a damaged, interrupted or running one is forked
from what it recorded, and said so on standard error), cuts it at the point, and either runs
the fork here (`--headless`, as `run --headless` prints it) or opens the app with the fork
prepared: the batch in the editor, the panels at the point, `m` to set memory values.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from swarmtui.commands.output import error
from swarmtui.store.points import format_time

if TYPE_CHECKING:
    from swarmtui.engine.fork import MemoryEdit

EXIT_USAGE = 2


def memory_edits(pairs: tuple[str, ...]) -> list[MemoryEdit]:
    """`KEY=VALUE` pairs as memory values (JSON when the value is JSON, else its text);
    `ValueError` with one line for a pair that is none."""
    from swarmtui.engine.fork import MemoryEdit
    from swarmtui.ui.screens.memory_form import key_problem
    from swarmtui.ui.session_controller import parse_memory_value

    edits = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        problem = key_problem(key) if sep else "expected KEY=VALUE"
        if problem is not None:
            raise ValueError(f"--set {pair!r}: {problem}")
        edits.append(MemoryEdit(key, parse_memory_value(value)))
    return edits


def fork_command(
    session: str,
    at: str,
    memory: tuple[str, ...],
    batch_file: Path | None,
    *,
    headless: bool,
    as_json: bool,
    options: dict[str, Any],
) -> int:
    from swarmtui.commands.session_cmds import _sessions_dir
    from swarmtui.store import SessionStoreError, read_fork_source, resolve_session
    from swarmtui.store.points import PointError

    sessions_dir = _sessions_dir(options.get("sessions_dir"))
    try:
        edits = memory_edits(memory)
        path = resolve_session(session, sessions_dir)
        source = read_fork_source(path)
        point = source.point(at)
    except (SessionStoreError, PointError, ValueError) as exc:
        error(str(exc))
        return EXIT_USAGE
    text = source.text
    if batch_file is not None:
        from swarmtui.commands.batch_cmds import UnreadableFile, read_batch_file

        try:
            text = read_batch_file(str(batch_file))
        except UnreadableFile as exc:
            error(str(exc))
            return EXIT_USAGE
    if text is None:
        error(f"{source.text_problem}; --batch FILE gives the fork a batch")
        return EXIT_USAGE
    if source.note is not None and point.events == len(source.events):
        error(f"note: {source.note}")  # (said, not refused: the fork takes what was recorded)
    from swarmtui.commands.session_cmds import as_it_ran

    # The backend it ran with by the point, and what it was given, unless told otherwise.
    options = as_it_ran(source.events[: point.events], options)
    if not headless:
        return _open_in_app(source, point, text, edits, options)
    return _run_headless(source, point, text, edits, as_json, options, batch_file)


def _run_headless(
    source: Any,
    point: Any,
    text: str,
    edits: list[MemoryEdit],
    as_json: bool,
    options: dict[str, Any],
    batch_file: Path | None,
) -> int:
    from swarmtui.commands.session_cmds import _run_session, _sessions_dir, _settings_or_error
    from swarmtui.engine.folders import sessions_dir_problem
    from swarmtui.store import SessionStoreError, fork_live_session, fork_recording

    options = {**options, "headless": True}
    built = _settings_or_error(options)
    if built is None:
        return EXIT_USAGE
    loaded, settings = built
    configured = options.get("sessions_dir") or loaded.config.sessions_dir
    sessions_dir = Path(configured) if configured else _sessions_dir(None)
    problem = sessions_dir_problem(sessions_dir)
    if problem:
        error(problem)
        return EXIT_USAGE
    recording = fork_recording(
        source.path,
        source.session_id,
        source.events,
        point,
        text,
        note=source.note if point.events == len(source.events) else None,
        memory=tuple(edits),
    )
    try:
        session = fork_live_session(
            recording,
            settings=settings,
            sessions_dir=sessions_dir,
            source_name=str(batch_file) if batch_file is not None else None,
        )
    except SessionStoreError as exc:
        error(str(exc))
        return EXIT_USAGE
    error(f"note: {fork_summary(session)}")
    code: int = _run_session(session, as_json, str(source.path))
    return code


def fork_summary(session: Any) -> str:
    """One line: where the fork comes from, what stays done, what runs."""
    fork, plan = session.fork, session.fork_plan
    seq = len(session.resume_from.events)
    carried = ", ".join(plan.carried) or "no agent"
    again = ", ".join(plan.again) or "nothing"
    # ("no agent stays done", "nothing runs": as singular as one agent)
    return (
        f"forking {fork.session_id} at event {seq} ({format_time(fork.t)}): {carried} stay"
        f"{'s' if len(plan.carried) <= 1 else ''} done; {again} run"
        f"{'s' if len(plan.again) <= 1 else ''}"
    )


def _open_in_app(
    source: Any, point: Any, text: str, edits: list[MemoryEdit], options: dict[str, Any]
) -> int:
    from swarmtui import gc_policy
    from swarmtui.commands.app_cmds import launch_plan, require_terminal
    from swarmtui.ui.app import make_app
    from swarmtui.ui.fork_flow import ForkDraft

    plan = launch_plan(options)
    require_terminal()
    gc_policy.pause_for_start_up()
    note = source.note if point.events == len(source.events) else None
    draft = ForkDraft(source.path, source.session_id, source.events[: point.events], point, note)
    for edit in edits:
        draft.set_memory(edit.key, edit.value, edit.namespace)
    app = make_app(
        fork=(draft, text),
        settings=plan.settings,
        settings_factory=plan.settings_factory,
        backend=plan.backend,
        sessions_dir=plan.sessions_dir,
        theme=plan.theme,
        keymap=plan.keymap,
    )
    app.run()
    return 0
