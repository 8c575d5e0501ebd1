"""`swarmtui parse` and `swarmtui lint`: the batch language from the command line."""

from __future__ import annotations

import sys
from typing import Any

import click

from swarmtui.batch import Batch, Diagnostic, TaskOp, parse_batch
from swarmtui.batch.diagnostics import joined_notes
from swarmtui.commands.output import json_text
from swarmtui.safe_text import visible
from swarmtui.text_files import NotText, decode_text

# Fields of each operation kind in `parse --format json` (besides kind and the range).
_OP_FIELDS: dict[str, tuple[str, ...]] = {
    "task": ("name", "agent_type", "instructions", "waits", "stores"),
    "todo_write": ("todos",),
    "bash": ("command",),
    "write": ("path", "content"),
    "memory": ("action", "key", "value", "namespace", "ttl"),
    "swarm_init": ("topology", "max_agents", "strategy"),
    "tool": ("tool", "role", "summary"),
    "note": ("text",),
}
_RANGE = ("line", "column", "end_line", "end_column")


class UnreadableFile(Exception):
    """A batch file that cannot be read (missing, a directory, no permission)."""


def read_batch_file(file: str) -> str:
    """The text of FILE, or of standard input for `-`: UTF-8, or UTF-16 or UTF-8 with a
    byte-order mark (see `text_files`); anything else is unreadable."""
    try:
        if file == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(file, "rb") as handle:
                data = handle.read()
    except FileNotFoundError as exc:
        raise UnreadableFile(f"{file}: no such file") from exc
    except IsADirectoryError as exc:
        raise UnreadableFile(f"{file}: is a directory") from exc
    except PermissionError as exc:
        raise UnreadableFile(f"{file}: permission denied") from exc
    except OSError as exc:
        raise UnreadableFile(
            f"{file}: cannot read ({exc.strerror or exc.__class__.__name__})"
        ) from exc
    try:
        text, _ = decode_text(data)
    except NotText as exc:
        # Like `swarmtui run`: a batch is text; guessing at binary would only print noise.
        raise UnreadableFile(f"{file}: {exc}") from exc
    return text


def diagnostic_json(diag: Diagnostic) -> dict[str, Any]:
    return {
        "code": diag.code,
        "severity": str(diag.severity),
        "message": diag.message,
        **{k: getattr(diag, k) for k in _RANGE},
    }


def batch_json(batch: Batch) -> dict[str, Any]:
    """The documented JSON shape of a parsed batch."""
    messages = []
    for message in batch.messages:
        ops = []
        for op in message.operations:
            data = op.model_dump(mode="json")
            out: dict[str, Any] = {"kind": op.kind, **{k: data[k] for k in _RANGE}}
            for key in _OP_FIELDS[op.kind]:
                out[key] = data[key]
            if op.kind == "todo_write":
                out["todos"] = [
                    {k: t[k] for k in ("id", "content", "status", "priority", "agent")}
                    for t in data["todos"]
                ]
            if data.get("skip_reason"):
                out["skip_reason"] = data["skip_reason"]
            ops.append(out)
        messages.append({"index": message.index, "title": message.title, "operations": ops})
    return {"messages": messages, "diagnostics": [diagnostic_json(d) for d in batch.diagnostics]}


def _name(file: str) -> str:
    return "<stdin>" if file == "-" else file


def parse_command(file: str, fmt: str) -> int:
    try:
        text = read_batch_file(file)
    except UnreadableFile as exc:
        click.echo(f"swarmtui parse: {visible(str(exc))}", err=True)
        return 2
    batch = parse_batch(text, source_name=_name(file))
    if fmt == "json":
        click.echo(json_text(batch_json(batch)))
    else:
        for message in batch.messages:
            click.echo(
                visible(
                    f"Message {message.index}" + (f" - {message.title}" if message.title else "")
                )
            )
            for op in message.operations:
                label = (
                    getattr(op, "name", None)
                    or getattr(op, "command", None)
                    or getattr(op, "tool", None)
                    or ""
                )
                skip = f"  [skipped: {op.skip_reason}]" if op.skip_reason else ""
                click.echo(visible(f"  {op.line}:{op.column} {op.kind} {label}".rstrip() + skip))
                if isinstance(op, TaskOp) and (op.waits or op.stores):
                    click.echo(visible(f"      waits {op.waits} stores {op.stores}"))
        for diag in batch.diagnostics:
            click.echo(diag.format(_name(file)))
    return 1 if batch.has_errors else 0


def lint_command(files: list[str], fmt: str) -> int:
    status = 0
    results: list[dict[str, Any]] = []
    for file in files:
        try:
            text = read_batch_file(file)
        except UnreadableFile as exc:
            click.echo(f"swarmtui lint: {visible(str(exc))}", err=True)
            results.append({"file": file, "error": str(exc), "diagnostics": []})
            status = 2
            continue
        batch = parse_batch(text, source_name=_name(file))
        if batch.has_errors and status == 0:
            status = 1
        if fmt == "json":
            results.append(
                {"file": file, "diagnostics": [diagnostic_json(d) for d in batch.diagnostics]}
            )
        else:
            for diag in joined_notes(batch.diagnostics, text):
                click.echo(diag.format(_name(file)))
    if fmt == "json":
        click.echo(json_text(results))
    return status
