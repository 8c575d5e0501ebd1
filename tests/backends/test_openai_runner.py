"""The `openai` runner against a fake of the OpenAI API on 127.0.0.1 (real HTTP, real SSE)."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import pytest

from swarmtui.config import Price
from swarmtui.engine.runners.base import AgentFailed
from swarmtui.engine.runners.openai_compat import create_runner, parse_retry_after

from .conftest import openai_settings
from .fake_openai_server import Connection, FakeOpenAIServer, Request, stream_reply
from .helpers import RecordingSink, make_job


async def test_streams_text_records_usage_and_keeps_a_transcript(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    fake_server.script(stream_reply(["Hello", ", world\n", "bye"], usage=(42, 3)))
    sink = RecordingSink()
    job = make_job(tmp_path / "s")
    result = await create_runner(openai_settings(fake_server.base_url)).run(job, sink)

    assert result.text == "Hello, world\nbye"
    assert sink.text("text") == "Hello, world\nbye"
    assert (result.tokens_in, result.tokens_out) == (42, 3)
    assert sink.usages[-1][:2] == (42, 3)
    assert result.cost_usd is None  # no price for fake-model
    body = fake_server.requests[0].json()
    assert fake_server.requests[0].path == "/v1/chat/completions"
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["model"] == "fake-model"
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    user = body["messages"][1]["content"]
    assert "Write hello.py" in user and '"write"' in user and "swarm/code" in user
    assert str(job.session_dir) in user
    transcript = job.session_dir / "artifacts/logs/coder.transcript.md"
    assert "artifacts/logs/coder.transcript.md" in result.files
    assert (
        "Hello, world" in transcript.read_text() and "tokens in 42, out 3" in transcript.read_text()
    )


async def test_output_is_streamed_before_the_answer_is_complete(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    first_line_arrived = threading.Event()

    async def slow(request: Request, conn: Connection) -> None:
        await conn.start_sse()
        await conn.content("first line\n")
        # The rest only comes once the client has shown the first line: streaming, not buffering.
        seen = await asyncio.get_running_loop().run_in_executor(None, first_line_arrived.wait, 10)
        await conn.content("second line" if seen else "NEVER SEEN")
        await conn.finish((5, 4))

    fake_server.script(slow)
    sink = RecordingSink(watch_for="first line", on_seen=first_line_arrived.set)
    result = await create_runner(openai_settings(fake_server.base_url)).run(
        make_job(tmp_path / "s"), sink
    )
    assert result.text == "first line\nsecond line"


async def test_fast_tokens_are_coalesced_into_few_events(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    tokens = [f"t{i} " for i in range(300)]
    fake_server.script(stream_reply(tokens))
    sink = RecordingSink()
    result = await create_runner(openai_settings(fake_server.base_url)).run(
        make_job(tmp_path / "s"), sink
    )
    text_events = [text for stream, text in sink.outputs if stream == "text"]
    assert "".join(text_events) == "".join(tokens) == result.text
    assert len(text_events) <= 10, f"{len(text_events)} events for 300 tokens"


async def test_newline_flushes_at_once(fake_server: FakeOpenAIServer, tmp_path: Path) -> None:
    fake_server.script(stream_reply(["a", "b\n", "c", "d\n"]))
    sink = RecordingSink()
    await create_runner(openai_settings(fake_server.base_url)).run(make_job(tmp_path / "s"), sink)
    assert [text for stream, text in sink.outputs if stream == "text"] == ["ab\n", "cd\n"]


async def test_broken_stream_without_retries_fails_with_a_readable_reason(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    async def broken(request: Request, conn: Connection) -> None:
        await conn.start_sse()
        await conn.content("partial answer")
        await conn.break_off()

    fake_server.script(broken)
    job = make_job(tmp_path / "s")
    with pytest.raises(AgentFailed) as failure:
        await create_runner(openai_settings(fake_server.base_url, max_retries=0)).run(
            job, RecordingSink()
        )
    reason = str(failure.value)
    assert "broke" in reason and fake_server.base_url in reason and "1 attempt" in reason
    transcript = (job.session_dir / "artifacts/logs/coder.transcript.md").read_text()
    assert "partial answer" in transcript and "failed:" in transcript


async def test_broken_stream_is_retried_from_the_start(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    async def broken(request: Request, conn: Connection) -> None:
        await conn.start_sse()
        await conn.content("par")
        await conn.break_off()

    fake_server.script(broken, stream_reply(["complete answer"]))
    sink = RecordingSink()
    result = await create_runner(openai_settings(fake_server.base_url)).run(
        make_job(tmp_path / "s"), sink
    )
    assert result.text == "complete answer"
    assert len(fake_server.requests) == 2
    assert "retrying" in sink.text("info") and "attempt 2 of 3" in sink.text("info")


async def test_stream_that_just_stops_counts_as_broken(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    async def stops(request: Request, conn: Connection) -> None:
        await conn.start_sse()
        await conn.content("no end")
        await conn.raw_end()  # a clean end of body, but no finish_reason and no [DONE]

    fake_server.script(stops, stops, stops)
    with pytest.raises(AgentFailed, match="ended before the answer was complete"):
        await create_runner(openai_settings(fake_server.base_url)).run(
            make_job(tmp_path / "s"), RecordingSink()
        )
    assert len(fake_server.requests) == 3


async def test_429_honours_retry_after(fake_server: FakeOpenAIServer, tmp_path: Path) -> None:
    async def busy(request: Request, conn: Connection) -> None:
        body = '{"error": {"message": "Rate limit reached", "type": "rate_limit"}}'
        await conn.respond(429, body, {"Retry-After": "30"})

    fake_server.script(busy, stream_reply(["ok"]))
    sink = RecordingSink()
    result = await create_runner(openai_settings(fake_server.base_url)).run(
        make_job(tmp_path / "s"), sink
    )
    assert result.text == "ok"
    info = sink.text("info")
    assert "HTTP 429" in info and "Rate limit reached" in info
    # The wait came from the header (30 s), capped by the configured max_retry_wait.
    assert "server asked 30 s" in info and "retrying in 0.01 s" in info


async def test_500_then_success(fake_server: FakeOpenAIServer, tmp_path: Path) -> None:
    async def error(request: Request, conn: Connection) -> None:
        await conn.respond(500, "internal error")

    fake_server.script(error, stream_reply(["recovered"]))
    result = await create_runner(openai_settings(fake_server.base_url)).run(
        make_job(tmp_path / "s"), RecordingSink()
    )
    assert result.text == "recovered" and len(fake_server.requests) == 2


async def test_persistent_500_gives_up_with_the_reason(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    async def error(request: Request, conn: Connection) -> None:
        await conn.respond(503, '{"detail": "overloaded"}')

    fake_server.default = error
    with pytest.raises(AgentFailed) as failure:
        await create_runner(openai_settings(fake_server.base_url)).run(
            make_job(tmp_path / "s"), RecordingSink()
        )
    assert "HTTP 503" in str(failure.value) and "overloaded" in str(failure.value)
    assert "gave up after 3 attempts" in str(failure.value)


async def test_client_errors_are_not_retried(fake_server: FakeOpenAIServer, tmp_path: Path) -> None:
    async def missing(request: Request, conn: Connection) -> None:
        await conn.respond(404, '{"error": {"message": "model fake-model not found"}}')

    fake_server.default = missing
    with pytest.raises(AgentFailed, match=r"HTTP 404 .*model fake-model not found"):
        await create_runner(openai_settings(fake_server.base_url)).run(
            make_job(tmp_path / "s"), RecordingSink()
        )
    assert len(fake_server.requests) == 1


async def test_garbage_events_are_reported_and_skipped(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    async def garbage(request: Request, conn: Connection) -> None:
        await conn.start_sse()
        await conn.content("before ")
        await conn.data("{this is not json")
        await conn.data("[1, 2, 3]")
        await conn.data('{"choices": 5}')  # (a QA round's fake server: it failed the agent)
        await conn.raw_chunk(b": a comment line\n\nevent: ping\n\n")
        await conn.content("after")
        await conn.finish((1, 2))

    fake_server.script(garbage)
    sink = RecordingSink()
    result = await create_runner(openai_settings(fake_server.base_url)).run(
        make_job(tmp_path / "s"), sink
    )
    assert result.text == "before after"
    assert "unreadable event from the server: {this is not json" in sink.text("info")
    assert "unexpected event from the server: [1, 2, 3]" in sink.text("info")
    assert 'unexpected event from the server: {"choices": 5}' in sink.text("info")


async def test_error_event_inside_the_stream_fails_the_agent(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    async def error_event(request: Request, conn: Connection) -> None:
        await conn.start_sse()
        await conn.data({"error": {"message": "context length exceeded"}})
        await conn.raw_end()

    fake_server.script(error_event)
    with pytest.raises(AgentFailed, match="context length exceeded"):
        await create_runner(openai_settings(fake_server.base_url)).run(
            make_job(tmp_path / "s"), RecordingSink()
        )


async def test_server_without_usage_is_counted_by_swarmtui_and_says_so(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    fake_server.script(stream_reply(["no usage ", "here"], usage=None))
    sink = RecordingSink()
    job = make_job(tmp_path / "s")
    result = await create_runner(openai_settings(fake_server.base_url)).run(job, sink)
    # A token per four characters (13: 4 tokens, more than the 2 pieces), the prompt by its
    # length: marked as swarmtui's own count.
    assert result.tokens_out == 4 and result.tokens_in > 0
    assert sink.usages[-1][:2] == (result.tokens_in, 4)
    assert all(estimated for estimated, _ in sink.usage_kinds) and sink.usage_kinds[-1][1]
    transcript = (job.session_dir / "artifacts/logs/coder.transcript.md").read_text()
    assert "counted by swarmtui: the server reported none" in transcript
    # It asked for a tokenizer (llama-cpp-python's, then llama.cpp's) and found none.
    paths = [r.path for r in fake_server.requests[1:]]
    assert paths == ["/extras/tokenize/count", "/tokenize"]


async def test_server_tokenizer_counts_when_the_stream_reports_no_usage(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    async def count(request: Request, conn: Connection) -> None:
        text = request.json()["input"]
        # Like llama-cpp-python: a start-of-text token is counted in every input.
        await conn.respond(200, json.dumps({"count": len(text.split()) + 1}))

    fake_server.routes["/extras/tokenize/count"] = count
    fake_server.script(stream_reply(["three small words"], usage=None))
    sink = RecordingSink()
    job = make_job(tmp_path / "s")
    result = await create_runner(openai_settings(fake_server.base_url)).run(job, sink)
    prompt = fake_server.requests[0].json()["messages"]
    prompt_words = len("\n".join(m["content"] for m in prompt).split())
    assert (result.tokens_in, result.tokens_out) == (prompt_words + 1, 3)
    assert sink.usages[-1][:2] == (prompt_words + 1, 3)
    assert "token counts from the server's tokenizer" in sink.text("info")
    transcript = (job.session_dir / "artifacts/logs/coder.transcript.md").read_text()
    assert "counted by the server's tokenizer" in transcript


async def test_server_refusing_stream_options_is_asked_again_without(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    async def strict(request: Request, conn: Connection) -> None:
        await conn.respond(400, '{"error": {"message": "Unrecognized field: stream_options"}}')

    fake_server.script(strict, stream_reply(["fine"], usage=None))
    result = await create_runner(openai_settings(fake_server.base_url)).run(
        make_job(tmp_path / "s"), RecordingSink()
    )
    assert result.text == "fine"
    assert "stream_options" not in fake_server.requests[1].json()


async def test_server_ignoring_stream_true_is_read_as_one_completion(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    async def whole(request: Request, conn: Connection) -> None:
        body = (
            '{"choices": [{"index": 0, "message": {"role": "assistant", "content": "all at once"},'
            ' "finish_reason": "stop"}], "usage": {"prompt_tokens": 9, "completion_tokens": 3}}'
        )
        await conn.respond(200, body)

    fake_server.script(whole)
    sink = RecordingSink()
    result = await create_runner(openai_settings(fake_server.base_url)).run(
        make_job(tmp_path / "s"), sink
    )
    assert result.text == "all at once" and (result.tokens_in, result.tokens_out) == (9, 3)


async def test_html_instead_of_events_fails_readably(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    async def html(request: Request, conn: Connection) -> None:
        await conn.respond(
            200, "<html><body>Welcome to nginx</body></html>", {"Content-Type": "text/html"}
        )

    fake_server.script(html)
    with pytest.raises(AgentFailed, match=r"answered with text/html.*Welcome to nginx"):
        await create_runner(openai_settings(fake_server.base_url)).run(
            make_job(tmp_path / "s"), RecordingSink()
        )


async def test_cancelling_closes_the_stream_at_once(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    client_gone = threading.Event()

    async def endless(request: Request, conn: Connection) -> None:
        await conn.start_sse()
        await conn.content("thinking...\n")
        await conn.wait_client_gone()
        client_gone.set()

    fake_server.script(endless)
    sink = RecordingSink(watch_for="thinking")
    runner = create_runner(openai_settings(fake_server.base_url))
    task = asyncio.create_task(runner.run(make_job(tmp_path / "s"), sink))
    await asyncio.wait_for(sink.seen.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(client_gone.wait, 10), "the server never saw the stream close"


async def test_unreachable_server_fails_after_retries(tmp_path: Path) -> None:
    server = FakeOpenAIServer().start()
    url = server.base_url
    server.stop()  # nothing listens on that port any more
    sink = RecordingSink()
    with pytest.raises(AgentFailed) as failure:
        await create_runner(openai_settings(url)).run(make_job(tmp_path / "s"), sink)
    assert f"cannot connect to {url}/chat/completions" in str(failure.value)
    assert "gave up after 3 attempts" in str(failure.value)


async def test_no_model_is_a_clear_failure(tmp_path: Path) -> None:
    settings = openai_settings("http://127.0.0.1:9/v1")
    settings.model = None
    with pytest.raises(AgentFailed, match="no model for the openai backend"):
        await create_runner(settings).run(make_job(tmp_path / "s"), RecordingSink())


async def test_cost_comes_from_the_price_table(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    fake_server.script(stream_reply(["priced"], usage=(1_000_000, 500_000)))
    settings = openai_settings(fake_server.base_url)
    settings.prices = {"fake-model": Price(input=2.0, output=8.0)}
    sink = RecordingSink()
    result = await create_runner(settings).run(make_job(tmp_path / "s"), sink)
    assert result.cost_usd == pytest.approx(6.0)
    tokens_in, tokens_out, cost = sink.usages[-1]
    assert (tokens_in, tokens_out) == (1_000_000, 500_000) and cost == pytest.approx(6.0)


async def test_fenced_blocks_with_paths_become_artifacts(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    answer = (
        "Here you go:\n```python path=code/hello.py\nprint('hi')\n```\n"
        "```sh\n# file: scripts/run.sh\necho run\n```\n"
        "```text path=../../escape.txt\nnope\n```\n"
    )
    fake_server.script(stream_reply([answer]))
    job = make_job(tmp_path / "s")
    sink = RecordingSink()
    result = await create_runner(openai_settings(fake_server.base_url)).run(job, sink)
    assert (job.session_dir / "artifacts/code/hello.py").read_text() == "print('hi')\n"
    assert (job.session_dir / "artifacts/scripts/run.sh").read_text() == "echo run\n"
    assert {"artifacts/code/hello.py", "artifacts/scripts/run.sh"} <= set(result.files)
    assert not (tmp_path / "escape.txt").exists()
    assert "'../../escape.txt': it leaves the session folder" in sink.text("info")
    # Said with the agent's end too (the summary's line for it), not only in its output.
    assert result.warning is not None
    assert result.warning.startswith("a file of its answer not written: ")
    assert "../../escape.txt" in result.warning


def test_retry_after_header_forms() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


async def test_a_server_that_stalls_hits_the_request_timeout(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    async def stall(request: Request, conn: Connection) -> None:
        await conn.start_sse()
        await conn.wait_client_gone()

    fake_server.default = stall
    settings = openai_settings(fake_server.base_url, timeout=0.05, max_retries=0)
    with pytest.raises(AgentFailed, match=r"timed out|within 0\.05 s"):
        await create_runner(settings).run(make_job(tmp_path / "s"), RecordingSink())


async def test_a_broken_stream_counts_every_character_received(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    """Eight characters arrived (no newline: none shown yet) before the connection broke."""

    async def broken(request: Request, conn: Connection) -> None:
        await conn.start_sse()
        await conn.content("8 chars!")
        await conn.break_off()

    fake_server.script(broken)
    settings = openai_settings(fake_server.base_url, max_retries=0)
    with pytest.raises(AgentFailed) as failure:
        await create_runner(settings).run(make_job(tmp_path / "s"), RecordingSink())
    assert "broke after 8 characters" in str(failure.value)
