"""The offline `rehearsal` backend: no model, a deterministic duration, a report saying so.

For checking a batch's coordination, timing and speed-up before spending anything: every agent
takes exactly `--rehearsal-seconds`, or when unset a stable 1-4 s derived from its name, stores
its keys with a value that says it is a rehearsal and writes `artifacts/<agent-slug>.md`.
"""

from __future__ import annotations

import asyncio
import hashlib

from swarmtui.engine import filewriter
from swarmtui.engine.paths import slug
from swarmtui.engine.runners.base import AgentJob, AgentResult, OutputSink
from swarmtui.engine.settings import RunSettings


def rehearsal_seconds(name: str, fixed: float | None) -> float:
    """FIXED if given, else 1.000-4.000 s from a hash of NAME (stable across runs and machines)."""
    if fixed is not None:
        return fixed
    digest = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "big")
    return 1.0 + (digest % 3001) / 1000.0


class RehearsalRunner:
    name = "rehearsal"

    def __init__(self, settings: RunSettings) -> None:
        self._fixed = settings.rehearsal_seconds
        self._files = filewriter.SHARED

    async def run(self, job: AgentJob, sink: OutputSink) -> AgentResult:
        seconds = rehearsal_seconds(job.name, self._fixed)
        text = (
            f"REHEARSAL: {job.name} ({job.type}) took a simulated {seconds:.3f} s; "
            "no model was called and no work was done."
        )
        relative = f"artifacts/{slug(job.name)}.md"
        data = _report(job, seconds).encode("utf-8")
        # The report is written by the runner's file thread while the simulated time runs, and
        # the agent is done when that time is over, written or not: creating a file can take a
        # millisecond on a busy disk, and a thousand agents must neither block the loop nor
        # wait for each other's reports (the session waits for them before it ends).
        writing = self._files.write(job.session_dir, relative, data)
        loop = asyncio.get_running_loop()
        began = loop.time() if job.began is None else job.began
        try:
            await asyncio.sleep(max(0.0, began + seconds - loop.time()))
        except BaseException:
            writing.cancel()
            raise
        sink.output(text, "info")
        return AgentResult(text=text, files=[relative], pending={relative: writing})

    def would_run(self, job: AgentJob) -> str:
        return "(nothing: a rehearsal)"


def _report(job: AgentJob, seconds: float) -> str:
    stores = ", ".join(job.stores) or "nothing"
    return (
        f"# {job.name} — REHEARSAL\n\n"
        "This is a rehearsal: no model was called and no work was done.\n\n"
        f"- type: {job.type}\n- simulated duration: {seconds:.3f} s\n"
        f"- waited for: {', '.join(job.inputs) or 'nothing'}\n- stores: {stores}\n\n"
        f"## Instructions\n\n{job.instructions or '(none)'}\n"
    )


def create_runner(settings: RunSettings) -> RehearsalRunner:
    return RehearsalRunner(settings)
