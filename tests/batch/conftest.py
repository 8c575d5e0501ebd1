"""Fixtures for the batch-language tests: our own example batches and typed parse helpers."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from swarmtui.batch import Batch, parse_batch

CORPUS = Path(__file__).resolve().parent / "corpus"
# Batches in the language's own dialect (headers, parenthesised calls, quoted keys).
SEED = CORPUS / "seed"
NOW = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def example_text(name: str) -> str:
    return (SEED / name).read_text(encoding="utf-8")


def parse(text: str) -> Batch:
    return parse_batch(text, source_name="test.swarm.js", now=NOW, project_dir=Path("/nonexistent"))


def codes(batch: Batch) -> list[str]:
    return [d.code for d in batch.diagnostics]


def run_headless(
    tmp_path: Path, text: str, name: str = "batch.swarm.js"
) -> tuple[int, dict[str, Any]]:
    """TEXT run by the real CLI (`swarmtui run --headless --json`, a rehearsal of 10 ms an
    agent) from a file NAME in TMP_PATH, sessions in a folder there: its exit code and JSON."""
    batch = tmp_path / name
    batch.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable, "-m", "swarmtui", "run", str(batch), "--headless", "--json",
            "--rehearsal-seconds", "0.01", "--sessions-dir", str(tmp_path / "sessions"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    return done.returncode, json.loads(done.stdout)


@pytest.fixture(params=sorted(p.name for p in SEED.glob("*.swarm.js")))
def example_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)
