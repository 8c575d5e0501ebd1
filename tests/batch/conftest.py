"""Fixtures for the batch-language tests: our own example batches and typed parse helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

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


@pytest.fixture(params=sorted(p.name for p in SEED.glob("*.swarm.js")))
def example_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)
