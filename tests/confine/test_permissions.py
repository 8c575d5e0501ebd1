"""Permission rules: Claude Code's syntax, deny wins, compound lines decided command by command."""

from __future__ import annotations

import shlex
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from swarmtui.policy.permissions import Policy, Request, Verdict
from swarmtui.policy.rules import RuleError, parse_rule, parse_rules

NAME = st.sampled_from(["git", "npm", "ls", "make", "cargo", "echo", "python"])
ARG = st.text(alphabet=st.sampled_from(list("abcxyz-_./=:")), min_size=1, max_size=6)
COMMAND = st.tuples(NAME, st.lists(ARG, max_size=3)).map(lambda t: (t[0], *t[1]))
OPERATOR = st.sampled_from([" && ", " || ", "; ", " | ", " & ", "\n"])


def policy(
    allow: tuple[str, ...] | list[str] = (),
    deny: tuple[str, ...] | list[str] = (),
    ask: tuple[str, ...] | list[str] = (),
    default: Verdict = "ask",
) -> Policy:
    return Policy(
        default=default,
        allow=parse_rules(list(allow), "test.toml"),
        deny=parse_rules(list(deny), "test.toml"),
        ask=parse_rules(list(ask), "test.toml"),
        home="/home/u",
    )


def bash(p: Policy, line: str) -> str:
    return p.decide(Request.bash(line)).verdict


@pytest.mark.parametrize(
    ("rule", "allowed", "not_allowed"),
    [
        ("Bash", ["rm -rf x", "for i in 1; do x; done"], []),
        ("Bash(*)", ["anything at all", "a && b"], []),
        ("Bash(npm test)", ["npm test", "npm  test", "npm 'test'"], ["npm test x", "npm tests"]),
        (
            "Bash(git status:*)",
            ["git status", "git status --short", "git status 2>&1"],
            ["git statusx", "git", "X=1 git status", "git stash"],
        ),
        ("Bash(npm run *)", ["npm run", "npm run build", "npm run a b"], ["npm runner", "npm"]),
        ("Bash(ls*)", ["ls", "lsof", "ls -la"], ["cat"]),
        ("Bash(git * main)", ["git push origin main"], ["git push origin dev"]),
    ],
)
def test_bash_rules_match_as_claude_code_does(
    rule: str, allowed: list[str], not_allowed: list[str]
) -> None:
    p = policy(allow=[rule])
    for line in allowed:
        assert bash(p, line) == "allow", line
    for line in not_allowed:
        assert bash(p, line) == "ask", line


@given(COMMAND, st.lists(ARG, max_size=2), COMMAND, OPERATOR)
def test_a_prefix_rule_never_lets_a_second_command_sneak_past(
    allowed: tuple[str, ...], extra: list[str], other: tuple[str, ...], operator: str
) -> None:
    p = policy(allow=[f"Bash({shlex.join(allowed)}:*)"])
    line = shlex.join((*allowed, *extra))
    assert bash(p, line) == "allow"
    other_line = shlex.join(other)
    if other[: len(allowed)] == allowed:
        return  # the other command is allowed by the rule itself
    for combined in (
        line + operator + other_line,
        other_line + operator + line,
        f'{line} "$({other_line})"',
        f"{line} `{other_line}`",
        f"{line} <({other_line})",
        f"{line} $({line} $({other_line}))",
    ):
        decision = p.decide(Request.bash(combined))
        assert decision.verdict == "ask", combined
        assert decision.subject == other_line, combined


@given(COMMAND, COMMAND, OPERATOR)
def test_deny_wins_over_everything(
    denied: tuple[str, ...], other: tuple[str, ...], operator: str
) -> None:
    rule = f"Bash({shlex.join(denied[:1])}:*)"
    p = policy(allow=["Bash", rule], ask=[rule], deny=[rule], default="allow")
    for line in (shlex.join(denied), shlex.join(other) + operator + shlex.join(denied)):
        decision = p.decide(Request.bash(line))
        assert decision.verdict == "deny"
        assert decision.rule is not None and decision.rule.text == rule
        assert decision.reason == f"denied by {rule} (test.toml)"


@given(COMMAND)
def test_without_a_matching_rule_the_default_decides_and_no_rule_is_named(
    command: tuple[str, ...],
) -> None:
    defaults: tuple[Verdict, ...] = ("allow", "ask", "deny")
    for default in defaults:
        decision = policy(default=default).decide(Request.bash(shlex.join(command)))
        assert (decision.verdict, decision.rule) == (default, None)
        assert f"the default is {default}" in decision.reason


def test_ask_rules_beat_allow_rules_and_name_themselves() -> None:
    p = policy(allow=["Bash(git:*)"], ask=["Bash(git push:*)"])
    assert bash(p, "git status") == "allow"
    decision = p.decide(Request.bash("git status && git push origin"))
    assert (decision.verdict, decision.subject) == ("ask", "git push origin")
    assert decision.reason == "asks by Bash(git push:*) (test.toml)"


