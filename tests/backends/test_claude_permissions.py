"""Claude Code's own permission prompts go to swarmtui's rules and approval queue.

A stand-in for Claude Code's `claude` (written by the test, first on PATH) does what the real one
does with `--mcp-config` and `--permission-prompt-tool`: it starts the MCP server the config names
(swarmtui's relay, `permission_mcp.py`), speaks MCP to it over stdio (initialize, tools/list,
tools/call) and, for each tool its script wants, calls the permission tool with
`{"tool_name", "input", "tool_use_id"}` and reads the JSON answer from the result's text. It
prints Claude Code's stream-JSON and records every answer. It runs in the real sandbox, as the
relay does; the answers come from a real session (rules, queue, events)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from swarmtui.batch.models import TaskOp
from swarmtui.config import Backends, ClaudeOptions
from swarmtui.engine.events import ApprovalDecided, ApprovalRequested, Event
from swarmtui.engine.session import LiveSession
from swarmtui.policy.tables import PermissionsConfig, SandboxConfig
from tests.engine.helpers import make_session, one_message

# The stand-in for `claude`. Its script: one tool per line, `TOOL <json input>`.
STAND_IN = """#!{python}
# stand-in for Claude Code's `claude` (MCP client side of --permission-prompt-tool)
import json, os, subprocess, sys
argv = sys.argv[1:]
config = json.loads(argv[argv.index("--mcp-config") + 1])
tool = argv[argv.index("--permission-prompt-tool") + 1]
server_name, tool_name = tool.split("__")[1:]
server = config["mcpServers"][server_name]
mcp = subprocess.Popen([server["command"], *server["args"]], stdin=subprocess.PIPE,
                       stdout=subprocess.PIPE, text=True)
def rpc(message_id, method, params):
    mcp.stdin.write(json.dumps({{"jsonrpc": "2.0", "id": message_id, "method": method,
                                "params": params}}) + "\\n")
    mcp.stdin.flush()
    return json.loads(mcp.stdout.readline())
init = rpc(1, "initialize", {{"protocolVersion": "2025-06-18", "capabilities": {{}},
                             "clientInfo": {{"name": "stand-in", "version": "0"}}}})
mcp.stdin.write(json.dumps({{"jsonrpc": "2.0", "method": "notifications/initialized"}}) + "\\n")
listed = rpc(2, "tools/list", {{}})
record = {{"protocol": init["result"]["protocolVersion"],
           "tools": [t["name"] for t in listed["result"]["tools"]], "answers": []}}
print(json.dumps({{"type": "system", "subtype": "init", "session_id": "s", "model": "m"}}),
      flush=True)
for number, line in enumerate(open(os.environ["STANDIN_SCRIPT"]).read().splitlines()):
    name, _, raw = line.partition(" ")
    called = rpc(10 + number, "tools/call", {{"name": tool_name, "arguments": {{
        "tool_name": name, "input": json.loads(raw), "tool_use_id": f"toolu_{{number}}"}}}})
    answer = json.loads(called["result"]["content"][0]["text"])
    record["answers"].append(answer)
    print(json.dumps({{"type": "user", "message": {{"role": "user", "content": [{{
        "type": "tool_result", "tool_use_id": f"toolu_{{number}}",
        "is_error": answer["behavior"] == "deny",
        "content": answer.get("message", "ran")}}]}}}}), flush=True)
with open(os.environ["STANDIN_RECORD"], "w") as f:
    json.dump(record, f)
mcp.stdin.close()
mcp.wait()
print(json.dumps({{"type": "result", "subtype": "success", "is_error": False,
                  "result": "finished", "usage": {{"input_tokens": 1, "output_tokens": 1}}}}),
      flush=True)
