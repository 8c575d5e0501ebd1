"""The `swarmtui` command: a small click group whose subcommands delegate to `swarmtui.commands`.

Imports of the heavy parts (Textual, the engine) happen inside the commands so that
`swarmtui --version` and `swarmtui lint` start fast.
"""

from __future__ import annotations

import importlib
import math
from pathlib import Path
from typing import Any

import click

from swarmtui import __version__
from swarmtui.backend_names import BACKEND_NAMES

EXIT_USAGE = 2


_GROUP_OPTIONS = ("-h", "--help", "-V", "--version")
_IMPLIED_OPEN = "swarmtui.implied_open"  # (ctx.meta: the arguments went to `open` unnamed)


# Commands defined in their own modules, imported only when named (or listed by `--help`): the
# app's start does not pay for them (name -> module, command).
_LAZY_COMMANDS = {
    "diff": ("swarmtui.commands.diff_cmds", "diff_cmd"),
    "merge": ("swarmtui.commands.merge_cmds", "merge_cmd"),
    "delete": ("swarmtui.commands.merge_cmds", "delete_cmd"),
    "serve": ("swarmtui.commands.serve_cmds", "serve_cmd"),
    "served-app": ("swarmtui.commands.serve_cmds", "served_app_cmd"),
}


class _DefaultToOpenGroup(click.Group):
    """`swarmtui FILE` opens FILE in the app: a first argument that is no command means `open`.

    A configuration file that cannot be used, wherever it is read, ends the command with its
    one-line reason (exit 2, as for any other usage error)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # (`swarmtui --sessions-dir DIR [FILE]` too: options before the file are `open`'s)
        known = (*self.commands, *_LAZY_COMMANDS, *_GROUP_OPTIONS)
        if args and args[0] not in known:
            args = ["open", *args]
            ctx.meta[_IMPLIED_OPEN] = True
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *_LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in _LAZY_COMMANDS:
            module_name, attribute = _LAZY_COMMANDS[cmd_name]
            command = getattr(importlib.import_module(module_name), attribute)
            assert isinstance(command, click.Command)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return ["[OPTIONS] [FILE]", "|", "COMMAND [ARGS]..."]

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            # `swarmtui --bogus` is a mistake with `swarmtui`, not with the hidden `open` it
            # was passed to: the usage shown and the help offered are the top level's.
            if ctx.meta.get(_IMPLIED_OPEN) and exc.ctx is not None and exc.ctx.parent is ctx:
                exc.ctx = ctx
            raise
        except Exception as exc:
            from swarmtui.commands.app_cmds import config_problem

            problem = config_problem(exc)
            if problem is None:
                raise
            from swarmtui.safe_text import visible  # (a project's file may name anything)

            click.echo(visible(f"swarmtui: {problem}"), err=True)
            raise SystemExit(EXIT_USAGE) from None


@click.group(
    cls=_DefaultToOpenGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, "--version", "-V", prog_name="swarmtui")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Write, run, watch and replay swarms of AI coding agents.

    \b
    swarmtui            open the app with an example batch in the editor
    swarmtui FILE       open FILE in the app (created on save if it does not exist)
    swarmtui run FILE   open FILE and run it (--headless: in this terminal, no app)

    The app takes the options of `run` (`swarmtui --sessions-dir DIR [FILE]`).
    """
    if ctx.invoked_subcommand is None:
        from swarmtui.commands.app_cmds import open_command

        open_command(file=None, run=False, options={})


@cli.command("parse")
@click.argument("file", type=str)
@click.option(
    "--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True
)
def parse_cmd(file: str, fmt: str) -> None:
    """Parse FILE (or - for standard input) and print the batch."""
    from swarmtui.commands.batch_cmds import parse_command

    raise SystemExit(parse_command(file, fmt))


@cli.command("lint")
@click.argument("files", type=str, nargs=-1, required=True)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def lint_cmd(files: tuple[str, ...], fmt: str) -> None:
    """Check batch FILES; exit 1 when an error is found, 2 when a file cannot be read."""
    from swarmtui.commands.batch_cmds import lint_command

    raise SystemExit(lint_command(list(files), fmt))


def _check_base_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from swarmtui.config import base_url_problem

    problem = base_url_problem(value)
    if problem:
        raise click.BadParameter(problem)
    return value


