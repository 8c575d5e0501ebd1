"""Sessions recorded before agents' file names kept every script's letters (`Über Flaky` was
`ber-flaky`): a resume, a fork and the agent detail find an agent's log under the name its
recording gave it, not under today's; a resume waits for the keys its recording named (an
agent's `done` key followed the same rule). Real sessions (the `command` backend, sandboxed),
made to look as such a recording does: the logs and keys renamed by the old rule, and no record
of the logs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from swarmtui.engine.events import Event, FileWritten, SessionForked
from swarmtui.engine.session import Recording
from swarmtui.engine.settings import RunSettings
from swarmtui.engine.state import fold
from swarmtui.store import (
    fork_live_session,
    fork_recording,
    new_live_session,
    read_events,
    read_fork_source,
    read_recording,
    resume_live_session,
)
from swarmtui.ui.screens.agent_detail import listed_artifacts

LOGS = Path("artifacts/logs")
LINES = 4000  # of six bytes or more: past the size at which an agent's output gets a log file


def _command(word: str, *, fail: bool = False) -> RunSettings:
    template = f"yes {word} | head -n {LINES}" + ("; exit 1" if fail else "")
    return RunSettings(backend="command", command_template=template)


def _as_recorded_before(folder: Path, renames: dict[str, str]) -> None:
    """FOLDER as a session recorded before the change: each log (by its name now) under the
    name the old rule gave it, and no `file_written` for logs (they were not recorded)."""
    for new, old in renames.items():
        (folder / LOGS / new).rename(folder / LOGS / old)
    conn = sqlite3.connect(folder / "session.db")
    try:
        gone = conn.execute(
            "DELETE FROM events WHERE type = 'file_written' AND payload_json LIKE ?",
            ('%"artifacts/logs/%',),
        ).rowcount
        conn.commit()
    finally:
        conn.close()
    assert gone == len(renames)  # (this session records them: each was there to remove)


def _logs_written(events: list[Event]) -> list[tuple[str, str]]:
    return [
        (e.by, e.path)
        for e in events
        if isinstance(e, FileWritten) and e.path.startswith("artifacts/logs/")
    ]


async def test_a_resumed_agent_goes_on_in_the_log_its_recording_named(tmp_path: Path) -> None:
    text = '[Single Message - Old]:\nTask("Über Flaky", "Store it under \'k/flaky\'.", "coder")\n'
    first = new_live_session(
        text,
        source_name="old.swarm.js",
        settings=_command("first", fail=True),
        sessions_dir=tmp_path,
    )
    state = await first.run()
    assert state.agents["Über Flaky"].status == "failed"
    assert _logs_written(read_events(first.path)) == [
        ("Über Flaky", "artifacts/logs/über-flaky.log")
    ]
    _as_recorded_before(first.path, {"über-flaky.log": "ber-flaky.log"})

    again = resume_live_session(read_recording(first.path), settings=_command("second"))
    events: list[Event] = []
    again.subscribe(events.append)
    state = await again.run()
    assert state.status == "completed"
    # Its earlier attempt's output first, then this run's, in the one file; and recorded.
    log = (first.path / LOGS / "ber-flaky.log").read_text()
    assert log.startswith("first\n" * LINES) and "second\n" * LINES in log
    assert not (first.path / LOGS / "über-flaky.log").exists()
    assert _logs_written(events) == [("Über Flaky", "artifacts/logs/ber-flaky.log")]


async def test_a_fork_carries_the_log_of_an_agent_that_stays_done(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    text = (
        '[Message 1 - Big]:\nTask("Über Big", "Store it under \'k/big\'.", "coder")\n'
        '[Message 2 - After]:\nTask("After", "Wait for \'k/big\' in memory.", "coder")\n'
    )
    source_run = new_live_session(
        text, source_name="old.swarm.js", settings=_command("larger"), sessions_dir=sessions
    )
    assert (await source_run.run()).status == "completed"
    source_path = source_run.path
    _as_recorded_before(source_path, {"über-big.log": "ber-big.log", "after.log": "after.log"})
    old = "artifacts/logs/ber-big.log"
    # The replay of such a session lists the log beside the agent's artifacts.
    replayed = fold(read_events(source_path))
    assert old in listed_artifacts(replayed.agents["Über Big"], source_path, replayed.files)

    # A fork in which After runs again (its task changed) and Über Big stays done.
    source = read_fork_source(source_path)
    changed = text.replace("Wait for 'k/big' in memory.", "Wait for 'k/big' in memory. Be brief.")
    recording: Recording = fork_recording(
        source.path,
        source.session_id,
        source.events,
        source.point(str(len(source.events))),
        changed,
    )
    fork = fork_live_session(recording, settings=_command("after"), sessions_dir=sessions)
    state = await fork.run()
    assert state.status == "completed" and state.forked_from is not None
    assert state.forked_from.carried == ["Über Big"]
    [forked] = [e for e in read_events(fork.path) if isinstance(e, SessionForked)]
    assert old in forked.files and forked.file_problems == []
    assert (fork.path / old).read_bytes() == (source_path / old).read_bytes()
    assert old in listed_artifacts(state.agents["Über Big"], fork.path, state.files)
    # (After ran again: its own log is its new run's, not carried over)
    assert (fork.path / LOGS / "after.log").read_text() == "after\n" * LINES


def _keys_as_recorded_before(folder: Path, renames: dict[str, str]) -> None:
    """FOLDER as a session recorded before the change: each key (by its name now) under the
    name the old rule gave it, in the plan, the stores and the memory table."""
    conn = sqlite3.connect(folder / "session.db")
    try:
        for new, old in renames.items():
            changed = 0
            for written in (new, new.encode("ascii", "backslashreplace").decode()):
                changed += conn.execute(
                    "UPDATE events SET payload_json = replace(payload_json, ?, ?)", (written, old)
                ).rowcount
            conn.execute("UPDATE memory SET key = ? WHERE key = ?", (old, new))
            assert changed  # (this session holds the key: there was something to rename)
        conn.commit()
    finally:
        conn.close()


async def test_a_resume_waits_for_the_keys_its_recording_named(tmp_path: Path) -> None:
    text = (
        '[Single Message - Old]:\nTask("Über A", "Build it.", "coder")\n'
        'Task("B", "Check it.", "coder", {dependsOn: ["Über A"]})\n'
    )
    first = new_live_session(
        text,
        source_name="old.swarm.js",
        settings=RunSettings(backend="command", command_template="echo built; test {agent} != B"),
        sessions_dir=tmp_path,
    )
    state = await first.run()
    assert (state.agents["Über A"].status, state.agents["B"].status) == ("done", "failed")
    assert state.agents["B"].waits == ["swarm/über-a/done"]
    _keys_as_recorded_before(first.path, {"swarm/über-a/done": "swarm/ber-a/done"})

    again = resume_live_session(
        read_recording(first.path),
        settings=RunSettings(backend="command", command_template="echo checked"),
    )
    state = await again.run()
    # Über A stays done (its key stored under the old name); B waits for that name and runs.
    assert state.status == "completed", state.reason
    assert state.agents["B"].status == "done" and state.agents["B"].attempts == 2
    assert state.agents["Über A"].attempts == 1
    assert state.agents["B"].waits == ["swarm/ber-a/done"]