"""


class StandIn:
    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        bin_folder = folder / "bin"
        bin_folder.mkdir(parents=True)
        exe = bin_folder / "claude"
        exe.write_text(STAND_IN.format(python=sys.executable))
        exe.chmod(0o755)
        self.script = folder / "script.txt"
        self.record = folder / "record.json"
        monkeypatch.setenv("PATH", f"{bin_folder}{os.pathsep}{os.environ['PATH']}")
        monkeypatch.setenv("STANDIN_SCRIPT", str(self.script))
        monkeypatch.setenv("STANDIN_RECORD", str(self.record))

    def wants(self, *tools: tuple[str, dict[str, Any]]) -> None:
        lines = [f"{name} {json.dumps(tool_input)}" for name, tool_input in tools]
        self.script.write_text("\n".join(lines) + "\n")

    def answers(self) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = json.loads(self.record.read_text())["answers"]
        return data

    def settings(self, **changes: Any) -> dict[str, Any]:
        return {
            "backend": "claude",
            "backends": Backends(claude=ClaudeOptions(model="sonnet")),
            "sandbox": SandboxConfig(write=(str(self.folder),), env=("STANDIN_*",)),
            **changes,
        }


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    return StandIn(tmp_path / "stand-in", monkeypatch)


async def _run(
    stand_in: StandIn,
    tmp_path: Path,
    answer: Any = None,
    timeout: float | None = None,
    **settings: Any,
) -> tuple[LiveSession, list[Event], list[list[str]]]:
    session, events = make_session(
        one_message(TaskOp(index=0, name="Coder", agent_type="coder", timeout=timeout)),
        tmp_path,
        **stand_in.settings(**settings),
    )
    awaiting: list[list[str]] = []  # what the agent awaited when each request came

    def on_event(event: Event) -> None:
        if isinstance(event, ApprovalRequested):
            awaiting.append(list(session.state.agents["Coder"].awaiting))
            if answer is not None:
                answer(session, event)

    session.subscribe(on_event)
    async with asyncio.timeout(60):
        await session.run()
    return session, events, awaiting


async def test_claudes_prompts_are_decided_by_the_rules_then_by_a_person(
    stand_in: StandIn, tmp_path: Path
) -> None:
    stand_in.wants(
        ("Bash", {"command": "ls -la"}),
        ("Bash", {"command": "rm -rf build"}),
        ("Write", {"file_path": "notes/plan.md", "content": "the plan"}),
        ("Bash", {"command": "git push origin main"}),
    )

    def answer(session: LiveSession, event: ApprovalRequested) -> None:
        if event.subject == "rm -rf build":
            session.deny(event.id, "not that")
        else:
            session.approve(event.id)

    rules = PermissionsConfig(allow=("Bash(ls:*)",), deny=("Bash(git push:*)",))
    session, events, awaiting = await _run(
        stand_in, tmp_path, answer, approvals="wait", permissions=rules
    )
    state = session.state
    assert state.agents["Coder"].status == "done"
    answers = stand_in.answers()
    assert answers == [
        {"behavior": "allow", "updatedInput": {"command": "ls -la"}},
        {"behavior": "deny", "message": "not that"},
        {
            "behavior": "allow",
            "updatedInput": {"file_path": "notes/plan.md", "content": "the plan"},
        },
        {
            "behavior": "deny",
            "message": "denied by Bash(git push:*) (swarmtui.toml: permissions.deny)",
        },
    ]
    asked = [e for e in events if isinstance(e, ApprovalRequested)]
    assert [(e.kind, e.agent, e.tool, e.subject) for e in asked] == [
        ("tool", "Coder", "Bash", "rm -rf build"),
        ("tool", "Coder", "Write", "notes/plan.md"),
    ]
    assert asked[1].pattern == "Write(notes/**)"
    # While a request waited, the agent showed it (its id); once decided, nothing.
    assert awaiting == [[asked[0].id], [asked[1].id]]
    assert state.agents["Coder"].awaiting == [] and state.awaiting == {}
    decided = [(e.subject, e.verdict, e.by) for e in events if isinstance(e, ApprovalDecided)]
    assert decided == [
        ("ls -la", "allow", "rule"),
        ("rm -rf build", "deny", "user"),
        ("notes/plan.md", "allow", "user"),
        ("git push origin main", "deny", "rule"),
    ]


async def test_headless_nobody_is_asked_and_claude_hears_why(
    stand_in: StandIn, tmp_path: Path
) -> None:
    stand_in.wants(("WebFetch", {"url": "https://example.com/x", "prompt": "read"}))
    session, _, awaiting = await _run(stand_in, tmp_path, approvals="deny", headless=True)
    [answer] = stand_in.answers()
    assert answer["behavior"] == "deny"
    assert answer["message"].startswith("no rule matches 'example.com'; the default is deny")
    assert awaiting == []
    assert session.state.agents["Coder"].status == "done"


def test_the_relay_answers_mcp_and_denies_when_swarmtui_is_gone(tmp_path: Path) -> None:
    import subprocess

    from swarmtui.engine.runners.permission_prompts import SCRIPT

    lines = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "x"}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}},
        {"jsonrpc": "2.0", "id": 3, "method": "nonsense", "params": {}},
        {
            "jsonrpc": "2.0",
            "id": 4,
            "method": "tools/call",
            "params": {"name": "approve", "arguments": {"tool_name": "Bash", "input": {}}},
        },
    ]
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(SCRIPT), str(tmp_path / "nobody-listens")],
        input="".join(json.dumps(line) + "\n" for line in lines) + "not json\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    replies = {reply["id"]: reply for reply in map(json.loads, done.stdout.splitlines())}
    assert replies[1]["result"]["protocolVersion"] == "2025-06-18"
    assert replies[1]["result"]["capabilities"] == {"tools": {}}
    assert [tool["name"] for tool in replies[2]["result"]["tools"]] == ["approve"]
    assert replies[3]["error"]["code"] == -32601
    answer = json.loads(replies[4]["result"]["content"][0]["text"])
    assert answer["behavior"] == "deny" and "swarmtui did not answer" in answer["message"]
    assert replies[None]["error"]["code"] == -32700


async def test_the_time_a_prompt_waits_for_the_user_is_not_the_agents_run_time(
    stand_in: StandIn, tmp_path: Path
) -> None:
    # The agent may run 6 s; its prompt is answered 8 s after it came. The wait is the point
    # of the test (not a synchronisation): counted as run time, it would time the agent out.
    stand_in.wants(("Bash", {"command": "make release"}))

    def answer(session: LiveSession, event: ApprovalRequested) -> None:
        asyncio.get_running_loop().call_later(8, session.approve, event.id)

    session, events, awaiting = await _run(stand_in, tmp_path, answer, timeout=6, approvals="wait")
    coder = session.state.agents["Coder"]
    assert coder.status == "done", coder.reason
    assert stand_in.answers() == [
        {"behavior": "allow", "updatedInput": {"command": "make release"}}
    ]
    # While it waited it showed as awaiting approval, and the wait was longer than its timeout.
    assert len(awaiting) == 1 and awaiting[0]
    [decided] = [e for e in events if isinstance(e, ApprovalDecided)]
    assert decided.by == "user" and decided.verdict == "allow"
