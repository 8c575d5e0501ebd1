"""`RunSettings`: how a session runs (backend and its options, limits), whatever set them.

Built from configuration files and CLI flags by `swarmtui.commands.settings.build_run_settings`.
Secrets are never stored here: only the *name* of the environment variable that holds a key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RunSettings:
    backend: str = "rehearsal"
    command_template: str | None = None
    max_parallel: int | None = None
    rehearsal_seconds: float | None = None
    base_url: str | None = None
    model: str | None = None
    budget_usd: float | None = None
    # Name of the environment variable holding the API key for the openai/claude backends.
    api_key_env: str | None = None
    # Per-agent-type overrides: type -> {"backend": ..., "model": ...}.
    agent_types: dict[str, dict[str, str]] = field(default_factory=dict)
    # Backend-specific options from configuration (request timeout, retries, claude flags...).
    backend_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    # USD per million tokens, by model: {"model": {"input": 3.0, "output": 15.0}}.
    prices: dict[str, dict[str, float]] = field(default_factory=dict)
