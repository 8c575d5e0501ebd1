from pathlib import Path
import pytest
from swarmtui.ui.widgets.timeline_panel import RUN_CHAR, TimelinePanel
from .helpers import app_for, settle
from .test_second_run import _drawn

def batch(n, p):
    return "".join(f'Task("{p}{i}", "Say hello {i}.", "general")\n' for i in range(n))

def visible(panel):
    return ["".join(s.text for s in panel.render_line(y)) for y in range(panel.scrollable_content_region.height)]

@pytest.mark.parametrize("size", [(160, 50), (120, 40), (100, 30), (80, 24)])
@pytest.mark.parametrize("second", [2, 12, 39])
async def test_probe(tmp_path: Path, size, second) -> None:
    app = app_for(tmp_path, batch(40, "A"))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.main_screen
        tl = screen.query_one(TimelinePanel)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("f7")
        await pilot.press("end")
        await pilot.pause()
        tl.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        screen.document.load(batch(second, "B"), None)
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("f7")
        await pilot.pause()
        screen.bridge.flush(); await pilot.pause()
        rows = visible(tl)
        print(size, second, tl.scroll_offset, tl.virtual_size, tl.size, rows[:4])
        assert any(RUN_CHAR in r for r in rows), rows
