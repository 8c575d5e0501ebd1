"""UI benchmarks, each beside a baseline measured in the same run.

    python bench/ui.py [--json] [--quick]

(a) cold start to the first painted frame (the first screen update the driver writes), from
    spawning the interpreter: `swarmtui` (make_app, headless) against a bare Textual "hello" app,
    each in a fresh interpreter (median of several starts)
(b) the main screen under load: 1,000 agents and 5,000 events/s for 10 s fed through the
    app's event bridge (events → state → dirty panels → repaint ≤ 30 Hz), against the same app
    with no events: event-loop lag p50/p99/max (a 5 ms probe) and repaints per second
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from swarmtui.engine.events import (
    AgentFinished,
    AgentOutput,
    AgentPlan,
    AgentQueued,
    AgentStarted,
    Event,
    MemoryStored,
    SessionStarted,
    TodoChanged,
)
from swarmtui.engine.state import SessionState

SIZE = (160, 50)
PROBE_INTERVAL = 0.005

_CHILD = r"""
import sys, time
t0 = float(sys.argv[1])
kind = sys.argv[2]
if kind == "hello":
    from textual.app import App
    from textual.widgets import Static

    class Hello(App):
        def compose(self):
            yield Static("hello")

    app = Hello()
else:
    from swarmtui.ui.app import make_app

    app = make_app(sessions_dir=__import__("pathlib").Path(sys.argv[3]))

first = []
display = app._display

def record_first_paint(screen, update):
    if not first:
        first.append(time.time() - t0)
    return display(screen, update)

app._display = record_first_paint

async def auto_pilot(pilot):
    await pilot.pause()
    print(f"FIRST_FRAME {first[0]:.6f}", flush=True)
    pilot.app.exit()

app.run(headless=True, size=(160, 50), auto_pilot=auto_pilot)
"""


def cold_start(kind: str, runs: int, tmp: str) -> list[float]:
    """Seconds from spawning the interpreter to the first frame, one per run."""
    times = []
    for _ in range(runs):
        start = time.time()
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, repr(start), kind, tmp],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "SWARMTUI_CONFIG_DIR": tmp},
        )
        line = next((ln for ln in out.stdout.splitlines() if ln.startswith("FIRST_FRAME")), None)
        if line is None:
            raise SystemExit(f"bench: {kind} start failed: {out.stderr.strip()[-400:]}")
        times.append(float(line.split()[1]))
    return times


def synthetic_events(agents: int, total: int) -> list[Event]:
    """A session of `agents` agents whose events (about `total`) cycle through every panel."""
    plans = [
        AgentPlan(
            name=f"agent-{i:04d}",
            type="coder",
            waits=[f"swarm/k/{i - 1:04d}"] if i % 10 else [],
            stores=[f"swarm/k/{i:04d}"],
        )
        for i in range(agents)
    ]
    events: list[Event] = [
        SessionStarted(
            session_id="bench",
            title="bench",
            backend="rehearsal",
            started_at="2025-01-01T00:00:00Z",
            agents=plans,
        )
    ]
    events += [AgentQueued(agent=p.name) for p in plans]
    events += [
        TodoChanged(id=str(i), content=f"todo {i}", status="pending", agent=plans[i].name)
        for i in range(0, agents, 50)
    ]
    i = 0
    while len(events) < total:
        name = plans[i % agents].name
        events.append(AgentStarted(agent=name))
        for line in range(6):
            events.append(AgentOutput(agent=name, text=f"{name} working on step {line}"))
        events.append(MemoryStored(key=f"swarm/k/{i % agents:04d}", value={"n": i}, by=name))
        events.append(AgentFinished(agent=name, status="done", result="ok"))
        i += 1
    for seq, event in enumerate(events[:total], start=1):
        event.seq = seq
    return events[:total]


async def drive(events: list[Event], rate: float, seconds: float) -> dict[str, Any]:
    """Run the app headless; feed `events` at `rate`/s through its bridge; probe the loop's lag."""
    from swarmtui.ui.app import make_app

    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(sessions_dir=Path(tmp))
        lags: list[float] = []
        async with app.run_test(size=SIZE) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.main_screen
            bridge = screen.bridge
            assert bridge is not None
            bridge.attach(SessionState(), live=True)
            stop = asyncio.Event()

            async def probe() -> None:
                loop = asyncio.get_running_loop()
                while not stop.is_set():
                    before = loop.time()
                    await asyncio.sleep(PROBE_INTERVAL)
                    lags.append(max(0.0, loop.time() - before - PROBE_INTERVAL))

            async def feed() -> None:
                if not events:
                    await asyncio.sleep(seconds)
                    return
                tick = 0.01
                per_tick = max(1, int(rate * tick))
                start = asyncio.get_running_loop().time()
                index = 0
                while index < len(events):
                    bridge.feed(events[index : index + per_tick])
                    index += per_tick
                    due = start + (index / rate)
                    delay = due - asyncio.get_running_loop().time()
                    await asyncio.sleep(max(0.0, delay))

            frames_before = bridge.frames
            started = time.perf_counter()
            probe_task = asyncio.create_task(probe())
            await feed()
            elapsed = time.perf_counter() - started
            stop.set()
            await probe_task
            frames = bridge.frames - frames_before
            rows = screen.query_one("#agents").row_count  # type: ignore[attr-defined]
    lags.sort()
    return {
        "events": len(events),
        "seconds": round(elapsed, 3),
        "events_per_second": round(len(events) / elapsed, 1) if events else 0.0,
        "lag_ms_p50": round(1000 * lags[len(lags) // 2], 2),
        "lag_ms_p99": round(1000 * lags[int(len(lags) * 0.99)], 2),
        "lag_ms_max": round(1000 * lags[-1], 2),
        "repaints_per_second": round(frames / elapsed, 1),
        "agent_rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--quick", action="store_true", help="fewer starts, 2 s of load")
    args = parser.parse_args()
    runs = 3 if args.quick else 5
    seconds = 2.0 if args.quick else 10.0
    rate = 5000.0
    agents = 1000

    with tempfile.TemporaryDirectory() as tmp:
        hello = cold_start("hello", runs, tmp)
        swarm = cold_start("swarmtui", runs, tmp)
    events = synthetic_events(agents, int(rate * seconds))
    loaded = asyncio.run(drive(events, rate, seconds))
    idle = asyncio.run(drive([], rate, seconds))
    result = {
        "cold_start": {
            "swarmtui_ms_median": round(1000 * statistics.median(swarm), 1),
            "hello_ms_median": round(1000 * statistics.median(hello), 1),
            "swarmtui_ms_all": [round(1000 * t, 1) for t in swarm],
            "goal_ms": 500,
        },
        "load": {"agents": agents, "rate": rate, **loaded, "goal_lag_ms_p99": 25},
        "baseline_no_events": idle,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    cold = result["cold_start"]
    print(
        f"cold start to first frame: swarmtui {cold['swarmtui_ms_median']} ms "
        f"(bare Textual hello {cold['hello_ms_median']} ms; goal ≤ 500 ms)"
    )
    for label, figures in (("1,000 agents at 5,000 events/s", loaded), ("no events", idle)):
        print(
            f"{label}: lag p50 {figures['lag_ms_p50']} ms, p99 {figures['lag_ms_p99']} ms, "
            f"max {figures['lag_ms_max']} ms; {figures['repaints_per_second']} repaints/s; "
            f"{figures['events_per_second']} events/s delivered"
        )


if __name__ == "__main__":
    main()
