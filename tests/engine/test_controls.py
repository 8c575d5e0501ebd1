"""Controls while a session runs: cancel (whole process group), retry, pause, manual memory."""

from __future__ import annotations

import os
import select
from pathlib import Path

from swarmtui.batch.models import Todo, TodoWriteOp
from swarmtui.engine.events import AgentStarted, Control, Event, TodoChanged
from swarmtui.engine.session import LiveSession

from .helpers import one_message, run, task, wait_for_host_pid

# The agent's bash starts a bash that starts `sleep`: a grandchild of the runner's process. Its
# length marks it in the process table (the agent runs in its own PID namespace, so the pid it
# could print is not the host's).
MARKER = "300.4242"
GRANDCHILD = (
    'case "$SWARM_AGENT" in '
    f"Sleeper) bash -c 'sleep {MARKER} & echo $! > sleep.pid; wait' & "
    "while [ ! -s sleep.pid ]; do :; done; echo started; wait;; "
    "*) echo fine;; esac"
)


async def test_cancel_kills_the_grandchild_and_fails_dependants(tmp_path: Path) -> None:
    pidfds: list[int] = []

    def on_event(session: LiveSession, e: Event) -> None:
        if e.type == "agent_output" and e.agent == "Sleeper" and "started" in e.text:
            pid = wait_for_host_pid(f"sleep\0{MARKER}\0")
            pidfds.append(os.pidfd_open(pid))  # watch it before killing it
            session.cancel_agent("Sleeper")

    batch = one_message(
        task(0, "Sleeper", stores=["swarm/slept"]),
        task(1, "Dependant", waits=["swarm/slept"]),
        task(2, "Other"),
    )
    r = await run(batch, tmp_path, on_event, backend="command", command_template=GRANDCHILD)
    agents = r.state.agents
    assert agents["Sleeper"].status == "cancelled"
    assert agents["Sleeper"].reason == "cancelled by user"
    assert agents["Dependant"].status == "failed"
    assert agents["Dependant"].reason == "waits for swarm/slept, but Sleeper was cancelled"
    assert agents["Other"].status == "done"
    assert r.state.status == "failed"
    assert [c.action for c in r.state.controls] == ["cancel"]
    # The grandchild `sleep` is gone: its pidfd turns readable when the process has exited.
    readable, _, _ = select.select(pidfds, [], [], 10)
    assert readable == pidfds
    os.close(pidfds[0])


async def test_cancel_session_stops_everything(tmp_path: Path) -> None:
    def on_event(session: LiveSession, e: Event) -> None:
        if e.type == "agent_output" and e.agent == "Sleeper":
            session.cancel_session()

    batch = one_message(task(0, "Sleeper", stores=["k"]), task(1, "Waiter", waits=["k"]))
    r = await run(batch, tmp_path, on_event, backend="command", command_template=GRANDCHILD)
    assert r.state.status == "cancelled"
    assert {a.status for a in r.state.agents.values()} == {"cancelled"}
    assert r.state.agents["Waiter"].reason == "session cancelled"


async def test_retry_runs_the_agent_and_its_dependants_again(tmp_path: Path) -> None:
    # Agents succeed only once their marker file exists; Holder keeps the session open.
    template = (
        'if [ "$SWARM_AGENT" = Holder ]; then echo holding; sleep 300; fi; '
        'test -f "$SWARM_AGENT.ok" || exit 4; echo "$SWARM_AGENT ok"'
    )

    def on_event(session: LiveSession, e: Event) -> None:
        if e.type == "agent_finished" and e.agent == "Checker" and e.status == "failed":
            (session.path / "Builder.ok").touch()
            (session.path / "Checker.ok").touch()
            session.retry_agent("Builder")
        elif e.type == "agent_finished" and e.agent == "Checker" and e.status == "done":
            session.cancel_agent("Holder")

    batch = one_message(
        task(0, "Builder", stores=["swarm/build"]),
        task(1, "Checker", waits=["swarm/build"]),
        task(2, "Holder"),
    )
    r = await run(batch, tmp_path, on_event, backend="command", command_template=template)
    agents = r.state.agents
    assert agents["Builder"].status == "done" and agents["Builder"].attempts == 2
    assert agents["Checker"].status == "done"
    assert r.state.memory[("default", "swarm/build")].value == "Builder ok\n"
    retry = r.seq(Control, action="retry")
    assert r.of(AgentStarted, agent="Checker")[-1].seq > retry


