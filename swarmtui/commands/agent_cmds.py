"""`swarmtui send` (a message to a running agent) and `swarmtui run --estimate`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import click

from swarmtui.commands.output import error as _error
from swarmtui.commands.output import json_text
from swarmtui.commands.session_cmds import EXIT_FAILED, EXIT_OK, EXIT_USAGE, _sessions_dir
from swarmtui.safe_text import visible as printable

# (the sessions folder's own resolution, shared with replay and export)
__all__ = ["estimate_command", "send_command"]


def send_command(session: str, agent: str, text: str, sessions_dir: Path | None) -> int:
    """Send TEXT (`-`: standard input) to AGENT of the running SESSION, in this or another
    process; exit 0 once the agent took it, 1 when it did not, 2 when nothing was reached."""
    from swarmtui.engine.control_socket import MAX_MESSAGE, ControlError, request
    from swarmtui.store import SessionStoreError, resolve_session

    if text == "-":
        text = sys.stdin.read()
    if not text.strip():
        _error("the message is empty")
        return EXIT_USAGE
    if len(text) > MAX_MESSAGE:
        _error(f"the message is longer than {MAX_MESSAGE} characters")
        return EXIT_USAGE
    try:
        path = resolve_session(session, _sessions_dir(sessions_dir))
        payload = {"op": "send", "agent": agent, "text": text}
        reply = asyncio.run(request(path, payload))
    except (SessionStoreError, ControlError) as exc:
        _error(str(exc))
        return EXIT_USAGE
    if not isinstance(reply, dict):
        _error(f"{path.name} answered something unexpected")
        return EXIT_FAILED
    if not reply.get("ok"):
        _error(str(reply.get("error") or "the session refused the message"))
        return EXIT_FAILED
    delivery = reply.get("delivery")
    click.echo(printable(f"sent to {agent}" + (f" ({delivery})" if delivery else "")))
    return EXIT_OK


def estimate_command(file: Path, as_json: bool, options: dict[str, Any]) -> int:
    """What running FILE with these options may use, before running it; runs nothing."""
    from swarmtui.batch import parse_batch
    from swarmtui.commands.batch_cmds import UnreadableFile, read_batch_file
    from swarmtui.commands.session_cmds import _settings_or_error
    from swarmtui.engine.estimate import estimate
    from swarmtui.engine.plan import Plan, load_profiles

    try:
        text = read_batch_file(str(file))
    except UnreadableFile as exc:
        _error(str(exc))
        return EXIT_USAGE
    built = _settings_or_error(options)
    if built is None:
        return EXIT_USAGE
    _, settings = built
    batch = parse_batch(text, source_name=str(file))
    plan = Plan(batch, settings, Path("session").resolve(), load_profiles(None))
    result = estimate(plan)
    if as_json:
        click.echo(json_text(result.to_json()))
        return EXIT_OK
    # Agents' names and models come from the batch and the configuration: shown visibly.
    click.echo(printable(result.line()))
    for a in result.agents:
        cost = f"${a.cost_usd:.4f}" if a.cost_usd is not None else "-"
        note = f"  ({a.note})" if a.note else ""
        model = f" {a.model}" if a.model else ""
        line = f"  {a.name}: {a.backend}{model}, ~{a.tokens_in} in / ~{a.tokens_out} out, {cost}"
        click.echo(printable(line + note))
    for note in result.notes:
        click.echo(printable(f"note: {note}"))
    return EXIT_OK
