"""Two writers of one path: the later write is recorded as replacing the earlier writer's file,
and every place that reports file writes says so (the JSON, the text summary, the log line, the
agent's detail); a recording older than the field replays without it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from swarmtui.batch.lint import BATCH_WRITER
from swarmtui.commands.session_text import final_text
from swarmtui.engine.events import AgentPlan, FileWritten, SessionStarted
from swarmtui.engine.state import SessionState, apply
from swarmtui.engine.summary import file_note
from swarmtui.ui.widgets.log_panel import describe

from .fake_openai_server import Connection, FakeOpenAIServer, Request
from .helpers import agent_of, run_openai_batch

BATCH = """[Message 1 - Two coders]:
Task("Coder A", "Write app.py.", "coder")
Task("Coder B", "Write app.py.", "coder")

[Message 2 - Batch write]:
Write("artifacts/app.py", "print('batch')\\n")
"""


def test_parallel_agents_writing_one_path_are_recorded_as_replacing(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    async def answer(request: Request, conn: Connection) -> None:
        agent = agent_of(request)
        await conn.start_sse()
        await conn.content(f"```python path=app.py\nprint({agent!r})\n```\n")
        await conn.finish((10, 6))

    fake_server.default = answer
    document, printed = run_openai_batch(tmp_path, fake_server.base_url, BATCH)
    assert document["summary"]["status"] == "completed", printed

    writes = [f for f in document["state"]["files"] if f["path"] == "artifacts/app.py"]
    first, second, batch = (w["by"] for w in writes)
    assert {first, second} == {"Coder A", "Coder B"} and batch == BATCH_WRITER
    assert [w["replaced"] for w in writes] == [None, first, second]
    assert document["summary"]["replaced_files"] == [
        {"path": "artifacts/app.py", "by": second, "replaced": first},
        {"path": "artifacts/app.py", "by": BATCH_WRITER, "replaced": second},
    ]
    session = Path(document["summary"]["path"])
    assert (session / "artifacts/app.py").read_text() == "print('batch')\n"

    # The text summary of the same session, from its recording (a replay runs nothing).
    replay = subprocess.run(
        [sys.executable, "-m", "swarmtui", "replay", str(session), "--headless"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert replay.returncode == 0, replay.stderr
    assert f"artifacts/app.py by {second} (replaced the one {first} wrote)" in replay.stdout
    assert f"artifacts/app.py by the batch (replaced the one {second} wrote)" in replay.stdout


def _fold(*events: FileWritten | SessionStarted) -> SessionState:
    state = SessionState()
    for seq, event in enumerate(events, 1):
        event.seq = seq
        apply(state, event)
    return state


def test_the_log_line_and_the_detail_say_whose_file_was_replaced() -> None:
    mine = FileWritten(path="artifacts/app.py", bytes=12, by="Coder A")
    theirs = FileWritten(path="artifacts/app.py", bytes=14, by="Coder B", replaced="Coder A")
    assert describe(theirs) == (
        "Coder B",
        "wrote artifacts/app.py (14 bytes; replaced the one Coder A wrote)",
    )
    assert describe(mine) == ("Coder A", "wrote artifacts/app.py (12 bytes)")

    state = _fold(mine, theirs)
    assert state.replaced("artifacts/app.py", "Coder B") is None  # its own file now
    assert state.replaced("artifacts/app.py", BATCH_WRITER) == "Coder B"
    assert file_note(state, "Coder B", "artifacts/app.py") == "replaced the one Coder A wrote"
    assert file_note(state, "Coder A", "artifacts/app.py") == "replaced since by Coder B"
    assert file_note(state, "Coder A", "artifacts/other.py") is None


def test_a_recording_from_before_the_field_replays_without_it(tmp_path: Path) -> None:
    old = {"type": "file_written", "seq": 1, "t": 0.5, "path": "app.py", "bytes": 3, "by": "A"}
    event = FileWritten.model_validate_json(json.dumps(old))
    assert event.replaced is None
    state = _fold(event)
    assert state.to_json()["files"] == [{"path": "app.py", "bytes": 3, "by": "A", "replaced": None}]
    assert "replaced" not in final_text(state, tmp_path)


def test_an_agent_named_batch_is_not_taken_for_the_batch(
    fake_server: FakeOpenAIServer, tmp_path: Path
) -> None:
    # (its file and a later Write's shared the tag `batch`: the Write was not recorded as
    # replacing it, and a note said "the batch wrote" of the agent's)
    async def answer(request: Request, conn: Connection) -> None:
        await conn.start_sse()
        await conn.content("```python path=app.py\nprint('agent')\n```\n")
        await conn.finish((10, 6))

    fake_server.default = answer
    text = BATCH.replace('Task("Coder A"', 'Task("batch"').replace(
        'Task("Coder B", "Write app.py.", "coder")\n', ""
    )
    document, printed = run_openai_batch(tmp_path, fake_server.base_url, text)
    assert document["summary"]["status"] == "completed", printed
    writes = [f for f in document["state"]["files"] if f["path"] == "artifacts/app.py"]
    assert [(w["by"], w["replaced"]) for w in writes] == [("batch", None), (BATCH_WRITER, "batch")]
    session = Path(document["summary"]["path"])
    replay = subprocess.run(
        [sys.executable, "-m", "swarmtui", "replay", str(session), "--headless"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "artifacts/app.py by the batch (replaced the one batch wrote)" in replay.stdout


def test_a_recording_from_before_the_batch_writer_tag_still_reads(tmp_path: Path) -> None:
    # Logs made before it tagged a Write's file `batch`: still the batch's, unless the session
    # had an agent of that name.
    started = SessionStarted(session_id="s", title="t", backend="rehearsal", started_at="now")
    written = FileWritten(path="app.py", bytes=3, by="A")
    over = FileWritten(path="app.py", bytes=4, by="batch", replaced="A")
    state = _fold(started, written, over)
    assert state.files[-1] == ("app.py", 4, BATCH_WRITER, "A")
    assert file_note(state, "A", "app.py") == "replaced since by the batch"
    assert "app.py by the batch (replaced the one A wrote)" in final_text(state, tmp_path)
    named = started.model_copy(update={"agents": [AgentPlan(name="batch"), AgentPlan(name="A")]})
    state = _fold(named, written, over)
    assert state.files[-1] == ("app.py", 4, "batch", "A")
    assert file_note(state, "A", "app.py") == "replaced since by batch"
