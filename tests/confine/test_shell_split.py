"""Splitting shell lines into simple commands: examples and properties."""

from __future__ import annotations

import shlex

import pytest
from hypothesis import given
from hypothesis import strategies as st

from swarmtui.policy.shell import split_commands

# Words as a user would type them, special characters included (shlex.join quotes them).
WORD = st.text(
    alphabet=st.sampled_from(list("abcxyz019-_./=:*?'\" $`;&|()<>#\\{}!~")), min_size=1, max_size=8
)
NAME = st.text(alphabet=st.sampled_from(list("abcdefgxyz-_")), min_size=1, max_size=6).filter(
    lambda w: (
        w not in {"if", "fi", "do", "done", "for", "case", "esac", "then", "else", "elif"}
        and w not in {"while", "until", "select", "function", "coproc", "time"}
    )
)
COMMAND = st.tuples(NAME, st.lists(WORD, max_size=4)).map(lambda t: (t[0], *t[1]))
OPERATOR = st.sampled_from([" && ", " || ", "; ", " | ", " & ", "\n", " |& ", ";"])


def words(line: str) -> list[tuple[str, ...]]:
    parsed = split_commands(line)
    assert parsed.opaque is None, parsed.opaque
    return [c.words for c in parsed.commands]


@given(COMMAND)
def test_a_quoted_command_comes_back_word_for_word(command: tuple[str, ...]) -> None:
    assert words(shlex.join(command)) == [command]


@given(st.lists(COMMAND, min_size=1, max_size=5), st.data())
def test_operators_split_a_line_into_its_commands_in_order(
    commands: list[tuple[str, ...]], data: st.DataObject
) -> None:
    line = shlex.join(commands[0])
    for command in commands[1:]:
        line += data.draw(OPERATOR) + shlex.join(command)
    assert words(line) == commands


@given(COMMAND, COMMAND)
def test_substitutions_are_commands_of_their_own(
    outer: tuple[str, ...], inner: tuple[str, ...]
) -> None:
    for wrapped in (
        f'"$({shlex.join(inner)})"',
        f"$({shlex.join(inner)})",
        f"<({shlex.join(inner)})",
    ):
        found = words(f"{shlex.join(outer)} {wrapped}")
        assert inner in found
        assert found[-1][: len(outer)] == outer


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("git status && rm -rf ~", [("git", "status"), ("rm", "-rf", "~")]),
        ("echo 'a && b'", [("echo", "a && b")]),
        ("echo a\\;b", [("echo", "a;b")]),
        ("echo `whoami`", [("whoami",), ("echo", "`whoami`")]),
        ("(cd x && make); { ls; }", [("cd", "x"), ("make",), ("ls",)]),
        ("! grep -q x f || time make", [("grep", "-q", "x", "f"), ("make",)]),
        ("git log # && rm -rf ~", [("git", "log")]),
        ("npm test 2>&1 | tail -5", [("npm", "test", "2>&1"), ("tail", "-5")]),
        ("ls &>/dev/null", [("ls", "&>/dev/null")]),
        ("cat <<< 'x; rm y'", [("cat", "<<<x; rm y")]),
        ("a \\\n b", [("a", "b")]),
    ],
)
def test_examples(line: str, expected: list[tuple[str, ...]]) -> None:
    assert words(line) == expected


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("for f in *; do rm $f; done", "`for`"),
        ("if true; then rm x; fi", "`if`"),
        ("cat <<EOF\n$(rm x)\nEOF", "here-document"),
        ("echo $(( 1 + $(rm x) ))", "arithmetic"),
        ("echo ${x:-$(rm x)}", "${...}"),
        ("echo 'open", "unterminated quote"),
        ("echo $(ls", "missing ')'"),
        ("f() { rm x; }", "function"),
        ("case x in a) rm;; esac", "`case`"),
    ],
)
def test_what_is_not_analysed_is_opaque_and_says_why(line: str, why: str) -> None:
    parsed = split_commands(line)
    assert parsed.opaque is not None and why in parsed.opaque


def test_a_command_named_by_an_expansion_is_dynamic() -> None:
    assert [c.dynamic for c in split_commands('$CMD x; "$(which git)" push; git x').commands] == [
        True,
        False,
        True,
        False,
    ]
