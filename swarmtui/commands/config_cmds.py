"""`swarmtui config`: the effective configuration and where each value came from."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from swarmtui import locations
from swarmtui.backend_names import DEFAULT_KEY_ENVS
from swarmtui.commands.output import json_text
from swarmtui.config import LoadedConfig, flatten, load_config
from swarmtui.safe_text import visible as printable


def secret_status(loaded: LoadedConfig) -> dict[str, dict[str, Any]]:
    """Per backend: the variable holding its key and whether it is set (never the value)."""
    backends = loaded.config.backends
    named = {"openai": backends.openai.api_key_env, "claude": backends.claude.api_key_env}
    out: dict[str, dict[str, Any]] = {}
    for backend, default in DEFAULT_KEY_ENVS.items():
        env = named[backend] or default
        out[backend] = {"env": env, "set": bool(os.environ.get(env))}
    return out


def _show(value: Any) -> str:
    if value is None:
        return "(unset)"
    return json.dumps(value, ensure_ascii=False)


def sandbox_report(loaded: LoadedConfig) -> dict[str, Any]:
    """Whether commands will run sandboxed here, and what happens when they cannot."""
    from swarmtui.engine.confine import Gate

    config = loaded.config
    gate = Gate.open(config.sandbox, config.permissions)
    return {
        "available": gate.sandboxed,
        "description": gate.status.describe(),
        "notice": gate.notice,
    }


def config_report(loaded: LoadedConfig) -> dict[str, Any]:
    """The JSON form of `swarmtui config`."""
    return {
        "files": [str(path) for path in loaded.files],
        "user_config_file": str(locations.user_config_file()),
        "values": {
            key: {"value": value, "source": loaded.source(key)}
            for key, value in flatten(loaded.config).items()
        },
        "secrets": secret_status(loaded),
        "sandbox": sandbox_report(loaded),
    }


def _looks_problems(loaded: LoadedConfig) -> list[str]:
    """What is wrong with `theme` and `[keymap]` (checked against the app's own keys)."""
    if loaded.config.theme is None and not loaded.config.keymap:
        return []
    from swarmtui.ui.config_check import looks_problems

    return looks_problems(loaded)


def config_command(config_file: Path | None, as_json: bool) -> int:
    loaded = load_config(config_file)
    report = config_report(loaded)
    problems = _looks_problems(loaded)
    report["problems"] = problems
    if as_json:
        click.echo(json_text(report))
        return 2 if problems else 0
    lines = ["# Configuration files, lowest precedence first (command-line flags override all):"]
    lines += [f"#   {path}" for path in report["files"]] or ["#   (none: built-in defaults only)"]
    if not loaded.files:
        lines.append(f"# Put one at {report['user_config_file']} or ./swarmtui.toml")
    values = report["values"]
    width = max(len(f"{key} = {_show(item['value'])}") for key, item in values.items())
    for key, item in values.items():
        shown = _show(item["value"])
        if key == "permissions.default" and item["value"] is None:
            shown = "(unset: ask in the app, deny headless)"
        text = f"{key} = {shown}"
        lines.append(f"{text.ljust(width)}  # {item['source']}")
    lines.append("# API keys come only from the environment; values are never shown:")
    for backend, status in report["secrets"].items():
        lines.append(f"#   {backend}: {status['env']} is {'set' if status['set'] else 'not set'}")
    sandbox = report["sandbox"]
    lines.append(f"# {sandbox['notice'] or sandbox['description']}")
    # (values and paths come from configuration files, a project's among them: shown visibly)
    click.echo("\n".join(printable(line) for line in lines))
    for problem in problems:
        click.echo(printable(f"swarmtui: {problem}"), err=True)
    return 2 if problems else 0
