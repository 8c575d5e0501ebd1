"""The async reader (store/aio.py) gives what the blocking one gives: the events, the errors."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import cast

import aiosqlite
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
from swarmtui.store import EventLog, SessionStoreError, aio, read_events
from swarmtui.store.aio import close_read_only, connect_read_only, ended, read_events_async
from swarmtui.store.follow import SessionFollower


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


async def test_ended_waits_for_the_thread_whatever_cancels_it() -> None:
    # A connection's thread that ends only once let go: the waiter, cancelled twice meanwhile,
    # returns only after it has ended, then is cancelled.
    gate = threading.Event()
    thread = threading.Thread(target=gate.wait)
    thread.start()
    waiter = asyncio.ensure_future(ended(cast(aiosqlite.Connection, thread)))
    await asyncio.sleep(0)  # (one turn: it is now waiting)
    waiter.cancel()
    await asyncio.sleep(0)
    waiter.cancel()
    await asyncio.sleep(0)
    assert not waiter.done() and thread.is_alive()
    gate.set()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert not thread.is_alive()


async def test_a_reader_that_never_ends_is_given_up_and_said_not_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real read blocked on a real lock: another connection holds the database (a rollback
    # journal: no reader gets in) for as long as the test wants.
    db = tmp_path / "locked.db"
    setup = sqlite3.connect(db)
    setup.execute("CREATE TABLE t (x)")
    setup.execute("INSERT INTO t VALUES (1)")
    setup.commit()
    setup.close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        before = set(threading.enumerate())
        conn = await connect_read_only(f"file:{db}?mode=ro")
        [thread] = [t for t in threading.enumerate() if t not in before]
        await conn.execute("PRAGMA busy_timeout = 600000")  # (it waits for the lock, not 5 s)
        read = asyncio.ensure_future(conn.execute_fetchall("SELECT x FROM t"))
        await asyncio.sleep(0)  # (one turn: the read is queued for the thread, before its end)
        monkeypatch.setattr(aio, "END_SECONDS", 0.2)
        with pytest.raises(SessionStoreError) as given_up:
            await close_read_only(conn, db)
        assert str(given_up.value) == (
            f"{db}: its reader did not stop within 0.2 s (a read still waits, perhaps for a "
            "lock another program holds); left to end on its own"
        )
        # Still blocked, and it would not keep the process from exiting.
        assert thread.is_alive() and thread.daemon and not read.done()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # Let go, the read ends, then the thread.
    assert list(await read) == [(1,)]
    thread.join(timeout=30)  # (a deadline: it ends on its own)
    assert not thread.is_alive()


async def test_ended_says_whether_the_thread_ended() -> None:
    gate = threading.Event()
    thread = threading.Thread(target=gate.wait, daemon=True)
    thread.start()
    try:
        assert await ended(cast(aiosqlite.Connection, thread), limit=0.05) is False
        assert thread.is_alive()
    finally:
        gate.set()
    assert await ended(cast(aiosqlite.Connection, thread)) is True
    assert not thread.is_alive()


def _quit_while(reading: Callable[[], Awaitable[object]]) -> None:
    """The app quitting while READING runs, at each of its first awaits in turn: its worker is
    cancelled, then the loop's end cancels it again, then the loop closes. No aiosqlite thread
    may be left to hand a result to the closed loop (it died with a traceback on the user's
    terminal)."""
    failures: list[threading.ExceptHookArgs] = []
    previous = threading.excepthook
    threading.excepthook = failures.append
    try:
        for turns in range(8):

            async def quit_after(turns: int = turns) -> None:
                task = asyncio.ensure_future(reading())
                for _ in range(turns):
                    await asyncio.sleep(0)
                task.cancel()  # (the app's end; `asyncio.run` cancels it once more)
                await asyncio.sleep(0)

            before = set(threading.enumerate())
            asyncio.run(quit_after())
            left = [t for t in threading.enumerate() if t not in before]
            for thread in left:
                thread.join(timeout=30)  # (a deadline: they end on their own)
            assert not [t for t in left if t.is_alive()]
    finally:
        threading.excepthook = previous
    assert not failures, [f.exc_value for f in failures]


def test_a_replay_given_up_at_quit_leaves_no_thread_to_fail(tmp_path: Path) -> None:
    folder = _record(tmp_path / "big", "Big", agents=300)
    _quit_while(lambda: read_events_async(folder, chunk=1))


def test_a_live_follow_given_up_at_quit_leaves_no_thread_to_fail(tmp_path: Path) -> None:
    folder = _record(tmp_path / "big", "Big", agents=300)

    async def follow() -> None:  # (as the replay screen follows: poll, close at the end)
        follower = SessionFollower(folder)
        try:
            while True:
                await follower.poll(force=True)
                await asyncio.sleep(0)
        finally:
            await follower.close()

    _quit_while(follow)
