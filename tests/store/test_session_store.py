"""The session store: group-commit log, sessions index, killed sessions, bad files."""

from __future__ import annotations

import json
import os
import select
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from swarmtui.batch.models import Batch, MemoryOp, Message, TaskOp
from swarmtui.engine.events import (
    AgentOutput,
    AgentStarted,
    Event,
    MemoryDeleted,
    MemoryStored,
    SessionStarted,
)
from swarmtui.engine.session import LiveSession
from swarmtui.engine.settings import RunSettings
from swarmtui.store import (
    EventLog,
    SessionStoreError,
    list_sessions,
    new_live_session,
    read_events,
    resolve_session,
)
from tests.engine.helpers import start_command_run, wait_for_agent_start, wait_for_host_pid

CLI = [sys.executable, "-m", "swarmtui"]


async def _run(tmp_path: Path, title: str = "Store") -> LiveSession:
    batch = Batch(
        messages=[
            Message(
                index=1,
                title=title,
                operations=[
                    MemoryOp(index=0, key="k", value=[1, 2], namespace="ns", ttl=60),
                    TaskOp(index=1, name="A", stores=["swarm/a"]),
                ],
            )
        ]
    )
    session = new_live_session(
        "text",
        source_name="x.swarm.js",
        settings=RunSettings(rehearsal_seconds=0.001),
        sessions_dir=tmp_path,
        batch=batch,
    )
    await session.run()
    return session


