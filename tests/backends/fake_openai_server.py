"""A FAKE of the OpenAI chat-completions API, for testing our client: not a model, not a real peer.

It listens on 127.0.0.1 (a free port) in a thread of its own, so both in-process runners and
`swarmtui run` subprocesses can talk to it. Each request is answered by the next scripted handler
(or the default one); handlers write real HTTP/1.1 with chunked server-sent events, so a handler
can also stall, break a stream in the middle, or answer 429/500 like a busy server.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Connection:
    """One client connection, with helpers to answer in the ways a server can."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def respond(
        self, status: int, body: str | bytes, headers: dict[str, str] | None = None
    ) -> None:
        data = body.encode() if isinstance(body, str) else body
        head = {"Content-Type": "application/json", **(headers or {})}
        head["Content-Length"] = str(len(data))
        head["Connection"] = "close"
        lines = "".join(f"{k}: {v}\r\n" for k, v in head.items())
        self.writer.write(f"HTTP/1.1 {status} X\r\n{lines}\r\n".encode() + data)
        await self.writer.drain()

    async def start_sse(self) -> None:
        self.writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        )
        await self.writer.drain()

    async def raw_chunk(self, data: bytes) -> None:
        self.writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        await self.writer.drain()

    async def data(self, payload: Any) -> None:
        text = payload if isinstance(payload, str) else json.dumps(payload)
        await self.raw_chunk(f"data: {text}\n\n".encode())

    async def content(self, text: str, finish: str | None = None) -> None:
        await self.data(
            {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}]}
        )

    async def finish(self, usage: tuple[int, int] | None = None) -> None:
        """finish_reason, the usage chunk (when given), [DONE], end of body."""
        await self.data({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        if usage is not None:
            prompt, completion = usage
            await self.data(
                {
                    "choices": [],
                    "usage": {
                        "prompt_tokens": prompt,
                        "completion_tokens": completion,
                        "total_tokens": prompt + completion,
                    },
                }
            )
        await self.data("[DONE]")
        await self.raw_end()

    async def raw_end(self) -> None:
        self.writer.write(b"0\r\n\r\n")
        await self.writer.drain()

    async def break_off(self) -> None:
        """Die in the middle of a chunk: the client sees a broken body, not a clean end."""
        self.writer.write(b'40\r\ndata: {"choi')
        await self.writer.drain()
        self.writer.transport.abort()

    async def wait_client_gone(self) -> None:
        while await self.reader.read(1024):
            pass


Handler = Callable[[Request, Connection], Awaitable[None]]


def stream_reply(texts: list[str], usage: tuple[int, int] | None = (11, 7)) -> Handler:
    async def handler(request: Request, conn: Connection) -> None:
        await conn.start_sse()
        for text in texts:
            await conn.content(text)
        await conn.finish(usage)

    return handler


async def _not_found(request: Request, conn: Connection) -> None:
    await conn.respond(404, '{"detail": "Not Found"}')


@dataclass
class FakeOpenAIServer:
    """Start with `start()`, stop with `stop()`; `base_url` ends in /v1 like the real thing."""

    default: Handler = field(default_factory=lambda: stream_reply(["Hello", " from the fake"]))
    handlers: deque[Handler] = field(default_factory=deque)
    requests: list[Request] = field(default_factory=list)
    # Other endpoints by path (a tokenizer, say); any path not served here answers 404.
    routes: dict[str, Handler] = field(default_factory=dict)
    port: int = 0

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._lock = threading.Lock()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *handlers: Handler) -> None:
        with self._lock:
            self.handlers.extend(handlers)

    def start(self) -> FakeOpenAIServer:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        future.result(timeout=10)
        return self

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for writer in list(self._writers):
                writer.transport.abort()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def die(self) -> None:
        """From a handler: stop listening and drop every connection, like a crashed server."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            method, path, _ = request_line.split(" ", 2)
            headers = {}
            for line in header_lines:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            request = Request(method, path, headers, body)
            with self._lock:
                self.requests.append(request)
                if path in self.routes:
                    handler = self.routes[path]
                elif path != "/v1/chat/completions":
                    handler = _not_found
                else:
                    handler = self.handlers.popleft() if self.handlers else self.default
            await handler(request, Connection(reader, writer))
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
