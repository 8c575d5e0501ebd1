"""`swarmtui serve` over real HTTP on 127.0.0.1: who may connect, and what cannot start.

The browser itself is in test_browser.py (`pytest -m browser`); here an HTTP client plays it.
"""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import aiohttp
import httpx
import pytest

from swarmtui.commands.serve_cmds import choose_token
from swarmtui.commands.web_server import cookie_name

from .serving import CLI, Served, serving


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60, cwd=cwd)


async def _first_frame(served: Served, cookies: dict[str, str], **headers: str) -> bytes:
    """Open the app's websocket as the page would and return the first bytes the app sends."""
    url = f"ws://127.0.0.1:{served.port}/ws?width=100&height=30"
    async with (
        aiohttp.ClientSession(cookies=cookies) as http,
        http.ws_connect(url, headers=headers) as ws,
    ):
        message = await ws.receive(timeout=60)
        assert message.type == aiohttp.WSMsgType.BINARY, message
        data: bytes = message.data
        return data


def test_loopback_serves_the_page_without_a_token(tmp_path: Path) -> None:
    with serving(cwd=tmp_path) as served:
        assert served.token is None
        assert served.printed == f"swarmtui: serving the app on {served.base}\n"
        page = httpx.get(served.base)
        assert page.status_code == 200
        # The page's websocket goes back to the address the browser used.
        assert f'data-session-websocket-url="ws://127.0.0.1:{served.port}/ws"' in page.text


async def test_the_token_is_checked_on_every_connection(tmp_path: Path) -> None:
    with serving("--token", cwd=tmp_path) as served:
        assert served.token is not None
        with httpx.Client(base_url=served.base) as http:
            missing = http.get("/")
            assert missing.status_code == 403
            assert missing.text == (
                "swarmtui: a token is required: open the address `swarmtui serve` printed\n"
            )
            # (its last character changed: to "y" when it already is "x", one token in 64)
            last = "y" if served.token.endswith("x") else "x"
            wrong = http.get("/", params={"token": served.token[:-1] + last})
            assert (wrong.status_code, wrong.text) == (403, "swarmtui: wrong token\n")
            assert http.get("/static/js/textual.js").status_code == 403
            # The right token once: a cookie, and an address without the token.
            opened = http.get("/", params={"token": served.token, "fontsize": "14"})
            assert opened.status_code == 302 and opened.headers["location"] == "/?fontsize=14"
            cookie = opened.cookies[cookie_name(served.token)]
            assert cookie == served.token
            assert "httponly" in opened.headers["set-cookie"].lower()
            assert http.get("/").status_code == 200  # the client keeps the cookie
            assert http.get("/static/js/textual.js").status_code == 200
        # The websocket: refused without the cookie, the app's first frame with it.
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await _first_frame(served, {})
        assert refused.value.status == 403
        frame = await _first_frame(served, {cookie_name(served.token): served.token})
        assert frame  # the app started and painted


async def test_another_site_cannot_drive_the_app(tmp_path: Path) -> None:
    with serving(cwd=tmp_path) as served:
        # Browsers let any page open a websocket anywhere, but say where the page came from.
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await _first_frame(served, {}, Origin="http://evil.example")
        assert refused.value.status == 403
        # A name rebound to 127.0.0.1 reaches the port, but not the app.
        rebound = httpx.get(served.base, headers={"Host": f"evil.example:{served.port}"})
        assert rebound.status_code == 403
        assert rebound.text == "swarmtui: this server answers only on 127.0.0.1, not evil.example\n"
        # The page's own origin is fine.
        frame = await _first_frame(served, {}, Origin=f"http://127.0.0.1:{served.port}")
        assert frame


def test_any_other_address_requires_a_token(tmp_path: Path) -> None:
    with serving(cwd=tmp_path, host="0.0.0.0") as served:
        assert served.token is not None
        assert "the token is shown only this once" in served.process.stdout.readline()  # type: ignore[union-attr]
        assert httpx.get(served.base).status_code == 403
        assert httpx.get(served.base, params={"token": served.token}).status_code == 302


def test_the_token_choice() -> None:
    assert choose_token("127.0.0.1", want_token=False, insecure=False) is None
    assert choose_token("localhost", want_token=False, insecure=False) is None
    assert choose_token("::1", want_token=False, insecure=False) is None
    first = choose_token("0.0.0.0", want_token=False, insecure=False)
    second = choose_token("0.0.0.0", want_token=False, insecure=False)
    assert first and second and first != second and len(first) >= 32
    assert choose_token("0.0.0.0", want_token=False, insecure=True) is None
    assert choose_token("127.0.0.1", want_token=True, insecure=False)


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _cli("serve", "--port", str(port), cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"swarmtui: cannot serve on 127.0.0.1:{port}: address already in use\n"


def test_what_cannot_be_served_is_one_line(tmp_path: Path) -> None:
    both = _cli("serve", "--token", "--insecure", cwd=tmp_path)
    assert both.returncode == 2
    assert both.stderr == "swarmtui: --token and --insecure contradict each other\n"
    missing = _cli("serve", "--replay", "nope", "--sessions-dir", str(tmp_path), cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr == f"swarmtui: {tmp_path}: no session 'nope'\n"
    binary = tmp_path / "batch.swarm.js"
    binary.write_bytes(b"\x80\x81 not text")
    unreadable = _cli("serve", str(binary), cwd=tmp_path)
    assert unreadable.returncode == 2 and len(unreadable.stderr.splitlines()) == 1
    assert str(binary) in unreadable.stderr and "UTF-8" in unreadable.stderr
