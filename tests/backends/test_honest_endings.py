"""No empty successes: streams cut at every point, empty and cut-off answers, against our FAKE
OpenAI server (tests/backends/fake_openai_server.py), directly and in real sessions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from swarmtui.config import Backends, OpenAIOptions
from swarmtui.engine.events import AgentFinished
from swarmtui.engine.runners.base import AgentFailed
from swarmtui.engine.runners.openai_compat import create_runner

from ..engine.helpers import one_message, run, task
from .conftest import openai_settings
from .fake_openai_server import Connection, FakeOpenAIServer, Request
from .helpers import RecordingSink, make_job

PIECES = ["The answer", " is", " forty-two."]


def _events() -> list[Any]:
    """A whole streamed answer, item by item: pieces, finish, usage, [DONE]."""
    items: list[Any] = [
        {"choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]} for p in PIECES
    ]
    items.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    items.append({"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 3}})
    items.append("[DONE]")
    return items


FINISH_AT = len(PIECES)  # the index of the finish chunk in _events()


def cut_after(count: int, how: str) -> Any:
    """A handler that sends the first COUNT items, then aborts or closes the stream cleanly."""

    async def handler(request: Request, conn: Connection) -> None:
        await conn.start_sse()
        for item in _events()[:count]:
            await conn.data(item)
        if how == "abort":
            await conn.break_off()
        else:
            await conn.raw_end()

    return handler


@pytest.mark.parametrize("how", ["abort", "clean"])
@pytest.mark.parametrize("count", range(len(_events()) + 1))
async def test_a_stream_cut_at_any_point_is_never_an_incomplete_success(
    fake_server: FakeOpenAIServer, tmp_path: Path, count: int, how: str
) -> None:
    fake_server.script(cut_after(count, how))
    runner = create_runner(openai_settings(fake_server.base_url, max_retries=0))
    sink = RecordingSink()
    complete = count > FINISH_AT  # the finish reason arrived: the answer is whole
    if complete:
        result = await runner.run(make_job(tmp_path / "s"), sink)
        assert result.text == "".join(PIECES)
        return
    with pytest.raises(AgentFailed) as failure:
        await runner.run(make_job(tmp_path / "s"), sink)
    reason = str(failure.value)
    assert fake_server.base_url in reason or "finish reason" in reason or "no text" in reason


def _done_without_finish(texts: list[str]) -> Any:
    """What llama-cpp-python's server sends the streaming request a newer one interrupts: the
    pieces so far, then [DONE], and no finish reason."""

    async def handler(request: Request, conn: Connection) -> None:
        await conn.start_sse()
        for text in texts:
            await conn.content(text)
        await conn.data("[DONE]")
        await conn.raw_end()

    return handler


async def _fake_llama_cpp_python(request: Request, conn: Connection) -> None:
    """The FAKE answers /openapi.json as llama-cpp-python's server titles its API."""
    await conn.respond(200, json.dumps({"info": {"title": "🦙 llama.cpp Python API"}}))


