"""The `swarmtui` entry point: its version, its commands (those of their own modules imported only
when named), and the app opened with `run`'s options."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from swarmtui import __version__


def test_version_flag_prints_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "swarmtui", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == f"swarmtui, version {__version__}"


# Commands defined in their own modules (imported only when named).
OWN_MODULES = {
    "diff": "swarmtui.commands.diff_cmds",
    "merge": "swarmtui.commands.merge_cmds",
    "delete": "swarmtui.commands.merge_cmds",
    "serve": "swarmtui.commands.serve_cmds",
    "served-app": "swarmtui.commands.serve_cmds",
}


def test_commands_of_their_own_modules_are_listed_and_run_when_named() -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "swarmtui", "--help"], capture_output=True, text=True, check=True
    ).stdout
    commands = [line.split()[0] for line in listed.split("Commands:")[1].splitlines() if line]
    assert {"diff", "merge", "delete", "serve"} <= set(commands), commands
    assert "served-app" not in commands  # (hidden: textual-serve starts it)
    for name in OWN_MODULES:
        helped = subprocess.run(
            [sys.executable, "-m", "swarmtui", name, "--help"], capture_output=True, text=True
        )
        assert helped.returncode == 0, helped.stderr
        assert helped.stdout.startswith(f"Usage: swarmtui {name} "), helped.stdout


def test_the_cli_imports_a_commands_module_only_when_it_is_named() -> None:
    probe = (
        "import sys; from swarmtui.cli import cli; import click; "
        "before = sorted(set(sys.argv[1:]) & set(sys.modules)); "
        "cli.get_command(click.Context(cli), 'diff'); "
        "print(before, sorted(set(sys.argv[1:]) & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *set(OWN_MODULES.values())],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[] ['swarmtui.commands.diff_cmds']", out.stdout


_OPENED_CHILD = r"""
import sys
from textual.app import App

def report(self, *args, **kwargs):  # (the app as built, not run)
    print("OPENED", self.sessions_dir, flush=True)

App.run = report
sys.stdout.isatty = lambda: True
sys.stdin.isatty = lambda: True
sys.argv = ["swarmtui", *sys.argv[1:]]
from swarmtui.cli import main

main()
"""


def _open(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _OPENED_CHILD, *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )


def test_the_app_takes_runs_options_before_or_after_the_file(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    for args in (["--sessions-dir", str(elsewhere)], ["--sessions-dir", str(elsewhere), "b.js"]):
        opened = _open(tmp_path, *args)
        assert opened.returncode == 0, opened.stderr
        assert opened.stdout.split()[:2] == ["OPENED", str(elsewhere)], opened.stdout
    opened = _open(tmp_path, "b.js", "--sessions-dir", str(elsewhere))
    assert opened.stdout.split()[:2] == ["OPENED", str(elsewhere)], opened.stderr
    # A wrong option is a usage error, as for `run`; so are settings that cannot work.
    assert _open(tmp_path, "--bogus").returncode == 2
    refused = _open(tmp_path, "--backend", "openai")
    assert refused.returncode == 2 and "model" in refused.stderr, refused.stderr


def test_a_wrong_option_to_bare_swarmtui_shows_the_top_level_usage(tmp_path: Path) -> None:
    def swarmtui(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "swarmtui", *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
        )

    bogus = swarmtui("--bogus")
    assert bogus.returncode == 2 and bogus.stdout == ""
    lines = bogus.stderr.splitlines()
    assert lines[0] == "Usage: swarmtui [OPTIONS] [FILE] | COMMAND [ARGS]..."
    assert lines[1] == "Try 'swarmtui --help' for help."
    assert lines[-1].startswith("Error: No such option '--bogus'.")
    assert "open" not in bogus.stderr  # (the hidden command it went to is not the user's)
    # A bad value and extra arguments too; `open` named by the user keeps its own usage.
    assert swarmtui("--max-parallel", "x").stderr.startswith("Usage: swarmtui [OPTIONS] [FILE]")
    assert swarmtui("a", "b").stderr.startswith("Usage: swarmtui [OPTIONS] [FILE]")
    assert swarmtui("open", "--bogus").stderr.startswith("Usage: swarmtui open [OPTIONS]")
    assert swarmtui("--help").stdout.startswith("Usage: swarmtui [OPTIONS] [FILE] | COMMAND")
