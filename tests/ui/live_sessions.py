"""Batches and hand-written live sessions (events as the engine emits them) for the tests."""

from __future__ import annotations

from swarmtui.engine.events import (
    AgentFinished,
    AgentOutput,
    AgentPlan,
    AgentQueued,
    AgentStarted,
    AgentWaiting,
    Control,
    Event,
    MemoryStored,
    MessageStarted,
    SessionFinished,
    SessionStarted,
    TodoChanged,
)
from swarmtui.engine.state import SessionState, apply

LINT_TIMEOUT = 30.0

# Alpha works for a long time and stores a key Beta waits for: the way to test unblocking.
UNBLOCK_BATCH = """[Single Message - Unblock]:
Task("Alpha", "Build the thing.", "coder", {stores: ["swarm/alpha/out"]})
Task("Beta", "Review the thing.", "reviewer", {waits: ["swarm/alpha/out"]})
TodoWrite({ todos: [
  {id: "a", content: "Build", status: "pending", priority: "high", agent: "Alpha"},
  {id: "b", content: "Review", status: "pending", priority: "low", agent: "Beta"},
]})
"""

# Three problems the parser reports: an unknown operation, an undefined name, a placeholder.
DIAGNOSTICS_BATCH = """[Single Message - Broken]:
Task("Writer", "Write the notes. Store them in memory under 'swarm/notes'.", "api-docs")
Tsk("Reviewer", "Review.")
Write("notes.md", content1)
Task("Checker", {...}, "tester")
"""

PLANS = [
    AgentPlan(
        name="Schema Designer",
        type="system-architect",
        instructions="Design the schema. Store it in memory under 'swarm/api/schema'.",
        stores=["swarm/api/schema"],
    ),
    AgentPlan(
        name="Backend",
        type="backend-dev",
        instructions="Build the API using the schema from memory.",
        waits=["swarm/api/schema"],
        stores=["swarm/api/routes"],
        providers={"swarm/api/schema": ["Schema Designer"]},
    ),
    AgentPlan(
        name="Frontend",
        type="frontend-dev",
        instructions="Build the form using the schema from memory.",
        waits=["swarm/api/schema"],
        providers={"swarm/api/schema": ["Schema Designer"]},
    ),
    AgentPlan(
        name="Tester",
        type="tester",
        instructions="Wait for 'swarm/api/routes' in memory. Write tests.",
        waits=["swarm/api/routes"],
        providers={"swarm/api/routes": ["Backend"]},
    ),
    AgentPlan(
        name="Doc Writer",
        type="api-docs",
        instructions="Document the API.",
        stores=["swarm/api/docs"],
    ),
]


def _events_until_mid_run() -> list[Event]:
    events: list[Event] = [
        SessionStarted(
            session_id="session-20250101-120000-signup-api",
            title="Signup API",
            backend="rehearsal",
            started_at="2025-01-01T12:00:00Z",
            agents=PLANS,
        ),
        MessageStarted(index=1, title="Signup API"),
        TodoChanged(
            id="1",
            content="Design the schema",
            status="pending",
            priority="high",
            agent="Schema Designer",
        ),
        TodoChanged(
            id="2", content="Build the API", status="pending", priority="high", agent="Backend"
        ),
        TodoChanged(
            id="3", content="Write the docs", status="pending", priority="low", agent="Doc Writer"
        ),
    ]
    events += [AgentQueued(agent=plan.name) for plan in PLANS]
    events += [
        AgentStarted(agent="Schema Designer", t=0.1),
        AgentStarted(agent="Doc Writer", t=0.1),
        AgentWaiting(agent="Backend", keys=["swarm/api/schema"], t=0.1),
        AgentWaiting(agent="Frontend", keys=["swarm/api/schema"], t=0.1),
        AgentWaiting(agent="Tester", keys=["swarm/api/routes"], t=0.1),
        TodoChanged(
            id="1",
            content="Design the schema",
            status="in_progress",
            priority="high",
            agent="Schema Designer",
            t=0.1,
        ),
        AgentOutput(agent="Schema Designer", text="drafting tables users, sessions", t=1.0),
        AgentOutput(agent="Doc Writer", text="outline ready", t=1.5),
        AgentFinished(agent="Doc Writer", status="failed", reason="exit status 1", t=2.0),
        MemoryStored(
            key="swarm/api/schema",
            value={"tables": ["users", "sessions"]},
            by="Schema Designer",
            t=3.0,
        ),
        AgentFinished(
            agent="Schema Designer",
            status="done",
            result="schema stored",
            artifacts=["artifacts/docs/schema.md"],
            t=3.0,
        ),
        TodoChanged(
            id="1",
            content="Design the schema",
            status="completed",
            priority="high",
            agent="Schema Designer",
            t=3.0,
        ),
        AgentStarted(agent="Backend", t=3.0),
        AgentStarted(agent="Frontend", t=3.0),
        TodoChanged(
            id="2",
            content="Build the API",
            status="in_progress",
            priority="high",
            agent="Backend",
            t=3.0,
        ),
        AgentOutput(agent="Backend", text="POST /signup", t=4.0),
        Control(action="store_memory", target="swarm/api/schema", t=4.5),
        MemoryStored(
            key="swarm/api/schema",
            value={"tables": ["users", "sessions", "tokens"]},
            by="user",
            t=4.5,
        ),
        AgentOutput(agent="Frontend", text="form fields: email, password", t=5.0),
    ]
    for seq, event in enumerate(events, start=1):
        event.seq = seq
    return events


def _events_until_finished() -> list[Event]:
    events = _events_until_mid_run()
    more: list[Event] = [
        MemoryStored(key="swarm/api/routes", value=["POST /signup"], by="Backend", t=7.0),
        AgentFinished(agent="Backend", status="done", result="routes stored", t=7.0),
        AgentFinished(agent="Frontend", status="done", result="form built", t=6.0),
        AgentStarted(agent="Tester", t=7.0),
        AgentFinished(agent="Tester", status="done", result="12 tests pass", t=9.0),
        TodoChanged(
            id="2",
            content="Build the API",
            status="completed",
            priority="high",
            agent="Backend",
            t=7.0,
        ),
        SessionFinished(status="completed", t=9.0),
    ]
    start = len(events)
    for offset, event in enumerate(more, start=1):
        event.seq = start + offset
    return events + more


def fold(events: list[Event]) -> SessionState:
    state = SessionState()
    for event in events:
        apply(state, event)
    return state


def mid_run_events() -> list[Event]:
    return _events_until_mid_run()


def finished_events() -> list[Event]:
    return _events_until_finished()
