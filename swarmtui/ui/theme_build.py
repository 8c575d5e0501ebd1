"""Textual themes from theme data without pydantic, shared by the start-up and validated paths.

`swarmtui.ui.themes` validates theme files with a pydantic model, which costs 130-190 ms to import;
the app's first frame only needs the bundled theme it starts with, built here from the shipped
file, and validates every file (the users' too) right after the first frame.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from rich.style import Style
from textual.color import Color
from textual.theme import Theme
from textual.widgets.text_area import TextAreaTheme

from swarmtui import locations

DEFAULT_THEME = "swarm-dark"
AGENT_STATUSES = (
    "pending",
    "queued",
    "waiting",
    "running",
    "done",
    "failed",
    "cancelled",
    "skipped",
)
COLOUR_SECTIONS = ("colors", "status", "timeline", "badge", "syntax")
BASE_COLOURS = (
    "primary",
    "secondary",
    "accent",
    "warning",
    "error",
    "success",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)


def build_theme(data: Mapping[str, Any]) -> Theme:
    """The Textual theme for validated theme data (`ThemeFile.model_dump()`: colours as hex),
    with swarmtui's colours (given or derived) as variables."""
    given_colours: Mapping[str, str | None] = data["colors"]
    c = {name: given_colours.get(name) for name in BASE_COLOURS}
    status: Mapping[str, str | None] = data.get("status") or {}
    timeline_given: Mapping[str, str | None] = data.get("timeline") or {}
    badge: Mapping[str, str | None] = data.get("badge") or {}
    syntax_given: Mapping[str, str | None] = data.get("syntax") or {}
    extra: Mapping[str, str] = data.get("variables") or {}
    name: str = data["name"]
    dark: bool = data.get("dark", True)
    # Textual's own defaults for what the file leaves out, so derived colours match.
    system = Theme(name=name, dark=dark, **c).to_color_system()  # type: ignore[arg-type]
    generated = system.generate()

    def base(key: str) -> Color:
        return Color.parse(generated[key])

    def given(key: str, default: str) -> Color:
        # Textual derives a missing warning/error/success from primary, which would make
        # statuses indistinguishable; conventional hues keep them apart instead.
        return Color.parse(c[key] or default)

    fg, bg = base("foreground"), base("background")
    muted = bg.blend(fg, 0.55).hex
    faint = bg.blend(fg, 0.35).hex
    error = given("error", "#d9534f")
    derived_status = {
        "pending": muted,
        "queued": bg.blend(fg, 0.8).hex,
        "waiting": given("warning", "#e5a50a").hex,
        "running": base("primary").hex,
        "done": given("success", "#4ebf71").hex,
        "failed": error.hex,
        "cancelled": bg.blend(error, 0.6).hex,
        "skipped": faint,
    }
    variables: dict[str, str] = {}
    for agent_status in AGENT_STATUSES:
        variables[f"agent-{agent_status}"] = (
            status.get(agent_status) or derived_status[agent_status]
        )
    timeline = {
        "wait": timeline_given.get("wait") or bg.blend(base("warning"), 0.45).hex,
        "run": timeline_given.get("run") or base("primary").hex,
        "now": timeline_given.get("now") or base("accent").hex,
        "critical": timeline_given.get("critical") or base("accent").hex,
    }
    variables.update({f"timeline-{k}": v for k, v in timeline.items()})
    badge_bg = badge.get("rehearsal") or base("warning").hex
    variables["badge-rehearsal"] = badge_bg
    variables["badge-rehearsal-text"] = (
        badge.get("rehearsal_text") or Color.parse(badge_bg).get_contrast_text(1.0).hex
    )
    syntax = {
        "keyword": base("accent").hex,
        "string": base("success").hex,
        "number": base("warning").hex,
        "comment": muted,
        "function": base("primary").hex,
        "property": fg.hex,
        "constant": base("warning").hex,
        "operator": fg.hex,
        "punctuation": bg.blend(fg, 0.7).hex,
        "variable": fg.hex,
    } | {k: v for k, v in syntax_given.items() if v is not None}
    variables.update({f"syntax-{k}": v for k, v in syntax.items()})
    # Textual's defaults are "auto 60%"/"auto 38%", which widgets that read component
    # styles partially (line-API panels) resolve to white, invisible on a light theme.
    variables["text-muted"] = bg.blend(fg, 0.65).hex
    variables["text-disabled"] = bg.blend(fg, 0.42).hex
    # The selected row of a list (a theme file may give its own, checked for contrast).
    variables["row-cursor"] = base("surface").blend(fg, 0.12).hex
    variables.update(extra)
    return Theme(name=name, dark=dark, variables=variables, **c)  # type: ignore[arg-type]


