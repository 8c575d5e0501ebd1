"""A hostile session recorded once for the module's tests (real processes, real SQLite)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .hostile import cli, environment, run_args, write_batch


@pytest.fixture(scope="session")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """{"home", "batch", "sessions", "session"}: one run of the hostile batch (as JSON)."""
    home = tmp_path_factory.mktemp("hostile")
    (home / "config").mkdir()
    batch = write_batch(home)
    sessions = home / "sessions"
    ran = cli(*run_args(batch, sessions), "--json", env=environment(home), cwd=home)
    assert ran.returncode == 1, ran.stderr  # `failer` fails
    document = json.loads(ran.stdout)
    return {
        "home": home,
        "batch": batch,
        "sessions": sessions,
        "session": Path(document["summary"]["path"]),
    }
