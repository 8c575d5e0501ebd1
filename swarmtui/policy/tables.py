"""The `[sandbox]`, `[permissions]` and `[notify]` tables of `swarmtui.toml`, as typed models.

`validate_table(name, raw, file)` checks one raw TOML table and returns its model, or raises
`ConfineConfigError` whose text is one line naming the file, the key (and the rule) and what was
expected. Rules are checked when the file is read, so a bad one stops the run before it starts.

    [sandbox]
    enabled = "auto"            # auto: sandbox where possible, else ask before every command;
                                # true: refuse to run without one; false: off (said once)
    network = false             # Bash operations of the batch
    agent_network = true        # agent processes (they reach their model)
    write = ["~/.cache/pip"]    # more writable paths; `read`: more readable ones (under hidden
    read = ["~/.gitconfig"]     # folders), `hide`: more hidden ones
    env = ["GH_TOKEN", "NPM_*"] # more environment variables passed on (names or globs)
    [sandbox.agent_types.researcher]
    network = true              # and write/read/env, added to the above for that agent type
    [sandbox.backends.claude]   # what a backend's own process needs (these are the defaults)
    write = ["~/.claude", "~/.claude.json"]
    env = ["ANTHROPIC_*", "CLAUDE_*"]

    [permissions]
    default = "ask"             # allow | ask | deny; unset: ask in the app, deny headless
    allow = ["Bash(npm test)", "Bash(git status:*)", "Write(docs/**)"]
    deny = ["Bash(git push:*)"]
    ask = []
    [permissions.agent_types.reviewer]
    default = "deny"            # and allow/deny/ask, added to the above for that agent type

    [notify]
    command = "notify-send swarmtui"   # run (sandboxed) with the event as JSON on stdin
    events = ["approval_requested", "agent_failed", "session_ended"]
    terminal = true             # the terminal's bell / notification
    timeout = 10                # seconds the command may take
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, overload

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
)

from swarmtui.policy.permissions import Policy, Verdict
from swarmtui.policy.rules import Rule, RuleError, parse_rule, parse_rules

_ENV_PATTERN = re.compile(r"^[A-Za-z_*?][A-Za-z0-9_*?]*$")
NotifyEvent = Literal["approval_requested", "agent_failed", "session_ended"]
NOTIFY_EVENTS: tuple[NotifyEvent, ...] = ("approval_requested", "agent_failed", "session_ended")


class ConfineConfigError(ValueError):
    """One line: `FILE: KEY: what was expected`."""

    def __init__(self, file: Path | str, key: str, message: str) -> None:
        self.file, self.key, self.message = str(file), key, message
        super().__init__(f"{self.file}: {key}: {message}" if key else f"{self.file}: {message}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_rule(text: str) -> str:
    parse_rule(text)  # a RuleError is a ValueError: pydantic reports it with its key
    return text


def _check_env(text: str) -> str:
    if not _ENV_PATTERN.match(text):
        raise ValueError("expected a variable name or a glob such as NPM_* (never a value)")
    return text


def _check_path(text: str) -> str:
    if not text or "\x00" in text:
        raise ValueError("expected a path")
    if not (text.startswith(("/", "~/")) or text == "~"):
        raise ValueError("expected an absolute path or one starting with ~/")
    return text


def _check_enabled(value: object) -> object:
    if value == "auto" or isinstance(value, bool):
        return value
    raise ValueError('expected "auto", true or false')


RuleText = Annotated[str, AfterValidator(_check_rule)]
EnvName = Annotated[str, AfterValidator(_check_env)]
PathText = Annotated[str, AfterValidator(_check_path)]


class SandboxExtras(_Strict):
    """What an agent type or a backend adds to the sandbox."""

    network: StrictBool | None = None
    write: tuple[PathText, ...] = ()
    read: tuple[PathText, ...] = ()
    env: tuple[EnvName, ...] = ()


def _default_backends() -> dict[str, SandboxExtras]:
    return {
        "claude": SandboxExtras(
            write=("~/.claude", "~/.claude.json"), env=("ANTHROPIC_*", "CLAUDE_*")
        ),
    }


def _with_default_backends(given: dict[str, SandboxExtras]) -> dict[str, SandboxExtras]:
    return {**_default_backends(), **given}


class SandboxConfig(_Strict):
    enabled: Annotated[Literal["auto"] | bool, BeforeValidator(_check_enabled)] = "auto"
    network: StrictBool = False
    agent_network: StrictBool = True
    write: tuple[PathText, ...] = ()
    read: tuple[PathText, ...] = ()
    hide: tuple[PathText, ...] = ()
    env: tuple[EnvName, ...] = ()
    agent_types: dict[str, SandboxExtras] = Field(default_factory=dict)
    # A backend the configuration names replaces its defaults; the others keep theirs.
    backends: Annotated[dict[str, SandboxExtras], AfterValidator(_with_default_backends)] = Field(
        default_factory=_default_backends
    )

    def env_allowed(self, name: str, extras: tuple[SandboxExtras, ...] = ()) -> bool:
        patterns = [*self.env, *(p for extra in extras for p in extra.env)]
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


class RuleLists(_Strict):
    default: Verdict | None = None
    allow: tuple[RuleText, ...] = ()
    deny: tuple[RuleText, ...] = ()
    ask: tuple[RuleText, ...] = ()


class PermissionsConfig(RuleLists):
    agent_types: dict[str, RuleLists] = Field(default_factory=dict)

    def policy(
        self,
        agent_type: str | None = None,
        *,
        headless: bool = False,
        assume_yes: bool = False,
        source: str = "swarmtui.toml",
        extra_allow: tuple[Rule, ...] = (),
        extra_deny: tuple[Rule, ...] = (),
    ) -> Policy:
        """The policy for one agent type (None: the batch's own operations).

        The default, unless configured: `ask` in the app; headless, `deny` (`ask` with
        ASSUME_YES, for the approval step to grant). Rules from flags come as EXTRA_*.
        """
        lists = [self] + ([self.agent_types[agent_type]] if agent_type in self.agent_types else [])
        default: Verdict | None = None
        for layer in lists:
            default = layer.default or default
        if default is None:
            default = "deny" if headless and not assume_yes else "ask"

        def rules(name: Literal["allow", "deny", "ask"]) -> tuple[Rule, ...]:
            found: list[Rule] = []
            for layer in lists:
                key = "permissions" if layer is self else f"permissions.agent_types.{agent_type}"
                found.extend(parse_rules(getattr(layer, name), f"{source}: {key}.{name}"))
            return tuple(found)

        return Policy(
            default=default,
            allow=(*rules("allow"), *extra_allow),
            deny=(*rules("deny"), *extra_deny),
            ask=rules("ask"),
        )


class NotifyConfig(_Strict):
    command: str | None = None
    events: tuple[NotifyEvent, ...] = NOTIFY_EVENTS
    terminal: StrictBool = True
    timeout: float = Field(default=10.0, gt=0, le=600)


_MODELS: dict[str, type[BaseModel]] = {
    "sandbox": SandboxConfig,
    "permissions": PermissionsConfig,
    "notify": NotifyConfig,
}


def _one_line(file: Path | str, table: str, exc: ValidationError) -> ConfineConfigError:
    errors = exc.errors()
    first = errors[0]
    key = ".".join([table, *(str(p) for p in first["loc"] if not isinstance(p, int))])
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, RuleError):
        message = f"rule {cause.rule!r}: {cause.problem}"
    elif first["type"] == "extra_forbidden":
        message = "unknown key"
    else:
        message = first["msg"].removeprefix("Value error, ")
        message = message.replace("Input should be ", "expected ", 1)
        shown = repr(first["input"])
        message += f" (got {shown if len(shown) <= 60 else shown[:57] + '...'})"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return ConfineConfigError(file, key, message)


@overload
def validate_table(
    name: Literal["sandbox"], raw: Mapping[str, Any] | None, file: Path | str
) -> SandboxConfig: ...
@overload
def validate_table(
    name: Literal["permissions"], raw: Mapping[str, Any] | None, file: Path | str
) -> PermissionsConfig: ...
@overload
def validate_table(
    name: Literal["notify"], raw: Mapping[str, Any] | None, file: Path | str
) -> NotifyConfig: ...
def validate_table(name: str, raw: Mapping[str, Any] | None, file: Path | str) -> BaseModel:
    """The model of table NAME (`sandbox`, `permissions`, `notify`) from its raw TOML value.

    A missing table (None) gives the defaults. Raises `ConfineConfigError` (one line).
    """
    model = _MODELS[name]
    if raw is not None and not isinstance(raw, Mapping):
        raise ConfineConfigError(file, name, f"expected a table ([{name}])")
    try:
        return model.model_validate(dict(raw or {}))
    except ValidationError as exc:
        raise _one_line(file, name, exc) from None
