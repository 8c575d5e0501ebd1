"""`swarmtui parse` and `swarmtui lint`."""

from __future__ import annotations


def parse_command(file: str, fmt: str) -> int:
    raise NotImplementedError


def lint_command(files: list[str], fmt: str) -> int:
    raise NotImplementedError
