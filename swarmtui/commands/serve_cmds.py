"""`swarmtui serve`: the app in a browser (textual-serve), on loopback unless told otherwise.

Each browser connection starts its own app process (`swarmtui served-app …`, a hidden
command) that textual-serve drives through a websocket. Off loopback a token is required
(random, printed once) unless `--insecure`; `--token` asks for one on loopback too (other
users of the machine can reach 127.0.0.1). Only click is imported at module level: the CLI
imports this module when one of its commands is named (or `--help` lists them).
"""

from __future__ import annotations

import asyncio
import secrets
import shlex
import socket
import sys
from pathlib import Path
from typing import Any

import click

from swarmtui.commands.output import error

EXIT_OK, EXIT_USAGE = 0, 2


_error = error


@click.command("serve")
@click.argument("file", type=click.Path(path_type=Path), required=False)
@click.option(
    "--replay", "session", metavar="SESSION", default=None, help="Serve the replay of SESSION."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0: any free."
)
@click.option("--token", "want_token", is_flag=True, help="Require a token on loopback too.")
@click.option(
    "--insecure", is_flag=True, help="Off loopback, serve without a token (anyone can use it)."
)
@click.option("--read-only", is_flag=True, help="No controls: watch and replay only.")
@click.option("--sessions-dir", type=click.Path(path_type=Path), default=None)
@click.option("--config", "config_file", type=click.Path(path_type=Path), default=None)
def serve_cmd(
    file: Path | None,
    session: str | None,
    host: str,
    port: int,
    want_token: bool,
    insecure: bool,
    read_only: bool,
    sessions_dir: Path | None,
    config_file: Path | None,
) -> None:
    """Serve the app to a web browser (FILE in the editor, or --replay SESSION).

    On 127.0.0.1 by default. Any other address requires the token printed at start (checked
    on every connection) unless --insecure. Ctrl-C stops the server and the apps it started.
    """
    raise SystemExit(
        serve_command(
            file=file,
            session=session,
            host=host,
            port=port,
            want_token=want_token,
            insecure=insecure,
            read_only=read_only,
            options={"sessions_dir": sessions_dir, "config_file": config_file},
        )
    )


def choose_token(host: str, *, want_token: bool, insecure: bool) -> str | None:
    """The token the server will require, or None; `click.UsageError` for a contradiction."""
    from swarmtui.commands.web_server import is_loopback

    if want_token and insecure:
        raise click.UsageError("--token and --insecure contradict each other")
    if want_token or not (insecure or is_loopback(host)):
        return secrets.token_urlsafe(24)
    return None


def serve_command(
    *,
    file: Path | None,
    session: str | None,
    host: str,
    port: int,
    want_token: bool,
    insecure: bool,
    read_only: bool,
    options: dict[str, Any],
) -> int:
    from swarmtui.commands.settings import load_options_config, resolve_sessions_dir
    from swarmtui.config import ConfigError
    from swarmtui.store import SessionStoreError, resolve_session

    try:
        token = choose_token(host, want_token=want_token, insecure=insecure)
    except click.UsageError as exc:
        _error(str(exc))
        return EXIT_USAGE
    if file is not None and session is not None:
        _error("give a FILE or --replay SESSION, not both")
        return EXIT_USAGE
    try:
        loaded = load_options_config(options)
        folder = resolve_sessions_dir(options, loaded=loaded)
    except ConfigError as exc:
        _error(str(exc))
        return EXIT_USAGE
    args = ["--sessions-dir", str(folder.absolute())]
    if options.get("config_file") is not None:
        args += ["--config", str(Path(options["config_file"]).absolute())]
    if read_only:
        args.append("--read-only")
    if session is not None:
        try:
            args += ["--replay", str(resolve_session(session, folder).absolute())]
        except SessionStoreError as exc:
            _error(str(exc))
            return EXIT_USAGE
    elif file is not None:
        # Checked here, once, with the reasons `run` gives; each app reads it again.
        from swarmtui.commands.batch_cmds import UnreadableFile, read_batch_file

        if file.exists() or file.is_symlink():
            try:
                read_batch_file(str(file))
            except UnreadableFile as exc:
                _error(str(exc))
                return EXIT_USAGE
        args.append(str(file.absolute()))
    # `exec`: textual-serve starts a shell; the app replaces it, so quitting it ends it all.
    command = "exec " + shlex.join([sys.executable, "-m", "swarmtui", "served-app", *args])
    return _run_server(command, host=host, port=port, token=token, read_only=read_only)


def _run_server(command: str, *, host: str, port: int, token: str | None, read_only: bool) -> int:
    from swarmtui.commands.web_server import (
        ServeError,
        SwarmServer,
        door,
        is_loopback,
        is_wildcard,
        serve,
        url_host,
    )

    loopback = is_loopback(host)
    server = SwarmServer(command, host=host, port=port, title="swarmtui")
    middleware = door(token=token, loopback=loopback, bound_host=host)

    def ready(bound: int) -> None:
        shown = socket.gethostname() if is_wildcard(host) else host
        url = f"http://{url_host(shown)}:{bound}/"
        mode = " (read-only)" if read_only else ""
        if token is not None:
            click.echo(f"swarmtui: serving the app{mode} on {url}?token={token}")
            click.echo("  the token is shown only this once; anyone who has it can use the app")
        else:
            click.echo(f"swarmtui: serving the app{mode} on {url}")
            if not loopback:
                click.echo(
                    "  warning: no token (--insecure): anyone who reaches it can use the app"
                )
        click.echo("  ctrl+c stops the server and the apps it started")
        sys.stdout.flush()

    try:
        asyncio.run(serve(server, middleware=middleware, host=host, port=port, ready=ready))
    except ServeError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:  # a second ctrl+c while closing
        pass
    return EXIT_OK


@click.command("served-app", hidden=True)
@click.argument("file", type=click.Path(path_type=Path), required=False)
@click.option("--replay", type=click.Path(path_type=Path), default=None)
@click.option("--read-only", is_flag=True)
@click.option("--sessions-dir", type=click.Path(path_type=Path), default=None)
@click.option("--config", "config_file", type=click.Path(path_type=Path), default=None)
def served_app_cmd(
    file: Path | None,
    replay: Path | None,
    read_only: bool,
    sessions_dir: Path | None,
    config_file: Path | None,
) -> None:
    """The app as `swarmtui serve` starts it for each browser connection."""
    from swarmtui import gc_policy
    from swarmtui.commands.app_cmds import launch_plan
    from swarmtui.ui.app import make_app

    gc_policy.pause_for_start_up()
    plan = launch_plan({"sessions_dir": sessions_dir, "config_file": config_file})
    app = make_app(
        file=file,
        replay=replay,
        settings=plan.settings,
        settings_factory=plan.settings_factory,
        backend=plan.backend,
        sessions_dir=plan.sessions_dir,
        theme=plan.theme,
        keymap=plan.keymap,
        read_only=read_only,
    )
    app.run()
