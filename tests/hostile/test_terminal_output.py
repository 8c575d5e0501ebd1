"""Issue 11.1: text from outside never reaches a terminal raw from the headless commands.

Each command runs on a real pseudo-terminal and every byte it wrote is searched for the
hostile sequences (window title, clipboard, 8-bit CSI, right-to-left override); the escaped
form must be there instead, so the text is shown, not dropped."""

from __future__ import annotations

import json
from pathlib import Path

from .hostile import CLEAR, cli, environment, in_pty, raw_markers, run_args, write_batch

SHOWN = b"\\x1b]0;PWNED\\x07"  # what the user sees instead


def test_run_headless_on_a_terminal_shows_escapes_instead_of_obeying_them(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    batch = write_batch(tmp_path)
    status, out = in_pty(
        run_args(batch, tmp_path / "sessions"), env=environment(tmp_path), cwd=tmp_path
    )
    assert status == 1  # one agent failed
    assert raw_markers(out) == []
    assert CLEAR not in out  # (the live view moves the cursor, it never clears the screen)
    assert b"evil" + SHOWN + b"\\u202eagent" in out  # the agent's name, visible
    assert b"boom " + SHOWN in out  # the failure reason from its stderr, visible


def test_replay_sessions_diff_export_lint_parse_on_a_terminal(hostile: dict[str, Path]) -> None:
    home, session = hostile["home"], hostile["session"]
    env = environment(home)
    commands = [
        ["replay", str(session), "--headless"],
        ["replay", str(session), "--json"],
        ["sessions", "--sessions-dir", str(hostile["sessions"])],
        ["sessions", "--sessions-dir", str(hostile["sessions"]), "--json"],
        ["diff", str(session), str(session), "--headless"],
        ["diff", str(session), str(session), "--json"],
        ["export", str(session)],
        ["lint", str(hostile["batch"])],
        ["lint", str(hostile["batch"]), "--format", "json"],
        ["parse", str(hostile["batch"]), "--format", "text"],
        ["parse", str(hostile["batch"])],
    ]
    for args in commands:
        _, out = in_pty(args, env=env, cwd=home)
        assert raw_markers(out) == [], args
        assert CLEAR not in out, args
        assert b"\\u202e" in out or b"\\x1b" in out, args  # shown, not dropped


def test_json_is_unchanged_in_meaning(hostile: dict[str, Path]) -> None:
    """The escaped JSON still carries the hostile text exactly (scripts lose nothing)."""
    env = environment(hostile["home"])
    replayed = cli("replay", str(hostile["session"]), "--json", env=env, cwd=hostile["home"])
    document = json.loads(replayed.stdout)
    names = {agent["name"] for agent in document["state"]["agents"]}
    assert "evil\x1b]0;PWNED\x07\u202eagent" in names
    assert "\\u202e" in replayed.stdout and "\u202e" not in replayed.stdout
    exported = cli("export", str(hostile["session"]), env=env, cwd=hostile["home"])
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    assert any(e.get("agent") == "failer\x9b2J" for e in lines)
    assert "\x9b" not in exported.stdout


def test_an_unreadable_file_name_is_shown_escaped(tmp_path: Path) -> None:
    hostile_name = tmp_path / "x\x1b]0;PWNED\x07.swarm.js"
    status, out = in_pty(["lint", str(hostile_name)], env=environment(tmp_path), cwd=tmp_path)
    assert status == 2
    assert raw_markers(out) == [] and SHOWN in out
