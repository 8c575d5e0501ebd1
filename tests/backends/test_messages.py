"""Talking to a running agent: a message sent mid-stream (our FAKE OpenAI server), on a command's
standard input, and `swarmtui send` reaching a headless run in another process."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from swarmtui.config import Backends, CommandOptions, OpenAIOptions
from swarmtui.engine.control_socket import socket_path
from swarmtui.engine.events import (
    AgentMessage,
    AgentOutput,
    AgentServerWait,
    AgentStarted,
    Event,
)
from swarmtui.engine.session import LiveSession
from swarmtui.engine.state import fold
from swarmtui.store import read_events

from ..engine.helpers import one_message, run, task, wait_for_events
from .fake_openai_server import Connection, FakeOpenAIServer, Request, stream_reply

BOUND = 20  # seconds: a bound on a wait that an event ends, never a synchronisation


def _openai(server: FakeOpenAIServer) -> dict[str, Any]:
    """Run settings for the openai backend on our FAKE server, no retries."""
    return {
        "backend": "openai",
        "base_url": server.base_url,
        "model": "fake-model",
        "backends": Backends(openai=OpenAIOptions(max_retries=0)),
    }


async def test_a_message_sent_mid_stream_becomes_the_next_user_turn(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    sent = threading.Event()

    async def first(request: Request, conn: Connection) -> None:
        await conn.start_sse()
        await conn.content("first part\n")
        # The rest comes once the message has been sent: it arrived mid-stream.
        await asyncio.get_running_loop().run_in_executor(None, sent.wait, BOUND)
        await conn.content("end of the first answer")
        await conn.finish((10, 5))

    fake_server.script(first, stream_reply(["the second answer"], usage=(20, 3)))
    refusals: list[str | None] = []

    def on_event(session: LiveSession, event: Event) -> None:
        if isinstance(event, AgentOutput) and "first part" in event.text:
            refusals.append(session.send_message("Writer", "Also mention the tests.", "Ana"))
            refusals.append(session.send_message("Nobody", "hello"))
        if isinstance(event, AgentMessage):
            sent.set()

    settings = _openai(fake_server)
    r = await run(
        one_message(task(0, "Writer", stores=["swarm/w"])), tmp_path, on_event, **settings
    )
    writer = r.state.agents["Writer"]
    assert refusals == [None, "no agent named Nobody"]
    assert writer.status == "done"
    assert writer.result == "first part\nend of the first answer\n\nthe second answer"
    assert (writer.tokens_in, writer.tokens_out) == (30, 8)  # both requests
    second = fake_server.requests[-1].json()["messages"]
    assert second[-2:] == [
        {"role": "assistant", "content": "first part\nend of the first answer"},
        {"role": "user", "content": "Also mention the tests."},
    ]
    [message] = r.of(AgentMessage)
    assert (message.agent, message.by, message.text) == ("Writer", "Ana", "Also mention the tests.")
    assert "user turn" in message.delivery
    # In the transcript and in the replay.
    transcript = (r.session.path / "artifacts/logs/writer.transcript.md").read_text()
    assert "## User (a message sent while it ran)\n\nAlso mention the tests." in transcript
    replayed = fold(read_events(r.session.path))
    assert [m[1:3] for m in replayed.agents["Writer"].messages] == [
        ("Ana", "Also mention the tests.")
    ]
    assert "» Ana: Also mention the tests." in replayed.agents["Writer"].output_tail
    # Once it has ended, nothing reaches it.
    assert r.session.send_message("Writer", "too late") == "the session is not running"


async def test_a_message_sent_while_the_agent_waits_for_its_server_goes_with_its_first_request(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    # Our FAKE says it has one slot: while First is answered, Second waits for the server.
    async def one_slot(request: Request, conn: Connection) -> None:
        await conn.respond(200, json.dumps({"total_slots": 1}))

    fake_server.routes["/props"] = one_slot
    sent = threading.Event()

    async def first(request: Request, conn: Connection) -> None:
        await conn.start_sse()
        await asyncio.get_running_loop().run_in_executor(None, sent.wait, BOUND)
        await conn.content("first answer")
        await conn.finish((10, 5))

    fake_server.script(first, stream_reply(["second answer"], usage=(20, 3)))
    replies: list[str | None] = []

    def on_event(session: LiveSession, event: Event) -> None:
        if isinstance(event, AgentServerWait) and event.agent == "Second":
            replies.append(session.send_message("Second", "Keep it short.", "Ana"))
            sent.set()

    settings = _openai(fake_server)
    r = await run(one_message(task(0, "First"), task(1, "Second")), tmp_path, on_event, **settings)
    assert replies == [None]
    second = r.state.agents["Second"]
    assert second.status == "done" and second.result == "second answer"
    # One request, not two: the message is its last user turn.
    asked = [
        req.json()["messages"] for req in fake_server.requests if req.path.endswith("/completions")
    ]
    assert len(asked) == 2
    assert asked[1][-1] == {"role": "user", "content": "Keep it short."}
    assert asked[1][-2]["role"] == "user" and "Keep it short." not in asked[1][-2]["content"]
    transcript = (r.session.path / "artifacts/logs/second.transcript.md").read_text()
    assert "## User (a message sent while it ran)\n\nKeep it short." in transcript


LISTENER = (
    'echo ready; while IFS= read -r line; do case "$line" in '
    'msg:*) echo "got $line"; exit 0;; esac; done'
)


async def test_a_command_agent_reads_messages_on_its_kept_open_stdin(tmp_path: Path) -> None:
    replies: list[str | None] = []

    def on_event(session: LiveSession, event: Event) -> None:
        if isinstance(event, AgentOutput) and "ready" in event.text:
            replies.append(session.send_message("Listener", "msg: hello there"))

    r = await run(
        one_message(task(0, "Listener")),
        tmp_path,
        on_event,
        backend="command",
        command_template=LISTENER,
        backends=Backends(command=CommandOptions(keep_stdin_open=True)),
    )
    assert replies == [None]
    listener = r.state.agents["Listener"]
    assert listener.status == "done" and listener.result == "ready\ngot msg: hello there\n"
    [message] = r.of(AgentMessage)
    assert message.delivery == "as a line on the program's standard input"


async def test_a_command_agent_with_a_closed_stdin_says_why_it_takes_no_message(
    tmp_path: Path,
) -> None:
    replies: list[str | None] = []

    def on_event(session: LiveSession, event: Event) -> None:
        if isinstance(event, AgentOutput) and "ready" in event.text:
            replies.append(session.send_message("Quick", "msg: hi"))

    await run(
        one_message(task(0, "Quick")),
        tmp_path,
        on_event,
        backend="command",
        command_template="echo ready",
    )
    assert replies == [
        "Quick takes no message now: a command agent reads no messages unless "
        "[backends.command] keep_stdin_open = true"
    ]


async def test_a_rehearsal_agent_says_it_takes_no_messages(tmp_path: Path) -> None:
    replies: list[str | None] = []

    def on_event(session: LiveSession, event: Event) -> None:
        if isinstance(event, AgentOutput) and "REHEARSAL" in event.text:  # (while it runs)
            replies.append(session.send_message("Dreamer", "msg: hi"))

    await run(one_message(task(0, "Dreamer")), tmp_path, on_event, rehearsal_seconds=0.01)
    said = (
        "Dreamer takes no message now: it is a rehearsal, in which nothing runs that could read one"
    )
    assert replies == [said]  # (not "it has not started to talk to its backend yet")


async def test_a_message_sent_as_the_agent_starts_gets_an_answer_not_an_error(
    tmp_path: Path,
) -> None:
    """From a listener of the agent's own `agent_started` (its runner has not run yet): a reason
    to try again, where it used to raise AttributeError inside the session."""
    replies: list[str | None] = []

    def on_event(session: LiveSession, event: Event) -> None:
        if isinstance(event, AgentStarted) and event.agent == "Early":
            replies.append(session.send_message("Early", "msg: too soon"))

    r = await run(
        one_message(task(0, "Early")),
        tmp_path,
        on_event,
        backend="command",
        command_template="echo fine",
        backends=Backends(command=CommandOptions(keep_stdin_open=True)),
    )
    assert replies == ["Early takes no message now: it has not started to talk to its backend yet"]
    assert r.session.subscriber_errors == []
    assert r.of(AgentMessage) == []  # nothing recorded as sent


def _send(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "swarmtui", "send", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_swarmtui_send_reaches_a_headless_run_in_another_process(tmp_path: Path) -> None:
    batch = tmp_path / "listen.swarm.js"
    batch.write_text('Task("Listener", "Wait for a message.")\n')
    config = tmp_path / "swarmtui.toml"
    config.write_text("[backends.command]\nkeep_stdin_open = true\n")
    sessions = tmp_path / "sessions"
    env = dict(os.environ, SWARMTUI_CONFIG_DIR=str(tmp_path / "user-config"))
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "swarmtui", "run", str(batch), "--headless", "--json",
            "--backend", "command", "--command", LISTENER, "--sessions-dir", str(sessions),
            "--config", str(config),
        ],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        folder = wait_for_events(
            sessions, proc, "type = 'agent_output' AND payload_json LIKE '%ready%'"
        )
        # The socket is the owner's alone.
        control = socket_path(folder)
        assert stat.S_IMODE(control.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE(control.stat().st_mode) == 0o600

        refused = _send(str(folder), "Nobody", "msg: hi", "--sessions-dir", str(sessions))
        assert refused.returncode == 1 and "no agent named Nobody" in refused.stderr
        sent = _send(folder.name, "Listener", "msg: from afar", "--sessions-dir", str(sessions))
        assert sent.returncode == 0, sent.stderr
        assert "sent to Listener" in sent.stdout
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    document: dict[str, Any] = json.loads(out)
    [listener] = document["state"]["agents"]
    assert listener["status"] == "done" and listener["result"] == "ready\ngot msg: from afar\n"
    assert [(m["by"], m["text"]) for m in listener["messages"]] == [
        ("swarmtui send", "msg: from afar")
    ]
    # The replay has it; the socket is gone with the run.
    replayed = fold(read_events(folder))
    assert [m[2] for m in replayed.agents["Listener"].messages] == ["msg: from afar"]
    assert not socket_path(folder).parent.exists()
    gone = _send(str(folder), "Listener", "msg: again")
    assert gone.returncode == 2 and "is not running" in gone.stderr


async def test_an_answer_streamed_a_few_characters_at_a_time_reads_as_lines(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    """A real server streams a token at a time: each piece continues the line it is part of
    in the agent's output (the app showed one token per line)."""
    pieces = ["Hel", "lo wor", "ld\nsec", "ond", " line"]
    seen = [threading.Event() for _ in pieces]

    async def paced(request: Request, conn: Connection) -> None:
        await conn.start_sse()
        for piece, shown in zip(pieces, seen, strict=True):
            await conn.content(piece)  # the next once this one is an event of its own
            await asyncio.get_running_loop().run_in_executor(None, shown.wait, BOUND)
        await conn.finish((5, 5))

    fake_server.script(paced)

    def on_event(session: LiveSession, event: Event) -> None:
        if isinstance(event, AgentOutput) and event.stream == "text":
            seen[len([e for e in seen if e.is_set()])].set()

    settings = _openai(fake_server)
    r = await run(one_message(task(0, "Writer")), tmp_path, on_event, **settings)
    assert [e.text for e in r.of(AgentOutput, agent="Writer", stream="text")] == pieces
    tail = list(r.state.agents["Writer"].output_tail)
    assert tail[:2] == ["Hello world", "second line"], tail
    assert list(fold(read_events(r.session.path)).agents["Writer"].output_tail) == tail
