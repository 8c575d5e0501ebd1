"""Reading one chat completion from an OpenAI-compatible server: its server-sent events (or the
one JSON answer of a server that does not stream), errors, Retry-After, and the text coalescer.

`read_events` keeps what decides whether an answer is complete: the finish reason (an answer
without one was cut off, even when the server closed the stream with `[DONE]`) and whether the
server said `[DONE]` at all.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from swarmtui.engine.runners.base import AgentFailed
from swarmtui.engine.runners.prompt import CHARS_PER_TOKEN
from swarmtui.engine.runners.secrets import StreamRedactor

FLUSH_INTERVAL = 0.05


class Retryable(Exception):
    """A failure worth asking again (429, 5xx, a broken connection)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class StreamOptionsRefused(Exception):
    """The server rejected `stream_options`: ask again without it."""


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if unusable."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def error_message(body: str) -> str:
    """The readable part of an error response (OpenAI's `{"error": {"message"}}` and cousins)."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, dict):
        error = data.get("error", data.get("detail", data.get("message")))
        if isinstance(error, dict):
            error = error.get("message", error)
        if error is not None:
            body = error if isinstance(error, str) else json.dumps(error)
    text = " ".join(body.split())
    return text[:300] + ("..." if len(text) > 300 else "") if text else "(empty body)"


def cause(exc: BaseException) -> str:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]  # the group's own text ("unhandled errors...") says nothing
    text = str(exc).strip()
    return text or type(exc).__name__


class Coalescer:
    """Buffers streamed text and emits it on a newline or FLUSH_INTERVAL after it began to wait."""

    def __init__(
        self, emit: Callable[[str], None], secrets: list[str], interval: float = FLUSH_INTERVAL
    ) -> None:
        self._emit = emit
        self._redactor = StreamRedactor(secrets)
        self._interval = interval
        self._buffer: list[str] = []
        self._timer: asyncio.TimerHandle | None = None
        self.text: list[str] = []  # everything emitted, redacted

    def add(self, piece: str) -> None:
        safe = self._redactor.feed(piece)
        if safe:
            self._buffer.append(safe)
        if "\n" in safe:
            self.flush()
        elif self._buffer and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._interval, self.flush)

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._buffer:
            chunk = "".join(self._buffer)
            self._buffer.clear()
            self.text.append(chunk)
            self._emit(chunk)

    @property
    def received(self) -> int:
        """Characters received so far (shown or held back)."""
        return sum(map(len, self.text)) + sum(map(len, self._buffer))

    def finish(self) -> str:
        """Release everything held back; the whole text."""
        tail = self._redactor.flush()
        if tail:
            self._buffer.append(tail)
        self.flush()
        return "".join(self.text)

    def discard(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._buffer.clear()


@dataclass
class Answer:
    """One completion as it arrived."""

    text: str = ""
    pieces: int = 0  # streamed pieces of text
    chars: int = 0  # characters of text streamed so far
    finish_reason: str | None = None
    done: bool = False  # the server said [DONE]
    tokens_in: int = 0
    tokens_out: int = 0
    usage_seen: bool = False

    def counted_out(self) -> int:
        """Its tokens as swarmtui counts them while the server has not said: one per
        `CHARS_PER_TOKEN` characters, as the prompt is counted, and at least one per streamed
        piece (a server that streams no usage may send a whole paragraph per piece)."""
        return max(self.pieces, -(-self.chars // CHARS_PER_TOKEN))


Usage = Callable[[Answer], None]


def apply_chunk(chunk: dict[str, Any], coalescer: Coalescer, answer: Answer) -> bool:
    """Fold one chunk (or a whole completion) into ANSWER; whether it carried usage."""
    choices = chunk.get("choices")
    for choice in choices if isinstance(choices, list) else ():
        if not isinstance(choice, dict):
            continue
        delta = choice.get("delta") or choice.get("message") or {}
        content = delta.get("content") if isinstance(delta, dict) else None
        if not (isinstance(content, str) and content) and isinstance(choice.get("text"), str):
            content = choice["text"]
        if isinstance(content, str) and content:
            coalescer.add(content)
            answer.pieces += 1
            answer.chars += len(content)
        reason = choice.get("finish_reason")
        if isinstance(reason, str) and reason:
            answer.finish_reason = reason
    usage = chunk.get("usage")
    if isinstance(usage, dict):
        tokens_in = usage.get("prompt_tokens")
        tokens_out = usage.get("completion_tokens")
        if isinstance(tokens_in, int) and isinstance(tokens_out, int):
            answer.tokens_in, answer.tokens_out = tokens_in, tokens_out
            answer.usage_seen = True
            return True
    return False


async def check_status(response: httpx.Response, url: str, sent_options: bool) -> None:
    status = response.status_code
    if status == 200:
        return
    raw = (await response.aread())[:8192].decode("utf-8", "replace")
    message = f"HTTP {status} from {url}: {error_message(raw)}"
    if status == 429 or status >= 500:
        raise Retryable(message, parse_retry_after(response.headers.get("retry-after")))
    if sent_options and status in (400, 422) and "stream_options" in raw:
        raise StreamOptionsRefused()
    raise AgentFailed(message)


async def read_events(
    response: httpx.Response,
    url: str,
    coalescer: Coalescer,
    answer: Answer,
    on_piece: Usage,
    info: Callable[[str], None],
) -> None:
    """The server-sent events of one streamed completion, into ANSWER (ON_PIECE after each)."""
    async for line in response.aiter_lines():
        if not line.startswith("data:"):
            continue  # blank separators, comments (":"), event:/id:/retry: fields
        data = line[5:].strip()
        if data == "[DONE]":
            answer.done = True
            break
        try:
            chunk = json.loads(data)
        except ValueError:
            info(f"unreadable event from the server: {data[:200]}\n")
            continue
        if not isinstance(chunk, dict) or not isinstance(chunk.get("choices", []), list):
            info(f"unexpected event from the server: {data[:200]}\n")
            continue
        if chunk.get("error"):
            raise AgentFailed(f"{url} reported an error: {error_message(data)}")
        apply_chunk(chunk, coalescer, answer)
        on_piece(answer)
    if not answer.done and answer.finish_reason is None:
        raise Retryable(f"the stream from {url} ended before the answer was complete")


async def whole_response(
    response: httpx.Response, content_type: str, coalescer: Coalescer, answer: Answer
) -> None:
    """A server that ignored `stream: true` and answered with one JSON completion."""
    raw = (await response.aread()).decode("utf-8", "replace")
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("choices"), list):
        kind = content_type.split(";")[0] or "no content type"
        raise AgentFailed(
            f"the server answered with {kind}, not a chat completion: {error_message(raw)}"
        )
    apply_chunk({"choices": data["choices"], "usage": data.get("usage") or {}}, coalescer, answer)
    answer.done = True
