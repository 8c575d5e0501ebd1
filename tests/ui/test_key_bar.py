"""The key bar (every screen's footer) shows whole key hints at every width from 80 to 200
columns: keys that do not fit are dropped, lowest priority first, and the row ends in `…`;
help and the palette always stay. (Textual's footer let the edge cut them: `f1 He▏`.)"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.widgets._footer import FooterKey

from swarmtui.ui.widgets.key_bar import MORE, KeyBar, KeyHint, MoreKeys, fit

from .helpers import app_for, settle, wait_for_state, workers_done

WIDTHS = range(80, 201)
# The screens with fewer keys: the sizes tried in tmux and a width every 10 columns.
SOME_WIDTHS = sorted({80, 100, 120, 160, 200, *range(85, 200, 10)})
HEIGHT = 30
# Three agents, one skipped (its key is stored by nobody): the session stays open for a retry,
# with the agents pane's keys and the session's keys all in force (the most keys at once).
BATCH = (
    'Task("Alpha", "Say hello.", "general")\n'
    'Task("Beta", "Store the result in \'k\'.", "general")\n'
    'Task("Gamma", "Wait for \'never\' then say hi.", "general", {waits: ["never"]})\n'
)


def _hint(display: str, description: str, action: str) -> KeyHint:
    return KeyHint(display, display, description, action, True, "")


def test_fit_drops_from_the_last_but_keeps_help() -> None:
    hints = [
        _hint("enter", "Detail", "detail"),
        _hint("^r", "Run", "run"),
        _hint("^q", "Quit", "quit"),
        _hint("f1", "Help", "app.help"),
    ]
    widths = [h.width for h in hints]
    assert widths == [len(" enter Detail "), len(" ^r Run "), len(" ^q Quit "), len(" f1 Help ")]
    assert fit(hints, sum(widths)) == (hints, False)
    kept, dropped = fit(hints, sum(widths) - 1)
    assert dropped and [h.action for h in kept] == ["detail", "run", "app.help"]
    kept, dropped = fit(hints, widths[0] + widths[3] + len(MORE) + 1)
    assert dropped and [h.action for h in kept] == ["detail", "app.help"]
    kept, _ = fit(hints, 5)
    assert kept == []  # (not even help fits: nothing cut in half)


def bottom_line(app: App[Any]) -> str:
    strips = app.screen._compositor.render_strips()
    return "".join(segment.text for segment in strips[-1])


def check_bar(app: App[Any], where: str) -> list[str]:
    """The bar's keys are each whole on screen, left of the palette; the descriptions shown."""
    bar = app.screen.query_one(KeyBar)
    keys = [k for k in bar.query(FooterKey) if k.display]
    palette = [k for k in keys if k.has_class("-command-palette")]
    assert len(palette) == 1, where
    edge = palette[0].region.x
    # (the room the bar keeps for it is the room it takes: no key dropped for nothing)
    shown_palette = _hint(palette[0].key_display, palette[0].description, "")
    assert palette[0].region.width == shown_palette.palette_width
    shown = [k for k in keys if not k.has_class("-command-palette")]
    line = bottom_line(app)
    left, _, right = line.rpartition("▏")
    assert "Palette" in right, (where, line)
    for key in shown:
        assert key.region.right <= edge, (where, key.description, key.region, edge)
        assert key.region.width == _hint(key.key_display, key.description, "").width, where
        assert f"{key.key_display} {key.description}" in left, (where, key.description, line)
    assert "f1 Help" in left, (where, line)
    more = list(bar.query(MoreKeys))
    if more:
        assert left.rstrip().endswith(MORE), (where, line)
        assert more[0].region.right <= edge, where
    else:  # nothing dropped: the row ends with the last key's whole description
        assert left.rstrip().endswith(shown[-1].description), (where, line)
    return [k.description for k in shown]


async def sweep(
    pilot: Pilot[Any], where: str, widths: Iterable[int] = WIDTHS
) -> dict[int, list[str]]:
    """The keys shown at each width (every one from 80 to 200)."""
    shown: dict[int, list[str]] = {}
    for width in widths:
        await pilot.resize_terminal(width, HEIGHT)
        shown[width] = check_bar(pilot.app, f"{where} at {width} columns")
    return shown


async def test_the_main_screen_at_every_width(tmp_path: Path) -> None:
    app = app_for(tmp_path, BATCH)
    async with app.run_test(size=(80, HEIGHT)) as pilot:
        await settle(pilot)
        await sweep(pilot, "editor", SOME_WIDTHS)
        await pilot.press("ctrl+r")
        await wait_for_state(pilot, lambda state: state.held)
        await pilot.press("f3")  # the agents pane: its keys and the session's
        await pilot.pause()
        shown = await sweep(pilot, "agents, session held")
        # Narrow: something had to go, and the focused pane's key stayed (highest priority).
        assert "Quit" not in shown[80] and "Detail" in shown[80], shown[80]
        assert not list(app.screen.query(MoreKeys))  # (at 200: all shown, no "…")
        assert len(shown[200]) > len(shown[80]), (shown[80], shown[200])
        app.main_screen.controller.cancel_session()
        await wait_for_state(pilot, lambda state: state.finished)


async def test_the_replay_and_sessions_screens_at_every_width(tmp_path: Path) -> None:
    app = app_for(tmp_path, BATCH)
    async with app.run_test(size=(120, HEIGHT)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await wait_for_state(pilot, lambda state: state.held)
        app.main_screen.controller.cancel_session()
        await wait_for_state(pilot, lambda state: state.finished)
        await pilot.press("ctrl+l")
        await workers_done(app)
        await pilot.pause()
        await sweep(pilot, "sessions browser", SOME_WIDTHS)
        await pilot.press("enter")  # the session's replay
        await workers_done(app)
        await pilot.pause()
        shown = await sweep(pilot, "replay", SOME_WIDTHS)
        assert len(shown[200]) > len(shown[80])
