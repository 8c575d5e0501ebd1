"""`[sandbox]`, `[permissions]`, `[notify]`: typed models, one-line errors naming file and key."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from swarmtui.policy.permissions import Request
from swarmtui.policy.tables import (
    ConfineConfigError,
    NotifyConfig,
    PermissionsConfig,
    SandboxConfig,
    validate_table,
)
from swarmtui.policy.tables import __doc__ as EXAMPLE_DOC

FILE = "/project/swarmtui.toml"


def test_the_documented_example_is_valid() -> None:
    assert EXAMPLE_DOC is not None
    example = EXAMPLE_DOC[EXAMPLE_DOC.index("    [sandbox]\n") :]
    raw = tomllib.loads("\n".join(line.strip() for line in example.splitlines()))
    sandbox = validate_table("sandbox", raw["sandbox"], FILE)
    assert sandbox.agent_types["researcher"].network is True
    permissions = validate_table("permissions", raw["permissions"], FILE)
    assert permissions.agent_types["reviewer"].default == "deny"
    notify = validate_table("notify", raw["notify"], FILE)
    assert notify.command == "notify-send swarmtui"


def test_missing_tables_give_the_defaults() -> None:
    sandbox = validate_table("sandbox", None, FILE)
    assert (sandbox.enabled, sandbox.network, sandbox.agent_network) == ("auto", False, True)
    assert sandbox.backends["claude"].write == ("~/.claude", "~/.claude.json")
    assert isinstance(validate_table("permissions", None, FILE), PermissionsConfig)
    assert validate_table("notify", {}, FILE) == NotifyConfig()
    assert isinstance(sandbox, SandboxConfig)


@pytest.mark.parametrize(
    ("table", "raw", "expected"),
    [
        (
            "permissions",
            {"allow": ["Bash(npm test)", "Foo(x)"]},
            f"{FILE}: permissions.allow: rule 'Foo(x)': unknown rule kind 'Foo'",
        ),
        (
            "permissions",
            {"agent_types": {"reviewer": {"deny": ["Bash(a && b)"]}}},
            f"{FILE}: permissions.agent_types.reviewer.deny: rule 'Bash(a && b)': can never match",
        ),
        ("permissions", {"alow": []}, f"{FILE}: permissions.alow: unknown key"),
        ("permissions", {"default": "maybe"}, f"{FILE}: permissions.default: expected 'allow'"),
        ("sandbox", {"enabled": "yes"}, f'{FILE}: sandbox.enabled: expected "auto", true or false'),
        ("sandbox", {"network": "off"}, f"{FILE}: sandbox.network: expected a valid boolean"),
        ("sandbox", {"env": ["TOKEN=abc"]}, f"{FILE}: sandbox.env: expected a variable name"),
        ("sandbox", {"write": ["build"]}, f"{FILE}: sandbox.write: expected an absolute path"),
        ("notify", {"events": ["lunch"]}, f"{FILE}: notify.events: expected 'approval_requested'"),
        ("notify", {"timeout": 0}, f"{FILE}: notify.timeout: expected greater than 0"),
        ("notify", "loud", f"{FILE}: notify: expected a table ([notify])"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_file_and_the_key(
    table: Any, raw: Any, expected: str
) -> None:
    with pytest.raises(ConfineConfigError) as caught:
        validate_table(table, raw, FILE)
    assert str(caught.value).startswith(expected)
    assert "\n" not in str(caught.value)


def test_the_secret_like_value_of_an_env_entry_is_shown_only_as_written() -> None:
    # An env entry is a NAME; echoing what was written is the user's own text, never a variable.
    with pytest.raises(ConfineConfigError) as caught:
        validate_table("sandbox", {"env": ["A B"]}, FILE)
    assert "'A B'" in str(caught.value)


def test_the_default_depends_on_where_the_run_is() -> None:
    permissions = validate_table("permissions", {}, FILE)
    assert permissions.policy().default == "ask"
    assert permissions.policy(headless=True).default == "deny"
    assert permissions.policy(headless=True, assume_yes=True).default == "ask"
    configured = validate_table("permissions", {"default": "allow"}, FILE)
    assert configured.policy(headless=True).default == "allow"


def test_an_agent_type_adds_its_rules_and_may_change_the_default() -> None:
    permissions = validate_table(
        "permissions",
        {
            "allow": ["Bash(npm test)"],
            "deny": ["Bash(git push:*)"],
            "agent_types": {"reviewer": {"default": "deny", "allow": ["Bash(git diff:*)"]}},
        },
        FILE,
    )
    reviewer = permissions.policy("reviewer", source=FILE)
    assert reviewer.default == "deny"
    assert reviewer.decide(Request.bash("git diff HEAD")).verdict == "allow"
    assert reviewer.decide(Request.bash("npm test")).verdict == "allow"
    decision = reviewer.decide(Request.bash("git push"))
    assert decision.reason == f"denied by Bash(git push:*) ({FILE}: permissions.deny)"
    coder = permissions.policy("coder", source=FILE)
    assert coder.default == "ask"
    assert coder.decide(Request.bash("git diff HEAD")).verdict == "ask"


def test_a_backend_the_configuration_names_keeps_the_others_defaults() -> None:
    sandbox = validate_table("sandbox", {"backends": {"command": {"env": ["OPENAI_API_KEY"]}}}, "f")
    assert sandbox.backends["command"].env == ("OPENAI_API_KEY",)
    assert sandbox.backends["claude"].write == ("~/.claude", "~/.claude.json")
    replaced = validate_table("sandbox", {"backends": {"claude": {"env": ["ANTHROPIC_*"]}}}, "f")
    assert replaced.backends["claude"].write == ()  # named: replaced, as written
