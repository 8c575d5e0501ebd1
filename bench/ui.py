"""UI benchmarks, each beside a baseline measured in the same run.

    python bench/ui.py [--json] [--quick] [--start-only | --load-only | --reads-only]

(a) cold start to the first painted frame (the first screen update the driver writes), from
    spawning the interpreter: the `swarmtui` command as a user types it (what its installed
    script calls: configuration, app; from an empty folder with no config file) and `make_app`
    alone, against a bare Textual "hello" app, each in a fresh interpreter (median of several
    starts), with compiled code cached for every module as an install has it (`--no-bytecode`:
    swarmtui compiled at each start, as under PYTHONDONTWRITEBYTECODE=1). Goal: ≤ 1.5 × hello.
(b) the main screen under load: 10,000 agents and 20,000 events/s for 10 s fed through the
    app's event bridge (events → state → dirty panels → repaint ≤ 20 Hz), the events made as
    they are fed (as the engine makes them, on the same loop), against the same app with no
    events: event-loop lag p50/p99/max (a 5 ms probe) and repaints per second. Measured once
    start-up has settled (the app freezes its start-up heap a second after it opens).
    Goal: lag p99 ≤ 16 ms, one 60 Hz frame.
(c) reads while the screen must stay live, under the app's collector policy: replaying a
    recorded session of 1,000 agents (~44k events) with the app's aiosqlite reader
    (store/aio.py) against the blocking reader in a thread worker; listing 200 sessions in a
    thread worker (the app's way) against on the event loop: wall time and loop lag.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fresh import child_env

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
from swarmtui.ui.widgets.agents_panel import AgentsPanel

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
    # (the child's stdout is a pipe: say it is a terminal, as when typed in one)
    sys.stdout.isatty = lambda: True
    sys.stdin.isatty = lambda: True
    # What the installed `swarmtui` script calls: its entry point, "module:function".
    module, _, function = sys.argv[4].partition(":")
    sys.argv = ["swarmtui"]
    main = getattr(__import__(module, fromlist=[function]), function)
    main()
"""


def _entry_point() -> str:
    """The `swarmtui` console script's target as installed ("module:function")."""
    from importlib.metadata import entry_points

    return entry_points(group="console_scripts", name="swarmtui")["swarmtui"].value


def _start_env(tmp: str, bytecode: bool) -> dict[str, str]:
    """The children's environment (`fresh.child_env`: with `bytecode`, compiled code cached for
    Textual and swarmtui alike, as an installed package has it), in an empty config folder."""
    return child_env(tmp, bytecode=bytecode, SWARMTUI_CONFIG_DIR=tmp)


def _start_once(kind: str, tmp: str, bytecode: bool, entry: str) -> tuple[float, float]:
    """Seconds from spawning the interpreter to the first frame: wall clock, and the CPU time
    the process used (steadier than the wall clock on a busy machine)."""
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, repr(start), kind, tmp, entry],
        capture_output=True,
        text=True,
        timeout=60,
        env=_start_env(tmp, bytecode),
        cwd=tmp,
    )
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("FIRST_FRAME")), None)
    if line is None:
        raise SystemExit(f"bench: {kind} start failed: {out.stderr.strip()[-400:]}")
    _, wall, cpu = line.split()
    return float(wall), float(cpu)


def cold_start(
    kinds: list[str], runs: int, tmp: str, *, bytecode: bool = True
) -> dict[str, list[tuple[float, float]]]:
    """(wall, CPU) start times per kind; the kinds take turns so a busy machine weighs on each
    alike. With `bytecode`, a first start of each (not counted) writes the compiled code."""
    entry = _entry_point()
    if bytecode:
        for kind in kinds:
            _start_once(kind, tmp, bytecode, entry)
    times: dict[str, list[tuple[float, float]]] = {kind: [] for kind in kinds}
    for _ in range(runs):
        for kind in kinds:
            times[kind].append(_start_once(kind, tmp, bytecode, entry))
    return times


