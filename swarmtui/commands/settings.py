"""Turn configuration files and CLI options into `RunSettings` for a session.

Precedence, lowest first: defaults < user config < project `swarmtui.toml` (or `--config FILE`)
< command-line flags. See `swarmtui.config` for why.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from swarmtui import locations
from swarmtui.config import ConfigError, ExecutorOptions, LoadedConfig, load_config
from swarmtui.engine.settings import ApprovalMode, RunSettings, WorkspaceSettings
from swarmtui.executor_address import AddressError, parse_executor, refusal

# CLI option -> RunSettings attribute, for options that map one to one.
_FLAGS = {
    "backend": "backend",
    "command_template": "command_template",
    "max_parallel": "max_parallel",
    "rehearsal_seconds": "rehearsal_seconds",
    "base_url": "base_url",
    "model": "model",
    "budget_usd": "budget_usd",
    "max_tokens": "max_tokens",
}


def load_options_config(options: dict[str, Any], project_dir: Path | None = None) -> LoadedConfig:
    """The configuration these CLI options point at (`--config`, else the usual files)."""
    config_file = options.get("config_file")
    return load_config(Path(config_file) if config_file else None, project_dir)


def settings_from_config(loaded: LoadedConfig) -> RunSettings:
    """RunSettings as the configuration files alone would have them."""
    config = loaded.config
    backends = config.backends
    settings = RunSettings(
        backend=config.backend,
        command_template=backends.command.template,
        max_parallel=config.max_parallel,
        rehearsal_seconds=backends.rehearsal.seconds,
        base_url=backends.openai.base_url,
        budget_usd=config.budget_usd,
        max_tokens=config.max_tokens,
        agent_caps=config.agent_caps,
        bash=config.bash,
        endpoints=dict(config.endpoints),
        backends=backends,
        agent_types=dict(config.agent_types),
        prices=dict(config.prices),
        sandbox=config.sandbox,
        permissions=config.permissions,
        notify=config.notify,
        rules_source=rules_source(loaded),
        executor=config.executor,
        workspace=WorkspaceSettings(
            repo=config.workspace.repo,
            worktrees=config.workspace.worktrees,
            setup=config.workspace.setup,
        ),
    )
    settings.model = settings.configured_model(settings.backend)
    return settings


def rules_source(loaded: LoadedConfig) -> str:
    """The file(s) the `[permissions]` rules come from, as shown with each decision."""
    files: dict[str, None] = {}
    for key, source in loaded.sources.items():
        if key == "permissions" or key.startswith("permissions."):
            files.update(dict.fromkeys(source.split(" + ")))
    return " + ".join(files) or "swarmtui.toml"


def executor_options(
    settings: RunSettings, options: dict[str, Any], loaded: LoadedConfig
) -> ExecutorOptions:
    """`[executor]` with `--executor`, `--insecure` and `--shared-fs` over it; a `ConfigError`
    (naming the flag or the file) for an address that may not be used as configured."""
    names = (("executor", "address"), ("insecure", "insecure"), ("shared_fs", "shared_fs"))
    flags = {key: options[name] for name, key in names if options.get(name) not in (None, False)}
    chosen = settings.executor.model_copy(update=flags)
    try:
        address = parse_executor(chosen.address)
    except AddressError as exc:
        raise ConfigError("--executor", str(exc)) from None
    refused = refusal(
        address,
        insecure=chosen.insecure,
        has_tls_files=None not in (chosen.tls_ca_file, chosen.tls_cert_file, chosen.tls_key_file),
    )
    if refused is not None:
        if "address" in flags:
            raise ConfigError("--executor", refused)
        raise ConfigError(loaded.source("executor.address"), refused, "executor.address")
    if address.tls:  # (else the cluster "cannot be reached", for want of a file here)
        for key in ("tls_ca_file", "tls_cert_file", "tls_key_file"):
            path = getattr(chosen, key)
            if path is not None and not Path(path).is_file():
                what = "not a file" if Path(path).exists() else "no such file"
                dotted = f"executor.{key}"
                raise ConfigError(loaded.source(dotted), f"{path}: {what}", dotted)
    return chosen


def approval_mode(options: dict[str, Any]) -> ApprovalMode:
    """What happens to a request that asks: `--yes` grants it; headless, it is refused unless
    `--approve ask` (then the terminal prompts); in the app it waits in the queue."""
    if options.get("assume_yes"):
        return "grant"
    if options.get("headless") and options.get("approve") != "ask":
        return "deny"
    return "wait"


def build_run_settings(
    options: dict[str, Any],
    *,
    project_dir: Path | None = None,
    loaded: LoadedConfig | None = None,
) -> RunSettings:
    """CLI options as click gives them (None when not given) over the configuration -> RunSettings.

    Raises `swarmtui.config.ConfigError` (one line naming the file) when a file is unusable.
    """
    if loaded is None:
        loaded = load_options_config(options, project_dir)
    settings = settings_from_config(loaded)
    for option, attribute in _FLAGS.items():
        value = options.get(option)
        if value is not None:
            setattr(settings, attribute, value)
    if options.get("model") is None and options.get("backend") is not None:
        # `--backend claude` with no `--model` means claude's configured model, not openai's.
        settings.model = settings.configured_model(settings.backend)
    settings.executor = executor_options(settings, options, loaded)
    settings.allow_rules = tuple(options.get("allow_rules") or ())
    settings.deny_rules = tuple(options.get("deny_rules") or ())
    settings.headless = bool(options.get("headless"))
    settings.approvals = approval_mode(options)
    settings.workspace = workspace_settings(settings.workspace, options)
    return settings


def workspace_settings(configured: WorkspaceSettings, options: dict[str, Any]) -> WorkspaceSettings:
    """`--repo PATH` asks for that repository; `--no-worktrees` turns worktrees off (unless
    `--repo` asks for them)."""
    repo = options.get("repo")
    if repo is not None:
        return replace(configured, repo=Path(repo).expanduser(), worktrees=True)
    if options.get("no_worktrees"):
        return replace(configured, repo=None, worktrees=False)
    return configured


def settings_problem(settings: RunSettings) -> str | None:
    """What makes these settings unusable before any session is made, in one line."""
    if settings.backend == "command" and not settings.command_template:
        return "the command backend needs --command TEMPLATE"
    if settings.backend == "command" and settings.command_template:
        from swarmtui.engine.runners.command import template_problem

        problem = template_problem(settings.command_template)
        if problem is not None:
            return problem
    if settings.backend == "openai" and not settings.model:
        return (
            "the openai backend needs a model: pass --model NAME "
            "or set [backends.openai] model in swarmtui.toml"
        )
    return None


def resolve_sessions_dir(
    options: dict[str, Any],
    *,
    project_dir: Path | None = None,
    loaded: LoadedConfig | None = None,
) -> Path:
    """`--sessions-dir`, else the configured `sessions_dir`, else `./sessions`."""
    flag = options.get("sessions_dir")
    if flag is not None:
        return Path(flag)
    if loaded is None:
        loaded = load_options_config(options, project_dir)
    if loaded.config.sessions_dir is not None:
        return loaded.config.sessions_dir
    return locations.default_sessions_dir()
