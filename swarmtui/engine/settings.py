"""`RunSettings`: how a session runs (backend and its options, limits), whatever set them.

Built from configuration files and CLI flags by `swarmtui.commands.settings.build_run_settings`.
The backends' options stay the typed models of `swarmtui.config` all the way to the runners.
Secrets are never stored here: only the *name* of the environment variable that holds a key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # (pydantic is imported when settings are first built, not with this module)
    from swarmtui.config import (
        AgentCaps,
        AgentTypeOverride,
        Backends,
        BashOptions,
        EndpointOptions,
        ExecutorOptions,
        Price,
    )
    from swarmtui.policy.tables import NotifyConfig, PermissionsConfig, SandboxConfig

# What happens to a request no rule allows or denies (it "asks"): it waits for someone to decide
# (the app's approval queue, or `--approve ask` prompting on the terminal), it is refused at once
# (headless, the default), or it is granted at once (`--yes`); each is recorded as decided by
# the user, by the flag or by the rule.
ApprovalMode = Literal["wait", "deny", "grant"]


def _default_backends() -> Backends:
    from swarmtui.config import Backends

    return Backends()


def _default_caps() -> AgentCaps:
    from swarmtui.config import AgentCaps

    return AgentCaps()


def _default_bash() -> BashOptions:
    from swarmtui.config import BashOptions

    return BashOptions()


def _default_executor() -> ExecutorOptions:
    from swarmtui.config import ExecutorOptions

    return ExecutorOptions()


def _default_sandbox() -> SandboxConfig:
    from swarmtui.policy.tables import SandboxConfig

    return SandboxConfig()


def _default_permissions() -> PermissionsConfig:
    from swarmtui.policy.tables import PermissionsConfig

    return PermissionsConfig()


def _default_notify() -> NotifyConfig:
    from swarmtui.policy.tables import NotifyConfig

    return NotifyConfig()


@dataclass(frozen=True)
class WorkspaceSettings:
    """`[workspace]` and `--repo`: where agents that edit files work."""

    # The repository asked for (`--repo`, `[workspace] repo`): when it cannot be used, nothing
    # runs. None: the batch's own repository, when it is in one (else the session folder).
    repo: Path | None = None
    # False: never worktrees (`--no-worktrees`, `[workspace] worktrees = false`).
    worktrees: bool | None = None
    # A command run in each new worktree (`npm ci`), confined, by the permission rules.
    setup: str | None = None
    # Why worktrees cannot be used where agents run (an executor whose workers do not see the
    # session folder): the batch's own repository is then left alone, said so.
    unavailable: str | None = None


@dataclass
class RunSettings:
    backend: str = "rehearsal"
    command_template: str | None = None
    max_parallel: int | None = None
    rehearsal_seconds: float | None = None
    base_url: str | None = None
    # The session's model: it belongs to the session's backend (see `default_model`).
    model: str | None = None
    budget_usd: float | None = None
    # The session's token cap (in + out over every agent).
    max_tokens: int | None = None
    # `[agent_caps]`: hard caps on each agent.
    agent_caps: AgentCaps = field(default_factory=_default_caps)
    # `[bash]`: how long a batch's Bash operation may run.
    bash: BashOptions = field(default_factory=_default_bash)
    # `[endpoints."URL"]`: per-server limits.
    endpoints: dict[str, EndpointOptions] = field(default_factory=dict)
    # `[backends.*]` of the configuration.
    backends: Backends = field(default_factory=_default_backends)
    # `[agent_types.NAME]`: backend and model for every agent of a type.
    agent_types: dict[str, AgentTypeOverride] = field(default_factory=dict)
    # `[prices."MODEL"]`: USD per million tokens.
    prices: dict[str, Price] = field(default_factory=dict)
    # `[sandbox]`, `[permissions]`, `[notify]`, and where the rules were written (shown with
    # every decision a rule makes).
    sandbox: SandboxConfig = field(default_factory=_default_sandbox)
    permissions: PermissionsConfig = field(default_factory=_default_permissions)
    notify: NotifyConfig = field(default_factory=_default_notify)
    rules_source: str = "swarmtui.toml"
    # Rules given as flags (`--allow`, `--deny`), added to the configured ones.
    allow_rules: tuple[str, ...] = ()
    deny_rules: tuple[str, ...] = ()
    approvals: ApprovalMode = "wait"
    headless: bool = False
    # `[executor]`, `--executor`, `--insecure`, `--shared-fs`: the machine agents run on.
    executor: ExecutorOptions = field(default_factory=_default_executor)
    workspace: WorkspaceSettings = field(default_factory=WorkspaceSettings)

    def backend_options(self) -> dict[str, str] | None:
        """The options of the backend worth recording (`BackendOptions`), None without any."""
        given = {
            "command_template": self.command_template,
            "base_url": self.base_url,
            "model": self.model,
        }
        return {name: value for name, value in given.items() if value is not None} or None

    def configured_model(self, backend: str) -> str | None:
        """`[backends.BACKEND] model`, if that backend has one."""
        if backend == "openai":
            return self.backends.openai.model
        if backend == "claude":
            return self.backends.claude.model
        return None

    def default_model(self, backend: str) -> str | None:
        """The model of an agent on BACKEND that names none itself (nor does its type).

        The session-wide `--model` belongs to the session-wide backend: an agent moved to
        another backend (by its options, its type or the configuration) gets that backend's
        own configured model instead."""
        if backend == self.backend and self.model:
            return self.model
        return self.configured_model(backend)
