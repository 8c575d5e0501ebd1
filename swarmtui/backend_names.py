"""The names of the agent backends (the one list the CLI, the configuration and the runners use)
and the environment variables their keys come from by default."""

from __future__ import annotations

from typing import Literal, TypeGuard, get_args

BackendName = Literal["rehearsal", "command", "openai", "claude"]
BACKEND_NAMES: tuple[BackendName, ...] = get_args(BackendName)

# The environment variable each model backend reads its key from unless configured otherwise.
DEFAULT_KEY_ENVS: dict[BackendName, str] = {
    "openai": "OPENAI_API_KEY",
    "claude": "ANTHROPIC_API_KEY",
}


def is_backend_name(name: str) -> TypeGuard[BackendName]:
    """Whether NAME is one of the backends swarmtui has."""
    return name in BACKEND_NAMES
