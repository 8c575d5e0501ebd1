"""What swarmtui knows of an OpenAI-compatible server, and how many requests it sends it at once.

`probe` is the pre-flight check of one server before any agent starts: does it answer, does it
serve the model, does it accept the key (one line when not), and what kind of server it is.
llama.cpp's own server reports its slots (`/props`: `total_slots`); llama-cpp-python's runs one
request at a time, and by default a new request *interrupts* the one being streamed; Ollama
queues what it cannot take (one at a time unless OLLAMA_NUM_PARALLEL says more). The limit of
a server is, first to last: `[endpoints."URL"] max_parallel`, `[backends.openai] max_parallel`,
what the server said, none.

`EndpointLimit` is the queue in front of one server: a request that finds every slot taken
waits in order and says so (`on_wait`), which the agent's run shows as waiting for the server,
not as running.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx

# The flag that stops llama-cpp-python's server from cutting a stream off for the next request.
LLAMA_CPP_PYTHON_FLAG = "--interrupt_requests False"
PROBE_TIMEOUT = 10.0


@dataclass(frozen=True)
class ServerInfo:
    """What the pre-flight check learned of a server."""

    kind: str | None = None  # "llama.cpp", "llama-cpp-python", "ollama", None (unknown)
    slots: int | None = None  # requests it serves at once, when it says or is known for it
    slots_source: str = ""
    models: tuple[str, ...] | None = None  # what /models listed (None: no listing)
    problem: str | None = None  # one line: why no agent could work with it

    @property
    def single_model(self) -> bool:
        """llama.cpp's servers answer every request with their one model, whatever its name."""
        return self.kind in ("llama.cpp", "llama-cpp-python")

    def describe(self) -> str:
        parts = [self.kind or "OpenAI-compatible server"]
        if self.models is not None:
            shown = ", ".join(self.models[:5]) + (", ..." if len(self.models) > 5 else "")
            parts.append(f"models: {shown or 'none'}")
        if self.slots is not None:
            parts.append(f"{self.slots} slot{'s' if self.slots != 1 else ''} ({self.slots_source})")
        return "; ".join(parts)


def cut_off_hint(kind: str | None) -> str:
    """What a user can do about a stream the server ended without a finish reason."""
    if kind == "llama-cpp-python":
        return (
            "llama-cpp-python's server ends a streaming answer when another request arrives: "
            f"start it with {LLAMA_CPP_PYTHON_FLAG}, or set max_parallel = 1 for it"
        )
    return (
        "the server cut the answer off (a server that serves one request at a time may end a "
        "stream when the next request arrives: set max_parallel = 1 for it)"
    )


def _root(base_url: str) -> str:
    return base_url.rstrip("/").removesuffix("/v1")


def _message(response: httpx.Response) -> str:
    text = " ".join(response.text.split())
    return text[:200] + ("..." if len(text) > 200 else "")


async def _get_json(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> Any:
    """The JSON at URL, or None for anything else (missing, not JSON, refused)."""
    try:
        response = await client.get(url, headers=headers)
        return response.json() if response.status_code == 200 else None
    except Exception:  # (anything: this is only a question)
        return None


async def _server_kind(
    client: httpx.AsyncClient, base_url: str, headers: dict[str, str]
) -> tuple[str | None, int | None, str]:
    root = _root(base_url)
    props = await _get_json(client, f"{root}/props", headers)
    if isinstance(props, dict) and isinstance(props.get("total_slots"), int):
        return "llama.cpp", props["total_slots"], "learned from its /props"
    schema = await _get_json(client, f"{root}/openapi.json", headers)
    info = schema.get("info") if isinstance(schema, dict) else None
    title = info.get("title", "") if isinstance(info, dict) else ""
    if isinstance(title, str) and "llama.cpp" in title:
        return "llama-cpp-python", 1, "llama-cpp-python's server runs one request at a time"
    version = await _get_json(client, f"{root}/api/version", headers)
    if isinstance(version, dict) and "version" in version:
        return "ollama", 1, "Ollama's default OLLAMA_NUM_PARALLEL; set max_parallel if it runs more"
    return None, None, ""


async def probe(
    base_url: str,
    headers: dict[str, str],
    models: list[str],
    *,
    key_env: str,
    learn: bool = True,
    timeout: float = PROBE_TIMEOUT,
) -> ServerInfo:
    """Check the server at BASE_URL before any agent uses it (see the module's docstring)."""
    url = f"{base_url.rstrip('/')}/models"
    async with httpx.AsyncClient(timeout=timeout) as client:
        try:
            response = await client.get(url, headers=headers)
        except Exception as exc:  # httpx's errors, a transport's ExceptionGroup
            inner: BaseException = exc
            while isinstance(inner, BaseExceptionGroup) and inner.exceptions:
                inner = inner.exceptions[0]
            cause = str(inner).strip() or type(inner).__name__
            return ServerInfo(
                problem=f"no answer from the server at {base_url} ({cause}): is it running, "
                "and is --base-url / [backends.openai] base_url right?"
            )
        status = response.status_code
        if status in (401, 403):
            given = "the key in" if headers else "no key: set"
            return ServerInfo(
                problem=f"the server at {base_url} refused {given} ${key_env} "
                f"(HTTP {status}: {_message(response)})"
            )
        listed: tuple[str, ...] | None = None
        if status == 200:
            try:
                data = response.json().get("data")
            except (ValueError, AttributeError):
                data = None
            if isinstance(data, list):
                ids = (m.get("id") for m in data if isinstance(m, dict))
                listed = tuple(i for i in ids if isinstance(i, str))
        elif status >= 500:
            return ServerInfo(
                problem=f"the server at {base_url} is failing (HTTP {status} for /models: "
                f"{_message(response)})"
            )
        kind, slots, source = None, None, ""
        if learn:
            kind, slots, source = await _server_kind(client, base_url, headers)
    info = ServerInfo(kind=kind, slots=slots, slots_source=source, models=listed)
    if listed is not None and not info.single_model:
        unknown = [m for m in dict.fromkeys(models) if m not in listed]
        if unknown:
            shown = ", ".join(listed[:8]) + (", ..." if len(listed) > 8 else "")
            names = ", ".join(repr(m) for m in unknown)
            return ServerInfo(
                kind=kind,
                models=listed,
                problem=f"the server at {base_url} does not serve {names} "
                f"(it serves: {shown or 'nothing'})",
            )
    return info


OnWait = Callable[[int, int], None]  # (limit, requests ahead)


class EndpointLimit:
    """At most `limit` requests at once to one server; the others wait in order (FIFO)."""

    def __init__(self, endpoint: str, limit: int | None = None, source: str = "") -> None:
        self.endpoint = endpoint
        self.limit = limit
        self.source = source
        self._active = 0
        self._waiting: deque[asyncio.Future[None]] = deque()

    @contextlib.asynccontextmanager
    async def slot(self, on_wait: OnWait, on_slot: Callable[[], None]) -> AsyncIterator[None]:
        """Hold one of the server's slots for the body; ON_WAIT/ON_SLOT tell of a wait."""
        limit = self.limit
        if limit is not None and (self._active >= limit or self._waiting):
            turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiting.append(turn)
            on_wait(limit, self._active + len(self._waiting) - 1)
            try:
                await turn
            except BaseException:
                if turn.done() and not turn.cancelled():
                    self._release()  # (it was handed a slot just as it was cancelled)
                elif turn in self._waiting:
                    self._waiting.remove(turn)
                raise
            on_slot()
        else:
            self._active += 1
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)  # (the slot passes on: the count stays)
                return
        self._active -= 1
