"""The `claude` backend end to end in sessions, against a STAND-IN `claude` executable that
speaks Claude Code's stream-JSON both ways (user messages in, events out): live activity
(session id, tools, files changed), a message sent while it works, a resumed retry, and a
"successful" run that did nothing.

The stand-in reads user messages line by line from its standard input; after the Nth it prints
the Nth section of its script (sections are separated by `@@turn`), and it exits at the end of
its input. `@@fifo` blocks until the test writes a line to the FIFO named by STANDIN_FIFO (the
test does so once it has seen what it waits for); `@@exit N` exits at once.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from swarmtui.config import Backends, ClaudeOptions
from swarmtui.engine.events import AgentActivity, AgentMessage, Event
from swarmtui.engine.session import LiveSession
from swarmtui.engine.state import fold
from swarmtui.policy.tables import SandboxConfig
from swarmtui.store import read_events

from ..engine.helpers import one_message, run, task

STAND_IN = """#!{python}
import json, os, sys
record = os.environ["STANDIN_RECORD"]
with open(record, "a") as f:
    f.write(json.dumps({{"argv": sys.argv[1:]}}) + "\\n")
script = open(os.environ["STANDIN_SCRIPT"]).read().split("@@turn\\n")
turn = 0
for line in sys.stdin:
    message = json.loads(line)
    with open(record, "a") as f:
        f.write(json.dumps({{"received": message}}) + "\\n")
    section = script[turn] if turn < len(script) else ""
    turn += 1
    for out in section.splitlines():
        if out == "@@fifo":
            with open(os.environ["STANDIN_FIFO"]) as fifo:
                fifo.readline()
        elif out.startswith("@@exit "):
            sys.exit(int(out[7:]))
        else:
            print(out, flush=True)
