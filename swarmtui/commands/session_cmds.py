"""`swarmtui run --headless`, `sessions`, `replay --headless` and `export`."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def run_headless_command(file: Path, as_json: bool, options: dict[str, Any]) -> int:
    raise NotImplementedError


def sessions_command(sessions_dir: Path | None, as_json: bool) -> int:
    raise NotImplementedError


def replay_headless_command(session: str, sessions_dir: Path | None, as_json: bool) -> int:
    raise NotImplementedError


def export_command(session: str, sessions_dir: Path | None, fmt: str) -> int:
    raise NotImplementedError
