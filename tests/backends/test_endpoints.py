"""Servers that serve one request at a time, and the pre-flight check, against our FAKE OpenAI
server (tests/backends/fake_openai_server.py)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from swarmtui.config import Backends, EndpointOptions, OpenAIOptions
from swarmtui.engine.events import (
    AgentServerSlot,
    AgentServerWait,
    AgentStarted,
    EndpointChecked,
    Event,
)
from swarmtui.engine.session import LiveSession
from swarmtui.engine.state import fold
from swarmtui.store import read_events

from ..engine.helpers import one_message, run, task
from .fake_openai_server import Connection, FakeOpenAIServer, Request, stream_reply


def _settings(base_url: str, **options: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"max_retries": 0, "retry_backoff": 0.0}
    values.update(options)
    return {
        "backend": "openai",
        "base_url": base_url,
        "model": "fake-model",
        "backends": Backends(openai=OpenAIOptions(**values)),
    }


def _json(data: Any, status: int = 200) -> Any:
    async def handler(request: Request, conn: Connection) -> None:
        await conn.respond(status, json.dumps(data))

    return handler


async def test_agents_queue_for_a_single_slot_server_and_the_wait_is_not_running(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    # The FAKE says it has one slot, as llama.cpp's server does at /props.
    fake_server.routes["/props"] = _json({"total_slots": 1})
    release = threading.Event()
    busy = {"now": 0, "most": 0}
    lock = threading.Lock()

    def counted(inner: Any) -> Any:
        async def handler(request: Request, conn: Connection) -> None:
            with lock:
                busy["now"] += 1
                busy["most"] = max(busy["most"], busy["now"])
            try:
                await inner(request, conn)
            finally:
                with lock:
                    busy["now"] -= 1

        return handler

    async def first(request: Request, conn: Connection) -> None:
        await conn.start_sse()
        await conn.content("first ")
        # Held until both other agents are seen waiting for the server.
        await asyncio.get_running_loop().run_in_executor(None, release.wait, 20)
        await conn.content("answer")
        await conn.finish((5, 2))

    fake_server.script(counted(first), counted(stream_reply(["second"])))
    fake_server.default = counted(stream_reply(["third"]))
    seen_waiting: dict[str, tuple[str, str | None]] = {}

    def on_event(session: LiveSession, event: Event) -> None:
        if isinstance(event, AgentServerWait):
            agent = session.state.agents[event.agent]
            seen_waiting[event.agent] = (agent.status, agent.server_wait)
            if len(seen_waiting) == 2:
                release.set()

    batch = one_message(task(0, "A"), task(1, "B"), task(2, "C"))
    r = await run(batch, tmp_path, on_event, **_settings(fake_server.base_url))

    assert r.state.status == "completed"
    assert busy["most"] == 1  # never two requests at once
    [check] = r.of(EndpointChecked)
    assert check.problem is None and check.max_parallel == 1
    assert check.limit_source == "learned from its /props"
    url = fake_server.base_url
    assert seen_waiting == {"B": ("queued", url), "C": ("queued", url)}
    assert [(e.agent, e.limit, e.ahead) for e in r.of(AgentServerWait)] == [
        ("B", 1, 1),
        ("C", 1, 2),
    ]
    assert [e.agent for e in r.of(AgentServerSlot)] == ["B", "C"]  # in order
    for name in "ABC":
        agent = r.state.agents[name]
        assert agent.status == "done" and agent.result and agent.server_wait is None
    # What a replay folds is what the run had.
    replayed = fold(read_events(r.session.path))
    assert replayed.agents["C"].server_wait_seconds == r.state.agents["C"].server_wait_seconds
    assert r.state.agents["C"].server_wait_seconds > 0


async def test_a_configured_limit_beats_what_the_server_says(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    fake_server.routes["/props"] = _json({"total_slots": 1})
    settings = _settings(fake_server.base_url, max_parallel=1)
    settings["endpoints"] = {fake_server.base_url: EndpointOptions(max_parallel=3)}
    r = await run(one_message(task(0, "A")), tmp_path, **settings)
    [check] = r.of(EndpointChecked)
    assert check.max_parallel == 3
    assert check.limit_source == f'[endpoints."{fake_server.base_url}"] max_parallel'


async def test_an_ollama_server_is_sent_one_request_at_a_time_unless_configured(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    # Our FAKE answers Ollama's /api/version (and has no /props): Ollama queues what it cannot
    # take, and by default takes one request at a time.
    fake_server.routes["/api/version"] = _json({"version": "0.5.7"})
    r = await run(one_message(task(0, "A")), tmp_path, **_settings(fake_server.base_url))
    [check] = r.of(EndpointChecked)
    assert check.problem is None and check.max_parallel == 1
    assert check.limit_source.startswith("Ollama's default OLLAMA_NUM_PARALLEL")
    assert check.detail.startswith("ollama")
    settings = _settings(fake_server.base_url)
    settings["endpoints"] = {fake_server.base_url: EndpointOptions(max_parallel=4)}
    r = await run(one_message(task(0, "A")), tmp_path, **settings)
    [check] = r.of(EndpointChecked)
    assert check.max_parallel == 4


async def test_a_server_that_does_not_answer_stops_the_session_before_any_agent(
    tmp_path: Path,
) -> None:
    dead = FakeOpenAIServer().start()
    url = dead.base_url
    dead.stop()  # (its port is closed now)
    batch = one_message(*(task(i, f"Agent {i}") for i in range(5)))
    r = await run(batch, tmp_path, **_settings(url))
    assert r.state.status == "failed"
    assert not r.of(AgentStarted)
    assert {a.status for a in r.state.agents.values()} == {"pending"}
    reason = r.state.reason or ""
    assert reason.startswith("pre-flight check failed, no agent started: no answer from")
    assert url in reason and "\n" not in reason


async def test_a_refused_key_is_one_line_naming_the_variable(
    fake_server: FakeOpenAIServer, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong-0123456789abcdef")
    fake_server.routes["/v1/models"] = _json({"error": {"message": "Incorrect API key"}}, 401)
    r = await run(
        one_message(task(0, "A"), task(1, "B")), tmp_path, **_settings(fake_server.base_url)
    )
    reason = r.state.reason or ""
    assert "refused the key in $OPENAI_API_KEY" in reason and "Incorrect API key" in reason
    assert "sk-wrong" not in reason
    assert not r.of(AgentStarted)
    assert [p.path for p in fake_server.requests] == ["/v1/models"]


async def test_a_model_the_server_does_not_serve_is_named_with_what_it_serves(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    models = {"data": [{"id": "gpt-4o-mini", "object": "model"}, {"id": "o3"}]}
    fake_server.routes["/v1/models"] = _json(models)
    r = await run(one_message(task(0, "A")), tmp_path, **_settings(fake_server.base_url))
    reason = r.state.reason or ""
    assert "does not serve 'fake-model' (it serves: gpt-4o-mini, o3)" in reason
    assert not r.of(AgentStarted)


async def test_a_server_without_a_model_list_is_not_a_problem(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    r = await run(one_message(task(0, "A")), tmp_path, **_settings(fake_server.base_url))
    assert r.state.status == "completed"
    [check] = r.state.endpoints
    assert check.problem is None and check.max_parallel is None


def test_headless_run_prints_the_one_line_and_exits_1(tmp_path: Path) -> None:
    dead = FakeOpenAIServer().start()
    url = dead.base_url
    dead.stop()
    batch = tmp_path / "b.swarm.js"
    batch.write_text("".join(f'Task("A{i}", "Work {i}.")\n' for i in range(4)))
    result = subprocess.run(
        [
            sys.executable, "-m", "swarmtui", "run", str(batch), "--headless",
            "--backend", "openai", "--base-url", url, "--model", "m",
            "--sessions-dir", str(tmp_path / "sessions"),
        ],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("failed: ")
    assert sum("pre-flight check failed" in line for line in lines) == 1
    assert not any(line.startswith("failed ") for line in lines[1:])  # no agent failed