async def test_manual_store_unblocks_a_waiter(tmp_path: Path) -> None:
    def on_event(session: LiveSession, e: Event) -> None:
        if e.type == "agent_started" and e.agent == "Slow":
            session.store_memory("swarm/plan", {"by": "hand"})
        elif e.type == "agent_finished" and e.agent == "Waiter":
            session.cancel_agent("Slow")

    batch = one_message(
        task(0, "Slow", stores=["swarm/plan"]),
        task(1, "Waiter", waits=["swarm/plan"]),
    )
    r = await run(
        batch,
        tmp_path,
        on_event,
        backend="command",
        command_template=('[ "$SWARM_AGENT" = Slow ] && sleep 300; echo "$SWARM_MEMORY"'),
    )
    assert r.state.agents["Waiter"].status == "done"
    assert r.state.agents["Waiter"].result == '{"swarm/plan": {"by": "hand"}}\n'
    assert r.state.memory[("default", "swarm/plan")].by == "user"


async def test_pause_holds_new_agents_until_resume(tmp_path: Path) -> None:
    resumed: list[int] = []

    def on_event(session: LiveSession, e: Event) -> None:
        if e.type == "agent_started" and e.agent == "First":
            session.pause()
        elif e.type == "agent_finished" and e.agent == "First":
            # Without the pause, Second would start right after this event, before the resume.
            resumed.append(e.seq)
            session.resume()

    batch = one_message(task(0, "First"), task(1, "Second"))
    r = await run(batch, tmp_path, on_event, max_parallel=1)
    assert r.seq(AgentStarted, agent="Second") > r.seq(Control, action="resume")
    assert r.state.agents["Second"].status == "done" and not r.state.paused


async def test_todo_status_by_hand(tmp_path: Path) -> None:
    def on_event(session: LiveSession, e: Event) -> None:
        if e.type == "agent_started":
            session.set_todo_status("t1", "completed")

    batch = one_message(TodoWriteOp(index=0, todos=[Todo(id="t1", content="Do it")]), task(1, "A"))
    r = await run(batch, tmp_path, on_event)
    assert r.state.todos["t1"].status == "completed"
    assert r.of(TodoChanged)[-1].by == "user"


async def test_cancel_from_a_listener_of_the_agents_own_start(tmp_path: Path) -> None:
    """Cancelled before its task first ran (the listener of its `agent_started` cancels it at
    once): the agent still ends as cancelled and the session ends (it used to stay running)."""

    def on_event(session: LiveSession, e: Event) -> None:
        if isinstance(e, AgentStarted) and e.agent == "Early":
            session.cancel_agent("Early")

    batch = one_message(task(0, "Early", stores=["swarm/early"]), task(1, "Other"))
    r = await run(batch, tmp_path, on_event)
    early = r.state.agents["Early"]
    assert early.status == "cancelled"
    assert early.reason == "cancelled by user"
    assert r.state.agents["Other"].status == "done"
    assert r.state.status == "failed"  # (one agent did not complete)
    assert r.state.finished


async def test_a_key_stored_as_the_first_agents_start_is_not_waited_for(tmp_path: Path) -> None:
    """The started agents take their first step before the waiters are recorded: a key the
    user stores meanwhile (here at once, from a listener of the first agent's start) counts."""

    def on_event(session: LiveSession, e: Event) -> None:
        if isinstance(e, AgentStarted) and e.agent == "First":
            session.store_memory("swarm/given", "by hand")

    batch = one_message(task(0, "First"), task(1, "Waiter", waits=["swarm/given"]))
    r = await run(batch, tmp_path, on_event)
    assert r.state.agents["Waiter"].status == "done"
    assert r.state.status == "completed"


async def test_a_waiter_cancelled_as_the_first_agents_start_stays_cancelled(
    tmp_path: Path,
) -> None:
    def on_event(session: LiveSession, e: Event) -> None:
        if isinstance(e, AgentStarted) and e.agent == "First":
            session.cancel_agent("Waiter")

    batch = one_message(
        task(0, "First", stores=["swarm/first"]), task(1, "Waiter", waits=["swarm/first"])
    )
    r = await run(batch, tmp_path, on_event)
    waiter = r.state.agents["Waiter"]
    assert (waiter.status, waiter.reason) == ("cancelled", "cancelled by user")
    assert not [e for e in r.events if e.type == "agent_waiting"]
    assert r.state.agents["First"].status == "done"
    assert r.state.finished
