"""The `openai` runner: any OpenAI-compatible chat-completions server, streamed over SSE with httpx.

One streaming request per agent (`stream: true`, asking for usage in the last chunk). Text is
coalesced into output events (on a newline, or every ~50 ms), never one event per token. 429, 5xx,
connection errors and streams that break off are retried with exponential backoff, honouring
`Retry-After`. Cancelling the agent leaves the `async with` blocks, which closes the stream at once.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from swarmtui.backend_names import DEFAULT_KEY_ENVS
from swarmtui.engine.runners.base import AgentFailed, AgentJob, AgentResult, OutputSink
from swarmtui.engine.runners.files import write_fenced_files, write_log
from swarmtui.engine.runners.prompt import Prompt, build_prompt
from swarmtui.engine.runners.secrets import StreamRedactor, redact, secret_values
from swarmtui.engine.settings import RunSettings

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_KEY_ENV = DEFAULT_KEY_ENVS["openai"]
FLUSH_INTERVAL = 0.05


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _StreamOptionsRefused(Exception):
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
class _Attempt:
    model: str = ""
    text: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    usage_seen: bool = False
    usage_source: str = "reported by the server"


class OpenAIRunner:
    name = "openai"

    def __init__(self, settings: RunSettings) -> None:
        self.settings = settings
        self.options = settings.backends.openai
        base_url = settings.base_url or self.options.base_url or DEFAULT_BASE_URL
        self.base_url = base_url.rstrip("/")
        self.key_env: str = self.options.api_key_env or DEFAULT_KEY_ENV
        # The tokenizer endpoint that answered before; False once none did (asked once per run).
        self._tokenizer: tuple[str, str, str] | bool | None = None

    def model_for(self, job: AgentJob) -> str | None:
        """The job's model (the plan resolved it), else this backend's default."""
        return job.model or self.settings.default_model(self.name)

    def cost(self, model: str, tokens_in: int, tokens_out: int) -> float | None:
        price = self.settings.prices.get(model)
        if price is None:
            return None
        return (tokens_in * price.input + tokens_out * price.output) / 1e6

    def would_run(self, job: AgentJob) -> str:
        model = self.model_for(job) or "(no model)"
        return f"POST {self.base_url}/chat/completions (model {model})"

    async def run(self, job: AgentJob, sink: OutputSink) -> AgentResult:
        model = self.model_for(job)
        if not model:
            raise AgentFailed(
                "no model for the openai backend: pass --model or set "
                "[backends.openai] model in swarmtui.toml"
            )
        key = os.environ.get(self.key_env, "").strip()
        secrets = secret_values(self.settings)
        if key and key not in secrets:
            secrets.append(key)
        prompt = build_prompt(job, files_in_text=True)
        body: dict[str, Any] = {
            "model": model,
            "messages": prompt.as_messages(),
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if self.options.max_tokens is not None:
            body["max_tokens"] = self.options.max_tokens
        if self.options.temperature is not None:
            body["temperature"] = self.options.temperature
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        url = f"{self.base_url}/chat/completions"
        timeout = httpx.Timeout(self.options.timeout, connect=self.options.connect_timeout)
        partial = _Attempt(model=model)
        try:
            async with httpx.AsyncClient(timeout=timeout) as client:
                result = await self._with_retries(
                    client, url, headers, body, sink, secrets, partial
                )
                if not result.usage_seen and self.options.count_with_tokenizer:
                    await self._count_with_tokenizer(client, headers, prompt, result, sink)
        except AgentFailed as exc:
            reason = redact(str(exc), secrets)
            self._log(job, model, prompt, partial, secrets, failure=reason)
            raise AgentFailed(reason) from None
        cost = self.cost(model, result.tokens_in, result.tokens_out)
        files = self._write_files(job, result.text, sink)
        files.append(self._log(job, model, prompt, result, secrets))
        return AgentResult(
            text=result.text,
            tokens_in=result.tokens_in,
            tokens_out=result.tokens_out,
            cost_usd=cost,
            files=[f for f in files if f],
        )

    async def _with_retries(
        self,
        client: httpx.AsyncClient,
        url: str,
        headers: dict[str, str],
        body: dict[str, Any],
        sink: OutputSink,
        secrets: list[str],
        partial: _Attempt,
    ) -> _Attempt:
        attempts = self.options.max_retries + 1
        attempt = 1
        while True:
            coalescer = Coalescer(lambda text: sink.output(text, "text"), secrets)
            try:
                return await self._stream_once(client, url, headers, body, sink, coalescer)
            except _StreamOptionsRefused:
                body = {k: v for k, v in body.items() if k != "stream_options"}
                sink.output("server refused stream_options; asking without it\n", "info")
                continue
            except _Retryable as exc:
                partial.text = coalescer.finish()
                reason = redact(exc.reason, secrets)
                if attempt >= attempts:
                    tries = f"{attempts} attempts" if attempts > 1 else "1 attempt"
                    raise AgentFailed(f"{reason} (gave up after {tries})") from None
                delay, why = self._delay(attempt, exc.retry_after)
                sink.output(
                    f"{reason}; retrying in {delay:.2f} s{why} (attempt {attempt + 1} of "
                    f"{attempts})\n",
                    "info",
                )
                await asyncio.sleep(delay)
                attempt += 1
            except AgentFailed:
                partial.text = coalescer.finish()
                raise
            except BaseException:  # cancelled: stop at once, emit nothing more
                coalescer.discard()
                raise

    def _delay(self, attempt: int, retry_after: float | None) -> tuple[float, str]:
        cap = self.options.max_retry_wait
        if retry_after is not None:
            if retry_after > cap:
                return cap, f" (server asked {retry_after:g} s; capped by max_retry_wait)"
            return retry_after, " (as the server's Retry-After asked)"
        return min(cap, self.options.retry_backoff * 2 ** (attempt - 1)), ""

    async def _stream_once(
        self,
        client: httpx.AsyncClient,
        url: str,
        headers: dict[str, str],
        body: dict[str, Any],
        sink: OutputSink,
        coalescer: Coalescer,
    ) -> _Attempt:
        attempt = _Attempt(model=str(body["model"]))
        try:
            async with (
                asyncio.timeout(self.options.timeout),
                client.stream("POST", url, json=body, headers=headers) as response,
            ):
                await self._check_status(response, url, "stream_options" in body)
                content_type = response.headers.get("content-type", "")
                if "text/event-stream" not in content_type:
                    await self._whole_response(response, content_type, sink, coalescer, attempt)
                else:
                    await self._read_events(response, url, sink, coalescer, attempt)
        except TimeoutError:
            raise AgentFailed(
                f"no complete answer from {url} within {self.options.timeout:g} s "
                "(timeout per request)"
            ) from None
        except httpx.TimeoutException as exc:
            raise _Retryable(f"{url} timed out ({type(exc).__name__})") from None
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise _Retryable(f"cannot connect to {url} ({_cause(exc)})") from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            received = len("".join(coalescer.text))
            raise _Retryable(
                f"connection to {url} broke after {received} characters ({_cause(exc)})"
            ) from None
        except httpx.HTTPError as exc:
            raise AgentFailed(f"request to {url} failed: {_cause(exc)}") from None
        except (AgentFailed, _Retryable, _StreamOptionsRefused):
            raise
        except Exception as exc:  # e.g. a transport's ExceptionGroup: say what is inside
            raise AgentFailed(f"request to {url} failed: {_cause(exc)}") from None
        attempt.text = coalescer.finish()
        return attempt

    async def _check_status(self, response: httpx.Response, url: str, sent_options: bool) -> None:
        status = response.status_code
        if status == 200:
            return
        raw = (await response.aread())[:8192].decode("utf-8", "replace")
        message = f"HTTP {status} from {url}: {error_message(raw)}"
        if status == 429 or status >= 500:
            raise _Retryable(message, parse_retry_after(response.headers.get("retry-after")))
        if sent_options and status in (400, 422) and "stream_options" in raw:
            raise _StreamOptionsRefused()
        raise AgentFailed(message)

    async def _read_events(
        self,
        response: httpx.Response,
        url: str,
        sink: OutputSink,
        coalescer: Coalescer,
        attempt: _Attempt,
    ) -> None:
        done = finished = False
        async for line in response.aiter_lines():
            if not line.startswith("data:"):
                continue  # blank separators, comments (":"), event:/id:/retry: fields
            data = line[5:].strip()
            if data == "[DONE]":
                done = True
                break
            try:
                chunk = json.loads(data)
            except ValueError:
                sink.output(f"unreadable event from the server: {data[:200]}\n", "info")
                continue
            if not isinstance(chunk, dict):
                sink.output(f"unexpected event from the server: {data[:200]}\n", "info")
                continue
            if chunk.get("error"):
                raise AgentFailed(f"{url} reported an error: {error_message(data)}")
            finished = self._apply_chunk(chunk, coalescer, attempt, sink) or finished
        if not (done or finished):
            raise _Retryable(f"the stream from {url} ended before the answer was complete")

    def _apply_chunk(
        self, chunk: dict[str, Any], coalescer: Coalescer, attempt: _Attempt, sink: OutputSink
    ) -> bool:
        finished = False
        for choice in chunk.get("choices") or []:
            if not isinstance(choice, dict):
                continue
            delta = choice.get("delta") or choice.get("message") or {}
            content = delta.get("content") if isinstance(delta, dict) else None
            if isinstance(content, str) and content:
                coalescer.add(content)
            elif isinstance(choice.get("text"), str):
                coalescer.add(choice["text"])
            finished = finished or bool(choice.get("finish_reason"))
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            tokens_in = usage.get("prompt_tokens")
            tokens_out = usage.get("completion_tokens")
            if isinstance(tokens_in, int) and isinstance(tokens_out, int):
                attempt.tokens_in, attempt.tokens_out = tokens_in, tokens_out
                attempt.usage_seen = True
                sink.usage(tokens_in, tokens_out, self.cost(attempt.model, tokens_in, tokens_out))
        return finished

    async def _whole_response(
        self,
        response: httpx.Response,
        content_type: str,
        sink: OutputSink,
        coalescer: Coalescer,
        attempt: _Attempt,
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
        usage = data.get("usage") or {}
        chunk = {"choices": data["choices"], "usage": usage}
        self._apply_chunk(chunk, coalescer, attempt, sink)

    async def _count_with_tokenizer(
        self,
        client: httpx.AsyncClient,
        headers: dict[str, str],
        prompt: Prompt,
        result: _Attempt,
        sink: OutputSink,
    ) -> None:
        """A stream without usage (llama-cpp-python's server): ask the server's own tokenizer.

        These are the server's counts of the texts exchanged, not estimates; the chat template's
        few extra prompt tokens are not included. Servers without such an endpoint: no counts.
        """
        prompt_text = "\n".join(message["content"] for message in prompt.as_messages())
        tokens_in = await self._tokenize_count(client, headers, prompt_text)
        if tokens_in is None:
            return
        tokens_out = 0
        if result.text:
            # A tokenizer may add a start-of-text token that no answer contains: subtract it.
            baseline = await self._tokenize_count(client, headers, "")
            answer = await self._tokenize_count(client, headers, result.text)
            if baseline is None or answer is None:
                return
            tokens_out = max(0, answer - baseline)
        counts = (tokens_in, tokens_out)
        result.tokens_in, result.tokens_out = counts
        result.usage_seen = True
        result.usage_source = "counted by the server's tokenizer; the stream reported none"
        sink.output(f"token counts from the server's tokenizer ({self._tokenizer_url()})\n", "info")
        sink.usage(result.tokens_in, result.tokens_out, self.cost(result.model, *counts))

    def _tokenizer_url(self) -> str:
        return self._tokenizer[0] if isinstance(self._tokenizer, tuple) else ""

    async def _tokenize_count(
        self, client: httpx.AsyncClient, headers: dict[str, str], text: str
    ) -> int | None:
        root = self.base_url.removesuffix("/v1")
        # llama-cpp-python's server, then llama.cpp's own server.
        candidates = [
            (f"{root}/extras/tokenize/count", "input", "count"),
            (f"{root}/tokenize", "content", "tokens"),
        ]
        if self._tokenizer is False:
            return None
        if isinstance(self._tokenizer, tuple):
            candidates = [self._tokenizer]
        for url, field_in, field_out in candidates:
            try:
                response = await client.post(
                    url, json={field_in: text}, headers=headers, timeout=30
                )
                value = response.json().get(field_out) if response.status_code == 200 else None
            except (httpx.HTTPError, ValueError, AttributeError):
                value = None
            count = len(value) if isinstance(value, list) else value
            if isinstance(count, int) and not isinstance(count, bool):
                self._tokenizer = (url, field_in, field_out)
                return count
        self._tokenizer = False
        return None

    def _write_files(self, job: AgentJob, text: str, sink: OutputSink) -> list[str]:
        refuse = job.gate.write_problem if job.gate is not None else None
        report = write_fenced_files(text, job.session_dir, refuse)
        for problem in report.problems:
            sink.output(f"file not written: {problem}\n", "info")
        return report.written

    def _log(
        self,
        job: AgentJob,
        model: str,
        prompt: Prompt,
        result: _Attempt,
        secrets: list[str],
        failure: str | None = None,
    ) -> str:
        usage = (
            f"tokens in {result.tokens_in}, out {result.tokens_out} ({result.usage_source})"
            if result.usage_seen
            else "the server reported no token counts"
        )
        parts = [
            f"# {job.name} ({job.type}), attempt {job.attempt}",
            f"- backend: openai, model: {model}, server: {self.base_url}",
            f"- {usage}",
        ]
        if failure:
            parts.append(f"- failed: {failure}")
        parts += [f"## System\n\n{prompt.system}", f"## User\n\n{prompt.user}"]
        parts.append(f"## Assistant\n\n{result.text}")
        text = redact("\n\n".join(parts) + "\n", secrets)
        try:
            return write_log(job.session_dir, job.name, job.attempt, ".transcript.md", text)
        except OSError:
            return ""


def _cause(exc: BaseException) -> str:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]  # the group's own text ("unhandled errors...") says nothing
    text = str(exc).strip()
    return text or type(exc).__name__


def create_runner(settings: RunSettings) -> OpenAIRunner:
    return OpenAIRunner(settings)
