"""`swarmtui serve` in a real headless Chromium (Debian's, driven by Playwright): the page loads,
the panels render, keys reach the app, a wrong token is refused, read-only hides the controls.

Deselected by default; the README's command installs what it needs and runs `pytest -m browser`.
The terminal paints on a canvas, so the test reads what it shows from xterm.js's own buffer:
the page's script is served to this browser with the terminal object made reachable.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .serving import Served, serving

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# textual-serve's client keeps its xterm.js Terminal in `this.terminal`; exposed for reading.
TERMINAL_ASSIGNMENT = "this.terminal=new "
EXPOSED = "this.terminal=window.__swarmtuiTerminal=new "
SCREEN_JS = """() => {
    const term = window.__swarmtuiTerminal;
    if (term === undefined) return "";
    const buffer = term.buffer.active;
    const lines = [];
    for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i).translateToString(true));
    return lines.join("\\n");
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (see the README)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    opened = context.new_page()

    def expose_terminal(route: Any) -> None:
        response = route.fetch()
        script = response.text()
        assert TERMINAL_ASSIGNMENT in script, "textual-serve's client changed: update the test"
        route.fulfill(response=response, body=script.replace(TERMINAL_ASSIGNMENT, EXPOSED, 1))

    opened.route("**/static/js/textual.js", expose_terminal)
    yield opened
    context.close()


def screen_text(page: Any) -> str:
    text: str = page.evaluate(SCREEN_JS)
    return text


def wait_for_text(page: Any, text: str) -> None:
    """Until the terminal shows TEXT (Playwright's own deadline)."""
    page.wait_for_function(f"(wanted) => ({SCREEN_JS})().includes(wanted)", arg=text)


def open_app(page: Any, served: Served) -> None:
    url = served.base + (f"?token={served.token}" if served.token else "")
    response = page.goto(url)
    assert response is not None and response.status == 200
    assert page.url == served.base  # the token left the address bar
    wait_for_text(page, "Agents")
    page.locator(".xterm-helper-textarea").focus()  # where xterm.js takes the keys


def test_the_app_in_chromium(page: Any, tmp_path: Path) -> None:
    with serving("--token", cwd=tmp_path) as served:
        open_app(page, served)
        shown = screen_text(page)
        for panel in ("Editor", "Agents", "Timeline", "Todos", "Memory", "Log"):
            assert panel in shown, panel
        assert "Postgres Scout" in shown  # the example batch's agents, planned
        assert "REHEARSAL" in shown
        page.screenshot(path=str(tmp_path / "app.png"))
        # A key pressed in the browser reaches the app: f1 opens the help.
        page.keyboard.press("F1")
        wait_for_text(page, "escape closes")
        helped = screen_text(page)  # (its top: the keys; the batch language is further down)
        assert "This screen" in helped and "Browse past sessions" in helped
        page.keyboard.press("Escape")
        page.wait_for_function(f"() => !({SCREEN_JS})().includes('escape closes')")


def test_a_wrong_token_is_refused(page: Any, tmp_path: Path) -> None:
    with serving("--token", cwd=tmp_path) as served:
        assert served.token is not None
        response = page.goto(f"{served.base}?token={served.token}x")
        assert response is not None and response.status == 403
        assert page.inner_text("body").strip() == "swarmtui: wrong token"
        response = page.goto(served.base)
        assert response is not None and response.status == 403
        assert "a token is required" in page.inner_text("body")


def test_read_only_in_chromium(page: Any, tmp_path: Path) -> None:
    with serving("--read-only", cwd=tmp_path) as served:
        assert "(read-only)" in served.printed
        open_app(page, served)
        footer = screen_text(page).rstrip().splitlines()[-1]
        assert "Help" in footer and "Run" not in footer and "Save" not in footer
        page.keyboard.press("Control+r")  # would start a session in the normal app
        page.keyboard.press("F1")
        wait_for_text(page, "escape closes")  # the keys were handled, in order
    assert not (tmp_path / "sessions").exists()
