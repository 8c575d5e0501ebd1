"""Fixtures for the batch-language tests: the shared example batches and a parse helper."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from swarmtui.batch import Batch, parse_batch

# The examples live next to the project (../shared/examples), not inside it.
SHARED_EXAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "examples"
NOW = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def example_text(name: str) -> str:
    return (SHARED_EXAMPLES / name).read_text(encoding="utf-8")


def parse(text: str) -> Batch:
    return parse_batch(text, source_name="test.swarm.js", now=NOW, project_dir=Path("/nonexistent"))


def codes(batch: Batch) -> list[str]:
    return [d.code for d in batch.diagnostics]


@pytest.fixture(params=sorted(p.name for p in SHARED_EXAMPLES.glob("*.swarm.js")))
def example_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)
