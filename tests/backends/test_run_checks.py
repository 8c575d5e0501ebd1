"""Checks made before or at the start of a run: a bad --base-url is a usage error, a budget that
cannot be enforced says so, and a transport failure becomes a readable reason."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from swarmtui.batch.models import Batch, Message, TaskOp
from swarmtui.config import Backends, OpenAIOptions, Price
from swarmtui.engine.session import LiveSession
from swarmtui.engine.settings import RunSettings
from swarmtui.store import new_live_session

BATCH = Batch(
    messages=[Message(index=1, operations=[TaskOp(index=0, name="Solo", instructions="Work.")])]
)


def _run(settings: RunSettings, tmp_path: Path) -> LiveSession:
    session = new_live_session(
        "// test\n", source_name="t.swarm.js", settings=settings, sessions_dir=tmp_path, batch=BATCH
    )
    asyncio.run(asyncio.wait_for(session.run(), 60))
    return session


def test_a_port_out_of_range_is_a_usage_error_before_anything_runs(tmp_path: Path) -> None:
    (tmp_path / "b.swarm.js").write_text('Task("A", "Work.")\n')
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "swarmtui",
            "run",
            "b.swarm.js",
            "--headless",
            "--backend",
            "openai",
            "--model",
            "m",
            "--base-url",
            "http://127.0.0.1:99999/v1",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "the port must be a number from 1 to 65535" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "sessions").exists()


def test_a_transport_failure_is_a_readable_reason(tmp_path: Path) -> None:
    # Bypasses the CLI's check, as a caller of the engine could: the agent still fails with
    # words a user can act on, not "ExceptionGroup: unhandled errors in a TaskGroup".
    settings = RunSettings(
        backend="openai",
        model="m",
        base_url="http://127.0.0.1:99999/v1",
        backends=Backends(openai=OpenAIOptions(max_retries=0)),
    )
    # The pre-flight check says it first, in one line, and no agent starts.
    state = _run(settings, tmp_path).state
    assert state.status == "failed" and state.agents["Solo"].status == "pending"
    assert state.reason is not None and state.reason.count("\n") == 0
    assert "ExceptionGroup" not in state.reason and "99999" in state.reason
    assert [e.problem is not None for e in state.endpoints] == [True]
    # Without the check, the agent itself fails with the same kind of words.
    settings.backends = Backends(openai=OpenAIOptions(max_retries=0, preflight=False))
    solo = _run(settings, tmp_path).state.agents["Solo"]
    assert solo.status == "failed"
    assert solo.reason is not None
    assert "ExceptionGroup" not in solo.reason and "TaskGroup" not in solo.reason
    assert "99999" in solo.reason


def test_a_budget_without_prices_says_it_cannot_be_enforced(tmp_path: Path) -> None:
    settings = RunSettings(
        backend="openai",
        model="unpriced-model",
        base_url="http://127.0.0.1:9/v1",
        budget_usd=0.01,
        backends=Backends(openai=OpenAIOptions(max_retries=0)),
    )
    messages = [d.message for d in _run(settings, tmp_path).state.diagnostics if d.code == "SW020"]
    assert messages == [
        "budget of $0.01 cannot be enforced for Solo: "
        "openai model 'unpriced-model' has no price in [prices] "
        "(not counted: they start unless priced agents have spent the budget)"
    ]


def test_a_priced_model_gives_no_budget_warning(tmp_path: Path) -> None:
    settings = RunSettings(
        backend="openai",
        model="m",
        base_url="http://127.0.0.1:9/v1",
        budget_usd=1.0,
        prices={"m": Price(input=1.0, output=2.0)},
        backends=Backends(openai=OpenAIOptions(max_retries=0)),
    )
    assert not [d for d in _run(settings, tmp_path).state.diagnostics if d.code == "SW020"]
