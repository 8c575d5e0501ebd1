"""Replay seeking: random seeks with (adaptive / every-N) snapshots against no snapshots.

Prints figures (or `--json`). The baseline, measured in the same run, is a cursor whose only
snapshot is the empty state, so each backward seek folds from event 0.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

from swarmtui.engine.events import (
    AgentFinished,
    AgentOutput,
    AgentPlan,
    AgentQueued,
    AgentStarted,
    Event,
    MemoryStored,
    SessionFinished,
    SessionStarted,
)
from swarmtui.store.replay_cursor import ReplayCursor, clone


def session(agents: int, lines: int) -> list[Event]:
    names = [f"agent-{i:04d}" for i in range(agents)]
    events: list[Event] = [
        SessionStarted(
            session_id="bench",
            title="bench",
            backend="rehearsal",
            started_at="2026-01-01T00:00:00Z",
            agents=[AgentPlan(name=n, stores=[f"k/{n}"]) for n in names],
        )
    ]
    t = 0.0
    for name in names:
        events.append(AgentQueued(agent=name, t=t))
    for name in names:
        t += 0.01
        events.append(AgentStarted(agent=name, t=t))
        for line in range(lines):
            events.append(AgentOutput(agent=name, text=f"{name} output line {line}", t=t))
        events.append(MemoryStored(key=f"k/{name}", value=line, by=name, t=t))
        events.append(AgentFinished(agent=name, status="done", t=t))
    events.append(SessionFinished(status="completed", t=t))
    for seq, event in enumerate(events, start=1):
        event.seq = seq
    return events


def seek_times(cursor: ReplayCursor, targets: list[int]) -> list[float]:
    cursor.seek(cursor.total)  # first pass: every snapshot taken
    times = []
    for target in targets:
        start = time.perf_counter()
        cursor.seek(target)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--seeks", type=int, default=30)
    parser.add_argument("--every", type=int, default=256)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    events = session(args.agents, args.lines)
    rng = random.Random(1)
    targets = [rng.randrange(len(events)) for _ in range(args.seeks)]

    no_snapshots = len(events) + 1
    start = time.perf_counter()
    ReplayCursor(events, snapshot_every=no_snapshots).seek(len(events))
    fold_all = time.perf_counter() - start

    start = time.perf_counter()
    adaptive = ReplayCursor(events, snapshot_every=args.every)
    adaptive.seek(len(events))
    first_pass = time.perf_counter() - start

    start = time.perf_counter()
    clone(adaptive.state)
    copy_s = time.perf_counter() - start

    baseline = seek_times(ReplayCursor(events, snapshot_every=no_snapshots), targets)
    with_snapshots = seek_times(ReplayCursor(events, snapshot_every=args.every), targets)
    fixed = seek_times(ReplayCursor(events, snapshot_every=args.every, adaptive=False), targets)
    result = {
        "events": len(events),
        "snapshot_every": args.every,
        "snapshots_kept": len(adaptive.snapshot_positions),
        "fold_all_s": round(fold_all, 4),
        "first_pass_with_snapshots_s": round(first_pass, 4),
        "clone_final_state_ms": round(copy_s * 1000, 2),
        "seek_ms_median_baseline": round(statistics.median(baseline) * 1000, 2),
        "seek_ms_max_baseline": round(max(baseline) * 1000, 2),
        "seek_ms_median_adaptive": round(statistics.median(with_snapshots) * 1000, 2),
        "seek_ms_max_adaptive": round(max(with_snapshots) * 1000, 2),
        "seek_ms_median_every_n": round(statistics.median(fixed) * 1000, 2),
        "speedup_median_adaptive": round(
            statistics.median(baseline) / statistics.median(with_snapshots), 2
        ),
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:32} {value}")


if __name__ == "__main__":
    main()
