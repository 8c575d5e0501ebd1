"""Small helpers shared by the backend tests: a recording sink, a job in a session folder, and a
whole headless run on the `openai` backend against the fake server."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from swarmtui.engine.events import Event
from swarmtui.engine.guard import SessionGuard
from swarmtui.engine.runners.base import AgentJob, LogRange
from swarmtui.engine.settings import RunSettings

from .fake_openai_server import Request


@dataclass
class RecordingSink:
    """An OutputSink that keeps every call; optionally wakes a waiter when some text shows up."""

    outputs: list[tuple[str, str]] = field(default_factory=list)
    usages: list[tuple[int, int, float | None]] = field(default_factory=list)
    # (estimated, final) of each usage report.
    usage_kinds: list[tuple[bool, bool]] = field(default_factory=list)
    waits: list[tuple[str, int, int]] = field(default_factory=list)
    slots: list[str] = field(default_factory=list)
    activities: list[dict[str, str | None]] = field(default_factory=list)
    watch_for: str | None = None
    seen: asyncio.Event = field(default_factory=asyncio.Event)
    on_seen: Any = None

    def output(self, text: str, stream: str = "stdout") -> None:
        self.outputs.append((stream, text))
        if self.watch_for is not None and self.watch_for in self.text("text", "stdout"):
            self.seen.set()
            if self.on_seen is not None:
                self.on_seen()

    def output_mark(self) -> int:
        return len(self.outputs)

    def output_range(self, mark: int) -> LogRange | None:
        return None  # (no log file here: the runners keep whole answers)

    def usage(
        self,
        tokens_in: int,
        tokens_out: int,
        cost_usd: float | None = None,
        *,
        estimated: bool = False,
        final: bool = False,
    ) -> None:
        self.usages.append((tokens_in, tokens_out, cost_usd))
        self.usage_kinds.append((estimated, final))

    def server_wait(self, endpoint: str, limit: int, ahead: int) -> None:
        self.waits.append((endpoint, limit, ahead))

    def server_slot(self, endpoint: str) -> None:
        self.slots.append(endpoint)

    def activity(
        self, *, session: str | None = None, tool: str | None = None, file: str | None = None
    ) -> None:
        self.activities.append({"session": session, "tool": tool, "file": file})

    def reported(self) -> list[tuple[int, int, float | None]]:
        """The usage reports that were not swarmtui's own count while streaming."""
        return [u for u, (est, _) in zip(self.usages, self.usage_kinds, strict=True) if not est]

    def text(self, *streams: str) -> str:
        return "".join(text for stream, text in self.outputs if not streams or stream in streams)


def make_job(
    session_dir: Path,
    name: str = "Coder",
    *,
    settings: RunSettings | None = None,
    events: list[Event] | None = None,
    **changes: Any,
) -> AgentJob:
    """A job in SESSION_DIR; with SETTINGS, its process goes through a real session guard (the
    sandbox, the rules, the approvals) whose events land in EVENTS."""
    session_dir.mkdir(parents=True, exist_ok=True)
    (session_dir / "artifacts").mkdir(exist_ok=True)
    if settings is not None:
        sink = events.append if events is not None else (lambda event: None)
        guard = SessionGuard(settings, sink, session_dir.resolve())
        changes.setdefault("gate", guard.for_agent(name, "coder", settings.backend))
    values: dict[str, Any] = {
        "name": name,
        "type": "coder",
        "instructions": "Write hello.py. Store the result in memory under 'swarm/code'.",
        "system_prompt": "You are a coder.",
        "inputs": {"swarm/plan": {"steps": ["write", "test"]}},
        "stores": ["swarm/code"],
        "session_id": "session-20261129-000000-test",
        "session_dir": session_dir,
        "artifacts_dir": session_dir / "artifacts",
    }
    values.update(changes)
    return AgentJob(**values)


def agent_of(request: Request) -> str:
    """The agent a request to the fake server is for."""
    user = request.json()["messages"][-1]["content"]
    return str(user.split('"', 2)[1])  # the prompt starts: You are "NAME", ...


def run_openai_batch(
    tmp_path: Path, base_url: str, batch: str, env: dict[str, str] | None = None
) -> tuple[dict[str, Any], str]:
    """`swarmtui run --headless --json` of BATCH on the openai backend at BASE_URL (retries
    fast), sessions in TMP_PATH/sessions: its JSON document, and all it printed."""
    (tmp_path / "batch.swarm.js").write_text(batch)
    (tmp_path / "fast.toml").write_text(
        "[backends.openai]\nmax_retries = 1\nretry_backoff = 0.0\nmax_retry_wait = 0.01\n"
    )
    run = [sys.executable, "-m", "swarmtui", "run", "batch.swarm.js", "--headless", "--json"]
    options = ["--backend", "openai", "--base-url", base_url, "--model", "fake-model"]
    options += ["--sessions-dir", "sessions", "--config", "fast.toml"]
    result = subprocess.run(
        [*run, *options],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )
    assert result.stdout.strip(), result.stderr
    return json.loads(result.stdout), result.stdout + result.stderr
