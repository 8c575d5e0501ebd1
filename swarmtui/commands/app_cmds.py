"""`swarmtui [FILE]`, `swarmtui run FILE` and `swarmtui replay SESSION`: the Textual app."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def open_command(file: Path | None, run: bool, options: dict[str, Any]) -> None:
    """Open the app with FILE (or a built-in example) in the editor; start it when `run`."""
    raise SystemExit("swarmtui: the app is not built yet")


def replay_command(session: str, sessions_dir: Path | None) -> None:
    """Open SESSION in the app's replay mode."""
    raise SystemExit("swarmtui: the app is not built yet")