def _ms(values: list[float]) -> float:
    return round(1000 * statistics.median(values), 1)


def synthetic_events(agents: int, total: int) -> Iterator[Event]:
    """A session of `agents` agents whose events (`total`) cycle through every panel, made one
    by one as they are asked for."""
    plans = [
        AgentPlan(
            name=f"agent-{i:04d}",
            type="coder",
            waits=[f"swarm/k/{i - 1:04d}"] if i % 10 else [],
            stores=[f"swarm/k/{i:04d}"],
        )
        for i in range(agents)
    ]

    def made() -> Iterator[Event]:
        yield SessionStarted(
            session_id="bench",
            title="bench",
            backend="rehearsal",
            started_at="2025-01-01T00:00:00Z",
            agents=plans,
        )
        for plan in plans:
            yield AgentQueued(agent=plan.name)
        for i in range(0, agents, 50):
            yield TodoChanged(id=str(i), content=f"todo {i}", status="pending", agent=plans[i].name)
        i = 0
        while True:
            name = plans[i % agents].name
            yield AgentStarted(agent=name)
            for line in range(6):
                yield AgentOutput(agent=name, text=f"{name} working on step {line}")
            yield MemoryStored(key=f"swarm/k/{i % agents:04d}", value={"n": i}, by=name)
            yield AgentFinished(agent=name, status="done", result="ok")
            i += 1

    for seq, event in enumerate(itertools.islice(made(), total), start=1):
        event.seq = seq
        yield event


async def drive(agents: int, rate: float, seconds: float) -> dict[str, Any]:
    """Run the app headless; feed `rate` events/s (none when 0) through its bridge for
    `seconds`; probe the loop's lag."""
    from swarmtui.ui.app import FREEZE_AFTER, make_app

    total = int(rate * seconds)
    events = synthetic_events(agents, total) if total else iter(())
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(sessions_dir=Path(tmp))
        lags: list[float] = []
        async with app.run_test(size=SIZE) as pilot:
            screen = app.main_screen
            await screen.document.linted.wait()
            await app.workers.wait_for_complete()
            # Start-up has settled: the app freezes its start-up heap FREEZE_AFTER s after opening.
            await asyncio.sleep(FREEZE_AFTER)
            await pilot.pause()
            bridge = screen.bridge
            bridge.attach(SessionState(), live=True)
            stop = asyncio.Event()

            async def probe() -> None:
                loop = asyncio.get_running_loop()
                while not stop.is_set():
                    before = loop.time()
                    await asyncio.sleep(PROBE_INTERVAL)
                    lags.append(max(0.0, loop.time() - before - PROBE_INTERVAL))

            async def feed() -> int:
                loop = asyncio.get_running_loop()
                if not total:
                    await asyncio.sleep(seconds)
                    return 0
                per_tick = max(1, int(rate * 0.01))
                start = loop.time()
                fed = 0
                while chunk := list(itertools.islice(events, per_tick)):
                    bridge.feed(chunk)
                    fed += len(chunk)
                    await asyncio.sleep(max(0.0, start + fed / rate - loop.time()))
                return fed

            frames_before = bridge.frames
            started = time.perf_counter()
            probe_task = asyncio.create_task(probe())
            fed = await feed()
            elapsed = time.perf_counter() - started
            stop.set()
            await probe_task
            frames = bridge.frames - frames_before
            rows = screen.query_one(AgentsPanel).row_count
    lags.sort()
    return {
        "events": fed,
        "seconds": round(elapsed, 3),
        "events_per_second": round(fed / elapsed, 1),
        **lag_figures(lags),
        "repaints_per_second": round(frames / elapsed, 1),
        "agent_rows": rows,
    }


