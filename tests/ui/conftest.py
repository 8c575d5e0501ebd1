"""Shared fixtures of the UI tests: a configuration of their own, recorded sessions."""

from __future__ import annotations

from pathlib import Path

import pytest

from swarmtui import locations

from .recorded_sessions import make_sessions


@pytest.fixture(autouse=True)
def own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads the user's configuration or themes: an empty folder of its own."""
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    monkeypatch.setenv(locations.ENV_CONFIG_DIR, str(config))
    return config


@pytest.fixture
def recorded(tmp_path: Path) -> dict[str, Path]:
    """Recorded sessions in `tmp_path/sessions`: finished, older, interrupted, broken."""
    return make_sessions(tmp_path / "sessions")
