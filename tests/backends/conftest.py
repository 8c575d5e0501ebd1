"""Fixtures for the backend tests: the fake OpenAI server, settings for it, isolation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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
    backend_options = {"max_retries": 2, "retry_backoff": 0.0, "max_retry_wait": 0.01}
    backend_options.update(options)
    return RunSettings(
        backend="openai",
        base_url=base_url,
        model="fake-model",
        backend_options={"openai": backend_options},
    )
