"""`swarmtui [FILE]`, `swarmtui run FILE` and `swarmtui replay SESSION`: the Textual app."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from swarmtui import gc_policy, locations
from swarmtui.safe_text import visible

if TYPE_CHECKING:  # (built after the first frame, when no configuration file is read)
    from swarmtui.engine.settings import RunSettings


@dataclass
class LaunchPlan:
    """What the app is built with: the settings (or how to build them later) and the looks."""

    sessions_dir: Path
    settings: RunSettings | None = None
    settings_factory: Callable[[], RunSettings] | None = None
    backend: str | None = None
    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)


def config_files_apply(options: dict[str, Any]) -> bool:
    """Whether any configuration file would be read for these options."""
    return (
        options.get("config_file") is not None
        or locations.user_config_file().is_file()
        or locations.project_config_file().is_file()
    )


def _settings_from_defaults(options: dict[str, Any]) -> RunSettings:
    from swarmtui.commands.settings import build_run_settings
    from swarmtui.config import Config, LoadedConfig

    return build_run_settings(options, loaded=LoadedConfig(config=Config()))


def launch_plan(options: dict[str, Any]) -> LaunchPlan:
    """The app's settings for these CLI options; raises `ConfigError` for a broken file."""
    if not config_files_apply(options):
        # Nothing to read: every value is a default or a flag. Validating the defaults would
        # import pydantic (150+ ms) before the first frame, so the settings are built when
        # the app first needs them (the first parse warms them, off the event loop).
        flag = options.get("sessions_dir")
        return LaunchPlan(
            sessions_dir=Path(flag) if flag is not None else locations.default_sessions_dir(),
            settings_factory=partial(_settings_from_defaults, options),
            backend=options.get("backend"),
        )
    from swarmtui.commands.settings import (
        build_run_settings,
        load_options_config,
        resolve_sessions_dir,
    )

    loaded = load_options_config(options)
    _check_looks(loaded)
    return LaunchPlan(
        sessions_dir=resolve_sessions_dir(options, loaded=loaded),
        settings=build_run_settings(options, loaded=loaded),
        theme=loaded.config.theme,
        keymap=dict(loaded.config.keymap),
    )


EXIT_USAGE = 2  # what the headless path and click use for a bad argument


def _check_looks(loaded: Any) -> None:
    """A theme or keymap that cannot work stops the start with its one line (as any other
    configuration error); `swarmtui config` lists them all."""
    if loaded.config.theme is None and not loaded.config.keymap:
        return
    from swarmtui.ui.config_check import looks_problems

    problems = looks_problems(loaded)
    if problems:
        more = (
            f" (and {len(problems) - 1} more: swarmtui config lists them)"
            if len(problems) > 1
            else ""
        )
        _usage_error(problems[0] + more)


def config_problem(exc: BaseException) -> str | None:
    """The one line saying why a configuration file cannot be used, when EXC is that error
    (`ConfigError`), else None."""
    # A ConfigError comes from swarmtui.config, so that module is loaded whenever one is
    # raised; importing it first would put pydantic on every start-up (75 ms).
    config = sys.modules.get("swarmtui.config")
    if config is None or not isinstance(exc, config.ConfigError):
        return None
    return str(exc)


def _usage_error(message: str) -> NoReturn:
    sys.stderr.write(f"swarmtui: {visible(message)}\n")
    raise SystemExit(EXIT_USAGE)


NO_TERMINAL = (
    "the app needs a terminal (standard input and output); "
    "for a script or a pipe use `swarmtui run --headless FILE`"
)


def require_terminal() -> None:
    """Exit with one line when stdin or stdout is not a terminal: the app would wait forever."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        _usage_error(NO_TERMINAL)


def open_command(file: Path | None, run: bool, options: dict[str, Any]) -> None:
    """Open the app with FILE (or a built-in example) in the editor; start it when `run`."""
    gc_policy.pause_for_start_up()  # the app settles it once start-up is over
    plan = launch_plan(options)  # (a broken configuration is said first: it is the cause)
    if options.get("backend") is not None or plan.settings is not None:
        # (only then can the settings be wrong; the defaults alone are always usable)
        from swarmtui.commands.settings import settings_problem

        settings = plan.settings or _settings_from_defaults(options)
        problem = settings_problem(settings)
        if problem:
            _usage_error(problem)
    text: str | None = None
    if file is not None and (run or file.exists() or file.is_symlink()):
        # Read here, with the same reasons and exit status as `run --headless` and `lint`;
        # a FILE that does not exist yet opens empty (it is created on save).
        from swarmtui.commands.batch_cmds import UnreadableFile, read_batch_file

        try:
            text = read_batch_file(str(file))
        except UnreadableFile as exc:
            _usage_error(str(exc))
    require_terminal()  # (after what is wrong with the file or the configuration)

    from swarmtui.ui.app import make_app

    app = make_app(
        file=file,
        text=text,
        run=run,
        settings=plan.settings,
        settings_factory=plan.settings_factory,
        backend=plan.backend,
        sessions_dir=plan.sessions_dir,
        theme=plan.theme,
        keymap=plan.keymap,
    )
    app.run()


def open_without_arguments() -> None:
    """`swarmtui` alone: the app with the example batch, as the click group opens it, without
    importing click and the other commands (9 ms of start-up). A configuration file that cannot
    be used is said in its one line (exit 2), an interrupt as click says it (exit 1)."""
    try:
        open_command(file=None, run=False, options={})
    except (EOFError, KeyboardInterrupt):
        sys.stderr.write("\nAborted!\n")
        raise SystemExit(1) from None
    except Exception as exc:
        problem = config_problem(exc)
        if problem is None:
            raise
        _usage_error(problem)


def replay_command(session: str, sessions_dir: Path | None) -> None:
    """Open SESSION in the app's replay mode."""
    require_terminal()
    gc_policy.pause_for_start_up()  # the app settles it once start-up is over
    from swarmtui.commands.settings import load_options_config, resolve_sessions_dir
    from swarmtui.store import SessionStoreError, resolve_session

    options: dict[str, Any] = {"sessions_dir": sessions_dir}
    loaded = load_options_config(options)
    _check_looks(loaded)
    folder = resolve_sessions_dir(options, loaded=loaded)
    try:
        path = resolve_session(session, folder)
    except SessionStoreError as exc:
        raise SystemExit(f"swarmtui: {exc}") from None

    from swarmtui.ui.app import make_app

    app = make_app(
        replay=path,
        sessions_dir=folder,
        theme=loaded.config.theme,
        keymap=dict(loaded.config.keymap),
    )
    app.run()