async def test_session_row_memory_table_and_events(tmp_path: Path) -> None:
    session = await _run(tmp_path)
    conn = sqlite3.connect(session.path / "session.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    row = conn.execute("SELECT id, title, status, agents, backend FROM session").fetchone()
    assert row == (session.session_id, "Store", "completed", 1, "rehearsal")
    memory = conn.execute("SELECT namespace, key, value, by FROM memory ORDER BY key").fetchall()
    assert memory == [
        ("ns", "k", "[1, 2]", "batch"),
        ("default", "swarm/a", json.dumps(session.state.memory[("default", "swarm/a")].value), "A"),
    ]
    count = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    assert count == session.state.seq == len(read_events(session.path))
    conn.close()


def test_memory_table_follows_stores_and_deletes_in_their_order(tmp_path: Path) -> None:
    # Runs of stores are written together: a delete between two stores of a key must still
    # leave the second, and a store between two deletes must not come back.
    steps: list[Event] = [
        MemoryStored(key="a", value=1, by="A"),
        MemoryStored(key="b", value=1, by="A"),
        MemoryDeleted(key="a", by="B"),
        MemoryStored(key="a", value=2, by="C"),
        MemoryStored(key="c", value=1, by="C"),
        MemoryDeleted(key="c", by="D"),
        MemoryDeleted(key="b", by="D"),
        MemoryStored(key="b", value=3, by="E"),
    ]
    assert _memory_table_after(tmp_path, steps) == [("a", "2", "C"), ("b", "3", "E")]


@pytest.mark.parametrize("count", [49, 50, 51, 123])
def test_many_stores_of_a_few_keys_leave_each_keys_last_value(tmp_path: Path, count: int) -> None:
    # (many rows to a statement: a key stored twice within one keeps the later value)
    stores: list[Event] = [
        MemoryStored(key=f"k{seq % 7}", value=seq, by=f"A{seq}") for seq in range(1, count + 1)
    ]
    last = {f"k{seq % 7}": seq for seq in range(1, count + 1)}
    expected = sorted((key, str(seq), f"A{seq}") for key, seq in last.items())
    assert _memory_table_after(tmp_path, stores) == expected


def _memory_table_after(folder: Path, events: list[Event]) -> list[tuple[str, str, str]]:
    """The memory table (key, value, by; by key) once EVENTS are committed in one batch."""
    log = EventLog(folder, flush_interval=60)  # (one batch: nothing is written before close)
    for seq, event in enumerate(events, 1):
        event.seq, event.t = seq, seq / 10
        log.append(event)
    log.close()
    conn = sqlite3.connect(folder / "session.db")
    rows: list[tuple[str, str, str]] = conn.execute(
        "SELECT key, value, by FROM memory ORDER BY key"
    ).fetchall()
    conn.close()
    return rows


@pytest.mark.parametrize("count", [1, 49, 50, 51, 123])
def test_a_batch_of_events_is_written_whole_and_in_order(tmp_path: Path, count: int) -> None:
    """One commit of COUNT events (rows go in statements of several): every event, in order,
    exactly as appended, whatever the batch's size against the rows a statement takes."""
    log = EventLog(tmp_path, flush_interval=60)  # (one batch: nothing is written before close)
    appended: list[AgentStarted] = []
    for seq in range(1, count + 1):
        event = AgentStarted(agent=f"A{seq} 'q' \\ é", attempt=seq)
        event.seq, event.t = seq, seq / 7
        log.append(event)
        appended.append(event)
    log.close()
    assert [e.model_dump() for e in read_events(tmp_path)] == [e.model_dump() for e in appended]
    conn = sqlite3.connect(tmp_path / "session.db")
    rows = conn.execute("SELECT seq, t, type, agent FROM events ORDER BY seq").fetchall()
    conn.close()
    assert rows == [(e.seq, e.t, "agent_started", e.agent) for e in appended]


def test_a_run_of_several_megabytes_is_not_checkpointed_until_the_log_closes(
    tmp_path: Path,
) -> None:
    """SQLite would copy the log into the database (with its fsyncs) every 4 MB of events,
    in the middle of a run; the session's log does it every ~40 MB, and when it closes."""
    log = EventLog(tmp_path, flush_interval=0)
    appended: list[AgentOutput] = []
    for seq in range(1, 801):  # (~6.5 MB of output events)
        event = AgentOutput(agent="A", stream="stdout", text=f"{seq:08d}" * 1000)
        event.seq, event.t = seq, seq / 100
        log.append(event)
        appended.append(event)
    log.flush()
    assert log.written == 800
    assert (tmp_path / "session.db").stat().st_size < 1 << 20  # all of it still in the WAL
    log.close()
    assert [e.model_dump() for e in read_events(tmp_path)] == [e.model_dump() for e in appended]


async def test_list_and_resolve_sessions(tmp_path: Path) -> None:
    first = await _run(tmp_path, "First")
    second = await _run(tmp_path, "Second")
    infos = list_sessions(tmp_path)
    assert [i.title for i in infos] == ["Second", "First"] or infos[0].started_at == infos[
        1
    ].started_at
    assert {i.status for i in infos} == {"completed"}
    assert all(i.error is None and i.agents == 1 for i in infos)
    assert resolve_session(first.session_id, tmp_path) == first.path
    assert resolve_session(str(second.path), tmp_path) == second.path
    with pytest.raises(SessionStoreError, match="no session 'nope'"):
        resolve_session("nope", tmp_path)
    # A folder renamed (or copied under another name) is found by the id it recorded, which
    # `swarmtui sessions` lists.
    renamed = first.path.rename(tmp_path / "shared-copy")
    assert [i.id for i in list_sessions(tmp_path) if i.path == renamed] == [first.session_id]
    assert resolve_session(first.session_id, tmp_path) == renamed


def test_a_second_writer_is_refused(tmp_path: Path) -> None:
    log = EventLog(tmp_path)
    try:
        with pytest.raises(SessionStoreError, match="another process is writing"):
            EventLog(tmp_path)
    finally:
        log.close()


def test_group_commit_keeps_every_event_in_order(tmp_path: Path) -> None:
    log = EventLog(tmp_path)
    log.append(SessionStarted(seq=1, session_id="s", title="t", backend="b", started_at="x"))
    for i in range(2, 5002):
        log.append(AgentStarted(seq=i, t=i / 1000, agent=f"a{i}"))
    log.close()
    events = read_events(tmp_path)
    assert [e.seq for e in events] == list(range(1, 5002))
    assert events[-1].t == 5.001


def test_logged_payloads_are_exactly_model_dump_json(tmp_path: Path) -> None:
    # The writer calls the serializer directly (faster); the rows must not differ by a byte.
    events: list[Event] = [
        SessionStarted(seq=1, session_id="s", title="tïtle ✓", backend="b", started_at="x"),
        MemoryStored(seq=2, t=0.5, key="k", value={"a": [1, 2.5, None], "é": "\n"}, by="A"),
        AgentStarted(seq=3, t=1e-6, agent="A"),
    ]
    log = EventLog(tmp_path)
    for e in events:
        log.append(e)
    log.close()
    conn = sqlite3.connect(tmp_path / "session.db")
    rows = conn.execute("SELECT payload_json, typeof(payload_json) FROM events ORDER BY seq")
    logged = rows.fetchall()
    conn.close()
    assert logged == [(e.model_dump_json(), "text") for e in events]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not a database at all" * 100, "not a swarmtui session database"),
        (b"", "an empty file (0 bytes): nothing was recorded in it"),
        (b"SQLite format 3\x00" + b"\xff" * 200, "not a swarmtui session database"),
        (None, "not a swarmtui session database (foreign SQLite file)"),
    ],
)
def test_bad_session_db_gives_one_line_naming_the_file(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    folder = tmp_path / "session-20260101-000000-bad"
    folder.mkdir()
    db = folder / "session.db"
    if content is None:
        conn = sqlite3.connect(db)
        conn.execute("CREATE TABLE other (x)")
        conn.commit()
        conn.close()
    else:
        db.write_bytes(content)
    with pytest.raises(SessionStoreError) as info:
        read_events(folder)
    text = str(info.value)
    assert str(db) in text and message in text and "\n" not in text
    [listed] = list_sessions(tmp_path)
    assert listed.error == text and listed.status == "unreadable"
    result = subprocess.run(
        [*CLI, "replay", str(folder), "--headless", "--json"], capture_output=True, text=True
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().count("\n") == 0 and str(db) in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("seq", "payload", "said"),
    [
        (3, '{"type": "bogus"}', "event #3 is not a valid event (Input tag 'bogus'"),
        # Not JSON: named too, with the position of the error in that row.
        (5, "{not json", "event #5 is not a valid event (Invalid JSON: key must be a string at "
         "line 1 column 2)"),
    ],
)  # fmt: skip
async def test_a_bad_event_row_is_a_clean_error_naming_it_as_seq_does(
    tmp_path: Path, seq: int, payload: str, said: str
) -> None:
    session = await _run(tmp_path)
    conn = sqlite3.connect(session.path / "session.db")
    conn.execute("UPDATE events SET payload_json = ? WHERE seq = ?", (payload, seq))
    conn.commit()
    conn.close()
    with pytest.raises(SessionStoreError) as info:
        read_events(session.path)
    assert said in str(info.value)


def test_missing_session_db(tmp_path: Path) -> None:
    folder = tmp_path / "session-20260101-000000-empty"
    folder.mkdir()
    with pytest.raises(SessionStoreError, match="no such session database"):
        read_events(folder)
    assert list_sessions(tmp_path)[0].error is not None


def test_ctrl_c_cancels_the_run_kills_its_commands_and_records_it(tmp_path: Path) -> None:
    batch = tmp_path / "slow.swarm.js"
    batch.write_text('Task("Sleeper", "Sleep.", "coder")\n')
    sessions = tmp_path / "sessions"
    # The sleep's length marks it in the host's process table (the agent, sandboxed, has pids
    # of its own PID namespace).
    marker = f"300.{os.getpid()}"
    proc = start_command_run(batch, sessions, f"echo ready; exec sleep {marker}")
    try:
        wait_for_agent_start(sessions, proc, 1)
        pidfd = os.pidfd_open(wait_for_host_pid(f"sleep\0{marker}\0"))
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 1
    finally:
        proc.kill()
        proc.wait()
    readable, _, _ = select.select([pidfd], [], [], 10)
    os.close(pidfd)
    assert readable, "the agent's sleep outlived the interrupted run"
    [info] = list_sessions(sessions)
    assert info.status == "cancelled"


def test_a_sigkilled_run_is_interrupted_and_replays(tmp_path: Path) -> None:
    batch = tmp_path / "long.swarm.js"
    batch.write_text(
        '[Single Message - Long]:\nTask("Sleeper", "Take your time.", "coder")\n'
        'Task("Napper", "Take your time too.", "coder")\n'
    )
    sessions = tmp_path / "sessions"
    proc = subprocess.Popen(
        [
            *CLI,
            "run",
            str(batch),
            "--headless",
            "--rehearsal-seconds",
            "300",
            "--sessions-dir",
            str(sessions),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_agent_start(sessions, proc, 2)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    [info] = list_sessions(sessions)
    assert info.status == "interrupted"
    listed = subprocess.run(
        [*CLI, "sessions", "--sessions-dir", str(sessions), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(listed.stdout)[0]["status"] == "interrupted"
    replay = subprocess.run(
        [*CLI, "replay", info.id, "--headless", "--json", "--sessions-dir", str(sessions)],
        capture_output=True,
        text=True,
        check=True,
    )
    out = json.loads(replay.stdout)
    assert out["summary"]["status"] == "interrupted"
    assert {a["status"] for a in out["summary"]["agents"]} == {"running"}


def test_a_killed_session_is_listed_with_the_speed_up_its_replay_gives(tmp_path: Path) -> None:
    from swarmtui.engine.events import AgentFinished
    from swarmtui.engine.metrics import figures
    from swarmtui.store import replay_state

    folder = tmp_path / "session-20260101-000000-killed"
    folder.mkdir()
    log = EventLog(folder, flush_interval=0)
    started = SessionStarted(
        seq=1, session_id=folder.name, title="t", backend="b", started_at="2026-01-01T00:00:00Z"
    )
    log.append(started)
    log.append(AgentStarted(seq=2, t=0.0, agent="A"))
    log.append(AgentStarted(seq=3, t=0.0, agent="B"))
    log.append(AgentFinished(seq=4, t=2.0, agent="A", status="done", result="a"))
    log.append(AgentFinished(seq=5, t=2.0, agent="B", status="done", result="b"))
    log.append(AgentStarted(seq=6, t=2.0, agent="C"))
    log.flush()
    log.close()  # killed: no end recorded
    [info] = list_sessions(tmp_path)
    replayed = figures(replay_state(folder))
    assert info.status == "interrupted" and replayed.speedup is not None
    # (the listing said "-" where the replay said 2.00x)
    assert info.speedup == pytest.approx(replayed.speedup)
    assert info.wall_seconds == pytest.approx(replayed.wall_seconds)


def test_running_while_the_writer_lives_interrupted_once_it_is_gone(tmp_path: Path) -> None:
    folder = tmp_path / "session-20260101-000000-live"
    folder.mkdir()
    log = EventLog(folder, flush_interval=0)
    log.append(
        SessionStarted(
            seq=1, session_id=folder.name, title="t", backend="b", started_at="2026-01-01T00:00:00Z"
        )
    )
    log.append(AgentStarted(seq=2, t=0.5, agent="A"))
    log.flush()
    assert len(read_events(folder)) == 2
    assert list_sessions(tmp_path)[0].status == "running"
    log.close()  # the writer is gone and never recorded an end
    assert list_sessions(tmp_path)[0].status == "interrupted"
    from swarmtui.store import replay_state

    state = replay_state(folder)
    assert state.status == "interrupted" and state.agents["A"].status == "running"
