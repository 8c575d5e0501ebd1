"""UI benchmarks, each beside a baseline measured in the same run.

    python bench/ui.py [--json] [--quick]

(a) cold start to the first painted frame (the first screen update the driver writes), from
    spawning the interpreter: the `swarmtui` command as a user types it (click, configuration,
    app; from an empty folder with no config file) and `make_app` alone, against a bare Textual
    "hello" app, each in a fresh interpreter (median of several starts)
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
elif kind == "make_app":
    from swarmtui.ui.app import make_app

    app = make_app(sessions_dir=__import__("pathlib").Path(sys.argv[3]))
else:
    app = None

first = []

def watch(app):
    display = app._display

    def record_first_paint(screen, update):
        if not first:
            first.append(time.time() - t0)
            first.append(time.process_time())
        return display(screen, update)

    app._display = record_first_paint

async def auto_pilot(pilot):
    await pilot.pause()
    print(f"FIRST_FRAME {first[0]:.6f} {first[1]:.6f}", flush=True)
    pilot.app.exit()

if app is not None:
    watch(app)
    app.run(headless=True, size=(160, 50), auto_pilot=auto_pilot)
else:
    # The command itself: App.run is the only thing changed, to run headless and stop.
    from textual.app import App

    plain_run = App.run

    def headless_run(self, *args, **kwargs):
        watch(self)
        return plain_run(self, headless=True, size=(160, 50), auto_pilot=auto_pilot)

    App.run = headless_run
    sys.argv = ["swarmtui"]
    from swarmtui.cli import main

    main()
"""


def _start_once(kind: str, tmp: str) -> tuple[float, float]:
    """Seconds from spawning the interpreter to the first frame: wall clock, and the CPU time
    the process used (steadier than the wall clock on a busy machine)."""
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, repr(start), kind, tmp],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SWARMTUI_CONFIG_DIR": tmp},
        cwd=tmp,
    )
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("FIRST_FRAME")), None)
    if line is None:
        raise SystemExit(f"bench: {kind} start failed: {out.stderr.strip()[-400:]}")
    _, wall, cpu = line.split()
    return float(wall), float(cpu)


def cold_start(kinds: list[str], runs: int, tmp: str) -> dict[str, list[tuple[float, float]]]:
    """(wall, CPU) start times per kind; the kinds take turns so a busy machine weighs on each
    alike."""
    times: dict[str, list[tuple[float, float]]] = {kind: [] for kind in kinds}
    for _ in range(runs):
        for kind in kinds:
            times[kind].append(_start_once(kind, tmp))
    return times


def _ms(values: list[float]) -> float:
    return round(1000 * statistics.median(values), 1)


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
    parser.add_argument("--start-only", action="store_true", help="only the cold start")
    parser.add_argument("--load-only", action="store_true", help="only the screen under load")
    parser.add_argument("--agents", type=int, default=10_000, help="agents in the load session")
    parser.add_argument("--rate", type=float, default=20_000.0, help="events per second fed")
    args = parser.parse_args()
    runs = 3 if args.quick else 5
    seconds = 2.0 if args.quick else 10.0
    rate = args.rate
    agents = args.agents

    with tempfile.TemporaryDirectory() as tmp:
        starts = cold_start(["hello", "cli", "make_app"], runs, tmp)
    wall = {kind: [t[0] for t in times] for kind, times in starts.items()}
    cpu = {kind: [t[1] for t in times] for kind, times in starts.items()}
    result: dict[str, Any] = {
        "cold_start": {
            "swarmtui_ms_median": _ms(wall["cli"]),
            "make_app_ms_median": _ms(wall["make_app"]),
            "hello_ms_median": _ms(wall["hello"]),
            "swarmtui_ms_all": [round(1000 * t, 1) for t in wall["cli"]],
            "cpu_swarmtui_ms_median": _ms(cpu["cli"]),
            "cpu_make_app_ms_median": _ms(cpu["make_app"]),
            "cpu_hello_ms_median": _ms(cpu["hello"]),
            "goal_ms": 500,
        }
    }
    if not args.start_only:
        events = synthetic_events(agents, int(rate * seconds))
        loaded = asyncio.run(drive(events, rate, seconds))
        idle = asyncio.run(drive([], rate, seconds))
        result["load"] = {"agents": agents, "rate": rate, **loaded, "goal_lag_ms_p99": 25}
        result["baseline_no_events"] = idle
    if args.json:
        print(json.dumps(result, indent=2))
        return
    cold = result["cold_start"]
    print(
        f"cold start to first frame: `swarmtui` {cold['swarmtui_ms_median']} ms, "
        f"make_app alone {cold['make_app_ms_median']} ms "
        f"(bare Textual hello {cold['hello_ms_median']} ms; goal ≤ 500 ms); CPU time: "
        f"`swarmtui` {cold['cpu_swarmtui_ms_median']} ms, make_app "
        f"{cold['cpu_make_app_ms_median']} ms, hello {cold['cpu_hello_ms_median']} ms"
    )
    if args.start_only:
        return
    for label, key in (
        ("1,000 agents at 5,000 events/s", "load"),
        ("no events", "baseline_no_events"),
    ):
        figures = result[key]
        print(
            f"{label}: lag p50 {figures['lag_ms_p50']} ms, p99 {figures['lag_ms_p99']} ms, "
            f"max {figures['lag_ms_max']} ms; {figures['repaints_per_second']} repaints/s; "
            f"{figures['events_per_second']} events/s delivered"
        )


if __name__ == "__main__":
    main()
