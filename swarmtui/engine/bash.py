"""A batch `Bash` operation: run in the session folder (or a folder inside it), streamed and
scrubbed as events; in a rehearsal, recorded as what would have run and not run at all.

It runs only once allowed (a rule, or a person: `swarmtui.engine.approvals`), sandboxed with the
network off unless `[sandbox] network` says otherwise; a denied command does not run and is
recorded as denied with the reason (nothing waits for a Bash operation, so nothing else fails).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING

from swarmtui.batch.models import BashOp, WriteOp
from swarmtui.engine.approvals import Subject
from swarmtui.engine.confine import ProcessKind
from swarmtui.engine.events import (
    BashFinished,
    BashOutput,
    BashRehearsed,
    BashStarted,
    TimeoutFrom,
)
from swarmtui.engine.operations import OpContext, write_file
from swarmtui.engine.output_log import chunks
from swarmtui.engine.paths import check_write_path, rewrite_session_paths, session_relative
from swarmtui.engine.runners.secrets import StreamRedactor
from swarmtui.policy.permissions import Request

if TYPE_CHECKING:
    from swarmtui.config import BashOptions


def bash_folder(op: BashOp, session_dir: Path) -> tuple[str, str | None]:
    """OP's working folder relative to the session folder, or why it cannot be used."""
    if not op.cwd:
        return ".", None
    relative = session_relative(rewrite_session_paths(op.cwd, session_dir), session_dir)
    if (session_dir / relative).resolve() == session_dir.resolve():
        return ".", None  # the session folder itself (".", "./", "code/.."), as lint accepts
    problem = check_write_path(relative)
    if problem is None and not (session_dir / relative).resolve().is_relative_to(
        session_dir.resolve()
    ):
        problem = f"{op.cwd}: outside the session folder"
    return relative, problem


def bash_timeout(op: BashOp, options: BashOptions) -> tuple[float, TimeoutFrom]:
    """How long OP may run (`[bash]`: the default when it names none, never past the cap), and
    what set it: its own `timeout`, `[bash] timeout` or `[bash] max_timeout`."""
    if op.timeout is None:
        return options.timeout, "[bash] timeout"
    if op.timeout > options.max_timeout:
        return options.max_timeout, "[bash] max_timeout"
    return op.timeout, "operation"


def _timed_out(op: BashOp, options: BashOptions, seconds: float, set_by: TimeoutFrom) -> str:
    """Why OP was stopped: its time limit, and which setting it was unless its own."""
    reason = f"timed out after {seconds:g} s"
    if set_by == "[bash] timeout":
        return (
            f"{reason} ([bash] timeout, the default; give the operation a longer `timeout`, "
            f"up to {options.max_timeout:g} s)"
        )
    if set_by == "[bash] max_timeout":
        return f"{reason} ([bash] max_timeout; it asked for {op.timeout:g} s)"
    return reason


def lasting_operation(ctx: OpContext, op: BashOp | WriteOp) -> Coroutine[None, None, None] | None:
    """What of OP takes time (a Bash command; a write a rule asks about), to run as a task;
    None when it is done already (a write made or refused at once)."""
    return run_bash(ctx, op) if isinstance(op, BashOp) else write_file(ctx, op)


async def run_bash(ctx: OpContext, op: BashOp) -> None:
    """Run OP (or rehearse it); its events say what happened."""
    command = rewrite_session_paths(op.command, ctx.session_dir)
    relative, problem = bash_folder(op, ctx.session_dir)
    if problem is not None:
        ctx.skip(op, problem)
        return
    timeout, set_by = bash_timeout(op, ctx.guard.settings.bash)
    if ctx.rehearsal:
        ctx.emit(
            BashRehearsed(
                op=op.index, command=command, cwd=relative, timeout=timeout, timeout_from=set_by
            )
        )
        return
    what = Subject("bash", "Bash", command, op=op.index, cwd=relative)
    answer = await ctx.guard.permit(what, Request.bash(command))
    if not answer.allowed:
        return  # (its approval_decided event records it as denied, with the reason)
    ctx.emit(BashStarted(op=op.index, command=command, cwd=relative))
    # A key the command prints may arrive split across two reads.
    redactors = {"stdout": StreamRedactor(ctx.secrets), "stderr": StreamRedactor(ctx.secrets)}

    def emit_output(stream: str, text: str) -> None:
        if text:
            name = "stdout" if stream == "stdout" else "stderr"
            for piece in chunks(text):
                ctx.emit(BashOutput(op=op.index, stream=name, text=piece))

    def on_output(stream: str, text: str) -> None:
        emit_output(stream, redactors["stdout" if stream == "stdout" else "stderr"].feed(text))

    reason: str | None = None
    status: int | None = None
    try:
        try:
            status = await ctx.guard.run(
                ProcessKind.BASH,
                ["bash", "-c", command],
                workdir=ctx.session_dir / relative,
                on_output=on_output,
                timeout=timeout,
            )
        finally:
            for name, redactor in redactors.items():
                emit_output(name, redactor.flush())
    except TimeoutError:
        reason = _timed_out(op, ctx.guard.settings.bash, timeout, set_by)
    except asyncio.CancelledError:
        reason = "cancelled"
    except OSError as exc:
        reason = f"could not run bash: {exc}"
    except RuntimeError as exc:  # a sandbox is required and there is none
        reason = f"not run: {exc}"
    else:
        reason = None if status == 0 else f"exit status {status}"
    ctx.emit(BashFinished(op=op.index, exit_status=status, reason=reason))
