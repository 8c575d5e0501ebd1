"""The `summary` object of `swarmtui run --json` (and of `replay --json`), from a state."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from swarmtui.batch.lint import BATCH_WRITER
from swarmtui.engine.state import SessionState, approval_json, cluster_json
from swarmtui.engine.worktree_state import workspace_json, worktree_json


def _r(value: float | None) -> float | None:
    return None if value is None else float(round(value, 3))


def _cost(values: Iterable[float | None]) -> float | None:
    """Total cost in USD, or None when no backend reported or priced any (rehearsal, command)."""
    known = [v for v in values if v is not None]
    return round(sum(known), 6) if known else None


def summary_json(state: SessionState, path: Path) -> dict[str, Any]:
    """Session id, path, status, metrics and one entry per agent (in batch order)."""
    m = state.metrics
    return {
        "session_id": state.session_id,
        "path": str(path),
        "status": state.status,
        "reason": state.reason,
        # At most this many agents ran at once (null: unbounded), and why when by default.
        "max_parallel": state.max_parallel,
        "max_parallel_reason": state.max_parallel_reason,
        "wall_seconds": _r(m.wall_seconds),
        "sequential_seconds": _r(m.sequential_seconds),
        "critical_path_seconds": _r(m.critical_path_seconds),
        "speedup": round(m.speedup, 2),
        "tokens_in": sum(a.tokens_in for a in state.agents.values()),
        "tokens_out": sum(a.tokens_out for a in state.agents.values()),
        "cost_usd": _cost(a.cost_usd for a in state.agents.values()),
        "agents": [
            {
                "name": a.name,
                "type": a.type,
                "status": a.status,
                "started_at": _r(a.started_at),
                # Both times are null for an agent that never started (skipped, or failed
                # while waiting): it has no run to place on the timeline.
                "finished_at": _r(a.finished_at) if a.started_at is not None else None,
                "run_seconds": _r(a.run_seconds),
                "wait_seconds": _r(a.wait_seconds),
                "waits": list(a.waits),
                "stores": list(a.stores),
                "reason": a.reason,
                "tokens_in": a.tokens_in,
                "tokens_out": a.tokens_out,
                "cost_usd": _cost([a.cost_usd]),
                # Swarmtui's own count (the server reported none), not the server's figures.
                "usage_estimated": a.usage_estimated,
                # Of wait_seconds: queued for its server (an endpoint's max_parallel).
                "server_wait_seconds": _r(a.server_wait_seconds),
                "messages": len(a.messages),
                "backend_session": a.backend_session,
                "files_changed": list(a.files_changed),
                # In a rehearsal, what the agent's own backend would have run (else null).
                "rehearsed": None
                if a.rehearsed is None
                else {
                    "backend": a.rehearsed.backend,
                    "model": a.rehearsed.model,
                    "command": a.rehearsed.command,
                    "cwd": a.rehearsed.cwd,
                    "waits": list(a.rehearsed.waits),
                },
                # Its git worktree, branch, commit and diff (null: the session folder).
                "worktree": worktree_json(a.worktree),
                # The Dask worker its last attempt ran on (null: this machine).
                "worker": a.worker,
                "worker_name": a.worker_name,
            }
            for a in state.agents.values()
        ],
        # The repository the agents worked in, or why none (null: none was asked for or found).
        "workspace": workspace_json(state.workspace),
        # The pre-flight checks of the endpoints, and the hard caps that were crossed.
        "endpoints": [
            {
                "backend": e.backend,
                "endpoint": e.endpoint,
                "problem": e.problem,
                "max_parallel": e.max_parallel,
            }
            for e in state.endpoints
        ],
        "caps": [{"cap": c.cap, "reason": c.reason, "stopped": c.stopped} for c in state.caps],
        # Every Bash operation: what ran (or, in a rehearsal, what would have; or what was
        # denied, or skipped), where, how, and who let it run.
        "bash": bash_summary(state),
        # Every write that replaced another writer's file (an agent's, or the batch's) at the
        # same path: the earlier file is gone, the later one is what the folder holds.
        "replaced_files": replaced_files(state),
        # Every other operation that did not run (refused, or skipped for an error), with why;
        # tools recorded without running are in the state's `skipped`, as they fail nothing.
        "skipped": skipped_summary(state),
        "confinement": None
        if state.confinement is None
        else {
            "sandboxed": state.confinement.sandboxed,
            "description": state.confinement.description,
            "notice": state.confinement.notice,
        },
        # Every request for permission and every decision (by a rule, a person or a flag).
        "approvals": [approval_json(a) for a in state.approvals],
        # The Dask cluster the agents ran on, and the workers lost meanwhile (null: locally).
        "cluster": cluster_json(state.cluster),
    }


def bash_summary(state: SessionState) -> list[dict[str, Any]]:
    """Each Bash operation of the batch, in batch order, with its outcome."""
    entries = [
        {
            "op": b.op,
            "command": b.command,
            "cwd": b.cwd,
            "status": b.status,
            "exit_status": b.exit_status,
            "reason": b.reason,
            "permission": b.permission,
            "timeout": b.timeout,
            "timeout_from": b.timeout_from,
        }
        for b in state.bash.values()
    ]
    for op, kind, reason in state.skipped:
        if kind == "bash" and op not in state.bash:
            entries.append(
                {
                    "op": op,
                    "command": None,
                    "cwd": None,
                    "status": "skipped",
                    "exit_status": None,
                    "reason": reason,
                    "permission": None,
                    "timeout": None,
                    "timeout_from": None,
                }
            )
    return sorted(entries, key=lambda entry: entry["op"])


def skipped_summary(state: SessionState) -> list[dict[str, Any]]:
    """Each operation other than a Bash command or a recorded tool that did not run, in batch
    order: a Write refused or skipped for an error, a memory operation, a note not understood,
    a task under a name already taken."""
    return [
        {"op": op, "kind": kind, "subject": state.skipped_subjects.get(op), "reason": reason}
        for op, kind, reason in sorted(state.skipped)
        if kind not in ("tool", "bash")
    ]


def replaced_files(state: SessionState) -> list[dict[str, Any]]:
    """Each write that replaced a file another writer wrote there, in the order written."""
    return [
        {"path": path, "by": by, "replaced": was}
        for path, _size, by, was in state.files
        if was is not None
    ]


# What set a Bash operation's time limit, in a few words (`BashRehearsed.timeout_from`).
_TIMEOUT_FROM = {
    "operation": "its own timeout",
    "[bash] timeout": "the default, [bash] timeout",
    "[bash] max_timeout": "capped by [bash] max_timeout",
}


def time_limit(seconds: float, set_by: str | None = None) -> str:
    """`time limit 120 s, the default, [bash] timeout`: what a rehearsed Bash operation would
    have been allowed to run, and what set it (unsaid in logs older than that record)."""
    said = _TIMEOUT_FROM.get(set_by) if set_by is not None else None
    return f"time limit {seconds:g} s" + (f", {said}" if said else "")


def writer_name(by: str) -> str:
    """Who wrote a file, in words: an agent's name, or `the batch` for a `Write` operation."""
    return "the batch" if by == BATCH_WRITER else by


def replaced_note(replaced: str) -> str:
    """`replaced the one Coder A wrote` (`... the batch wrote` for a `Write` operation's)."""
    return f"replaced the one {writer_name(replaced)} wrote"


def file_note(state: SessionState, agent: str, path: str) -> str | None:
    """What a reader of AGENT's file at PATH should know: it replaced another writer's, or
    another writer has replaced it since (then the folder holds theirs); None: neither."""
    now = state.writers.get(path)
    if now is not None and now != agent:
        return f"replaced since by {writer_name(now)}"
    for written, _size, by, was in reversed(state.files):
        if written == path and by == agent:
            return None if was is None else replaced_note(was)
    return None