def lag_figures(lags: list[float]) -> dict[str, float]:
    lags = sorted(lags) or [0.0]
    return {
        "lag_ms_p50": round(1000 * lags[len(lags) // 2], 2),
        "lag_ms_p99": round(1000 * lags[int(len(lags) * 0.99)], 2),
        "lag_ms_max": round(1000 * lags[-1], 2),
    }


def record_session(folder: Path, agents: int, lines: int) -> Path:
    """A recorded session of `agents` agents, each writing `lines` lines of output."""
    from swarmtui.engine.events import SessionFinished
    from swarmtui.store.eventlog import EventLog

    folder.mkdir(parents=True)
    names = [f"agent-{i:04d}" for i in range(agents)]
    events: list[Event] = [
        SessionStarted(
            session_id=folder.name,
            title="bench",
            backend="rehearsal",
            started_at="2026-01-01T00:00:00Z",
            agents=[AgentPlan(name=n, stores=[f"k/{n}"]) for n in names],
        ),
        *(AgentQueued(agent=n) for n in names),
    ]
    for n in names:
        events.append(AgentStarted(agent=n))
        events += [AgentOutput(agent=n, text=f"{n} output line {i}") for i in range(lines)]
        events.append(MemoryStored(key=f"k/{n}", value=lines, by=n))
        events.append(AgentFinished(agent=n, status="done"))
    events.append(SessionFinished(status="completed"))
    log = EventLog(folder)
    for seq, event in enumerate(events, start=1):
        event.seq = seq
        event.t = seq / 1000
        log.append(event)
    log.finish(status="completed", wall_seconds=len(events) / 1000)
    log.close()
    return folder


async def timed_read(read: Any) -> dict[str, float]:
    """Run `read()` (a coroutine) with a 5 ms lag probe on the loop: wall time and lags."""
    loop = asyncio.get_running_loop()
    lags: list[float] = []
    done = asyncio.Event()

    async def probe() -> None:
        while not done.is_set():
            before = loop.time()
            await asyncio.sleep(PROBE_INTERVAL)
            lags.append(max(0.0, loop.time() - before - PROBE_INTERVAL))

    task = asyncio.create_task(probe())
    await asyncio.sleep(0)
    started = time.perf_counter()
    await read()
    wall = time.perf_counter() - started
    done.set()
    await task
    return {"wall_ms": round(1000 * wall, 1), **lag_figures(lags)}


def reads(runs: int) -> dict[str, Any]:
    """Replay loading and the sessions list: aiosqlite readers against blocking ones (in a
    thread worker, and, for the list, on the loop as the browser used to)."""
    from swarmtui import gc_policy
    from swarmtui.store import list_sessions, read_events
    from swarmtui.store.aio import read_events_async

    with tempfile.TemporaryDirectory() as tmp:
        big = record_session(Path(tmp) / "one" / "session-big", agents=1000, lines=40)
        many = Path(tmp) / "many"
        for i in range(200):
            record_session(many / f"session-{i:04d}", agents=5, lines=5)
        ways: dict[str, Any] = {
            "replay_aiosqlite": lambda: read_events_async(big),
            "replay_thread": lambda: asyncio.to_thread(read_events, big),
            "list_thread": lambda: asyncio.to_thread(list_sessions, many),
            "list_on_loop": lambda: _on_loop(list_sessions, many),
        }
        count = len(read_events(big))
        gc_policy.settle_after_start_up()  # as the app runs, a second after it opens
        figures: dict[str, list[dict[str, float]]] = {way: [] for way in ways}
        for _ in range(runs):
            for way, read in ways.items():  # in turns: a busy machine weighs on each alike
                figures[way].append(asyncio.run(timed_read(read)))
    return {
        way: {key: statistics.median(run[key] for run in runs_) for key in runs_[0]}
        for way, runs_ in figures.items()
    } | {"replay_events": count, "sessions_listed": 200}


async def _on_loop(read: Any, *args: Any) -> Any:
    return read(*args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--quick", action="store_true", help="fewer starts and reads, 2 s of load")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--start-only", action="store_true", help="only the cold start")
    only.add_argument("--load-only", action="store_true", help="only the screen under load")
    only.add_argument("--reads-only", action="store_true", help="only the reads")
    parser.add_argument(
        "--no-bytecode",
        action="store_true",
        help="cold start without cached compiled code (as with PYTHONDONTWRITEBYTECODE=1)",
    )
    parser.add_argument("--agents", type=int, default=10_000, help="agents in the load session")
    parser.add_argument("--rate", type=float, default=20_000.0, help="events per second fed")
    args = parser.parse_args()
    runs = 3 if args.quick else 7
    seconds = 2.0 if args.quick else 10.0
    every = not (args.start_only or args.load_only or args.reads_only)
    result: dict[str, Any] = {}
    if every or args.start_only:
        with tempfile.TemporaryDirectory() as tmp:
            starts = cold_start(
                ["hello", "cli", "make_app"], runs, tmp, bytecode=not args.no_bytecode
            )
        wall = {kind: [t[0] for t in times] for kind, times in starts.items()}
        cpu = {kind: [t[1] for t in times] for kind, times in starts.items()}
        result["cold_start"] = {
            "swarmtui_ms_median": _ms(wall["cli"]),
            "make_app_ms_median": _ms(wall["make_app"]),
            "hello_ms_median": _ms(wall["hello"]),
            "swarmtui_ratio": round(_ms(wall["cli"]) / _ms(wall["hello"]), 2),
            "make_app_ratio": round(_ms(wall["make_app"]) / _ms(wall["hello"]), 2),
            "swarmtui_ms_all": [round(1000 * t, 1) for t in wall["cli"]],
            "hello_ms_all": [round(1000 * t, 1) for t in wall["hello"]],
            "cpu_swarmtui_ms_median": _ms(cpu["cli"]),
            "cpu_make_app_ms_median": _ms(cpu["make_app"]),
            "cpu_hello_ms_median": _ms(cpu["hello"]),
            "goal_ratio": 1.5,
            "bytecode_cached": not args.no_bytecode,
        }
    if every or args.load_only:
        loaded = asyncio.run(drive(args.agents, args.rate, seconds))
        idle = asyncio.run(drive(args.agents, 0.0, seconds))
        result["load"] = {
            "agents": args.agents,
            "rate": args.rate,
            **loaded,
            "goal_lag_ms_p99": 16,
        }
        result["baseline_no_events"] = idle
    if every or args.reads_only:
        result["reads"] = reads(runs)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    if "cold_start" in result:
        cold = result["cold_start"]
        print(
            f"cold start to first frame: `swarmtui` {cold['swarmtui_ms_median']} ms "
            f"({cold['swarmtui_ratio']}×), make_app alone {cold['make_app_ms_median']} ms "
            f"({cold['make_app_ratio']}×), bare Textual hello {cold['hello_ms_median']} ms "
            f"(goal ≤ 1.5×); CPU time: `swarmtui` {cold['cpu_swarmtui_ms_median']} ms, "
            f"make_app {cold['cpu_make_app_ms_median']} ms, hello {cold['cpu_hello_ms_median']} ms"
        )
    if "load" in result:
        label = f"{args.agents:,} agents at {args.rate:,.0f} events/s"
        for name, key in ((label, "load"), ("no events", "baseline_no_events")):
            figures = result[key]
            print(
                f"{name}: lag p50 {figures['lag_ms_p50']} ms, p99 {figures['lag_ms_p99']} ms, "
                f"max {figures['lag_ms_max']} ms; {figures['repaints_per_second']} repaints/s; "
                f"{figures['events_per_second']} events/s delivered (goal: p99 ≤ 16 ms)"
            )
    if "reads" in result:
        r = result["reads"]
        for way in ("replay_aiosqlite", "replay_thread", "list_thread", "list_on_loop"):
            f = r[way]
            print(
                f"{way}: {f['wall_ms']} ms, loop lag p99 {f['lag_ms_p99']} ms, "
                f"max {f['lag_ms_max']} ms"
            )


if __name__ == "__main__":
    main()
