"""Start-up: the first frame is built without pydantic, and nothing is lost by deferring it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from swarmtui import locations
from swarmtui.commands.app_cmds import launch_plan
from swarmtui.commands.settings import build_run_settings, resolve_sessions_dir
from swarmtui.engine.settings import RunSettings
from swarmtui.ui.app import make_app
from swarmtui.ui.theme_build import bundled_theme
from swarmtui.ui.themes import DEFAULT_THEME, load_themes

from .helpers import SIZE, settle, workers_done

_FIRST_FRAME_CHILD = r"""
import sys
from textual.app import App

seen = []

def watch(app):
    display = app._display

    def record(screen, update):
        if not seen:
            found = ("pydantic", "yaml", "swarmtui.config")
            seen.append(sorted(m for m in found if m in sys.modules))
        return display(screen, update)

    app._display = record

async def stop(pilot):
    await pilot.pause()
    print("AT_FIRST_FRAME", ",".join(seen[0]) or "-", flush=True)
    pilot.app.exit()

if sys.argv[1] == "make_app":
    from swarmtui.commands.app_cmds import launch_plan
    from swarmtui.ui.app import make_app

    plan = launch_plan({})
    app = make_app(
        settings_factory=plan.settings_factory, backend=plan.backend, sessions_dir=plan.sessions_dir
    )
    watch(app)
    app.run(headless=True, size=(120, 36), auto_pilot=stop)
else:  # the `swarmtui` command as typed, App.run made headless
    plain_run = App.run

    def headless_run(self, *args, **kwargs):
        watch(self)
        return plain_run(self, headless=True, size=(120, 36), auto_pilot=stop)

    App.run = headless_run
    # (the child's stdout is a pipe: say it is a terminal, as typed in one)
    sys.stdout.isatty = lambda: True
    sys.stdin.isatty = lambda: True
    sys.argv = ["swarmtui"]
    from swarmtui.cli import main

    main()
"""


@pytest.fixture
def no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty config folder and a project folder without swarmtui.toml."""
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    monkeypatch.setenv(locations.ENV_CONFIG_DIR, str(config))
    monkeypatch.chdir(tmp_path)
    return config


def test_every_shipped_theme_builds_the_same_without_validation(no_config: Path) -> None:
    validated, errors = load_themes()
    assert errors == []
    for theme in validated:
        quick = bundled_theme(theme.name)
        assert quick == theme, theme.name


def test_a_theme_that_is_not_shipped_has_no_quick_path(tmp_path: Path) -> None:
    assert bundled_theme("mine") is None
    (tmp_path / "odd.toml").write_text('[colors]\nprimary = "nope"\n')
    assert bundled_theme("odd", builtin_dir=tmp_path) is None


@pytest.mark.parametrize("via", ["make_app", "cli"])
def test_the_first_frame_is_painted_before_pydantic_is_imported(no_config: Path, via: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", _FIRST_FRAME_CHILD, via],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, locations.ENV_CONFIG_DIR: str(no_config)},
        cwd=no_config.parent,
    )
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("AT_FIRST_FRAME")), None)
    assert line is not None, out.stderr[-2000:]
    assert line.split()[1] == "-", line


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"backend": "command", "command_template": "echo {prompt}", "max_parallel": 3},
        {"sessions_dir": "elsewhere", "budget_usd": 2.5, "model": "m"},
    ],
)
def test_without_config_files_the_deferred_settings_are_the_configured_ones(
    no_config: Path, options: dict[str, object]
) -> None:
    plan = launch_plan(options)
    assert plan.settings is None and plan.settings_factory is not None
    expected = build_run_settings(options)
    assert plan.settings_factory() == expected
    assert plan.sessions_dir == resolve_sessions_dir(options)
    assert (plan.backend or "rehearsal") == expected.backend
    assert plan.theme is None and plan.keymap == {}


def test_with_a_config_file_it_is_read_before_the_app_starts(no_config: Path) -> None:
    (no_config.parent / "swarmtui.toml").write_text(
        'theme = "swarm-light"\nmax_parallel = 2\n[keymap]\n"app.sessions" = "f12"\n'
    )
    plan = launch_plan({})
    assert plan.settings is not None and plan.settings.max_parallel == 2
    assert plan.theme == "swarm-light"
    assert plan.keymap == {"app.sessions": "f12"}


async def test_a_broken_user_theme_is_reported_after_the_first_frame(no_config: Path) -> None:
    from swarmtui.ui.app import make_app

    (no_config / "themes").mkdir()
    (no_config / "themes" / "broken.toml").write_text('[colors]\nprimary = "nope"\n')
    app = make_app(text="", sessions_dir=no_config, project_dir=no_config)
    async with app.run_test(size=(120, 36)) as pilot:
        await workers_done(app)
        await pilot.pause()
        assert app.theme == DEFAULT_THEME
        messages = [n.message for n in app._notifications]
        assert any("broken.toml" in m and "colors.primary" in m for m in messages), messages
        # Every shipped theme is registered once the files are validated.
        assert {"swarm-light", "swarm-ember", "swarm-contrast"} <= set(app.available_themes)


async def test_a_users_theme_named_like_the_shipped_one_wins_once_validated(
    no_config: Path,
) -> None:
    from swarmtui.ui.app import make_app

    (no_config / "themes").mkdir()
    (no_config / "themes" / "mine.toml").write_text(
        f'name = "{DEFAULT_THEME}"\n[colors]\nprimary = "#123456"\n'
    )
    app = make_app(text="", sessions_dir=no_config, project_dir=no_config)
    async with app.run_test(size=(120, 36)) as pilot:
        await workers_done(app)
        await pilot.pause()
        assert app.theme == DEFAULT_THEME
        assert app.current_theme.primary == "#123456"
        assert app.theme_variables["primary"].lower() == "#123456"


@pytest.mark.parametrize("args", [["run", "missing.swarm.js"], ["run", "image.swarm.js"]])
def test_run_of_an_unreadable_file_exits_2_like_headless(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "image.swarm.js").write_bytes(b"\xff\xfe\x00")
    command = [sys.executable, "-m", "swarmtui", *args, "--sessions-dir", str(tmp_path / "s")]
    app = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    headless = subprocess.run(
        [*command, "--headless"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert headless.returncode == 2
    assert app.returncode == 2, app.stderr
    assert app.stderr.count("\n") == 1 and app.stderr.startswith("swarmtui: "), app.stderr
    assert args[1] in app.stderr
    if "missing" in args[1]:
        assert app.stderr == headless.stderr


async def test_run_on_start_runs_the_file(tmp_path: Path) -> None:
    batch = tmp_path / "b.swarm.js"
    batch.write_text('Task("Solo", "Say hi.", "general")\n')
    app = make_app(
        file=batch,
        run=True,
        settings=RunSettings(rehearsal_seconds=0.01),
        sessions_dir=tmp_path / "s",
        freeze_gc=False,
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await settle(pilot)
        assert app.main_screen.state.status == "completed"
        assert list(app.main_screen.state.agents) == ["Solo"]
