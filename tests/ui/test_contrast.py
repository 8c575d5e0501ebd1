"""Text stays readable in every shipped theme: the foreground and every status colour keep a
WCAG contrast of at least 4.5:1 on the panels and on the selected row, and so does each piece
of text actually drawn on a selected agent's row (status, waits and stores included)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.color import Color as RichColor
from textual.color import Color

from swarmtui.ui.look import STATUSES
from swarmtui.ui.themes import load_themes
from swarmtui.ui.widgets.agents_panel import AgentsPanel

from .helpers import SIZE, app_for, settle, show_session
from .live_sessions import finished_events, mid_run_events

MINIMUM = 4.5
SHIPPED = sorted(p.stem for p in (Path(__file__).parents[2] / "themes").glob("*.toml"))


def luminance(color: Color) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


def contrast(a: Color, b: Color) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_shipped_theme_is_checked() -> None:
    assert SHIPPED == ["swarm-contrast", "swarm-dark", "swarm-ember", "swarm-light"]


@pytest.mark.parametrize("name", SHIPPED)
def test_text_and_status_colours_on_panels_and_the_selected_row(name: str) -> None:
    themes, errors = load_themes()
    assert errors == []
    theme = next(t for t in themes if t.name == name)
    variables = theme.to_color_system().generate() | theme.variables
    grounds = {
        "surface": Color.parse(variables["surface"]),
        "panel": Color.parse(variables["panel"]),
        "row-cursor": Color.parse(variables["surface"]) + Color.parse(variables["row-cursor"]),
    }
    texts = {"foreground": Color.parse(variables["foreground"])} | {
        status: Color.parse(variables[f"agent-{status}"]) for status in STATUSES
    }
    # Tables and lists (sessions, diagnostics, the memory tree) select on the same colour.
    assert variables["block-cursor-background"] == variables["row-cursor"]
    assert variables["block-cursor-blurred-background"] == variables["row-cursor"]
    low = [
        f"{text} on {ground}: {contrast(fg, bg):.2f}"
        for text, fg in texts.items()
        for ground, bg in grounds.items()
        if contrast(fg, bg) < MINIMUM
    ]
    assert not low, f"{name}: {low}"


def _rgb(color: RichColor | None, fallback: Color) -> Color:
    if color is None or color.triplet is None:
        return fallback
    r, g, b = color.triplet
    return Color(r, g, b)


@pytest.mark.parametrize("name", SHIPPED)
async def test_what_a_selected_agent_row_draws_is_readable(tmp_path: Path, name: str) -> None:
    app = app_for(tmp_path, theme=name)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for events in (mid_run_events(), finished_events()):
            screen = await show_session(pilot, events)
            panel = screen.query_one(AgentsPanel)
            panel.focus()
            await pilot.pause()
            surface = Color.parse(app.theme_variables["surface"])
            low = []
            for row in range(panel.row_count):
                panel.cursor = row
                await pilot.pause()
                strip = panel.render_line(row - int(panel.scroll_offset.y) + panel.header_lines)
                for segment in strip:
                    style = segment.style
                    if style is None or not segment.text.strip() or style.dim:
                        continue
                    bg = _rgb(style.bgcolor, surface)
                    fg = _rgb(style.color, Color.parse(app.theme_variables["foreground"]))
                    if contrast(fg, bg) < MINIMUM:
                        low.append(f"row {row} {segment.text.strip()!r}: {contrast(fg, bg):.2f}")
            assert not low, f"{name}: {low}"
