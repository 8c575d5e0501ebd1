"""Whole sessions on the `openai` backend (`swarmtui run --headless`) against the fake server.

The key test: whatever a server echoes back, the value of OPENAI_API_KEY is found nowhere in the
session folder afterwards (session.db bytes included). The dead-server test: a server that dies
mid-session fails only the agents it was serving, each with a readable reason, and the session ends.
"""

from __future__ import annotations

import secrets
import threading
from pathlib import Path
from typing import Any

from .fake_openai_server import Connection, FakeOpenAIServer, Request
from .helpers import agent_of, run_openai_batch

BATCH = """[Single Message - Backend check]:
Task("Planner", "Plan the work. Store the plan in memory under 'swarm/plan'.", "planner")
Task("Coder", "Read the plan from memory 'swarm/plan'. Store the code in 'swarm/code'.", "coder")
Task("Tester", "Write a test plan. Store it in memory under 'swarm/tests'.", "tester")
"""


def _run(tmp_path: Path, base_url: str, env: dict[str, str]) -> tuple[dict[str, Any], str]:
    return run_openai_batch(tmp_path, base_url, BATCH, env)


def test_the_api_key_is_nowhere_in_the_session_folder(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    key = "sk-test-" + secrets.token_hex(16)

    async def echo(request: Request, conn: Connection) -> None:
        auth = request.headers.get("authorization", "")
        await conn.start_sse()
        # Echo the header back, cut in the middle of the key, as a careless server might.
        await conn.content(f"You sent {auth[:20]}")
        await conn.content(f"{auth[20:]}\n")
        await conn.content(f"```text path=docs/echo.txt\n{auth}\n```\n")
        await conn.finish((12, 8))

    fake_server.default = echo
    document, printed = _run(tmp_path, fake_server.base_url, {"OPENAI_API_KEY": key})

    assert {r.headers.get("authorization") for r in fake_server.requests} == {f"Bearer {key}"}
    agents = document["summary"]["agents"]
    assert [a["status"] for a in agents] == ["done", "done", "done"]
    session = Path(document["summary"]["path"])
    files = [p for p in session.rglob("*") if p.is_file()]
    assert session / "session.db" in files
    assert any(p.name == "echo.txt" for p in files)  # the echoed files were written, redacted
    for path in files:
        assert key.encode() not in path.read_bytes(), f"the key leaked into {path}"
    assert key not in printed
    assert "[REDACTED]" in (session / "artifacts/docs/echo.txt").read_text()


def test_a_server_that_dies_fails_only_the_agents_it_was_serving(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    tester_answered = threading.Event()

    async def handler(request: Request, conn: Connection) -> None:
        agent = agent_of(request)
        if agent == "Tester":
            await conn.start_sse()
            await conn.content("test plan: check everything\n")
            await conn.finish((10, 6))
            tester_answered.set()
            return
        # The Planner's answer starts, then the whole server dies (once the Tester is served).
        await conn.start_sse()
        await conn.content("The plan is")
        await (
            __import__("asyncio").get_running_loop().run_in_executor(None, tester_answered.wait, 30)
        )
        fake_server.die()

    fake_server.default = handler
    document, _ = _run(tmp_path, fake_server.base_url, {})
    summary = document["summary"]
    agents = {a["name"]: a for a in summary["agents"]}

    assert summary["status"] in ("failed", "completed")  # the session ended
    assert agents["Tester"]["status"] == "done"
    assert document["state"]["memory"], "the Tester's key should be in memory"
    planner = agents["Planner"]
    assert planner["status"] == "failed"
    assert "cannot connect" in planner["reason"] or "broke" in planner["reason"]
    assert fake_server.base_url in planner["reason"]
    # The Coder waited for the Planner's key, so it cannot run; it must not hang either.
    assert agents["Coder"]["status"] in ("failed", "skipped", "cancelled")
    assert agents["Coder"]["reason"]
