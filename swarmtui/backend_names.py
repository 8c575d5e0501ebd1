"""The names of the agent backends: the one list the CLI, the configuration and the runners use."""

from __future__ import annotations

from typing import Literal, TypeGuard, get_args

BackendName = Literal["rehearsal", "command", "openai", "claude"]
BACKEND_NAMES: tuple[BackendName, ...] = get_args(BackendName)


def is_backend_name(name: str) -> TypeGuard[BackendName]:
    """Whether NAME is one of the backends swarmtui has."""
    return name in BACKEND_NAMES
