"""What `run --headless`, `resume` and `replay --headless` print: the text summary (every agent,
every Bash operation and how it ended, what a rehearsal did not run, every approval) and the
JSON document. Text from outside swarmtui has its control characters made visible."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from swarmtui.engine.state import SessionState
from swarmtui.engine.worktree_state import merge_text
from swarmtui.safe_text import escape_json
from swarmtui.safe_text import visible as printable


def result_json(state: SessionState, path: Path) -> str:
    """`{"summary": ..., "state": ...}`, keys sorted, indented: what run and replay print."""
    import pydantic_core

    from swarmtui import gc_policy
    from swarmtui.engine.summary import summary_json

    # Hundreds of thousands of small objects, none of them garbage; the Rust serializer
    # indents ten times faster than the json module (whose C encoder cannot indent). They are
    # freed before the collector is back: alive then, they would cost it a full pass for nothing.
    with gc_policy.paused():
        document = {"summary": summary_json(state, path), "state": state.to_json()}
        text = pydantic_core.to_json(_sorted(document), indent=2).decode()
        del document
    return escape_json(text)


def _sorted(value: Any) -> Any:
    """VALUE with the keys of every object in sorted order."""
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def agent_lines(state: SessionState, now: float | None = None) -> list[str]:
    """One line per agent: status, its clock (run time, or how long it has waited), name."""
    from swarmtui.engine.metrics import agent_seconds

    at = state.t if now is None or state.finished else max(now, state.t)
    lines = []
    for a in state.agents.values():
        elapsed = agent_seconds(a, at)
        waiting = (
            f" waits for {', '.join(a.missing)}" if a.status == "waiting" and a.missing else ""
        )
        if a.server_wait is not None:
            waiting = f" waits for the server {a.server_wait}"
        reason = f" — {a.reason}" if a.reason else ""  # (a done agent's: a warning)
        if a.awaiting:
            reason = f" — awaiting approval ({len(a.awaiting)})"
        where = f" on {a.worker_name or a.worker}" if a.worker is not None else ""
        line = f"{a.status:<9} {elapsed:7.2f}s  {a.name} ({a.type}){where}{waiting}{reason}"
        lines.append(printable(line))
    return lines


_BASH_OUTCOME = {
    "done": "exit 0",
    "awaiting": "awaiting approval",
    "running": "running",
    "rehearsed": "rehearsed, not run",
}


def _bash_lines(state: SessionState) -> list[str]:
    """Every Bash operation: how it ended (exit status, denied, rehearsed, skipped) and why."""
    from swarmtui.engine.summary import bash_summary, time_limit

    lines = []
    for b in bash_summary(state):
        where = f" in {printable(b['cwd'])}" if b["cwd"] not in (None, ".") else ""
        command = f": {printable(b['command'])}" if b["command"] is not None else ""
        status = b["status"]
        outcome = _BASH_OUTCOME.get(status) or f"{status}: {printable(b['reason'] or '')}"
        if status == "rehearsed" and b["timeout"] is not None:
            outcome += f" ({time_limit(b['timeout'], b['timeout_from'])})"
        allowed = b["permission"] if status in ("done", "failed", "running") else None
        suffix = f" [{printable(allowed)}]" if allowed else ""
        lines.append(f"bash op {b['op']}{where}{command} -> {outcome}{suffix}")
    return lines


def _skipped_lines(state: SessionState) -> list[str]:
    """Every other operation that did not run: `write op 13 (app.js) -> not run: why`."""
    from swarmtui.engine.outcome import skipped_label
    from swarmtui.engine.summary import skipped_summary

    return [
        printable(f"{skipped_label(state, s['op'], s['kind'])} -> not run: {s['reason']}")
        for s in skipped_summary(state)
    ]


def _replaced_lines(state: SessionState) -> list[str]:
    """Every file written over another writer's: `artifacts/app.py by Coder B (replaced the
    one Coder A wrote)`."""
    from swarmtui.engine.summary import replaced_files, replaced_note, writer_name

    return [
        printable(f"{r['path']} by {writer_name(r['by'])} ({replaced_note(r['replaced'])})")
        for r in replaced_files(state)
    ]


def _rehearsal_lines(state: SessionState) -> list[str]:
    """What a rehearsal did not run of each agent: its real backend's work."""
    lines = []
    for a in state.agents.values():
        if a.rehearsed is not None:
            r = a.rehearsed
            waits = f" after {', '.join(r.waits)}" if r.waits else ""
            lines.append(
                printable(f"rehearsed {a.name} ({r.backend}, in {r.cwd}{waits}): {r.command}")
            )
    return lines


def _approval_lines(state: SessionState) -> list[str]:
    """Requests and decisions other than the Bash operations' (shown with them)."""
    lines = []
    for a in state.approvals:
        if a.kind == "bash":
            continue
        who = a.agent or "the batch"
        verdict = {"allowed": "allowed", "denied": "denied", "pending": "awaiting approval"}
        decided = f" ({a.reason})" if a.reason else ""
        lines.append(
            printable(f"{who} wanted {a.tool}: {a.subject} -> {verdict[a.status]}{decided}")
        )
    return lines


def _confinement_line(state: SessionState) -> list[str]:
    c = state.confinement
    if c is None:
        return []
    return [printable(c.notice or c.description)]


def workspace_lines(state: SessionState) -> list[str]:
    """The repository, or why none; each agent's worktree: branch, what it changed, its patch."""
    w = state.workspace
    if w is None:
        return []
    if w.refused is not None:
        then = "no agent started" if w.stopped else "agents worked in the session folder"
        return [printable(f"no worktrees ({then}): {w.refused}")]
    on = f" on {w.branch}" if w.branch else ""
    lines = [printable(f"worktrees of {w.repo}{on} (from {(w.head or '')[:10]})")]
    for leftover in w.leftovers:
        lines.append(printable(f"worktree of another session still there: {leftover}"))
    for a in state.agents.values():
        t = a.worktree
        if t is None:
            continue
        if t.failed is not None:
            lines.append(printable(f"worktree {a.name}: {t.failed}"))
            continue
        if t.commit is None:
            lines.append(printable(f"worktree {a.name}: {t.branch} (not committed)"))
            continue
        files = len(t.files) + t.more_files
        change = f"+{t.added} -{t.removed} in {files} file{'s' if files != 1 else ''}"
        patch = f" -> {t.patch}" if t.patch else " (no change)"
        lines.append(printable(f"worktree {a.name}: {t.branch} {change}{patch}"))
    for merge in w.merges:  # (after the session: recorded, never redone)
        lines.append(printable(merge_text(merge)))
    return lines


def _cluster_lines(state: SessionState) -> list[str]:
    """The Dask cluster the agents ran on, and each worker lost while it ran agents."""
    c = state.cluster
    if c is None:
        return []
    workers = f"{c.workers} worker{'s' if c.workers != 1 else ''}"
    slots = f"{c.slots} slot{'s' if c.slots != 1 else ''}"
    lines = [printable(f"cluster {c.executor}: {workers}, {slots}")]
    lines += [printable(f"{reason}: {', '.join(agents)} failed") for _, _, agents, reason in c.lost]
    return lines


def _warning_lines(state: SessionState) -> list[str]:
    """The batch's warnings and the run's own (SW020: about its settings); errors are printed
    on standard error before the summary."""
    return [
        printable(f"warning: {d.message}" + (f" (line {d.line})" if d.code != "SW020" else ""))
        for d in state.diagnostics
        if d.severity == "warning"
    ]


def operation_lines(state: SessionState) -> list[str]:
    return [
        *_confinement_line(state),
        *_cluster_lines(state),
        *workspace_lines(state),
        *_bash_lines(state),
        *_skipped_lines(state),
        *_replaced_lines(state),
        *_rehearsal_lines(state),
        *_approval_lines(state),
        *_warning_lines(state),
    ]


def figures_text(state: SessionState) -> str:
    """`wall 2.00s, sequential 5.10s, critical path 2.00s, speed-up 2.55x` (the engine's rule:
    no speed-up while nothing can be compared; idle time named when there was some)."""
    from swarmtui.engine.metrics import figures

    f = figures(state)
    speedup = "-" if f.speedup is None else f"{f.speedup:.2f}x"
    idle = f", idle {f.idle_seconds:.2f}s" if f.idle_seconds >= 0.005 else ""
    return (
        f"wall {f.wall_seconds:.2f}s, sequential {f.sequential_seconds:.2f}s, "
        f"critical path {f.critical_path_seconds:.2f}s, speed-up {speedup}{idle}"
    )


def final_text(state: SessionState, path: Path) -> str:
    head = f"{state.status}: {printable(str(path))}\n{figures_text(state)}"
    if state.max_parallel is not None:
        why = f" ({state.max_parallel_reason})" if state.max_parallel_reason else ""
        head += f"\nat most {state.max_parallel} agents at once{why}"
    return "\n".join([head, *reason_lines(state), *agent_lines(state), *operation_lines(state)])


def reason_lines(state: SessionState) -> list[str]:
    """Why the session ended early, the endpoints checked and the caps crossed."""
    lines = [f"reason: {state.reason}"] if state.reason else []
    for e in state.endpoints:
        if e.problem is None:
            n = e.max_parallel
            limit = f", {n} request{'' if n == 1 else 's'} at a time" if n else ""
            source = f" ({e.limit_source})" if e.limit_source and e.max_parallel else ""
            lines.append(f"{e.backend} {e.endpoint}: {e.detail}{limit}{source}")
    lines += [f"cap crossed: {c.reason}" for c in state.caps]
    return [printable(line) for line in lines]
