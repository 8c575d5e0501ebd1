"""Deterministic recorded sessions for the sessions-browser, replay and help tests."""

from __future__ import annotations

from pathlib import Path

from swarmtui.engine.events import (
    AgentFinished,
    AgentOutput,
    AgentPlan,
    AgentQueued,
    AgentStarted,
    AgentWaiting,
    Event,
    MemoryStored,
    SessionFinished,
    SessionStarted,
    TodoChanged,
)
from swarmtui.store import EventLog

AGENTS = [
    # name, type, waits, stores, start delay after its wait, run seconds
    ("Changelog Reader", "researcher", [], ["swarm/release/changes"], 0.0, 3.0),
    ("Writer", "api-docs", ["swarm/release/changes"], ["swarm/release/draft"], 0.0, 4.0),
    ("Reviewer", "reviewer", ["swarm/release/draft"], ["swarm/release/review"], 0.0, 2.0),
    ("Packager", "cicd-engineer", [], ["swarm/release/package"], 0.0, 5.0),
]


def release_events(title: str = "Release notes", session_id: str = "session-A") -> list[Event]:
    """Four agents: a chain of three (reader → writer → reviewer) beside an independent one."""
    plans = [
        AgentPlan(name=name, type=kind, instructions=f"{name} does its part.", waits=w, stores=s)
        for name, kind, w, s, _, _ in AGENTS
    ]
    events: list[Event] = [
        SessionStarted(
            session_id=session_id,
            title=title,
            backend="rehearsal",
            started_at="2026-11-29T10:00:00Z",
            agents=plans,
        )
    ]
    for index, (name, *_rest) in enumerate(AGENTS):
        events.append(AgentQueued(agent=name, t=0.0))
        events.append(TodoChanged(id=str(index + 1), content=f"{name}: work", status="pending"))
    events.append(AgentWaiting(agent="Writer", keys=["swarm/release/changes"], t=0.0))
    events.append(AgentWaiting(agent="Reviewer", keys=["swarm/release/draft"], t=0.0))
    ready = {"Changelog Reader": 0.0, "Packager": 0.0}
    timed: list[tuple[float, Event]] = []
    finish_at: dict[str, float] = {}
    for name, _kind, waits, stores, _delay, run in AGENTS:
        start = max([ready.get(name, 0.0)] + [finish_at[k] for k in waits if k in finish_at])
        end = start + run
        index = [a[0] for a in AGENTS].index(name) + 1
        timed.append((start, AgentStarted(agent=name)))
        timed.append(
            (start, TodoChanged(id=str(index), content=f"{name}: work", status="in_progress"))
        )
        for step in range(3):
            timed.append(
                (start + run * (step + 1) / 4, AgentOutput(agent=name, text=f"step {step + 1}/3"))
            )
        for key in stores:
            finish_at[key] = end
            timed.append((end, MemoryStored(key=key, value=f"rehearsal: {name}", by=name)))
        timed.append((end, AgentFinished(agent=name, status="done", result=f"{name} done")))
        timed.append((end, TodoChanged(id=str(index), content=f"{name}: work", status="completed")))
    timed.sort(key=lambda pair: pair[0])  # stable: same-time events keep their order
    for t, event in timed:
        event.t = t
        events.append(event)
    events.append(SessionFinished(status="completed", t=max(finish_at.values())))
    for seq, event in enumerate(events, start=1):
        event.seq = seq
    return events


def write_session(
    sessions_dir: Path,
    folder: str,
    events: list[Event],
    *,
    finished: bool = True,
) -> Path:
    """Record events into `sessions_dir/folder/session.db` with the engine's own event log."""
    path = sessions_dir / folder
    path.mkdir(parents=True)
    log = EventLog(path, flush_interval=0)
    for event in events:
        log.append(event)
    if finished:
        last = events[-1]
        status = last.status if isinstance(last, SessionFinished) else "completed"
        log.finish(
            status=status,
            finished="2026-11-29T10:00:09Z",
            wall_seconds=last.t,
            sequential_seconds=14.0,
            speedup=round(14.0 / last.t, 2) if last.t else None,
        )
    log.close()
    return path


def make_sessions(sessions_dir: Path) -> dict[str, Path]:
    """A finished session, an older one, an interrupted one and a broken folder."""
    paths = {
        "release": write_session(
            sessions_dir,
            "session-20261129-100000-release-notes",
            release_events(),
        ),
        "older": write_session(
            sessions_dir,
            "session-20261128-090000-data-pipeline",
            [
                e.model_copy(update={"started_at": "2026-11-28T09:00:00Z"})
                if isinstance(e, SessionStarted)
                else e
                for e in release_events("Data pipeline", "session-B")
            ],
        ),
    }
    cut = release_events("Migration", "session-C")[:-5]
    cut[0] = cut[0].model_copy(update={"started_at": "2026-11-29T11:30:00Z"})
    paths["interrupted"] = write_session(
        sessions_dir, "session-20261129-113000-migration", cut, finished=False
    )
    broken = sessions_dir / "session-20261127-080000-broken"
    broken.mkdir()
    (broken / "session.db").write_bytes(b"this is not a database at all" * 10)
    paths["broken"] = broken
    return paths
