"""Dialogs: they keep their look (their CSS comes with the first one opened); the confirm dialog
wraps its detail; the memory form refuses keys it cannot name."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.geometry import Region
from textual.widgets import Button, Input, Label

from swarmtui.ui.screens.confirm_quit import ConfirmQuitScreen
from swarmtui.ui.screens.memory_form import MemoryFormScreen
from swarmtui.ui.screens.open_file import OpenFileScreen

from .helpers import (
    app_for,
    settle,
)


async def test_the_first_dialog_opened_has_the_dialog_look(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.push_screen(ConfirmQuitScreen(question="Quit swarmtui?", detail="Unsaved."))
        await pilot.pause()
        dialog = app.screen.query_one("#dialog")
        assert dialog.outer_size.width == 64
        assert dialog.styles.border.top[0] == "thick"
        # Centred, over the dimmed main screen.
        assert dialog.region.x == (100 - 64) // 2
        assert abs(dialog.region.y - (30 - dialog.outer_size.height) // 2) <= 1
        assert app.screen.styles.background.a == pytest.approx(0.6)


async def test_the_confirm_dialog_wraps_a_long_detail(tmp_path: Path) -> None:
    detail = "The batch has unsaved changes (" + "/very/long/folder" * 8 + "/batch.swarm.js)."
    app = app_for(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        app.push_screen(ConfirmQuitScreen(question="Quit swarmtui?", detail=detail))
        await pilot.pause()
        label = app.screen.query_one("#detail", Label)
        dialog = app.screen.query_one("#dialog")
        assert label.size.height > 1
        assert label.region.right <= dialog.content_region.right
        shown = "".join(strip.text for strip in label.render_lines(label.region.reset_offset))
        assert "batch.swarm.js)." in shown.replace(" ", "")


@pytest.mark.parametrize("size", [(40, 12), (60, 20), (80, 24)])
async def test_the_dialogs_fit_a_small_terminal_buttons_and_all(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = app_for(tmp_path)
    screen = Region(0, 0, *size)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        detail = "The batch has unsaved changes (/tmp/appqa/work/batch.swarm.js)."
        app.push_screen(ConfirmQuitScreen(question="Quit swarmtui?", detail=detail))
        await pilot.pause()
        dialog = app.screen
        buttons = list(dialog.query(Button))
        assert [b.id for b in buttons] == ["save", "discard", "cancel"]
        box = dialog.query_one("#dialog").region
        assert screen.contains_region(box)
        for button in buttons:  # whole, in the box, the default one among them
            assert box.contains_region(button.region) and button.region.height >= 1
        assert dialog.focused is buttons[-1]
        shown = "".join(
            s.text
            for s in dialog.query_one("#detail", Label).render_lines(
                dialog.query_one("#detail").region.reset_offset
            )
        )
        assert "batch.swarm.js)." in shown.replace(" ", "")
        await pilot.press("escape")
        app.push_screen(OpenFileScreen(mode="save", initial="/tmp/appqa/work/batch.swarm.js"))
        await pilot.pause()
        form = app.screen.query_one("#dialog")
        assert screen.contains_region(form.region)
        assert screen.contains_region(app.screen.query_one(Input).region)


class FormHost(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.results: list[tuple[str, str, str] | None] = []

    def on_mount(self) -> None:
        self.push_screen(MemoryFormScreen(), self.results.append)


@pytest.mark.parametrize(
    ("key", "namespace", "problem"),
    [
        ("swarm/my key", "default", "no spaces"),
        ("'swarm/plan'", "default", "no quotes"),
        ("swarm/plan", "my space", "no spaces"),
    ],
)
async def test_the_memory_form_refuses_keys_the_batch_language_cannot_name(
    key: str, namespace: str, problem: str
) -> None:
    app = FormHost()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        form = app.screen
        assert isinstance(form, MemoryFormScreen)
        form.query_one("#key", Input).value = key
        form.query_one("#value", Input).value = '"done"'
        form.query_one("#namespace", Input).value = namespace
        form.query_one("#namespace", Input).focus()
        await pilot.press("enter")
        assert app.screen is form and app.results == []
        assert problem in str(form.query_one("#error", Label).render())
        form.query_one("#key", Input).value = "swarm/plan"
        form.query_one("#namespace", Input).value = "default"
        form.query_one("#namespace", Input).focus()
        await pilot.press("enter")
        assert app.results == [("swarm/plan", '"done"', "default")]
