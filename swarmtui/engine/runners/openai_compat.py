"""The `openai` runner: any OpenAI-compatible chat-completions server, streamed over SSE with httpx.

One streaming request per answer (`stream: true`, asking for usage in the last chunk). Text is
coalesced into output events (on a newline, or every ~50 ms), never one event per token. 429, 5xx,
connection errors and streams that break off are retried with exponential backoff, honouring
`Retry-After`. Cancelling the agent leaves the `async with` blocks, which closes the stream at once.

Honest endings: an answer is complete only with a finish reason. A stream the server closes
without one (llama-cpp-python's server does that to the streaming request when another arrives),
an answer cut off at the token limit (`length`) or stopped by a content filter, and an answer
with no text are failed attempts with a reason that says what to do; the batch's retry policy
decides whether to try again.

Before any agent, the pre-flight check (`swarmtui.engine.endpoints.probe`) asks the server what
it is; requests then queue for its slots (`EndpointLimit`), the wait shown as waiting for the
server. While the answer streams, usage is counted (a token per four characters of the prompt
and of the answer, at least one per streamed piece: `Answer.counted_out`) so that the hard caps
can stop the agent within one piece; the server's own figures replace the count when they come.
A message sent to the agent becomes a user turn: before the first request, or after the answer
being streamed (the conversation goes on).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import httpx

from swarmtui.backend_names import DEFAULT_KEY_ENVS
from swarmtui.engine.endpoints import EndpointLimit, ServerInfo, cut_off_hint, probe
from swarmtui.engine.output_log import stored_once
from swarmtui.engine.runners.base import (
    AgentFailed,
    AgentJob,
    AgentResult,
    LogRange,
    OutputSink,
    Preflight,
)
from swarmtui.engine.runners.files import write_fenced_files, write_log
from swarmtui.engine.runners.openai_stream import (
    Answer,
    Coalescer,
    Retryable,
    StreamOptionsRefused,
    cause,
    check_status,
    error_message,
    parse_retry_after,
    read_events,
    whole_response,
)
from swarmtui.engine.runners.prompt import build_prompt, count_tokens
from swarmtui.engine.runners.secrets import redact, secret_values
from swarmtui.engine.settings import RunSettings

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_KEY_ENV = DEFAULT_KEY_ENVS["openai"]
DELIVERY = "as a user turn: before the first request, or once the answer being streamed is complete"

__all__ = ["OpenAIRunner", "create_runner", "error_message", "parse_retry_after"]


class OpenAIRunner:
    name = "openai"

    def __init__(self, settings: RunSettings) -> None:
        self.settings = settings
        self.options = settings.backends.openai
        base_url = settings.base_url or self.options.base_url or DEFAULT_BASE_URL
        self.base_url = base_url.rstrip("/")
        self.key_env: str = self.options.api_key_env or DEFAULT_KEY_ENV
        # The tokenizer endpoint that answered before; False once none did (asked once per run).
        self.tokenizer: tuple[str, str, str] | bool | None = None
        endpoint = settings.endpoints.get(self.base_url)
        limit: tuple[int | None, str]
        if endpoint is not None and endpoint.max_parallel is not None:
            limit = (endpoint.max_parallel, f'[endpoints."{self.base_url}"] max_parallel')
        elif self.options.max_parallel is not None:
            limit = (self.options.max_parallel, "[backends.openai] max_parallel")
        else:
            limit = (None, "")
        self.limit = EndpointLimit(self.base_url, *limit)
        self.server = ServerInfo()  # what the pre-flight check learned

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

    def key(self) -> str:
        return os.environ.get(self.key_env, "").strip()

    def headers(self) -> dict[str, str]:
        key = self.key()
        return {"Authorization": f"Bearer {key}"} if key else {}

    async def preflight(self, models: list[str]) -> list[Preflight]:
        limit = self.limit
        if not self.options.preflight:
            detail = "not checked ([backends.openai] preflight = false)"
            return [Preflight(self.base_url, None, detail, limit.limit, limit.source)]
        info = await probe(
            self.base_url,
            self.headers(),
            models,
            key_env=self.key_env,
            timeout=self.options.connect_timeout,
        )
        self.server = info
        if limit.limit is None and info.slots is not None:
            limit.limit, limit.source = info.slots, info.slots_source
        problem = redact(info.problem, secret_values(self.settings)) if info.problem else None
        return [Preflight(self.base_url, problem, info.describe(), limit.limit, limit.source)]

    async def run(self, job: AgentJob, sink: OutputSink) -> AgentResult:
        model = self.model_for(job)
        if not model:
            raise AgentFailed(
                "no model for the openai backend: pass --model or set "
                "[backends.openai] model in swarmtui.toml"
            )
        key = self.key()
        secrets = secret_values(self.settings)
        if key and key not in secrets:
            secrets.append(key)
        talk = _Conversation(self, job, sink, model, secrets)
        timeout = httpx.Timeout(self.options.timeout, connect=self.options.connect_timeout)
        try:
            async with httpx.AsyncClient(timeout=timeout) as client:
                await talk.run(client)
        except AgentFailed as exc:
            reason = redact(str(exc), secrets)
            talk.write_log(failure=reason)
            raise type(exc)(reason) from None
        text = "\n\n".join(answer.text for answer in talk.answers)
        files, problems = self._write_files(job, text, sink)
        files.append(talk.write_log())
        tokens_in, tokens_out = talk.totals()
        return AgentResult(
            text=text,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost_usd=self.cost(model, tokens_in, tokens_out),
            files=[f for f in files if f],
            # (the answer is there, but not all of its work: said with its end, in the summary)
            warning=_not_written(problems),
        )

    def _write_files(
        self, job: AgentJob, text: str, sink: OutputSink
    ) -> tuple[list[str], list[str]]:
        """The files of the answer's fenced blocks, written: those written, and why the others
        were not."""
        refuse = job.gate.write_problem if job.gate is not None else None
        into = None
        if job.workdir is not None and job.workdir.is_relative_to(job.session_dir):
            into = job.workdir.relative_to(job.session_dir).as_posix()  # (its worktree)
        report = write_fenced_files(text, job.session_dir, refuse, into)
        for problem in report.problems:
            sink.output(f"file not written: {problem}\n", "info")
        return report.written, report.problems


class _Conversation:
    """One agent's exchange with the server: its answers, and the turns messages add."""

    def __init__(
        self, runner: OpenAIRunner, job: AgentJob, sink: OutputSink, model: str, secrets: list[str]
    ) -> None:
        self.runner = runner
        self.options = runner.options
        self.job = job
        self.sink = sink
        self.model = model
        self.secrets = secrets
        self.prompt = build_prompt(job, files_in_text=True)
        self.messages: list[dict[str, str]] = self.prompt.as_messages()
        self.url = f"{runner.base_url}/chat/completions"
        self.answers: list[Answer] = []
        self.current: Answer | None = None  # the answer being streamed
        self.turns: list[tuple[str, str]] = []  # what the transcript shows after the prompt
        # Tokens of the answers complete so far (each request re-sends the conversation).
        self._done_in = 0
        self._done_out = 0
        self._usage_source = ""
        self._final: Answer | None = None  # the answer whose final figures were reported
        # Where the answer being streamed began in the agent's output, and where the last
        # complete one is in its log file (a long answer's transcript refers to it).
        self._mark = 0
        self._logged: LogRange | None = None

    # --- the exchange -------------------------------------------------------------------------

    async def run(self, client: httpx.AsyncClient) -> None:
        inbox = self.job.inbox
        if inbox is not None:
            inbox.open(DELIVERY)
        while True:
            answer = await self._ask(client)
            self._check(answer)
            self.answers.append(answer)
            self.turns.append(("Assistant", stored_once(answer.text, self._logged)))
            self._done_in += answer.tokens_in
            self._done_out += answer.tokens_out
            if inbox is None or not len(inbox):
                if inbox is not None:
                    inbox.close("its answer is complete")
                return
            self.messages.append({"role": "assistant", "content": answer.text})

    def totals(self) -> tuple[int, int]:
        return self._done_in, self._done_out

    def _check(self, answer: Answer) -> None:
        """An answer that is not a complete one is a failed attempt, with what to do."""
        reason = answer.finish_reason
        size = f"{len(answer.text)} characters"
        if reason is None:
            hint = cut_off_hint(self.runner.server.kind)
            ended = f"the server ended the answer without a finish reason ({size})"
            raise AgentFailed(f"{ended}: {hint}")
        if reason == "length":
            limit = self.options.max_tokens
            now = f"it is {limit}" if limit else "unset: the server's own limit applied"
            raise AgentFailed(
                f"the answer was cut off at the token limit (finish reason 'length', {size}): "
                f"raise [backends.openai] max_tokens ({now}) or ask for a shorter answer"
            )
        if reason == "content_filter":
            raise AgentFailed(f"the server's content filter stopped the answer ({size})")
        if not answer.text.strip():
            raise AgentFailed(
                f"the server answered with no text (finish reason {reason!r}, "
                f"{answer.tokens_out} tokens out): nothing was done"
            )

    async def _ask(self, client: httpx.AsyncClient) -> Answer:
        """One complete answer, asked again on what is worth retrying."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": list(self.messages),
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if self.options.max_tokens is not None:
            body["max_tokens"] = self.options.max_tokens
        if self.options.temperature is not None:
            body["temperature"] = self.options.temperature
        if self.options.stop:
            body["stop"] = list(self.options.stop)
        attempts = self.options.max_retries + 1
        attempt = 1
        sink = self.sink
        limit = self.runner.limit
        while True:
            coalescer = Coalescer(lambda text: sink.output(text, "text"), self.secrets)
            answer = self.current = Answer()
            try:
                async with limit.slot(self._on_wait, self._on_slot):
                    # (what was sent while it waited for the server goes with this request)
                    if self._pass_messages_on():
                        body["messages"] = list(self.messages)
                    self._mark = sink.output_mark()
                    await self._stream_once(client, body, coalescer, answer)
                    self._logged = sink.output_range(self._mark)
                    if not answer.usage_seen and self.options.count_with_tokenizer:
                        await self._count_with_tokenizer(client, answer)
                if self._final is not answer:
                    self._report(answer, final=True)
                return answer
            except StreamOptionsRefused:
                body = {k: v for k, v in body.items() if k != "stream_options"}
                sink.output("server refused stream_options; asking without it\n", "info")
                continue
            except Retryable as exc:
                answer.text = coalescer.finish()
                reason = redact(exc.reason, self.secrets)
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
                answer.text = coalescer.finish()
                raise
            except BaseException:  # cancelled: stop at once, emit nothing more
                coalescer.discard()
                raise

    def _pass_messages_on(self) -> bool:
        """The messages sent to the agent since its last request become user turns of the
        next; whether there were any."""
        inbox = self.job.inbox
        taken = inbox.take() if inbox is not None else []
        for text in taken:
            self.messages.append({"role": "user", "content": text})
            self.turns.append(("User (a message sent while it ran)", text))
            self.sink.output("passing a message on as a user turn\n", "info")
        return bool(taken)

    def _on_wait(self, limit: int, ahead: int) -> None:
        self.sink.server_wait(self.runner.base_url, limit, ahead)

    def _on_slot(self) -> None:
        self.sink.server_slot(self.runner.base_url)

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
        body: dict[str, Any],
        coalescer: Coalescer,
        answer: Answer,
    ) -> None:
        url = self.url
        headers = self.runner.headers()
        try:
            async with (
                asyncio.timeout(self.options.timeout),
                client.stream("POST", url, json=body, headers=headers) as response,
            ):
                await check_status(response, url, "stream_options" in body)
                content_type = response.headers.get("content-type", "")
                if "text/event-stream" not in content_type:
                    await whole_response(response, content_type, coalescer, answer)
                else:
                    await read_events(response, url, coalescer, answer, self._on_piece, self._info)
        except TimeoutError:
            raise AgentFailed(
                f"no complete answer from {url} within {self.options.timeout:g} s "
                "(timeout per request)"
            ) from None
        except httpx.TimeoutException as exc:
            raise Retryable(f"{url} timed out ({type(exc).__name__})") from None
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise Retryable(f"cannot connect to {url} ({cause(exc)})") from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            if answer.finish_reason is None:
                raise Retryable(
                    f"connection to {url} broke after {coalescer.received} characters "
                    f"({cause(exc)})"
                ) from None
            # The answer was complete (it had its finish reason): only what follows was lost.
            self._info(f"the connection broke after the answer was complete ({cause(exc)})\n")
        except httpx.HTTPError as exc:
            raise AgentFailed(f"request to {url} failed: {cause(exc)}") from None
        except (AgentFailed, Retryable, StreamOptionsRefused):
            raise
        except Exception as exc:  # e.g. a transport's ExceptionGroup: say what is inside
            raise AgentFailed(f"request to {url} failed: {cause(exc)}") from None
        answer.text = coalescer.finish()

    def _info(self, text: str) -> None:
        self.sink.output(text, "info")

    # --- usage --------------------------------------------------------------------------------

    def _prompt_estimate(self) -> int:
        return count_tokens("".join(m["content"] for m in self.messages))

    def _on_piece(self, answer: Answer) -> None:
        """After each streamed chunk: the figures so far (the caps are checked on each)."""
        if answer.usage_seen:
            self._report(answer, final=answer.finish_reason is not None)
        elif answer.pieces:
            self._report(answer, final=False)

    def _report(self, answer: Answer, *, final: bool) -> None:
        if final:
            self._final = answer
        if answer.usage_seen:
            tokens_in, tokens_out, estimated = answer.tokens_in, answer.tokens_out, False
        else:
            tokens_in, tokens_out, estimated = self._prompt_estimate(), answer.counted_out(), True
            if final:  # what the record keeps when the server never said
                answer.tokens_in, answer.tokens_out = tokens_in, tokens_out
                self._usage_source = "counted by swarmtui: the server reported none"
        tokens_in += self._done_in
        tokens_out += self._done_out
        self.sink.usage(
            tokens_in,
            tokens_out,
            self.runner.cost(self.model, tokens_in, tokens_out),
            estimated=estimated,
            final=final,
        )

    async def _count_with_tokenizer(self, client: httpx.AsyncClient, answer: Answer) -> None:
        """A stream without usage (llama-cpp-python's server): ask the server's own tokenizer.

        These are the server's counts of the texts exchanged, not estimates; the chat template's
        few extra prompt tokens are not included. Servers without such an endpoint: counted by
        swarmtui (a token per four characters, at least one per streamed piece), marked as such.
        """
        prompt_text = "\n".join(message["content"] for message in self.messages)
        tokens_in = await self._tokenize_count(client, prompt_text)
        if tokens_in is None:
            return
        tokens_out = 0
        if answer.text:
            # A tokenizer may add a start-of-text token that no answer contains: subtract it.
            baseline = await self._tokenize_count(client, "")
            counted = await self._tokenize_count(client, answer.text)
            if baseline is None or counted is None:
                return
            tokens_out = max(0, counted - baseline)
        answer.tokens_in, answer.tokens_out = tokens_in, tokens_out
        answer.usage_seen = True
        self._usage_source = "counted by the server's tokenizer; the stream reported none"
        tokenizer = self.runner.tokenizer
        url = tokenizer[0] if isinstance(tokenizer, tuple) else ""
        self.sink.output(f"token counts from the server's tokenizer ({url})\n", "info")

    async def _tokenize_count(self, client: httpx.AsyncClient, text: str) -> int | None:
        runner = self.runner
        root = runner.base_url.removesuffix("/v1")
        # llama-cpp-python's server, then llama.cpp's own server.
        candidates = [
            (f"{root}/extras/tokenize/count", "input", "count"),
            (f"{root}/tokenize", "content", "tokens"),
        ]
        if runner.tokenizer is False:
            return None
        if isinstance(runner.tokenizer, tuple):
            candidates = [runner.tokenizer]
        for url, field_in, field_out in candidates:
            try:
                response = await client.post(
                    url, json={field_in: text}, headers=runner.headers(), timeout=30
                )
                value = response.json().get(field_out) if response.status_code == 200 else None
            except (httpx.HTTPError, ValueError, AttributeError):
                value = None
            count = len(value) if isinstance(value, list) else value
            if isinstance(count, int) and not isinstance(count, bool):
                runner.tokenizer = (url, field_in, field_out)
                return count
        runner.tokenizer = False
        return None

    # --- the transcript -----------------------------------------------------------------------

    def write_log(self, failure: str | None = None) -> str:
        job = self.job
        tokens_in, tokens_out = self.totals()
        current = self.current
        if failure and current is not None:
            tokens_in += current.tokens_in
            tokens_out += current.tokens_out
        source = self._usage_source or "reported by the server"
        usage = (
            f"tokens in {tokens_in}, out {tokens_out} ({source})"
            if tokens_in or tokens_out
            else "the server reported no token counts"
        )
        parts = [
            f"# {job.name} ({job.type}), attempt {job.attempt}",
            f"- backend: openai, model: {self.model}, server: {self.runner.base_url}",
            f"- {usage}",
        ]
        if failure:
            parts.append(f"- failed: {failure}")
        parts += [f"## System\n\n{self.prompt.system}", f"## User\n\n{self.prompt.user}"]
        parts += [f"## {heading}\n\n{text}" for heading, text in self.turns]
        if failure and current is not None:
            partial = stored_once(current.text, self.sink.output_range(self._mark))
            parts.append(f"## Assistant (incomplete)\n\n{partial}")
        text = redact("\n\n".join(parts) + "\n", self.secrets)
        try:
            return write_log(job.session_dir, job.name, job.attempt, ".transcript.md", text)
        except OSError:
            return ""


def create_runner(settings: RunSettings) -> OpenAIRunner:
    return OpenAIRunner(settings)


def _not_written(problems: list[str]) -> str | None:
    """What an agent's end says of the files of its answer that were not written."""
    if not problems:
        return None
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    count = "a file" if len(problems) == 1 else f"{len(problems)} files"
    return f"{count} of its answer not written: {problems[0]}{more}"
