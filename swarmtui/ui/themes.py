"""Theme files (TOML or YAML) validated by pydantic and turned into Textual themes.

A theme file gives Textual's base colours plus swarmtui's own: one colour per agent status, the
timeline's wait/run bars, the REHEARSAL badge and the editor's syntax colours. The extra colours
become `Theme.variables` (`$agent-running`, `$timeline-wait`, `$syntax-keyword`, ...) so `.tcss`
files and Rich-rendering code (`app.theme_variables`) read them by name. Loading never raises:
every broken file is reported by name and the rest still load.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from textual.color import Color, ColorParseError
from textual.theme import Theme

from swarmtui import locations
from swarmtui.ui.theme_build import (
    AGENT_STATUSES,
    DEFAULT_THEME,
    build_theme,
    bundled_theme,
    pick_theme,
    text_area_theme_for,
)

THEME_SUFFIXES = (".toml", ".yaml", ".yml")


class ThemeFileError(Exception):
    """A theme file that cannot be used; the message names the file and the key."""


def _colour(value: str) -> str:
    try:
        # Normalised to hex so Rich (which knows fewer colour names than CSS) can parse it too.
        return Color.parse(value).hex
    except ColorParseError:
        raise ValueError(f"not a colour: {value!r}") from None


Colour = Annotated[str, AfterValidator(_colour)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BaseColours(_Strict):
    primary: Colour
    secondary: Colour | None = None
    accent: Colour | None = None
    warning: Colour | None = None
    error: Colour | None = None
    success: Colour | None = None
    foreground: Colour | None = None
    background: Colour | None = None
    surface: Colour | None = None
    panel: Colour | None = None
    boost: Colour | None = None


class StatusColours(_Strict):
    """One colour per agent status; missing ones are derived from the base colours."""

    pending: Colour | None = None
    queued: Colour | None = None
    waiting: Colour | None = None
    running: Colour | None = None
    done: Colour | None = None
    failed: Colour | None = None
    cancelled: Colour | None = None
    skipped: Colour | None = None


class TimelineColours(_Strict):
    wait: Colour | None = None
    run: Colour | None = None
    now: Colour | None = None
    critical: Colour | None = None


class BadgeColours(_Strict):
    rehearsal: Colour | None = None
    rehearsal_text: Colour | None = None


class SyntaxColours(_Strict):
    """Editor colours for the batch language (tree-sitter JavaScript highlight names)."""

    keyword: Colour | None = None
    string: Colour | None = None
    number: Colour | None = None
    comment: Colour | None = None
    function: Colour | None = None
    property: Colour | None = None
    constant: Colour | None = None
    operator: Colour | None = None
    punctuation: Colour | None = None
    variable: Colour | None = None


class ThemeFile(_Strict):
    """The contents of one theme file."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = ""
    dark: bool = True
    colors: BaseColours
    status: StatusColours = Field(default_factory=StatusColours)
    timeline: TimelineColours = Field(default_factory=TimelineColours)
    badge: BadgeColours = Field(default_factory=BadgeColours)
    syntax: SyntaxColours = Field(default_factory=SyntaxColours)
    # Any other Textual theme variable (e.g. footer-key-foreground), passed through as written.
    variables: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")], str] = Field(
        default_factory=dict
    )

    def to_theme(self) -> Theme:
        """The Textual theme, with swarmtui's colours (given or derived) as variables."""
        return build_theme(self.model_dump())


def _describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        elif item["type"] == "missing":
            message = "missing"
        problems.append(f"{where}: {message}")
    return "; ".join(problems)


def read_theme_file(path: Path) -> ThemeFile:
    """Parse and validate one file; the name defaults to the file's stem."""
    try:
        text = path.read_text(encoding="utf-8")
        data: Any = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ThemeFileError(f"theme {path}: cannot read: {first_line}") from None
    if not isinstance(data, dict):
        raise ThemeFileError(f"theme {path}: expected a table of settings")
    data.setdefault("name", path.stem)
    try:
        return ThemeFile.model_validate(data)
    except ValidationError as exc:
        raise ThemeFileError(f"theme {path}: {_describe(exc)}") from None


def _theme_files(directory: Path) -> list[Path]:
    try:
        return sorted(p for p in directory.iterdir() if p.suffix in THEME_SUFFIXES and p.is_file())
    except OSError:
        return []


def _fallback_theme() -> Theme:
    """Used only if the shipped default file is missing or broken, so the app always starts."""
    return ThemeFile(
        name=DEFAULT_THEME,
        colors=BaseColours(primary="#4aa3ff", background="#10141c", surface="#161b26"),
    ).to_theme()


def load_themes(
    user_dir: Path | None = None, *, builtin_dir: Path | None = None
) -> tuple[list[Theme], list[str]]:
    """All usable themes (built-ins, then the user's, which win on a name clash) and one
    message per file that could not be used. Never raises."""
    folders: Iterable[Path] = (
        builtin_dir or locations.builtin_themes_dir(),
        user_dir or locations.user_themes_dir(),
    )
    themes: dict[str, Theme] = {}
    errors: list[str] = []
    for folder in folders:
        seen: dict[str, Path] = {}
        for path in _theme_files(folder):
            try:
                theme_file = read_theme_file(path)
                theme = theme_file.to_theme()
            except ThemeFileError as exc:
                errors.append(str(exc))
                continue
            except Exception as exc:  # never let one odd file stop the app from starting
                errors.append(f"theme {path}: {type(exc).__name__}: {exc}")
                continue
            if theme.name in seen:
                errors.append(
                    f"theme {path}: name {theme.name!r} already used by {seen[theme.name].name}"
                )
                continue
            seen[theme.name] = path
            themes[theme.name] = theme
    if DEFAULT_THEME not in themes:
        themes[DEFAULT_THEME] = _fallback_theme()
    return list(themes.values()), errors


def problems_of(name: str, errors: list[str], user_dir: Path | None = None) -> list[str]:
    """Those of ERRORS (as `load_themes` gives them) that are about the user's theme file
    named after NAME (`NAME.toml`, `.yaml` or `.yml`): why a theme of that name is missing."""
    folder = user_dir or locations.user_themes_dir()
    prefixes = tuple(f"theme {folder / (name + suffix)}:" for suffix in THEME_SUFFIXES)
    return [error for error in errors if error.startswith(prefixes)]


# Kept importable from here: the names other modules and tests use.
__all__ = [
    "AGENT_STATUSES",
    "DEFAULT_THEME",
    "ThemeFile",
    "ThemeFileError",
    "build_theme",
    "bundled_theme",
    "load_themes",
    "pick_theme",
    "problems_of",
    "read_theme_file",
    "text_area_theme_for",
]
