"""`swarmtui config`: the effective configuration and where each value came from."""

from __future__ import annotations

from pathlib import Path


def config_command(config_file: Path | None, as_json: bool) -> int:
    raise NotImplementedError
