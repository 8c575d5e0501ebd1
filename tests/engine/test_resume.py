"""`swarmtui resume SESSION`: a killed run taken up again in its own folder and log. Agents that
were done stay done (with their keys); the rest run; the replay shows both runs."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import start_command_run, wait_for_events

CLI = [sys.executable, "-m", "swarmtui"]

BATCH = """\
[Single Message - Pipeline]:
Task("Planner", "Plan. Store the plan in memory under 'swarm/plan'.", "planner")
Task("Builder", "Wait for 'swarm/plan' in memory. Store the build under 'swarm/build'.", "coder")
Task("Checker", "Wait for 'swarm/build' in memory. Check it.", "tester")
Bash("echo bash-ran >> bash.log")
"""


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120)


def _killed_while_the_builder_runs(tmp_path: Path, template: str) -> tuple[Path, Path]:
    """BATCH run with TEMPLATE in another process, killed once the builder has started and
    the Bash operation has finished; (the sessions folder, the session's folder)."""
    batch = tmp_path / "pipeline.swarm.js"
    batch.write_text(BATCH)
    sessions = tmp_path / "sessions"
    proc = start_command_run(batch, sessions, template, new_session=True)
    try:
        folder = wait_for_events(sessions, proc, "type = 'agent_started' AND agent = 'Builder'", 1)
        wait_for_events(sessions, proc, "type = 'bash_finished'", 1)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    return sessions, folder


def _events(folder: Path, kind: str) -> list[dict[str, object]]:
    conn = sqlite3.connect(f"file:{folder / 'session.db'}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT payload_json FROM events WHERE type = ? ORDER BY seq", (kind,)
        ).fetchall()
    finally:
        conn.close()
    return [json.loads(row[0]) for row in rows]


def test_a_killed_run_resumes_where_it_stopped(tmp_path: Path) -> None:
    # The builder hangs in the first run; the run is killed while it does.
    hang = 'if [ {agent} = Builder ]; then sleep 300; fi; echo "result of {agent}"'
    sessions, folder = _killed_while_the_builder_runs(tmp_path, hang)
    listed = json.loads(_cli("sessions", "--sessions-dir", str(sessions), "--json").stdout)
    assert [s["status"] for s in listed] == ["interrupted"]

    # Taken up with the options a user would give again; the backend is the one it ran with.
    resumed = _cli(
        "resume",
        folder.name,
        "--json",
        "--sessions-dir",
        str(sessions),
        "--command",
        'echo "result of {agent}"',
    )
    assert resumed.returncode == 0, resumed.stderr
    document = json.loads(resumed.stdout)
    state = document["state"]
    assert state["status"] == "completed" and len(state["resumes"]) == 1
    assert [a["status"] for a in state["agents"]] == ["done", "done", "done"]
    # The planner was done: it did not run again, and its key is still there, stored once.
    starts = [e["agent"] for e in _events(folder, "agent_started")]
    assert starts.count("Planner") == 1 and starts.count("Builder") == 2
    assert starts.count("Checker") == 1
    plan = [e for e in _events(folder, "memory_stored") if e["key"] == "swarm/plan"]
    assert len(plan) == 1 and plan[0]["by"] == "Planner"
    assert (folder / "bash.log").read_text() == "bash-ran\n"  # it had finished: not run again
    assert _events(folder, "session_resumed")[0]["backend"] == "command"

    replayed = _cli("replay", str(folder), "--json")
    assert replayed.stdout == resumed.stdout
    listed = json.loads(_cli("sessions", "--sessions-dir", str(sessions), "--json").stdout)
    assert [s["status"] for s in listed] == ["completed"]

    again = _cli("resume", str(folder))
    assert again.returncode == 2
    assert again.stderr.strip() == f"swarmtui: {folder}: completed; there is nothing to resume"


def test_a_killed_run_resumes_with_the_command_it_was_given(tmp_path: Path) -> None:
    # The builder hangs until a file says go.
    hang = (
        'if [ {agent} = Builder ]; then while [ ! -e go ]; do sleep 0.1; done; fi; echo "r {agent}"'
    )
    sessions, folder = _killed_while_the_builder_runs(tmp_path, hang)
    (folder / "go").write_text("")

    # No --command: it is the one the run was given (it said "the command backend needs
    # --command TEMPLATE", and an openai session "needs a model", as if it had never run).
    resumed = _cli("resume", folder.name, "--json", "--sessions-dir", str(sessions))
    assert resumed.returncode == 0, resumed.stderr
    state = json.loads(resumed.stdout)["state"]
    assert state["status"] == "completed"
    agents = {a["name"]: a for a in state["agents"]}
    assert agents["Builder"]["result"] == "r Builder\n"
    assert _events(folder, "session_started")[0]["backend_options"] == {
        "command_template": hang,
        "base_url": None,
        "model": None,
    }
    resumed_with = _events(folder, "session_resumed")[0]["backend_options"]
    assert isinstance(resumed_with, dict) and resumed_with["command_template"] == hang


def test_resume_names_what_it_cannot_take_up(tmp_path: Path) -> None:
    missing = _cli("resume", "nope", "--sessions-dir", str(tmp_path))
    assert missing.returncode == 2 and "no session 'nope'" in missing.stderr
    assert "Traceback" not in missing.stderr


async def test_a_failed_session_resumes_only_what_did_not_finish(tmp_path: Path) -> None:
    from swarmtui.engine.events import AgentStarted, Event
    from swarmtui.engine.session import Recording
    from swarmtui.engine.settings import RunSettings
    from swarmtui.store import (
        SessionStoreError,
        new_live_session,
        read_recording,
        resume_live_session,
    )

    text = (
        "[Single Message - Flaky]:\n"
        'Task("Good", "Store the result under \'k/good\'.", "coder")\n'
        'Task("Flaky", "Store the result under \'k/flaky\'.", "coder")\n'
        'Task("After", "Wait for \'k/flaky\' and \'k/good\' in memory.", "coder")\n'
    )
    failing = RunSettings(backend="command", command_template="test {agent} != Flaky && echo ok")
    first = new_live_session(
        text, source_name="r.swarm.js", settings=failing, sessions_dir=tmp_path
    )
    state = await first.run()
    assert [state.agents[n].status for n in ("Good", "Flaky", "After")] == [
        "done",
        "failed",
        "failed",
    ]
    assert state.status == "failed"

    recording = read_recording(first.path)
    working = RunSettings(backend="command", command_template="echo ok")
    again = resume_live_session(recording, settings=working)
    events: list[Event] = []
    again.subscribe(events.append)
    state = await again.run()
    # Its time goes on from the last recorded event (the time it lay dead is not counted).
    [resumed_at] = state.resumes
    assert state.status == "completed" and resumed_at >= recording.events[-1].t
    assert [state.agents[n].status for n in ("Good", "Flaky", "After")] == ["done"] * 3
    started = [e.agent for e in events if isinstance(e, AgentStarted)]
    assert started == ["Flaky", "After"]  # Good stayed done: its key was there for After
    assert "k/flaky" in state.agents["After"].arrived

    # A folder whose batch was changed since cannot be taken up as if it had not.
    changed = Recording(recording.path, text.replace("Flaky", "Renamed"), recording.events)
    with pytest.raises(SessionStoreError, match=r"does not hold the agents .*\(Flaky\)"):
        resume_live_session(changed, settings=working)


async def test_keys_stored_with_a_ttl_expire_on_the_sessions_clock_after_a_resume() -> None:
    import itertools

    from swarmtui.engine.events import Event, MemoryStored
    from swarmtui.engine.memory import Memory
    from swarmtui.engine.state import SessionState, apply

    state = SessionState()
    numbers = itertools.count(1)

    def emit(event: Event) -> None:
        event.seq = next(numbers)
        apply(state, event)

    emit(MemoryStored(t=1.0, key="stale", value=1, ttl=2.0, by="batch"))  # due at 3.0
    emit(MemoryStored(t=5.0, key="fresh", value=2, ttl=30.0, by="batch"))  # due at 35.0
    memory = Memory(state, emit, lambda name: None)
    memory.rearm()  # the recorded clock says 5.0
    try:
        assert "stale" not in state.live and "fresh" in state.live
        assert [w.by for w in state.memory[("default", "stale")].history] == ["batch", "ttl"]
    finally:
        memory.close()


GHOST_BATCH = """\
[Single Message - With a ghost]:
Task("Planner", "Plan. Store the plan in memory under 'swarm/plan'.", "planner")
Task("Ghost", "Wait for 'swarm/never' in memory, then report.", "analyst")
"""


def test_an_agent_skipped_for_a_key_nothing_stores_is_skipped_again_on_resume(
    tmp_path: Path,
) -> None:
    # The run is killed inside the message that skipped the ghost (SW004); resuming must skip
    # it again for the same reason, not leave it pending with nothing left to start it.
    batch = tmp_path / "ghost.swarm.js"
    batch.write_text(GHOST_BATCH)
    sessions = tmp_path / "sessions"
    proc = start_command_run(batch, sessions, "sleep 300", new_session=True)
    try:
        folder = wait_for_events(sessions, proc, "type = 'agent_started' AND agent = 'Planner'")
        wait_for_events(sessions, proc, "type = 'agent_finished' AND agent = 'Ghost'")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)

    resumed = _cli(
        "resume", folder.name, "--json", "--sessions-dir", str(sessions), "--command", "echo ok"
    )
    state = json.loads(resumed.stdout)["state"]
    agents = {a["name"]: a for a in state["agents"]}
    assert agents["Planner"]["status"] == "done"
    assert agents["Ghost"]["status"] == "skipped"
    assert "swarm/never" in agents["Ghost"]["reason"]
    assert state["status"] == "failed" and "Ghost" in json.dumps(state["reason"])


