"""Turn CLI options (and, later, configuration files) into `RunSettings` for a session."""

from __future__ import annotations

from typing import Any

from swarmtui.engine.settings import RunSettings


def build_run_settings(options: dict[str, Any]) -> RunSettings:
    """CLI options as click gives them (None when not given) -> RunSettings."""
    settings = RunSettings()
    mapping = {
        "backend": "backend",
        "command_template": "command_template",
        "max_parallel": "max_parallel",
        "rehearsal_seconds": "rehearsal_seconds",
        "base_url": "base_url",
        "model": "model",
        "budget_usd": "budget_usd",
    }
    for option, attribute in mapping.items():
        value = options.get(option)
        if value is not None:
            setattr(settings, attribute, value)
    return settings
