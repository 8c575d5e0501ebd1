"""`swarmtui [FILE]`, `swarmtui run FILE` and `swarmtui replay SESSION`: the Textual app."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def open_command(file: Path | None, run: bool, options: dict[str, Any]) -> None:
    """Open the app with FILE (or a built-in example) in the editor; start it when `run`."""
    from swarmtui.commands.settings import (
        build_run_settings,
        load_options_config,
        resolve_sessions_dir,
    )

    loaded = load_options_config(options)
    settings = build_run_settings(options, loaded=loaded)
    sessions_dir = resolve_sessions_dir(options, loaded=loaded)
    if file is not None and file.is_dir():
        raise SystemExit(f"swarmtui: {file} is a folder, not a batch file")
    if run and file is not None and not file.exists():
        raise SystemExit(f"swarmtui: no such file: {file}")

    from swarmtui.ui.app import make_app

    try:
        app = make_app(
            file=file,
            run=run,
            settings=settings,
            sessions_dir=sessions_dir,
            theme=loaded.config.theme,
            keymap=dict(loaded.config.keymap),
        )
    except (OSError, UnicodeDecodeError) as exc:
        raise SystemExit(f"swarmtui: cannot read {file}: {exc}") from None
    app.run()


def replay_command(session: str, sessions_dir: Path | None) -> None:
    """Open SESSION in the app's replay mode."""
    from swarmtui.commands.settings import load_options_config, resolve_sessions_dir
    from swarmtui.store import SessionStoreError, resolve_session

    options: dict[str, Any] = {"sessions_dir": sessions_dir}
    loaded = load_options_config(options)
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
