"""Issue 11.7: a long answer is stored once. Past the events' cap the agent's log file holds it,
and the `openai` transcript and the `claude` raw stream keep where it is there (path and byte
range), not a second copy; the events and the replay show what they showed.

Sessions run for real: against our fake OpenAI server (named as such) and a stand-in `claude`
executable that replays stream-JSON lines (from test_claude_runner)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from swarmtui.config import Backends, ClaudeOptions, OpenAIOptions
from swarmtui.engine.events import AgentOutput
from swarmtui.engine.output_log import EVENT_OUTPUT_LIMIT
from swarmtui.engine.state import fold
from swarmtui.policy.tables import SandboxConfig
from swarmtui.store import read_events
from swarmtui.ui.screens.agent_detail import MAX_PAGER_BYTES, listed_artifacts, read_artifact

from ..engine.helpers import Run, one_message, run, task
from .fake_openai_server import Connection, FakeOpenAIServer, Request, stream_reply
from .test_claude_runner import INIT, StandIn

PIECE = "All work and no play makes a long answer. " * 1600  # ~67k characters
ANSWER = PIECE * 48  # ~3.2 million characters: three times the events' cap
REFERENCE = re.compile(
    r"\[([\d,]+) characters, stored once: (artifacts/logs/[\w.-]+\.log), bytes ([\d,]+)–([\d,]+)"
)


def _referenced(text: str, session: Path) -> tuple[int, str]:
    """The characters a reference says and the bytes of the log file it points to."""
    found = REFERENCE.search(text)
    assert found is not None, text[:500]
    characters, path, start, end = found.groups()
    number = [int(n.replace(",", "")) for n in (characters, start, end)]
    data = (session / path).read_bytes()[number[1] : number[2]]
    return number[0], data.decode("utf-8")


def _events_bounded(session: Path, name: str) -> None:
    events = read_events(session)
    said = [e for e in events if isinstance(e, AgentOutput) and e.agent == name]
    assert sum(len(e.text) for e in said if e.stream == "text") == EVENT_OUTPUT_LIMIT
    assert any("alone" in e.text for e in said if e.stream == "info")


async def _on_the_fake_server(
    server: FakeOpenAIServer, folder: Path, name: str, options: OpenAIOptions
) -> Run:
    """One agent NAME run against our fake OpenAI server, recorded under FOLDER."""
    return await run(
        one_message(task(0, name)),
        folder,
        backend="openai",
        base_url=server.base_url,
        model="fake-model",
        backends=Backends(openai=options),
    )


async def test_the_openai_transcript_refers_to_the_log_for_a_long_answer(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    fake_server.script(stream_reply([PIECE] * 48, usage=(20, 700_000)))
    r = await _on_the_fake_server(fake_server, tmp_path, "Big", OpenAIOptions(max_retries=0))
    assert r.state.agents["Big"].status == "done", r.state.agents["Big"].reason
    session = r.session.path
    log = session / "artifacts/logs/big.log"
    assert log.read_text() == ANSWER  # the answer, once, whole
    [transcript] = session.glob("artifacts/logs/big*.transcript.md")
    text = transcript.read_text()
    assert len(text) < 100_000  # not a second copy
    assert "## System" in text and "## User" in text and "## Assistant" in text
    characters, referenced = _referenced(text, session)
    assert characters == len(ANSWER) and referenced == ANSWER
    _events_bounded(session, "Big")
    assert fold(read_events(session)).agents["Big"].output_tail == r.state.agents["Big"].output_tail
    # The agent's detail lists its log beside its transcript: the answer is still one enter away.
    listed = listed_artifacts(r.state.agents["Big"], session)
    assert transcript.relative_to(session).as_posix() in listed
    assert "artifacts/logs/big.log" in listed
    assert read_artifact(session / "artifacts/logs/big.log") == ANSWER[:MAX_PAGER_BYTES]


async def test_after_a_broken_stream_the_reference_is_the_answer_retried(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    async def broken(request: Request, conn: Connection) -> None:
        await conn.start_sse()
        for _ in range(20):
            await conn.content("Lost words. " * 1000)
        await conn.break_off()

    fake_server.script(broken, stream_reply([PIECE] * 48))
    r = await _on_the_fake_server(
        fake_server, tmp_path, "Big", OpenAIOptions(max_retries=1, retry_backoff=0.0)
    )
    assert r.state.agents["Big"].status == "done", r.state.agents["Big"].reason
    session = r.session.path
    log = (session / "artifacts/logs/big.log").read_text()
    assert log.startswith("Lost words. ") and "retrying" in log and log.endswith(ANSWER)
    [transcript] = session.glob("artifacts/logs/big*.transcript.md")
    characters, referenced = _referenced(transcript.read_text(), session)
    assert characters == len(ANSWER) and referenced == ANSWER  # (what came before is not in it)


async def test_a_short_openai_answer_stays_in_its_transcript(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    fake_server.script(stream_reply(["A short ", "answer."]))
    r = await _on_the_fake_server(fake_server, tmp_path, "Small", OpenAIOptions(max_retries=0))
    [transcript] = r.session.path.glob("artifacts/logs/small*.transcript.md")
    assert "## Assistant\n\nA short answer.\n" in transcript.read_text()
    assert "stored once" not in transcript.read_text()


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    return StandIn(tmp_path / "stand-in", monkeypatch)


async def test_the_claude_raw_stream_refers_to_the_log_for_a_long_answer(
    stand_in: StandIn, tmp_path: Path
) -> None:
    assistant = {
        "type": "assistant",
        "message": {
            "id": "msg_1",
            "role": "assistant",
            "content": [{"type": "text", "text": ANSWER}],
            "usage": {"input_tokens": 5, "output_tokens": 700_000},
        },
        "session_id": "sess-1",
    }
    result = {
        "type": "result",
        "subtype": "success",
        "is_error": False,
        "num_turns": 1,
        "result": ANSWER,
        "session_id": "sess-1",
        "total_cost_usd": 0.5,
        "usage": {"input_tokens": 5, "output_tokens": 700_000},
    }
    stand_in.replay(INIT, assistant, result)
    r = await run(
        one_message(task(0, "Big")),
        tmp_path,
        backend="claude",
        model="sonnet",
        backends=Backends(claude=ClaudeOptions()),
        sandbox=SandboxConfig(write=(str(stand_in.record.parent),), env=("STANDIN_*",)),
    )
    big = r.state.agents["Big"]
    assert big.status == "done", big.reason
    session = r.session.path
    log = (session / "artifacts/logs/big.log").read_text()
    assert log.count(ANSWER) == 1  # the answer, once, whole (after the session's note)
    raw = (session / "artifacts/logs/big.claude.jsonl").read_text()
    assert len(raw) < 100_000  # not a second (nor a third) copy
    lines = [json.loads(line) for line in raw.splitlines()]
    kinds = [line["type"] for line in lines]
    assert kinds == ["user", "system", "assistant", "result"]
    said = lines[2]["message"]["content"][0]["text"]
    characters, referenced = _referenced(said, session)
    assert characters == len(ANSWER) and referenced.startswith(ANSWER)
    # The turn's result refers to the turn's output; its other fields are kept.
    final = lines[3]
    characters, referenced = _referenced(final["result"], session)
    assert characters == len(ANSWER) and ANSWER in referenced
    assert final["total_cost_usd"] == 0.5 and final["session_id"] == "sess-1"
    _events_bounded(session, "Big")
    assert fold(read_events(session)).agents["Big"].output_tail == big.output_tail
