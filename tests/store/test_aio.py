"""The async reader (store/aio.py) gives what the blocking one gives: the events, the errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from swarmtui.engine.events import (
    AgentFinished,
    AgentPlan,
    AgentQueued,
    AgentStarted,
    Event,
    SessionFinished,
    SessionStarted,
)
from swarmtui.store import EventLog, SessionStoreError, read_events
from swarmtui.store.aio import read_events_async


def _record(folder: Path, title: str, agents: int = 3, finished: bool = True) -> Path:
    folder.mkdir(parents=True)
    names = [f"agent-{i}" for i in range(agents)]
    events: list[Event] = [
        SessionStarted(
            session_id=folder.name,
            title=title,
            backend="rehearsal",
            started_at=f"2026-01-0{agents}T00:00:00Z",
            agents=[AgentPlan(name=n) for n in names],
        ),
        *(AgentQueued(agent=n) for n in names),
        *(AgentStarted(agent=n) for n in names),
        *(AgentFinished(agent=n, status="done") for n in names),
    ]
    if finished:
        events.append(SessionFinished(status="completed"))
    log = EventLog(folder)
    for seq, event in enumerate(events, start=1):
        event.seq = seq
        log.append(event)
    if finished:
        log.finish(status="completed", wall_seconds=1.0, speedup=2.0)
    log.close()
    return folder


@pytest.fixture
def sessions(tmp_path: Path) -> Path:
    root = tmp_path / "sessions"
    _record(root / "session-a", "First", agents=3)
    _record(root / "session-b", "Second", agents=5)
    _record(root / "session-c", "Cut short", agents=4, finished=False)
    (root / "session-foreign").mkdir()
    (root / "session-foreign" / "session.db").write_bytes(b"not a database" * 100)
    (root / "session-empty").mkdir()
    other = sqlite3.connect(root / "session-other.db")  # an SQLite file that is not ours
    other.close()
    (root / "session-theirs").mkdir()
    theirs = sqlite3.connect(root / "session-theirs" / "session.db")
    theirs.execute("CREATE TABLE session (id TEXT)")
    theirs.close()
    return root


@pytest.mark.parametrize("chunk", [1, 3, 500])
async def test_events_are_the_blocking_readers_in_any_chunks(sessions: Path, chunk: int) -> None:
    for name in ("session-a", "session-b", "session-c"):
        events = await read_events_async(sessions / name, chunk=chunk)
        assert events == read_events(sessions / name)


@pytest.mark.parametrize("name", ["session-foreign", "session-theirs", "session-empty", "nope"])
async def test_a_bad_session_is_the_same_one_line_error(sessions: Path, name: str) -> None:
    with pytest.raises(SessionStoreError) as blocking:
        read_events(sessions / name)
    with pytest.raises(SessionStoreError) as awaited:
        await read_events_async(sessions / name, chunk=2)
    assert str(awaited.value) == str(blocking.value)
    assert "\n" not in str(awaited.value)


async def test_a_bad_event_is_named_by_its_place_in_the_whole_log(sessions: Path) -> None:
    db = sqlite3.connect(sessions / "session-b" / "session.db")
    db.execute('UPDATE events SET payload_json = \'{"type": "nope"}\' WHERE seq = 8')
    db.commit()
    db.close()
    with pytest.raises(SessionStoreError) as blocking:
        read_events(sessions / "session-b")
    with pytest.raises(SessionStoreError) as awaited:
        await read_events_async(sessions / "session-b", chunk=3)  # seq 8 is in the third chunk
    assert str(awaited.value) == str(blocking.value)
    assert "event #8 " in str(awaited.value)  # (events are numbered from 1, as `seq` is)
