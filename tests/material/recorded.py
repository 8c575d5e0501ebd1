"""Two deterministic recorded sessions for the compare screen's snapshot: fixed events written
with the engine's own event log, fixed artifacts. Run B is faster, its reviewer fails and two
memory values and two files differ."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from swarmtui.engine.events import (
    AgentFinished,
    AgentPlan,
    AgentQueued,
    AgentStarted,
    AgentUsage,
    AgentWaiting,
    Event,
    FinalAgentStatus,
    ForkOrigin,
    MemoryStored,
    SessionFinished,
    SessionStarted,
)
from swarmtui.store import EventLog


@dataclass(frozen=True)
class Step:
    """One agent: what it waits for and stores, when it starts and ends, how it ends."""

    name: str
    kind: str
    waits: tuple[str, ...]
    stores: tuple[str, ...]
    start: float
    end: float
    status: FinalAgentStatus = "done"
    reason: str | None = None
    tokens: tuple[int, int] = (0, 0)
    cost: float | None = None


RUN_A = [
    Step(
        "Changelog Reader",
        "researcher",
        (),
        ("swarm/release/changes",),
        0.0,
        3.0,
        tokens=(1200, 300),
        cost=0.012,
    ),
    Step(
        "Writer",
        "api-docs",
        ("swarm/release/changes",),
        ("swarm/release/draft",),
        3.0,
        7.0,
        tokens=(2400, 900),
        cost=0.031,
    ),
    Step(
        "Reviewer",
        "reviewer",
        ("swarm/release/draft",),
        ("swarm/release/review",),
        7.0,
        9.0,
        tokens=(1800, 200),
        cost=0.015,
    ),
    Step(
        "Packager",
        "cicd-engineer",
        (),
        ("swarm/release/package",),
        0.0,
        5.0,
        tokens=(600, 150),
        cost=0.006,
    ),
]
RUN_B = [
    Step(
        "Changelog Reader",
        "researcher",
        (),
        ("swarm/release/changes",),
        0.0,
        2.5,
        tokens=(1200, 280),
        cost=0.011,
    ),
    Step(
        "Writer",
        "api-docs",
        ("swarm/release/changes",),
        ("swarm/release/draft",),
        2.5,
        5.5,
        tokens=(2300, 1100),
        cost=0.034,
    ),
    Step(
        "Reviewer",
        "reviewer",
        ("swarm/release/draft",),
        ("swarm/release/review",),
        5.5,
        6.5,
        status="failed",
        reason="exit status 1: review found 2 blocking issues",
        tokens=(1700, 90),
        cost=0.013,
    ),
    Step(
        "Packager",
        "cicd-engineer",
        (),
        ("swarm/release/package",),
        0.0,
        4.0,
        tokens=(600, 150),
        cost=0.006,
    ),
]
VALUES_A: dict[str, object] = {
    "swarm/release/changes": "12 commits since v1.3",
    "swarm/release/draft": "## v1.4\n\n- Faster replay\n- Sessions browser filter\n",
    "swarm/release/review": "approved",
    "swarm/release/package": {"version": "1.4.0", "wheel": "swarmtui-1.4.0.whl"},
}
VALUES_B: dict[str, object] = {
    "swarm/release/changes": "12 commits since v1.3",
    "swarm/release/draft": "## v1.4\n\n- Faster replay (2x)\n- Sessions browser filter\n",
    "swarm/release/package": {"version": "1.4.0", "wheel": "swarmtui-1.4.0-py3.whl"},
}
FILES_A: dict[str, str | bytes] = {
    "docs/release-notes.md": "# v1.4\n\n- Faster replay\n- Sessions browser filter\n",
    "scripts/package.sh": "#!/bin/sh\npython -m build\n",
    "artifacts/code/icon.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR-a",
}
FILES_B: dict[str, str | bytes] = {
    "docs/release-notes.md": "# v1.4\n\n- Faster replay (2x)\n- Sessions browser filter\n",
    "scripts/package.sh": "#!/bin/sh\npython -m build\n",
    "artifacts/code/icon.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR-b",
    "artifacts/docs/review.md": "Blocking: the changelog misses the theme fix.\n",
}
BATCH = "[Single Message - Release notes]:\n// the four release agents\n"


def _events(session_id: str, steps: list[Step], values: dict[str, object]) -> list[Event]:
    plans = [
        AgentPlan(name=s.name, type=s.kind, waits=list(s.waits), stores=list(s.stores))
        for s in steps
    ]
    events: list[Event] = [
        SessionStarted(
            session_id=session_id,
            title="Release notes",
            backend="openai",
            started_at="2026-11-29T10:00:00Z",
            agents=plans,
        )
    ]
    timed: list[tuple[float, int, Event]] = []
    for i, s in enumerate(steps):
        timed.append((0.0, i, AgentQueued(agent=s.name)))
        if s.waits:
            timed.append((0.0, i, AgentWaiting(agent=s.name, keys=list(s.waits))))
        timed.append((s.start, i, AgentStarted(agent=s.name)))
        timed.append(
            (
                s.end,
                i,
                AgentUsage(
                    agent=s.name, tokens_in=s.tokens[0], tokens_out=s.tokens[1], cost_usd=s.cost
                ),
            )
        )
        for key in s.stores:
            if key in values:
                timed.append((s.end, i, MemoryStored(key=key, value=values[key], by=s.name)))
        timed.append((s.end, i, AgentFinished(agent=s.name, status=s.status, reason=s.reason)))
    timed.sort(key=lambda item: (item[0], item[1]))
    for t, _, event in timed:
        event.t = t
        events.append(event)
    failed = any(s.status != "done" for s in steps)
    end = max(s.end for s in steps)
    events.append(SessionFinished(status="failed" if failed else "completed", t=end))
    for seq, event in enumerate(events, start=1):
        event.seq = seq
    return events


def _write(folder: Path, events: list[Event], files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True)
    (folder / "batch.swarm.js").write_text(BATCH)
    log = EventLog(folder, flush_interval=0)
    for event in events:
        log.append(event)
    last = events[-1]
    assert isinstance(last, SessionFinished)
    log.finish(status=last.status, finished="2026-11-29T10:00:09Z", wall_seconds=last.t)
    log.close()
    for relative, content in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return folder


def write_release_pair(sessions_dir: Path) -> tuple[Path, Path]:
    """Runs A and B of the release batch, recorded under SESSIONS_DIR."""
    a = _write(
        sessions_dir / "session-20261129-100000-release-notes",
        _events("session-20261129-100000-release-notes", RUN_A, VALUES_A),
        dict(FILES_A),
    )
    b = _write(
        sessions_dir / "session-20261129-110000-release-notes",
        _events("session-20261129-110000-release-notes", RUN_B, VALUES_B),
        dict(FILES_B),
    )
    return a, b


def write_release_family(sessions_dir: Path) -> tuple[Path, Path, Path]:
    """Run A of the release batch, a fork of it and a fork of that fork (started an hour
    apart: the newest is listed first unless families are kept together)."""
    names = [f"session-20261129-{hour}0000-release-notes" for hour in (10, 11, 12)]
    titles = ["Release notes", "Release notes (fork)", "Release notes (fork of the fork)"]
    folders: list[Path] = []
    for index, (name, title) in enumerate(zip(names, titles, strict=True)):
        events = _events(name, RUN_A if index == 0 else RUN_B, VALUES_A if index == 0 else VALUES_B)
        started = events[0]
        assert isinstance(started, SessionStarted)
        started.title = title
        started.started_at = f"2026-11-29T{10 + index}:00:00Z"
        if index:
            source = folders[-1]
            started.forked_from = ForkOrigin(session_id=source.name, path=str(source), seq=9, t=3.0)
        folders.append(_write(sessions_dir / name, events, dict(FILES_A)))
    return folders[0], folders[1], folders[2]
