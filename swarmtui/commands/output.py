"""What the commands print: one-line errors and JSON documents, outside text made safe.

Errors name files, sessions and agents, and carry reasons that came from outside (a server's
error body, a command's output); JSON documents carry agent output and names raw. Both go
through `swarmtui.safe_text`, so nothing they print can drive the terminal.
"""

from __future__ import annotations

import json
from typing import Any

import click

from swarmtui.safe_text import escape_json, visible


def error(message: str) -> None:
    """`swarmtui: MESSAGE` on standard error, on one line, controls written visibly."""
    click.echo(f"swarmtui: {visible(message)}", err=True)


def json_text(value: Any, *, sort_keys: bool = False) -> str:
    """VALUE as indented JSON in which no character can drive or reorder a terminal."""
    return escape_json(json.dumps(value, indent=2, ensure_ascii=False, sort_keys=sort_keys))