def test_an_allowed_compound_line_names_the_rule_of_each_command() -> None:
    p = policy(allow=["Bash(npm test)", "Bash(git status:*)"])
    decision = p.decide(Request.bash("npm test && git status"))
    assert decision.verdict == "allow"
    assert [r.text for r in decision.rules] == ["Bash(npm test)", "Bash(git status:*)"]
    assert (
        decision.reason == "allowed by Bash(npm test) (test.toml), Bash(git status:*) (test.toml)"
    )


def test_opaque_lines_and_dynamic_commands_need_a_rule_for_every_command() -> None:
    specific = policy(allow=["Bash(ls:*)", "Bash(rm:*)"])
    for line in ("for f in *; do ls $f; done", "$CMD -la", "cat <<EOF\nx\nEOF"):
        decision = specific.decide(Request.bash(line))
        assert decision.verdict == "ask", line
        assert "the default is ask" in decision.reason
    assert bash(policy(allow=["Bash"]), "for f in *; do ls $f; done") == "allow"
    # Deny rules still see the commands found before the construct that stopped the analysis.
    assert (
        bash(policy(allow=["Bash"], deny=["Bash(rm:*)"]), "rm -rf x; for a in b; do :; done")
        == "deny"
    )


def test_path_rules() -> None:
    p = policy(
        allow=["Write(docs/**)", "Edit(*.md)", "Read(~/.gitconfig)", "Write(/srv/out/**)"],
        deny=["Read(~/.ssh/**)", "Write(**/.env)"],
    )

    def verdict(kind: Literal["Write", "Edit", "Read"], path: str) -> str:
        return p.decide(Request.file(kind, path, "/s")).verdict

    assert verdict("Write", "docs/a/b.md") == "allow"
    assert verdict("Edit", "docs/x.txt") == "allow"  # Write and Edit are one kind
    assert verdict("Write", "notes/readme.md") == "allow"  # a bare name matches at any depth
    assert verdict("Write", "code/app.py") == "ask"
    assert verdict("Write", "docs/.env") == "deny"
    assert verdict("Write", "/srv/out/x") == "allow"
    assert verdict("Write", "/s/docs/a") == "allow"  # absolute, inside the working folder
    assert verdict("Read", "/home/u/.ssh/id_rsa") == "deny"
    assert verdict("Read", "/home/u/.gitconfig") == "allow"
    assert verdict("Read", "docs/a") == "ask"  # a Write rule is no Read rule
    assert verdict("Write", "../outside/docs/a") == "ask"


def test_web_and_mcp_rules() -> None:
    p = policy(allow=["WebFetch(domain:*.python.org)", "mcp__github", "WebSearch"])
    assert p.decide(Request.web_fetch("docs.python.org")).verdict == "allow"
    assert p.decide(Request.web_fetch("python.org.evil.com")).verdict == "ask"
    assert p.decide(Request("mcp__github__create_issue")).verdict == "allow"
    assert p.decide(Request("mcp__githubx__a")).verdict == "ask"
    assert p.decide(Request("WebSearch")).verdict == "allow"


def test_approving_a_pattern_for_the_session_makes_a_new_policy() -> None:
    p = policy()
    approved = p.allowing(parse_rule("Bash(npm install:*)", "session"))
    assert bash(p, "npm install x") == "ask"
    decision = approved.decide(Request.bash("npm install x"))
    assert decision.verdict == "allow"
    assert decision.reason == "allowed by Bash(npm install:*) (session)"


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ("Foo(x)", "unknown rule kind 'Foo' (known: Bash, Read, Write, Edit, WebFetch, WebSearch"),
        ("bash(ls)", "unknown rule kind 'bash' (did you mean Bash?)"),
        ("Bash()", "empty pattern"),
        ("Bash(npm test && rm x)", "can never match: rules are matched against one command"),
        ("Bash(a; b)", "can never match"),
        ("Bash(git:* push)", "':*' may only end the pattern"),
        ("Bash(g*t:*)", "':*' ends a prefix"),
        ("Bash(for x in y)", "can never match: the pattern uses `for`"),
        ("Write(../x/**)", "can never match: paths are compared normalised"),
        ("Read(~bob/x)", "only '~/'"),
        ("WebFetch(example.com)", "expected WebFetch(domain:example.com)"),
        ("WebSearch(cats)", "WebSearch takes no pattern"),
        ("mcp__x(y)", "an MCP rule is mcp__server or mcp__server__tool"),
        ("Bash(npm test", "expected Kind or Kind(pattern)"),
        ("", "expected Kind or Kind(pattern)"),
    ],
)
def test_a_bad_rule_is_one_line_naming_the_file_and_the_rule(rule: str, problem: str) -> None:
    with pytest.raises(RuleError) as caught:
        parse_rule(rule, "swarmtui.toml")
    message = str(caught.value)
    assert message.startswith(f"swarmtui.toml: rule {rule!r}: ")
    assert problem in message
    assert "\n" not in message
