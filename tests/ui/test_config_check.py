"""`theme` and `[keymap]` check themselves: each problem is one line naming the file and the
id; `swarmtui config` lists them and the app does not start with one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from swarmtui.config import load_config
from swarmtui.ui.config_check import bound_keys, key_problem, looks_problems

CLI = [sys.executable, "-m", "swarmtui"]


def _problems(tmp_path: Path, toml: str) -> list[str]:
    path = tmp_path / "swarmtui.toml"
    path.write_text(toml)
    return looks_problems(load_config(path))


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ('bogus = "ctrl+g"', "keymap.bogus: no key has this id"),
        ('run = "ctrl+banana+x"', "keymap.run: 'ctrl+banana+x' has an unknown modifier"),
        ('run = "ctrl+nokey"', "keymap.run: 'ctrl+nokey' is not a key"),
        ('save = ""', "keymap.save: an empty key"),
        ('save = " , "', "keymap.save: an empty key"),
        ('new = "ctrl+g"', "keymap.new: 'ctrl+g' is already bound to editor.go_to_line"),
        ('save = "ctrl+q"', "keymap.save: 'ctrl+q' is already bound to app.quit"),
        # (run acts before the editor: 'q' ran the batch instead of being typed)
        ('run = "q"', "keymap.run: 'q' is typed in the editor, and run acts before"),
        ('run = "f10,enter"', "keymap.run: 'enter' is typed in the editor"),
        ('"focus.log" = "shift+l"', "keymap.focus.log: 'shift+l' is typed in the editor"),
        ('"focus.log" = "slash"', "keymap.focus.log: 'slash' is typed in the editor"),
    ],
)
def test_each_keymap_problem_is_one_line_naming_the_file_and_the_id(
    tmp_path: Path, entry: str, expected: str
) -> None:
    problems = _problems(tmp_path, f"[keymap]\n{entry}\n")
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{tmp_path / 'swarmtui.toml'}: ")
    assert expected in problems[0]
    assert "\n" not in problems[0]


def test_a_good_keymap_and_theme_have_no_problem(tmp_path: Path) -> None:
    toml = 'theme = "swarm-light"\n[keymap]\nrun = "f10"\n"focus.log" = "f11"\n'
    assert _problems(tmp_path, toml) == []
    # Moving a key frees it: run leaves ctrl+r, so open may take it.
    assert _problems(tmp_path, '[keymap]\nrun = "f11"\nopen = "ctrl+r"\n') == []
    # A character for what acts only where nothing is typed (the editor keeps its keys).
    assert _problems(tmp_path, '[keymap]\n"approvals.open" = "p"\n') == []


def test_an_unknown_theme_names_the_file_and_the_known_ones(tmp_path: Path) -> None:
    problems = _problems(tmp_path, 'theme = "nope"\n')
    assert problems == [
        f"{tmp_path / 'swarmtui.toml'}: theme: unknown theme 'nope' "
        "(known: swarm-contrast, swarm-dark, swarm-ember, swarm-light)"
    ]


def test_keys_are_checked_as_textual_reads_them() -> None:
    for good in ("a", "X", "ctrl+r", "f5", "shift+right", "slash", "plus", "ctrl+enter", "space"):
        assert key_problem(good) is None, good
    for bad in ("", "ctrl+", "notakey", "ctrl+shift+notakey"):
        assert key_problem(bad) is not None, bad


def test_every_binding_of_the_app_is_found_with_its_owner() -> None:
    bound = bound_keys()
    assert bound["run"].owner == "MainScreen" and bound["run"].priority
    assert bound["log.follow"].owner == "LogPanel"
    assert bound["replay.seek"].owner == "ReplayScreen"
    assert bound["app.quit"].kind == "app"


def test_config_lists_the_problems_and_the_app_does_not_start(tmp_path: Path) -> None:
    (tmp_path / "swarmtui.toml").write_text('theme = "nope"\n[keymap]\nbogus = "x"\n')
    shown = subprocess.run(
        [*CLI, "config"], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert shown.returncode == 2
    assert "theme: unknown theme 'nope'" in shown.stderr
    assert "keymap.bogus: no key has this id" in shown.stderr
    started = subprocess.run(
        [*CLI, "b.swarm.js"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert started.returncode == 2
    assert started.stderr.count("\n") == 1
    assert "theme: unknown theme 'nope'" in started.stderr and "1 more" in started.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            'name = "mine"\n[colors]\nprimary = "notacolour"\n',
            "colors.primary: not a colour: 'notacolour'",
        ),
        (
            'name = "mine"\n[colors]\nprimary = "#ff0000"\n[status]\nbogus = "#fff"\n',
            "status.bogus: unknown key",
        ),
        ("[colors\n", "cannot read"),
    ],
)
def test_a_theme_whose_file_is_broken_says_what_is_wrong_in_it(
    tmp_path: Path, own_config: Path, content: str, expected: str
) -> None:
    themes = own_config / "themes"
    themes.mkdir()
    (themes / "mine.toml").write_text(content)
    problems = _problems(tmp_path, 'theme = "mine"\n')
    # (it said "unknown theme 'mine'", as if there were no such file)
    assert len(problems) == 1 and "\n" not in problems[0], problems
    config = tmp_path / "swarmtui.toml"
    assert problems[0].startswith(
        f"{config}: theme: 'mine' cannot be used: theme {themes / 'mine.toml'}: "
    )
    assert expected in problems[0]


def test_an_unknown_theme_names_the_theme_files_that_could_not_be_used(
    tmp_path: Path, own_config: Path
) -> None:
    themes = own_config / "themes"
    themes.mkdir()
    (themes / "ocean.toml").write_text('name = "deep-sea"\n[colors\n')
    problems = _problems(tmp_path, 'theme = "deep-sea"\n')
    assert len(problems) == 1
    assert "unknown theme 'deep-sea'" in problems[0]
    assert (
        f"; 1 theme file could not be used: theme {themes / 'ocean.toml'}: cannot read"
        in (problems[0])
    )
