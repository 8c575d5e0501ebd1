"""`swarmtui diff`: what comparing two big sessions costs, beside replaying both.

Two recorded sessions of AGENTS agents (each storing a key and writing a text report; a tenth
of the values and reports differ, one agent in twenty fails in B) are written with the engine's
own event log. The baseline, measured in the same run, is `replay_state` of both (read and fold:
what any look at them costs); compare adds matching, value diffs and the walk of the files.
Prints figures (or `--json`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from swarmtui.engine.events import (
    AgentFinished,
    AgentOutput,
    AgentPlan,
    AgentQueued,
    AgentStarted,
    Event,
    FileWritten,
    MemoryStored,
    SessionFinished,
    SessionStarted,
)
from swarmtui.store import EventLog, replay_state
from swarmtui.store.compare import compare_sessions


def _report(name: str, changed: bool, lines: int) -> str:
    body = [f"# {name}", ""]
    body += [
        f"- finding {i}: {'revised' if changed and i % 7 == 0 else 'kept'}" for i in range(lines)
    ]
    return "\n".join(body) + "\n"


def record(folder: Path, agents: int, lines: int, *, variant: bool) -> Path:
    folder.mkdir(parents=True)
    (folder / "batch.swarm.js").write_text("// bench\n")
    names = [f"agent-{i:04d}" for i in range(agents)]
    events: list[Event] = [
        SessionStarted(
            session_id=folder.name,
            title="bench",
            backend="rehearsal",
            started_at="2026-01-01T00:00:00Z",
            agents=[AgentPlan(name=n, stores=[f"k/{n}"]) for n in names],
        )
    ]
    events += [AgentQueued(agent=n) for n in names]
    t = 0.0
    for i, name in enumerate(names):
        changed = variant and i % 10 == 0
        failed = variant and i % 20 == 5
        t += 0.01 if not variant else 0.008
        path = f"artifacts/docs/{name}.md"
        (folder / "artifacts" / "docs").mkdir(parents=True, exist_ok=True)
        text = _report(name, changed, lines)
        (folder / path).write_text(text)
        events.append(AgentStarted(agent=name, t=t))
        events.append(AgentOutput(agent=name, text=f"{name} working", t=t))
        if failed:
            events.append(AgentFinished(agent=name, status="failed", reason="exit 1", t=t))
            continue
        value = {"agent": name, "score": i + (1 if changed else 0), "notes": text[:200]}
        events.append(MemoryStored(key=f"k/{name}", value=value, by=name, t=t))
        events.append(FileWritten(path=path, bytes=len(text), by=name, t=t))
        events.append(AgentFinished(agent=name, status="done", artifacts=[path], t=t))
    events.append(SessionFinished(status="failed" if variant else "completed", t=t))
    log = EventLog(folder, flush_interval=0)
    for seq, event in enumerate(events, start=1):
        event.seq = seq
        log.append(event)
    log.finish(status="completed")
    log.close()
    return folder


def timed(runs: int, work: object) -> list[float]:
    assert callable(work)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=60, help="lines per agent's report")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        a = record(Path(tmp) / "a", args.agents, args.lines, variant=False)
        b = record(Path(tmp) / "b", args.agents, args.lines, variant=True)
        replay = timed(args.runs, lambda: (replay_state(a), replay_state(b)))
        compare = timed(args.runs, lambda: compare_sessions(a, b))
        result = compare_sessions(a, b)
    figures = {
        "agents": args.agents,
        "report_lines": args.lines,
        "replay_both_ms": round(statistics.median(replay) * 1000, 1),
        "compare_ms": round(statistics.median(compare) * 1000, 1),
        "agents_differ": sum(1 for c in result.agents if c.change != "same"),
        "memory_changes": len(result.memory),
        "artifact_changes": len(result.artifacts),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{args.agents} agents, reports of {args.lines} lines, median of {args.runs} runs")
    print(f"  replay both (baseline): {figures['replay_both_ms']:8.1f} ms")
    print(f"  compare:                {figures['compare_ms']:8.1f} ms")
    print(
        f"  found: {figures['agents_differ']} agents differ, {figures['memory_changes']} memory"
        f" changes, {figures['artifact_changes']} artifact changes"
    )


if __name__ == "__main__":
    main()