def bundled_theme(name: str, *, builtin_dir: Path | None = None) -> Theme | None:
    """The shipped theme `name` built straight from its TOML file (no validation), or None when
    it is not a shipped TOML file or does not read cleanly: the caller then validates."""
    path = (builtin_dir or locations.builtin_themes_dir()) / f"{name}.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if data.setdefault("name", name) != name or not isinstance(data.get("colors"), dict):
            return None
        for section in COLOUR_SECTIONS:
            values = data.get(section)
            if values is None:
                continue
            # Normalised to hex as the validating model does, so both paths build the same theme.
            data[section] = {key: Color.parse(value).hex for key, value in values.items()}
        return build_theme(data)
    except Exception:  # whatever is odd about the file, the validating path reports it
        return None


def pick_theme(name: str | None, themes: Iterable[Theme]) -> tuple[str, str | None]:
    """The theme to use for a configured name, and a message when it had to fall back."""
    names = {theme.name for theme in themes}
    if name is None or name in names:
        return (name or DEFAULT_THEME), None
    return DEFAULT_THEME, f"unknown theme {name!r}; using {DEFAULT_THEME}"


# tree-sitter highlight name -> our syntax variable.
_HIGHLIGHTS = {
    "keyword": "keyword",
    "keyword.function": "keyword",
    "keyword.return": "keyword",
    "keyword.operator": "keyword",
    "conditional": "keyword",
    "repeat": "keyword",
    "include": "keyword",
    "exception": "keyword",
    "string": "string",
    "string.special": "string",
    "string.documentation": "string",
    "embedded": "string",
    "number": "number",
    "float": "number",
    "comment": "comment",
    "function": "function",
    "function.call": "function",
    "function.method": "function",
    "function.builtin": "function",
    "method": "function",
    "method.call": "function",
    "constructor": "function",
    "property": "property",
    "attribute": "property",
    "constant": "constant",
    "constant.builtin": "constant",
    "boolean": "constant",
    "json.null": "constant",
    "operator": "operator",
    "punctuation.bracket": "punctuation",
    "punctuation.delimiter": "punctuation",
    "punctuation.special": "punctuation",
    "variable": "variable",
    "variable.builtin": "constant",
    "variable.parameter": "variable",
    "tag": "keyword",
}


def text_area_theme_for(theme: Theme) -> TextAreaTheme:
    """The editor's theme for an app theme: syntax colours from its `syntax-*` variables
    (derived from the base colours when absent); backgrounds, cursor and gutter are left to
    the TextArea's CSS, which already follows the app theme."""
    variables = theme.variables
    fallback = theme.foreground or ("#e0e0e0" if theme.dark else "#202020")
    styles: dict[str, Style] = {}
    for highlight, key in _HIGHLIGHTS.items():
        colour = variables.get(f"syntax-{key}", fallback)
        styles[highlight] = Style(
            color=colour,
            italic=key == "comment" or highlight == "boolean",
            bold=key == "keyword",
        )
    return TextAreaTheme(name=f"swarmtui-{theme.name}", syntax_styles=styles)
