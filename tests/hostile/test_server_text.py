"""Issue 11.1 for what a model server sends: an error body and a streamed answer carrying
terminal escapes, from our FAKE OpenAI server (tests/backends/fake_openai_server.py), reach the
terminal of `swarmtui run --headless` and `replay --headless` escaped, never raw (a real pty).
The same with a real llama.cpp server is in tests/backends/test_llm_e2e.py (`pytest -m llm`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..backends.fake_openai_server import Connection, FakeOpenAIServer, Request, stream_reply
from .hostile import environment, in_pty, raw_markers

HOSTILE = "\x1b]0;PWNED\x07 \x1b]52;c;aGFja2Vk\x07 \x1b[2J \u202eevil \x9b2J"
SHOWN = b"\\x1b]0;PWNED\\x07"

BATCH = """[Message 1 - Server text]:
Task("Broken", "Answer.", "coder")
Task("Talker", "Answer.", "coder")
"""


@pytest.fixture
def fake_server() -> Iterator[FakeOpenAIServer]:
    server = FakeOpenAIServer().start()
    yield server
    server.stop()


def test_an_error_body_and_an_answer_with_escapes_reach_the_terminal_escaped(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    async def refuse(request: Request, conn: Connection) -> None:
        body = json.dumps({"error": {"message": f"model overloaded {HOSTILE}"}})
        await conn.respond(400, body)  # (a 400: not retried)

    def by_agent(request: Request) -> str:
        return "Broken" if "Broken" in request.body.decode() else "Talker"

    async def answer(request: Request, conn: Connection) -> None:
        if by_agent(request) == "Broken":
            await refuse(request, conn)
        else:
            await stream_reply([f"hello {HOSTILE}\n"])(request, conn)

    fake_server.default = answer
    (tmp_path / "config").mkdir()
    batch = tmp_path / "server.swarm.js"
    batch.write_text(BATCH, encoding="utf-8")
    sessions = tmp_path / "sessions"
    args = [
        "run", str(batch), "--headless", "--backend", "openai", "--base-url",
        fake_server.base_url, "--model", "fake-model", "--sessions-dir", str(sessions),
        "--no-worktrees",
    ]  # fmt: skip
    status, out = in_pty(args, env=environment(tmp_path), cwd=tmp_path)
    assert status == 1, out[-2000:]  # (Broken failed)
    assert raw_markers(out) == [], out[-2000:]
    assert b"\x1b[2J" not in out
    assert b"model overloaded " + SHOWN in out, out[-2000:]  # the server's words, visible
    [session] = sessions.iterdir()
    status, out = in_pty(
        ["replay", str(session), "--headless"], env=environment(tmp_path), cwd=tmp_path
    )
    assert raw_markers(out) == [] and b"\x1b[2J" not in out, out[-2000:]
    assert b"model overloaded " + SHOWN in out, out[-2000:]
