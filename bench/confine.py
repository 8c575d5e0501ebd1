"""What confinement costs per command, beside a bare subprocess doing the same work in this run.

    python bench/confine.py [--json] [--runs N]

(a) `true` run N times: bare `asyncio.create_subprocess_exec` (the baseline), `run_process` with
    the subreaper launcher, `run_process` without it, and the bubblewrap sandbox
(b) deciding a Bash line against 100 rules: simple, compound (5 commands), opaque
(c) probing the sandbox once (done once per process)
(d) a session of 20 `Bash("true")` operations, each allowed by a rule and sandboxed, with its
    events logged: the whole session's wall time against the same 20 commands run at once
    through the sandbox alone (what the rules, the approval events and the log add)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from swarmtui.engine.confine.sandbox import SandboxSpec, find_bwrap, probe, run_sandboxed
from swarmtui.engine.process import run_process
from swarmtui.policy.permissions import Request
from swarmtui.policy.tables import validate_table


def _quiet(stream: str, text: str) -> None:
    pass


async def _median_ms(runs: int, once: Callable[[], Awaitable[object]]) -> float:
    await once()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        await once()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


async def spawning(runs: int, folder: Path) -> dict[str, float]:
    async def bare() -> None:
        proc = await asyncio.create_subprocess_exec("true", cwd=folder)
        await proc.wait()

    figures = {
        "bare_subprocess_ms": await _median_ms(runs, bare),
        "launcher_ms": await _median_ms(
            runs, lambda: run_process(["true"], cwd=folder, on_output=_quiet)
        ),
        "no_launcher_ms": await _median_ms(
            runs, lambda: run_process(["true"], cwd=folder, on_output=_quiet, reap=False)
        ),
    }
    status = probe(find_bwrap())
    if status.available:
        spec = SandboxSpec(folder, hidden=(Path.home(),))
        env = {"PATH": "/usr/bin:/bin"}
        figures["sandbox_ms"] = await _median_ms(
            runs, lambda: run_sandboxed(status, spec, ["true"], env=env, on_output=_quiet)
        )
    return figures


def deciding(runs: int) -> dict[str, float]:
    rules = [f"Bash(tool{i} sub:*)" for i in range(99)] + ["Bash(git status:*)"]
    policy = validate_table("permissions", {"allow": rules}, "bench").policy()
    lines = {
        "simple": "git status --short",
        "compound": "git status && git status; git status | git status && git status",
        "opaque": "for f in *; do git status; done",
    }
    figures = {}
    for name, line in lines.items():
        request = Request.bash(line)
        start = time.perf_counter()
        for _ in range(runs * 10):
            policy.decide(request)
        figures[f"decide_{name}_us"] = (time.perf_counter() - start) / (runs * 10) * 1e6
    return figures


async def whole_session(folder: Path, commands: int = 20) -> dict[str, float]:
    from swarmtui.batch.models import BashOp, Batch, Message
    from swarmtui.engine.confine import Gate, ProcessKind
    from swarmtui.engine.settings import RunSettings
    from swarmtui.policy.tables import PermissionsConfig, SandboxConfig
    from swarmtui.store import new_live_session

    gate = Gate.open(SandboxConfig(), PermissionsConfig())
    start = time.perf_counter()
    await asyncio.gather(
        *(
            gate.run(ProcessKind.BASH, ["bash", "-c", "true"], workdir=folder, on_output=_quiet)
            for _ in range(commands)
        )
    )
    bare = time.perf_counter() - start
    batch = Batch(
        messages=[
            Message(
                index=1,
                operations=[BashOp(index=i, command="true") for i in range(commands)],
            )
        ]
    )
    settings = RunSettings(
        backend="command",
        command_template="true",
        permissions=PermissionsConfig(allow=("Bash(true)",)),
    )
    session = new_live_session(
        "// bench\n", source_name="bench", settings=settings, sessions_dir=folder, batch=batch
    )
    start = time.perf_counter()
    state = await session.run()
    whole = time.perf_counter() - start
    assert all(b.status == "done" for b in state.bash.values()), state.bash
    return {
        "session_commands": commands,
        "sandbox_alone_s": bare,
        "session_s": whole,
        "session_x_sandbox_alone": whole / bare,
    }


def probing() -> dict[str, float]:
    start = time.perf_counter()
    status = probe(find_bwrap())
    return {"probe_ms": (time.perf_counter() - start) * 1000, "sandbox": status.available}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        figures: dict[str, Any] = asyncio.run(spawning(args.runs, Path(folder)))
    with tempfile.TemporaryDirectory(dir="/var/tmp") as folder:
        figures.update(asyncio.run(whole_session(Path(folder))))
    figures.update(deciding(args.runs))
    figures.update(probing())
    base = figures["bare_subprocess_ms"]
    for key in ("launcher_ms", "no_launcher_ms", "sandbox_ms"):
        if key in figures:
            figures[key.replace("_ms", "_x_bare")] = figures[key] / base
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"(a) `true`, median of {args.runs} (baseline: bare asyncio subprocess)")
    print(f"    bare subprocess         {base:8.2f} ms")
    for key, label in (
        ("no_launcher_ms", "run_process, no launcher"),
        ("launcher_ms", "run_process + launcher"),
        ("sandbox_ms", "bubblewrap sandbox"),
    ):
        if key in figures:
            ratio = figures[key.replace("_ms", "_x_bare")]
            print(f"    {label:<24}{figures[key]:8.2f} ms  ({ratio:.1f}x bare)")
    print("(b) deciding a Bash line against 100 rules")
    for name in ("simple", "compound", "opaque"):
        print(f"    {name:<24}{figures[f'decide_{name}_us']:8.1f} µs")
    print(
        f"(c) probing the sandbox once: {figures['probe_ms']:.1f} ms (works: {figures['sandbox']})"
    )

    print(
        f"(d) {figures['session_commands']} allowed, sandboxed Bash operations: session "
        f"{figures['session_s'] * 1000:.0f} ms, the sandbox alone "
        f"{figures['sandbox_alone_s'] * 1000:.0f} ms "
        f"({figures['session_x_sandbox_alone']:.2f}x)"
    )


if __name__ == "__main__":
    main()
