"""`swarmtui run --estimate`: tokens and cost from the batch before a run, marked as such."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from swarmtui.config import Backends, OpenAIOptions, Price
from swarmtui.engine.settings import RunSettings

from ..ui.helpers import SIZE, app_for, settle, wait_for_state
from .fake_openai_server import FakeOpenAIServer

BATCH = """Task("Scout", "Research X. Store findings in memory under 'swarm/x'.", "researcher")
Task("Writer", "Read 'swarm/x' from memory and write a summary.", "api-docs")
"""


def _estimate(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    batch = tmp_path / "b.swarm.js"
    batch.write_text(BATCH)
    config = tmp_path / "swarmtui.toml"
    config.write_text(
        '[backends.openai]\nmax_tokens = 300\n[prices."m"]\ninput = 1.0\noutput = 2.0\n'
    )
    return subprocess.run(
        [
            sys.executable, "-m", "swarmtui", "run", str(batch), "--estimate",
            "--backend", "openai", "--model", "m", "--config", str(config),
            "--sessions-dir", str(tmp_path / "sessions"), *args,
        ],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip


def test_the_estimate_counts_prompts_answers_and_prices_and_runs_nothing(tmp_path: Path) -> None:
    result = _estimate(tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    estimate = json.loads(result.stdout)
    assert estimate["estimate"] is True
    scout, writer = estimate["agents"]
    assert scout["tokens_out"] == writer["tokens_out"] == 300  # the configured max_tokens
    # The writer reads the scout's answer: its prompt counts it.
    assert writer["tokens_in"] > 300 + 100
    expected = sum((a["tokens_in"] * 1.0 + 300 * 2.0) / 1e6 for a in (scout, writer))
    assert estimate["cost_usd"] == round(expected, 6)
    assert not (tmp_path / "sessions").exists()  # nothing ran, no session was recorded
    text = _estimate(tmp_path)
    assert text.stdout.startswith("estimate, before the run: about ")


async def test_the_app_says_the_estimate_as_a_spending_run_starts(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    settings = RunSettings(
        backend="openai",
        base_url=fake_server.base_url,
        model="m",
        backends=Backends(openai=OpenAIOptions(max_tokens=300, max_retries=0)),
        prices={"m": Price(input=1.0, output=2.0)},
    )
    app = app_for(tmp_path, text=BATCH, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await wait_for_state(pilot, lambda s: s.finished)
        said = [n.message for n in app._notifications]
    [estimate] = [m for m in said if m.startswith("Estimate, before the run: about ")]
    assert " tokens in and 600 out, about $" in estimate  # (two answers of max_tokens)
