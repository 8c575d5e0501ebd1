"""A spending agent on a worker, against our FAKE OpenAI server (tests/backends): the pre-flight
check runs from a worker, files in its answer come back through the fence, and a hard cap
crossed here stops its stream there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from swarmtui.config import AgentCaps, ExecutorOptions
from swarmtui.engine.events import AgentOutput, CapCrossed, EndpointChecked, FileWritten

from ..backends.fake_openai_server import FakeOpenAIServer, stream_reply
from ..backends.test_caps import BOUND, Paced, _settings
from ..engine.helpers import one_message, run, task
from .conftest import Cluster

ANSWER = "Here it is.\n```python path=src/hello.py\nprint('hello')\n```\n"


@pytest.fixture
def fake_server() -> Iterator[FakeOpenAIServer]:
    server = FakeOpenAIServer().start()
    yield server
    server.stop()


async def test_an_answers_files_come_back_from_the_worker(
    cluster: Cluster, fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    fake_server.default = stream_reply([ANSWER])
    r = await run(
        one_message(task(0, "Writer")),
        tmp_path,
        **_settings(fake_server.base_url),
        executor=ExecutorOptions(address=cluster.address),
    )
    writer = r.state.agents["Writer"]
    assert writer.status == "done", writer.reason
    assert writer.worker in cluster.worker_pids()
    [checked] = r.of(EndpointChecked)
    assert (checked.endpoint, checked.problem) == (fake_server.base_url, None)
    # The file in its answer and its transcript, both written on the worker, are here.
    written = {e.path: e.bytes for e in r.of(FileWritten, by="Writer")}
    transcript = "artifacts/logs/writer.transcript.md"
    assert set(written) == {"artifacts/src/hello.py", transcript}
    assert (r.session.path / "artifacts/src/hello.py").read_text() == "print('hello')\n"
    for path, size in written.items():
        assert (r.session.path / path).stat().st_size == size
    assert writer.artifacts == list(written)


async def test_a_cap_crossed_here_stops_the_stream_on_the_worker(
    cluster: Cluster, fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    paced = Paced("Spender")
    fake_server.script(paced.handler)
    r = await run(
        one_message(task(0, "Spender", retries=3)),
        tmp_path,
        lambda s, e: paced.on_event(e),
        **_settings(fake_server.base_url, agent_caps=AgentCaps(max_cost_usd=2.5)),
        executor=ExecutorOptions(address=cluster.address),
    )
    spender = r.state.agents["Spender"]
    assert spender.status == "failed" and spender.attempts == 1  # a cap is never retried
    assert spender.reason == (
        "stopped: $3.0000 crossed its cap of $2.5000 ([agent_caps] max_cost_usd)"
    )
    shown = "".join(e.text for e in r.of(AgentOutput, agent="Spender", stream="text"))
    assert shown == "piece 0\npiece 1\npiece 2\n"
    assert paced.client_gone.wait(BOUND)  # the worker closed the stream
    [crossed] = r.of(CapCrossed)
    assert crossed.stopped == ["Spender"]