async def test_done_without_a_finish_reason_names_llama_cpp_pythons_flag(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    fake_server.routes["/openapi.json"] = _fake_llama_cpp_python
    fake_server.script(_done_without_finish(["partial"]))
    runner = create_runner(openai_settings(fake_server.base_url))
    [check] = await runner.preflight(["fake-model"])
    assert check.problem is None and "llama-cpp-python" in check.detail
    assert check.max_parallel == 1  # it serves one request at a time: agents queue for it
    with pytest.raises(AgentFailed) as failure:
        await runner.run(make_job(tmp_path / "s"), RecordingSink())
    reason = str(failure.value)
    assert "without a finish reason" in reason and "--interrupt_requests False" in reason


async def test_done_without_a_finish_reason_from_an_unknown_server_says_what_to_do(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    fake_server.script(_done_without_finish([]))
    with pytest.raises(AgentFailed, match=r"without a finish reason.*max_parallel = 1"):
        await create_runner(openai_settings(fake_server.base_url)).run(
            make_job(tmp_path / "s"), RecordingSink()
        )


def _finished(texts: list[str], reason: str) -> Any:
    async def handler(request: Request, conn: Connection) -> None:
        await conn.start_sse()
        for text in texts:
            await conn.content(text)
        await conn.data({"choices": [{"index": 0, "delta": {}, "finish_reason": reason}]})
        await conn.data("[DONE]")
        await conn.raw_end()

    return handler


@pytest.mark.parametrize("texts", [[], [""], ["  \n", "\t"]])
async def test_an_empty_answer_is_a_failed_attempt(
    fake_server: FakeOpenAIServer, tmp_path: Path, texts: list[str]
) -> None:
    fake_server.script(_finished(texts, "stop"))
    with pytest.raises(AgentFailed, match="answered with no text"):
        await create_runner(openai_settings(fake_server.base_url)).run(
            make_job(tmp_path / "s"), RecordingSink()
        )


async def test_an_answer_cut_at_the_token_limit_says_to_raise_max_tokens(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    fake_server.script(_finished(["Half an ans"], "length"))
    settings = openai_settings(fake_server.base_url, max_tokens=5)
    with pytest.raises(AgentFailed) as failure:
        await create_runner(settings).run(make_job(tmp_path / "s"), RecordingSink())
    assert "cut off" in str(failure.value) and "max_tokens (it is 5)" in str(failure.value)


def _session_settings(base_url: str, **options: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"max_retries": 0, "retry_backoff": 0.0}
    values.update(options)
    return {
        "backend": "openai",
        "base_url": base_url,
        "model": "fake-model",
        "backends": Backends(openai=OpenAIOptions(**values)),
    }


async def test_an_empty_answer_is_retried_by_the_batch_and_never_stored(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    fake_server.script(_finished([], "stop"), _done_without_finish(["cut"]), _finished(["ok"], "s"))
    batch = one_message(
        task(0, "Writer", stores=["swarm/out"], retries=2),
        task(1, "Reader", waits=["swarm/out"]),
    )
    r = await run(batch, tmp_path, **_session_settings(fake_server.base_url))
    writer = r.state.agents["Writer"]
    assert writer.status == "done" and writer.attempts == 3
    [stored] = [e for e in r.state.memory.values() if e.key == "swarm/out"]
    assert stored.value == "ok" and [w.value for w in stored.history] == ["ok"]
    failures = [line for line in writer.output_tail if "failed:" in line]
    assert "no text" in failures[0] and "without a finish reason" in failures[1]


async def test_without_retries_an_empty_answer_fails_and_what_waits_for_it_fails_too(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    fake_server.script(_finished([], "stop"))
    batch = one_message(
        task(0, "Writer", stores=["swarm/out"]), task(1, "Reader", waits=["swarm/out"])
    )
    r = await run(batch, tmp_path, **_session_settings(fake_server.base_url))
    assert r.state.status == "failed"
    assert [e.status for e in r.of(AgentFinished, agent="Writer")] == ["failed"]
    assert not any(key == "swarm/out" for _, key in r.state.memory)
    assert r.state.agents["Reader"].status == "failed"
    assert all(a.status != "done" or a.result for a in r.state.agents.values())


async def test_a_command_that_exits_0_with_nothing_is_suspicious(tmp_path: Path) -> None:
    batch = one_message(
        task(0, "Silent"),
        task(1, "Writer"),
        task(2, "Talker"),
    )
    template = (
        'case "$SWARM_AGENT" in Writer) echo done > artifacts/code/out.txt;; '
        "Talker) echo hello;; esac"
    )
    # One at a time: a file another agent writes meanwhile would count as this one's work.
    r = await run(batch, tmp_path, backend="command", command_template=template, max_parallel=1)
    silent = r.state.agents["Silent"]
    # Done (nothing says it failed), and said to be suspicious where its end is shown.
    assert silent.status == "done"
    assert silent.reason == (
        "suspicious: the command exited 0 but printed nothing and wrote no file "
        "(check the command template)"
    )
    assert silent.reason in silent.output_tail
    writer, talker = r.state.agents["Writer"], r.state.agents["Talker"]
    assert writer.status == "done" and writer.reason is None  # a file: its work
    assert talker.status == "done" and talker.reason is None


async def test_a_silent_command_agent_that_stores_keys_fails(tmp_path: Path) -> None:
    batch = one_message(task(0, "Silent", stores=["swarm/s"]), task(1, "Reader", waits=["swarm/s"]))
    r = await run(batch, tmp_path, backend="command", command_template="true")
    silent = r.state.agents["Silent"]
    assert silent.status == "failed"
    assert silent.reason == "its answer is empty: nothing to store under swarm/s"
    assert not any(key == "swarm/s" for _, key in r.state.memory)
