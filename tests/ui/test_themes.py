"""Theme files: every shipped theme loads and converts; broken files are reported by name."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from swarmtui import locations
from swarmtui.ui.app import make_app
from swarmtui.ui.themes import (
    AGENT_STATUSES,
    DEFAULT_THEME,
    load_themes,
    pick_theme,
    read_theme_file,
    text_area_theme_for,
)

from .helpers import SIZE, settle, workers_done

SHIPPED = {"swarm-dark", "swarm-ember", "swarm-light", "swarm-contrast"}


@pytest.fixture
def empty_user_dir(tmp_path: Path) -> Path:
    user = tmp_path / "user-themes"
    user.mkdir()
    return user


def test_every_shipped_theme_loads_with_all_status_variables(empty_user_dir: Path) -> None:
    themes, errors = load_themes(empty_user_dir)
    assert errors == []
    by_name = {t.name: t for t in themes}
    assert set(by_name) >= SHIPPED
    assert DEFAULT_THEME == "swarm-dark"
    assert by_name["swarm-light"].dark is False
    for theme in by_name.values():
        for status in AGENT_STATUSES:
            assert theme.variables[f"agent-{status}"].startswith("#"), (theme.name, status)
        for extra in ("timeline-wait", "timeline-run", "badge-rehearsal", "syntax-keyword"):
            assert extra in theme.variables
        # Textual accepts the base colours (its colour system generates without error).
        assert "primary-darken-1" in theme.to_color_system().generate()


def test_shipped_files_live_in_the_builtin_folder() -> None:
    files = {p.stem for p in locations.builtin_themes_dir().glob("*.toml")}
    assert files >= SHIPPED


def test_status_colours_are_distinct_within_each_theme(empty_user_dir: Path) -> None:
    for theme in load_themes(empty_user_dir)[0]:
        colours = [theme.variables[f"agent-{s}"] for s in AGENT_STATUSES]
        assert len(set(colours)) == len(colours), theme.name


def test_text_area_theme_follows_the_app_theme(empty_user_dir: Path) -> None:
    by_name = {t.name: t for t in load_themes(empty_user_dir)[0]}
    dark = text_area_theme_for(by_name["swarm-dark"])
    light = text_area_theme_for(by_name["swarm-light"])
    assert dark.name != light.name
    keyword = dark.syntax_styles["keyword"]
    assert keyword.color is not None
    assert keyword.color.name.lower() == by_name["swarm-dark"].variables["syntax-keyword"].lower()
    assert dark.syntax_styles["string"] != light.syntax_styles["string"]
    assert dark.syntax_styles["comment"].italic


def test_broken_files_are_all_reported_by_name_and_the_rest_still_load(tmp_path: Path) -> None:
    user = tmp_path / "themes"
    user.mkdir()
    (user / "bad-colour.toml").write_text('[colors]\nprimary = "blurple"\n')
    (user / "unknown-key.toml").write_text('[colors]\nprimary = "#123456"\nsparkle = "#fff"\n')
    (user / "not-toml.toml").write_text("this is = = not toml")
    (user / "bad-status.yaml").write_text("colors: {primary: '#fff'}\nstatus: {runing: '#fff'}\n")
    (user / "good.yaml").write_text("name: mine\ncolors:\n  primary: '#336699'\n")
    (user / "notes.txt").write_text("not a theme")
    themes, errors = load_themes(user)
    names = {t.name for t in themes}
    assert "mine" in names
    assert DEFAULT_THEME in names
    assert len(errors) == 4, errors
    text = "\n".join(errors)
    assert "bad-colour.toml: colors.primary: not a colour: 'blurple'" in text
    assert "unknown-key.toml: colors.sparkle: unknown key" in text
    assert "not-toml.toml: cannot read" in text
    assert "bad-status.yaml: status.runing: unknown key" in text
    assert all("\n" not in e for e in errors)


def test_a_user_theme_gets_derived_status_colours_and_can_replace_a_builtin(
    tmp_path: Path,
) -> None:
    user = tmp_path / "themes"
    user.mkdir()
    (user / "swarm-dark.toml").write_text('[colors]\nprimary = "#ff0000"\n')
    (user / "tiny.toml").write_text('name = "tiny"\n[colors]\nprimary = "rgb(0, 128, 0)"\n')
    by_name = {t.name: t for t in load_themes(user)[0]}
    assert by_name["swarm-dark"].primary == "#FF0000"
    tiny = by_name["tiny"]
    assert tiny.variables["agent-running"] == "#008000"
    assert len({tiny.variables[f"agent-{s}"] for s in AGENT_STATUSES}) >= 6


def test_the_user_dir_defaults_to_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(locations.ENV_CONFIG_DIR, str(tmp_path))
    (tmp_path / "themes").mkdir()
    (tmp_path / "themes" / "from-config.toml").write_text('[colors]\nprimary = "#abcdef"\n')
    names = {t.name for t in load_themes()[0]}
    assert "from-config" in names


def test_a_missing_user_dir_is_fine_and_a_broken_default_falls_back(tmp_path: Path) -> None:
    builtin = tmp_path / "builtin"
    builtin.mkdir()
    (builtin / "swarm-dark.toml").write_text("[colors]\nprimary = 12\n")
    themes, errors = load_themes(tmp_path / "nope", builtin_dir=builtin)
    assert [t.name for t in themes] == [DEFAULT_THEME]
    assert len(errors) == 1 and "swarm-dark.toml: colors.primary" in errors[0]


def test_duplicate_names_in_one_folder_are_reported(tmp_path: Path) -> None:
    user = tmp_path / "themes"
    user.mkdir()
    (user / "a.toml").write_text('name = "same"\n[colors]\nprimary = "#111111"\n')
    (user / "b.toml").write_text('name = "same"\n[colors]\nprimary = "#222222"\n')
    themes, errors = load_themes(user)
    assert [t.primary for t in themes if t.name == "same"] == ["#111111"]
    assert len(errors) == 1 and "b.toml" in errors[0] and "a.toml" in errors[0]


def test_pick_theme_falls_back_to_the_default() -> None:
    themes, _ = load_themes()
    assert pick_theme("swarm-light", themes) == ("swarm-light", None)
    assert pick_theme(None, themes) == (DEFAULT_THEME, None)
    name, message = pick_theme("nope", themes)
    assert name == DEFAULT_THEME and message is not None and "nope" in message


def test_read_theme_file_names_default_to_the_stem(tmp_path: Path) -> None:
    path = tmp_path / "stemmy.toml"
    path.write_text('[colors]\nprimary = "#010203"\n')
    assert read_theme_file(path).name == "stemmy"


class _ThemedApp(App[None]):
    CSS = "Static { color: $agent-failed; background: $timeline-run; }"

    def compose(self) -> ComposeResult:
        yield Static("x")


async def test_theme_variables_are_usable_in_tcss_and_switch_live() -> None:
    themes, _ = load_themes()
    by_name = {t.name: t for t in themes}
    app = _ThemedApp()
    for theme in themes:
        app.register_theme(theme)
    app.theme = "swarm-dark"
    async with app.run_test() as pilot:
        static = app.query_one(Static)
        dark_failed = by_name["swarm-dark"].variables["agent-failed"]
        assert static.styles.color.hex == dark_failed
        app.theme = "swarm-light"
        await pilot.pause()
        assert static.styles.color.hex == by_name["swarm-light"].variables["agent-failed"]
        assert (
            app.theme_variables["agent-running"]
            == by_name["swarm-light"].variables["agent-running"]
        )


async def test_the_editor_follows_a_theme_switch_in_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from swarmtui.ui.app import make_app
    from swarmtui.ui.widgets.batch_editor import BatchEditor

    monkeypatch.setenv(locations.ENV_CONFIG_DIR, str(tmp_path / "config"))
    app = make_app(text='Task("A", "x")', sessions_dir=tmp_path, project_dir=tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        # The other themes are registered by a worker after the first frame.
        await workers_done(app)
        await pilot.pause()
        assert app.theme == DEFAULT_THEME
        editor = app.screen.query_one(BatchEditor)
        by_name = {t.name: t for t in load_themes()[0]}

        def keyword_colour() -> str:
            style = editor._theme.syntax_styles["keyword"]
            assert style.color is not None and style.color.triplet is not None
            return style.color.triplet.hex.lower()

        assert keyword_colour() == by_name["swarm-dark"].variables["syntax-keyword"].lower()
        app.theme = "swarm-light"
        await pilot.pause()
        assert keyword_colour() == by_name["swarm-light"].variables["syntax-keyword"].lower()


async def test_a_broken_user_theme_is_notified_and_the_default_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from swarmtui.ui.app import make_app

    monkeypatch.setenv(locations.ENV_CONFIG_DIR, str(tmp_path))
    (tmp_path / "themes").mkdir()
    (tmp_path / "themes" / "mine.toml").write_text('[colors]\nprimary = "nope"\n')
    app = make_app(text="", sessions_dir=tmp_path, project_dir=tmp_path, theme="mine")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert app.theme == DEFAULT_THEME
        messages = [n.message for n in app._notifications]
        assert any("mine.toml" in m and "colors.primary" in m for m in messages), messages


async def test_editor_colours_follow_the_app_theme(tmp_path: Path) -> None:
    app = make_app(sessions_dir=tmp_path, freeze_gc=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = app.main_screen.editor
        assert editor.theme == f"swarmtui-{app.theme}"
        app.theme = "swarm-light"
        await pilot.pause()
        assert editor.theme == "swarmtui-swarm-light"


async def test_an_unknown_theme_falls_back_with_a_message(tmp_path: Path) -> None:
    app = make_app(sessions_dir=tmp_path, theme="no-such-theme", freeze_gc=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "swarm-dark"
        assert any("no-such-theme" in n.message for n in app._notifications)
