"""The web server behind `swarmtui serve`: textual-serve's app behind our own door checks.

textual-serve starts one app process per browser connection and relays the terminal over a
websocket. Whoever reaches that websocket can drive the app (and so run batches), so every
request passes one aiohttp middleware first:

- Host: a server on a loopback address answers only to loopback names, so a web page cannot
  reach it through a DNS name rebound to 127.0.0.1;
- Origin: the websocket is refused to a page from another site (browsers let any page open a
  websocket anywhere; they always say where the page came from);
- token (when one is required): the page is opened once with `?token=…`, answered with a
  cookie and a redirect that drops the token from the address bar; the page, its files and the
  websocket then need that cookie (compared in constant time).
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import hmac
import ipaddress
import signal
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from textual_serve.server import Server
from yarl import URL

TOKEN_PARAMETER = "token"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ServeError(Exception):
    """One line saying why the server cannot start."""


def is_loopback(host: str, *, resolve: bool = True) -> bool:
    """Whether HOST (an address, or with `resolve` a name) reaches only this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        if not resolve:
            return False
    try:
        found = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(found) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in found)


def is_wildcard(host: str) -> bool:
    """`0.0.0.0`, `::` or empty: every address of the machine."""
    return host in ("", "0.0.0.0", "::", "[::]")


def url_host(host: str) -> str:
    """HOST as it goes in a URL (IPv6 addresses in brackets)."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def cookie_name(token: str) -> str:
    """One cookie per server (cookies are shared across ports of a host), named by the token."""
    return "swarmtui-" + hashlib.sha256(token.encode()).hexdigest()[:12]


def _refused(reason: str) -> web.Response:
    return web.Response(status=403, text=f"swarmtui: {reason}\n")


def _same_origin(origin: str, request: web.Request) -> bool:
    try:
        parsed = URL(origin)
    except ValueError:
        return False
    return parsed.host == request.url.host and parsed.port == request.url.port


def door(*, token: str | None, loopback: bool, bound_host: str) -> Any:
    """The middleware that checks Host, Origin and the token on every request."""
    cookie = cookie_name(token) if token is not None else ""
    expected = token.encode() if token is not None else b""

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        host = request.url.host or ""
        # Never resolved: a rebound name resolves to 127.0.0.1, which is the attack.
        if loopback and host != bound_host and not is_loopback(host, resolve=False):
            return _refused(f"this server answers only on {url_host(bound_host)}, not {host}")
        origin = request.headers.get("Origin")
        if request.path == "/ws" and origin is not None and not _same_origin(origin, request):
            return _refused("a page from another site may not connect to the app")
        if token is None:
            return await handler(request)
        given = request.query.get(TOKEN_PARAMETER)
        if given is not None:
            if not hmac.compare_digest(given.encode(), expected):
                return _refused("wrong token")
            # Once: the cookie carries it from now on, and the address bar loses it.
            rest = request.rel_url.without_query_params(TOKEN_PARAMETER)
            response = web.HTTPFound(rest)
            response.set_cookie(cookie, token, httponly=True, samesite="Strict", path="/")
            return response
        if hmac.compare_digest(request.cookies.get(cookie, "").encode(), expected):
            return await handler(request)
        return _refused("a token is required: open the address `swarmtui serve` printed")

    return check


class SwarmServer(Server):
    """textual-serve's server, printing nothing itself and pointing each page back at the
    address its browser used."""

    async def on_startup(self, app: web.Application) -> None:
        # Our own line is printed once the port is bound (textual-serve prints before).
        return None

    async def handle_index(self, request: web.Request) -> Any:
        # The page's websocket must go to the address the browser used (so that it carries
        # the page's cookie, and works whatever name reached a server on 0.0.0.0). Set per
        # request: nothing between here and its use in the template awaits.
        self.public_url = f"{request.scheme}://{request.host}"
        return await super().handle_index(request)

    async def web_app(self) -> web.Application:
        return await self._make_app()


async def serve(
    server: SwarmServer,
    *,
    middleware: Any,
    host: str,
    port: int,
    ready: Callable[[int], None],
    stop: asyncio.Event | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM (or `stop`); `ready(port)` once the port is bound.

    `ServeError` when the address cannot be bound (a port in use, an address not here)."""
    app = await server.web_app()
    app.middlewares.append(middleware)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    # A short shutdown: open pages are closed (each app process told to quit) right away.
    site = web.TCPSite(runner, host or None, port, shutdown_timeout=2.0)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        reason = "address already in use" if exc.errno == errno.EADDRINUSE else exc.strerror
        raise ServeError(f"cannot serve on {url_host(host)}:{port}: {reason or exc}") from None
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        bound = runner.addresses[0][1] if runner.addresses else port
        ready(int(bound))
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await runner.cleanup()