def _check_finite(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    # FloatRange lets nan and inf through: nan would run agents in no time, inf never ends.
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a finite number of seconds or dollars")
    return value


def _check_executor(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from swarmtui.executor_address import AddressError, parse_executor

    try:
        parse_executor(value)
    except AddressError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


def _check_rules(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    from swarmtui.policy.rules import RuleError, parse_rule

    for text in value:
        try:
            parse_rule(text)
        except RuleError as exc:
            raise click.BadParameter(f"rule {exc.rule!r}: {exc.problem}") from None
    return value


def _run_options(func: Any) -> Any:
    """Options shared by `run` (headless or in the app)."""
    options = [
        click.option(
            "--backend",
            type=click.Choice(BACKEND_NAMES),
            default=None,
            help="Agent backend (default: rehearsal, or the configured one).",
        ),
        click.option(
            "--command",
            "command_template",
            default=None,
            help="Command template for the command backend: {prompt}, {agent}, {type}, {session}.",
        ),
        click.option(
            "--sessions-dir",
            type=click.Path(path_type=Path),
            default=None,
            help="Where sessions are recorded (default ./sessions).",
        ),
        click.option(
            "--max-parallel",
            type=click.IntRange(min=1),
            default=None,
            help="Most agents running at once.",
        ),
        click.option(
            "--rehearsal-seconds",
            type=click.FloatRange(min=0),
            default=None,
            callback=_check_finite,
            help="Rehearsal: every agent takes exactly this long.",
        ),
        click.option(
            "--base-url",
            default=None,
            callback=_check_base_url,
            help="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1.",
        ),
        click.option("--model", default=None, help="Model name for the openai/claude backends."),
        click.option(
            "--budget-usd",
            type=click.FloatRange(min=0),
            default=None,
            callback=_check_finite,
            help="Session budget: crossing it stops the agents that spend; no more start.",
        ),
        click.option(
            "--max-tokens",
            type=click.IntRange(min=1),
            default=None,
            help="The session's token cap (in + out, every agent), enforced like --budget-usd.",
        ),
        click.option(
            "--config",
            "config_file",
            type=click.Path(path_type=Path),
            default=None,
            help="Read this configuration file instead of swarmtui.toml.",
        ),
        click.option(
            "--allow",
            "allow_rules",
            multiple=True,
            metavar="RULE",
            callback=_check_rules,
            help="Allow what RULE matches, e.g. 'Bash(npm test)' (repeatable).",
        ),
        click.option(
            "--deny",
            "deny_rules",
            multiple=True,
            metavar="RULE",
            callback=_check_rules,
            help="Deny what RULE matches, e.g. 'Bash(git push:*)' (repeatable; deny wins).",
        ),
        click.option(
            "--executor",
            default=None,
            metavar="WHERE",
            callback=_check_executor,
            help="Where agents run: local, dask-local[:N], dask://HOST:PORT or tls://HOST:PORT.",
        ),
        click.option(
            "--insecure",
            is_flag=True,
            default=None,
            help="Allow a plain dask:// scheduler off this machine (no authentication).",
        ),
        click.option(
            "--shared-fs",
            is_flag=True,
            default=None,
            help="Dask: the workers see the session folder at the same path; ship no files.",
        ),
        click.option(
            "--repo",
            type=click.Path(path_type=Path),
            default=None,
            help="Agents that edit files work in git worktrees of this repository, one "
            "branch each (default: the batch's own repository, when it is in one).",
        ),
        click.option(
            "--no-worktrees",
            is_flag=True,
            default=False,
            help="Agents work in the session folder, never in worktrees.",
        ),
        click.option(
            "--yes",
            "-y",
            "assume_yes",
            is_flag=True,
            default=False,
            help="Approve whatever would ask (deny rules still deny).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _approve_option(func: Any) -> Any:
    return click.option(
        "--approve",
        type=click.Choice(["ask", "deny"]),
        default=None,
        help="Headless: what asks is prompted for on this terminal (ask) or refused (deny, "
        "the default).",
    )(func)


@cli.command("run")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--headless", is_flag=True, help="Run without the app.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the summary and state as JSON at the end (implies --headless).",
)
@click.option(
    "--estimate",
    is_flag=True,
    help="Only print an estimate of the tokens and cost of the run (runs nothing).",
)
@_approve_option
@_run_options
def run_cmd(file: Path, headless: bool, as_json: bool, estimate: bool, **options: Any) -> None:
    """Run the batch in FILE (in the app, or with --headless in this terminal).

    Nothing runs that no rule allows: in the app, what asks waits in the approval queue;
    headless, it is refused unless --allow RULE, --yes, or --approve ask (a prompt here).
    """
    if estimate:
        from swarmtui.commands.agent_cmds import estimate_command

        raise SystemExit(estimate_command(file, as_json, options))
    if headless or as_json:  # the app would hang in a pipe or a script
        from swarmtui.commands.session_cmds import run_headless_command

        raise SystemExit(run_headless_command(file, as_json=as_json, options=options))
    if options.get("approve") is not None:
        raise click.UsageError("--approve is for --headless runs (the app has its queue)")
    from swarmtui.commands.app_cmds import open_command

    open_command(file=file, run=True, options=options)


@cli.command("open", hidden=True)
@click.argument("file", type=click.Path(path_type=Path), required=False)
@_run_options
def open_cmd(file: Path | None, **options: Any) -> None:
    """Open FILE (or an example batch) in the app; `run`'s options say how it would run."""
    from swarmtui.commands.app_cmds import open_command

    open_command(file=file, run=False, options=options)


@cli.command("resume")
@click.argument("session", type=str)
@click.option("--json", "as_json", is_flag=True, help="Print the summary and state as JSON.")
@_approve_option
@_run_options
def resume_cmd(session: str, as_json: bool, **options: Any) -> None:
    """Take up SESSION (interrupted, failed or cancelled) again, in this terminal.

    Agents that were done stay done, with the keys they stored; the rest run. The session's
    own folder and log go on (a replay shows both runs). The backend is the one it ran with
    unless --backend says another; the other options are as for `run`.
    """
    from swarmtui.commands.session_cmds import resume_command

    raise SystemExit(resume_command(session, as_json=as_json, options=options))


@cli.command("fork")
@click.argument("session", type=str)
@click.option(
    "--at",
    "at",
    required=True,
    metavar="EVENT|TIME",
    help="The point: an event number (120) or a time (12.5s, 1m30s, 40%).",
)
@click.option(
    "--set",
    "memory",
    multiple=True,
    metavar="KEY=VALUE",
    help="Start with this memory value (JSON, else text; repeatable).",
)
@click.option(
    "--batch",
    "batch_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Run this batch instead of the session's own.",
)
@click.option("--headless", is_flag=True, help="Run the fork at once in this terminal, no app.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the summary and state as JSON (implies --headless).",
)
@_approve_option
@_run_options
def fork_cmd(
    session: str,
    at: str,
    memory: tuple[str, ...],
    batch_file: Path | None,
    headless: bool,
    as_json: bool,
    **options: Any,
) -> None:
    """A new session from SESSION at a point: its memory, todos and the agents done by then.

    In the app the batch opens in the editor to change, m sets memory values and the run key
    starts the fork; with --headless it starts at once. Agents that were done by the point
    stay done (their outputs and files are carried over) unless their task changed or they
    read what an agent that runs again stores; the rest run. The backend is the session's
    unless --backend says another; the other options are as for `run`.
    """
    from swarmtui.commands.fork_cmds import fork_command

    raise SystemExit(
        fork_command(
            session,
            at,
            memory,
            batch_file,
            headless=headless or as_json,
            as_json=as_json,
            options=options,
        )
    )


@cli.command("send")
@click.argument("session", type=str)
@click.argument("agent", type=str)
@click.argument("text", type=str)
@click.option("--sessions-dir", type=click.Path(path_type=Path), default=None)
def send_cmd(session: str, agent: str, text: str, sessions_dir: Path | None) -> None:
    """Send TEXT (- reads standard input) to AGENT of SESSION while it runs.

    Reaches a session run headless or in the app, by this user, in any terminal: the agent
    gets it as its backend allows (a user turn for openai and claude; a line on standard input
    for command, with [backends.command] keep_stdin_open = true). It is recorded in the session.
    """
    from swarmtui.commands.agent_cmds import send_command

    raise SystemExit(send_command(session, agent, text, sessions_dir))


@cli.command("sessions")
@click.option("--sessions-dir", type=click.Path(path_type=Path), default=None)
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def sessions_cmd(sessions_dir: Path | None, as_json: bool) -> None:
    """List past sessions, newest first."""
    from swarmtui.commands.session_cmds import sessions_command

    raise SystemExit(sessions_command(sessions_dir, as_json=as_json))


@cli.command("replay")
@click.argument("session", type=str)
@click.option("--headless", is_flag=True, help="Fold the events and print the result, no app.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the same JSON as `run --json` did (implies --headless).",
)
@click.option("--sessions-dir", type=click.Path(path_type=Path), default=None)
def replay_cmd(session: str, headless: bool, as_json: bool, sessions_dir: Path | None) -> None:
    """Replay SESSION (a session folder or id). Never runs a command or calls a model."""
    if headless or as_json:
        from swarmtui.commands.session_cmds import replay_headless_command

        raise SystemExit(replay_headless_command(session, sessions_dir, as_json=as_json))
    from swarmtui.commands.app_cmds import replay_command

    replay_command(session, sessions_dir)


@cli.command("export")
@click.argument("session", type=str)
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option("--sessions-dir", type=click.Path(path_type=Path), default=None)
def export_cmd(session: str, fmt: str, sessions_dir: Path | None) -> None:
    """Print SESSION's events, one JSON object per line."""
    from swarmtui.commands.session_cmds import export_command

    raise SystemExit(export_command(session, sessions_dir, fmt))


@cli.command("config")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.option("--config", "config_file", type=click.Path(path_type=Path), default=None)
def config_cmd(as_json: bool, config_file: Path | None) -> None:
    """Print the effective configuration and where each value came from."""
    from swarmtui.commands.config_cmds import config_command

    raise SystemExit(config_command(config_file, as_json=as_json))


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="swarmtui")
