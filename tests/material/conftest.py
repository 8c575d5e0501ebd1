"""Fixtures for the material tests: isolated configuration, two real sessions to compare."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from swarmtui import locations

from .sessions import Pair, record_pair


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads the developer's own configuration or sessions."""
    monkeypatch.setenv(locations.ENV_CONFIG_DIR, str(tmp_path / "user-config"))
    monkeypatch.setenv(locations.ENV_SESSIONS_DIR, str(tmp_path / "sessions"))
    yield


@pytest.fixture(scope="session")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Pair:
    """Two real rehearsal runs of one batch with known differences (recorded once: they are
    only read by the tests; a test that changes files copies them first)."""
    return record_pair(tmp_path_factory.mktemp("pair") / "sessions")