def test_resume_takes_the_backend_options_of_the_latest_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from swarmtui.commands.session_cmds import as_it_ran
    from swarmtui.engine.events import BackendOptions, SessionResumed, SessionStarted

    monkeypatch.setenv("SWARMTUI_CONFIG_DIR", str(tmp_path / "no-user-config"))
    monkeypatch.chdir(tmp_path)
    server = "http://127.0.0.1:9/v1"
    started = SessionStarted(
        session_id="s",
        title="t",
        backend="openai",
        started_at="2026-01-01T00:00:00Z",
        backend_options=BackendOptions(base_url=server, model="small"),
    )
    resumed = SessionResumed(
        resumed_at="2026-01-01T00:01:00Z",
        backend="openai",
        backend_options=BackendOptions(base_url=server, model="big"),
    )
    options = as_it_ran([started, resumed], {"backend": None, "model": None})
    assert options == {"backend": "openai", "model": "big", "base_url": server}
    # A flag wins; so does the configuration (it may have been put right since).
    assert as_it_ran([started], {"model": "flagged"})["model"] == "flagged"
    (tmp_path / "swarmtui.toml").write_text('[backends.openai]\nbase_url = "http://h:1/v1"\n')
    assert "base_url" not in as_it_ran([started], {})
    # Another backend named: nothing of the recorded one's options applies to it.
    assert as_it_ran([started, resumed], {"backend": "command"}) == {"backend": "command"}
    # A session recorded before the options were: the backend alone, as before.
    old = started.model_copy(update={"backend_options": None})
    assert as_it_ran([old], {"backend": None}) == {"backend": "openai"}
