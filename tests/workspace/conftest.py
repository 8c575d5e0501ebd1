"""Every workspace test works in repositories of its own, with no git or swarmtui configuration
of the user's: what swarmtui commits must not depend on a user.name being configured."""

from __future__ import annotations

from pathlib import Path

import pytest

from swarmtui import locations


@pytest.fixture(autouse=True)
def no_user_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    monkeypatch.setenv(locations.ENV_CONFIG_DIR, str(config))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "EMAIL"):
        monkeypatch.delenv(name, raising=False)
