"""Start-up: the first frame is built without pydantic, and nothing is lost by deferring it."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from rich.console import RenderableType
from textual.color import Color
from textual.screen import Screen

from swarmtui import locations
from swarmtui.commands.app_cmds import launch_plan
from swarmtui.commands.settings import build_run_settings, resolve_sessions_dir
from swarmtui.engine.settings import RunSettings
from swarmtui.ui import app as app_module
from swarmtui.ui.app import make_app
from swarmtui.ui.theme_build import bundled_theme
from swarmtui.ui.themes import DEFAULT_THEME, load_themes

from .helpers import SIZE, settle, workers_done

_FIRST_FRAME_CHILD = r"""
import gc
import sys
from textual.app import App

seen = []
# Modules the first frame does without: validation (pydantic, the configuration), the run
# settings, and for the command alone click and the commands of their own modules; the batch
# package (the first lint), the memory key index (the first memory event), and json (no theme
# was remembered).
LATER = (
    "pydantic",
    "yaml",
    "swarmtui.config",
    "swarmtui.engine.settings",
    "click",
    "swarmtui.commands.diff_cmds",
    "swarmtui.commands.merge_cmds",
    "swarmtui.commands.serve_cmds",
    "swarmtui.batch",
    "swarmtui.memory_keys",
    "json",
)

def watch(app):
    display = app._display

    def record(screen, update):
        if not seen:
            seen.append(",".join(sorted(m for m in LATER if m in sys.modules)) or "-")
            seen.append("collecting" if gc.isenabled() else "paused")
        return display(screen, update)

    app._display = record

async def stop(pilot):
    await pilot.pause()
    print("AT_FIRST_FRAME", *seen, flush=True)
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
else:  # the `swarmtui` command as typed (what its script calls), App.run made headless
    plain_run = App.run

    def headless_run(self, *args, **kwargs):
        watch(self)
        return plain_run(self, headless=True, size=(120, 36), auto_pilot=stop)

    App.run = headless_run
    # (the child's stdout is a pipe: say it is a terminal, as typed in one)
    sys.stdout.isatty = lambda: True
    sys.stdin.isatty = lambda: True
    module, _, function = sys.argv[2].partition(":")
    sys.argv = ["swarmtui"]
    getattr(__import__(module, fromlist=[function]), function)()
"""


def _entry_point() -> str:
    """What the installed `swarmtui` script calls ("module:function")."""
    return entry_points(group="console_scripts", name="swarmtui")["swarmtui"].value


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


@pytest.mark.parametrize("via", ["make_app", "command"])
def test_the_first_frame_is_painted_before_what_it_does_not_need(no_config: Path, via: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", _FIRST_FRAME_CHILD, via, _entry_point()],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, locations.ENV_CONFIG_DIR: str(no_config)},
        cwd=no_config.parent,
    )
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("AT_FIRST_FRAME")), None)
    assert line is not None, out.stderr[-2000:]
    _, imported, collector = line.split()
    assert imported == "-", line
    assert collector == "paused", line  # no collection before the first frame, either way


def test_the_command_alone_says_a_broken_configuration_as_the_click_group_does(
    no_config: Path,
) -> None:
    (no_config.parent / "swarmtui.toml").write_text("max_parallel = -3\n")
    env = {**os.environ, locations.ENV_CONFIG_DIR: str(no_config)}
    alone, via_click = (
        subprocess.run(
            [sys.executable, "-m", "swarmtui", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=no_config.parent,
        )
        for args in ([], ["open"])
    )
    assert alone.returncode == via_click.returncode == 2, alone.stderr
    assert alone.stderr == via_click.stderr
    assert alone.stderr.startswith("swarmtui: ") and alone.stderr.count("\n") == 1
    assert "swarmtui.toml" in alone.stderr and "max_parallel" in alone.stderr


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


async def test_the_first_frame_is_in_the_chosen_theme(
    no_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(text="", sessions_dir=no_config, theme="swarm-light", freeze_gc=False)
    painted: list[Color] = []
    display = app._display

    def record(screen: Screen[object], update: RenderableType | None) -> None:
        if not painted and screen.is_mounted:
            painted.append(screen.query_one("#editor-pane").styles.background)
        display(screen, update)

    monkeypatch.setattr(app, "_display", record)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        light = app.get_theme("swarm-light")
        assert light is not None and light.surface is not None
        assert painted and painted[0] == Color.parse(light.surface), painted


async def test_collection_paused_for_start_up_is_back_when_the_app_closes_before_settling(
    no_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "FREEZE_AFTER", 600.0)  # (it closes long before that)
    frozen = gc.get_freeze_count()
    app = make_app(text="", sessions_dir=no_config)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            assert not gc.isenabled()
        assert gc.isenabled()
        assert gc.get_freeze_count() == frozen  # (nothing frozen: it never settled)
    finally:
        gc.enable()


def test_the_backend_shown_before_the_settings_are_built_is_their_default(
    no_config: Path,
) -> None:
    app = make_app(text="", sessions_dir=no_config, settings_factory=RunSettings)
    assert app.backend_label == RunSettings().backend


async def test_ctrl_c_says_how_to_quit_in_plain_words(no_config: Path) -> None:
    # (the toast read `Press [b]ctrl+q[/b] to quit the app`: every toast here is plain text)
    app = make_app(text="", sessions_dir=no_config, project_dir=no_config)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await workers_done(app)
        app.set_focus(None)  # (in the editor, ctrl+c copies)
        await pilot.press("ctrl+c")
        await pilot.pause()
        said = [(n.title, n.message) for n in app._notifications]
        assert ("Do you want to quit?", "Press ctrl+q to quit the app") in said, said
        assert app.is_running