"""


def _init(session: str) -> dict[str, Any]:
    return {"type": "system", "subtype": "init", "session_id": session, "model": "claude-x"}


def _say(text: str, *tools: dict[str, Any]) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": text}]
    content += [{"type": "tool_use", "id": f"t{i}", **tool} for i, tool in enumerate(tools)]
    return {
        "type": "assistant",
        "message": {"id": f"m-{text[:8]}", "role": "assistant", "content": content,
                    "usage": {"input_tokens": 10, "output_tokens": 5}},
    }  # fmt: skip


def _result(text: str, cost: float = 0.01, error: bool = False) -> dict[str, Any]:
    return {
        "type": "result",
        "subtype": "error_during_execution" if error else "success",
        "is_error": error,
        "result": text,
        "session_id": "s",
        "total_cost_usd": cost,
        "usage": {"input_tokens": 10, "output_tokens": 5},
    }


class StandIn:
    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        folder.mkdir(parents=True)
        self.exe = folder / "claude"
        self.exe.write_text(STAND_IN.format(python=sys.executable))
        self.exe.chmod(0o755)
        self.script = folder / "script.txt"
        self.record = folder / "record.jsonl"
        self.fifo = folder / "fifo"
        os.mkfifo(self.fifo)
        monkeypatch.setenv("STANDIN_SCRIPT", str(self.script))
        monkeypatch.setenv("STANDIN_RECORD", str(self.record))
        monkeypatch.setenv("STANDIN_FIFO", str(self.fifo))

    def turns(self, *sections: list[dict[str, Any] | str]) -> None:
        text = [
            "\n".join(line if isinstance(line, str) else json.dumps(line) for line in section)
            for section in sections
        ]
        self.script.write_text("\n@@turn\n".join(text) + "\n")

    def release(self) -> None:
        """Let a stand-in blocked on `@@fifo` go on (from another thread: opening blocks)."""

        def write() -> None:
            with open(self.fifo, "w") as fifo:
                fifo.write("go\n")

        threading.Thread(target=write, daemon=True).start()

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.record.read_text().splitlines()]

    def received(self) -> list[str]:
        texts = []
        for record in self.records():
            if "received" in record:
                texts.append(record["received"]["message"]["content"][0]["text"])
        return texts

    def settings(self) -> dict[str, Any]:
        """A claude session whose sandbox lets the stand-in keep its record and read its FIFO."""
        return {
            "backend": "claude",
            "backends": Backends(claude=ClaudeOptions(executable=str(self.exe))),
            "sandbox": SandboxConfig(write=(str(self.record.parent),), env=("STANDIN_*",)),
        }


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    return StandIn(tmp_path / "stand-in", monkeypatch)


async def test_activity_is_live_and_a_message_is_the_next_user_turn(
    stand_in: StandIn, tmp_path: Path
) -> None:
    write = {"name": "Write", "input": {"file_path": "artifacts/code/app.py", "content": "x"}}
    edit = {"name": "Edit", "input": {"file_path": "/elsewhere/notes.md"}}
    bash = {"name": "Bash", "input": {"command": "pytest"}}
    stand_in.turns(
        [_init("sess-42"), _say("Working on it.", write, bash), "@@fifo", _result("First.")],
        [_say("Adding tests too.", edit), _result("Tests added.", cost=0.02)],
    )
    seen_live: list[tuple[str | None, dict[str, int], list[str]]] = []

    def on_event(session: LiveSession, event: Event) -> None:
        if isinstance(event, AgentActivity) and event.tool == "Bash":
            agent = session.state.agents["Coder"]
            seen_live.append((agent.backend_session, dict(agent.tools), list(agent.files_changed)))
            assert session.send_message("Coder", "Please add tests.", "Ana") is None
            stand_in.release()

    r = await run(one_message(task(0, "Coder")), tmp_path, on_event, **stand_in.settings())
    coder = r.state.agents["Coder"]
    assert coder.status == "done", coder.reason
    # While it worked: its session, the tools used so far, the file it changed.
    assert seen_live == [("sess-42", {"Write": 1, "Bash": 1}, ["artifacts/code/app.py"])]
    assert coder.tools == {"Write": 1, "Bash": 1, "Edit": 1}
    assert coder.files_changed == ["artifacts/code/app.py", "/elsewhere/notes.md"]
    assert coder.result == "First.\n\nTests added."
    assert coder.cost_usd == pytest.approx(0.03)  # both turns
    # The message went in as the second user turn, after the first turn's result.
    assert stand_in.received()[1:] == ["Please add tests."]
    [message] = r.of(AgentMessage)
    assert "user turn on Claude Code's input" in message.delivery
    replayed = fold(read_events(r.session.path))
    assert replayed.agents["Coder"].backend_session == "sess-42"
    assert [m[2] for m in replayed.agents["Coder"].messages] == ["Please add tests."]
    assert [e.tool for e in r.of(AgentActivity) if e.tool] == ["Write", "Bash", "Edit"]
    log = (r.session.path / "artifacts/logs/coder.claude.jsonl").read_text()
    assert "Please add tests." in log  # both directions are in its log


async def test_a_failed_agent_is_retried_by_resuming_its_claude_session(
    stand_in: StandIn, tmp_path: Path
) -> None:
    stand_in.turns([_init("sess-7"), _say("Half way."), "@@exit 1"])
    first = await run(one_message(task(0, "Coder", retries=1)), tmp_path, **stand_in.settings())
    coder = first.state.agents["Coder"]
    assert coder.status == "failed" and coder.attempts == 2
    starts = [r["argv"] for r in stand_in.records() if "argv" in r]
    assert "--resume" not in starts[0]
    assert starts[1][starts[1].index("--resume") + 1] == "sess-7"
    assert "--input-format" in starts[1]
    resumed_prompt = stand_in.received()[1]
    assert "previous attempt" in resumed_prompt and "claude exited with status 1" in resumed_prompt


async def test_a_silent_success_is_said_to_be_suspicious(stand_in: StandIn, tmp_path: Path) -> None:
    stand_in.turns([_init("sess-0"), _result("")])
    r = await run(one_message(task(0, "Coder")), tmp_path, **stand_in.settings())
    coder = r.state.agents["Coder"]
    assert coder.status == "done"
    assert coder.reason is not None and coder.reason.startswith(
        "suspicious: Claude Code ended 'successfully' with no answer and no file changed"
    )
    # One that stores keys has nothing to store: it fails.
    stand_in.turns([_init("sess-1"), _result("")])
    r = await run(
        one_message(task(0, "Coder", stores=["swarm/c"])), tmp_path, **stand_in.settings()
    )
    assert r.state.agents["Coder"].status == "failed"
