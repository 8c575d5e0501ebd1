"""Confinement: what a command may touch (sandbox), whether it may run (rules), who is told.

The scheduler and the runners need only `Gate` (see `gate.py`), `Request`/`Decision` and the
configuration models; the rest is for tests and for whoever builds on these. The rules, their
decisions and the configuration models are pure data and live below the configuration, in
`swarmtui.policy`; they are re-exported here.
"""

from swarmtui.engine.confine.environment import child_environment
from swarmtui.engine.confine.gate import Gate, ProcessKind
from swarmtui.engine.confine.notify import Notification, Notifier, plain
from swarmtui.engine.confine.sandbox import SandboxSpec, SandboxStatus, sandbox_status
from swarmtui.policy.permissions import Decision, Policy, Request, Verdict
from swarmtui.policy.rules import Rule, RuleError, parse_rule, parse_rules
from swarmtui.policy.shell import CommandLine, SimpleCommand, split_commands
from swarmtui.policy.tables import (
    ConfineConfigError,
    NotifyConfig,
    PermissionsConfig,
    SandboxConfig,
    validate_table,
)

__all__ = [
    "CommandLine",
    "ConfineConfigError",
    "Decision",
    "Gate",
    "Notification",
    "Notifier",
    "NotifyConfig",
    "PermissionsConfig",
    "Policy",
    "ProcessKind",
    "Request",
    "Rule",
    "RuleError",
    "SandboxConfig",
    "SandboxSpec",
    "SandboxStatus",
    "SimpleCommand",
    "Verdict",
    "child_environment",
    "parse_rule",
    "parse_rules",
    "plain",
    "sandbox_status",
    "split_commands",
    "validate_table",
]
