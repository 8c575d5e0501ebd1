"""`swarmtui diff A B`: compare two recorded sessions, as text, as JSON, or side by side in the app.

Only click is imported at module level: the CLI imports this module when the command is named.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from swarmtui.commands.output import error, json_text
from swarmtui.safe_text import visible

if TYPE_CHECKING:
    from swarmtui.store.compare import AgentComparison, AgentFigures, Comparison, SessionSide

EXIT_OK, EXIT_USAGE = 0, 2
MARK = {"added": "+", "removed": "-", "changed": "~"}


_error = error


@click.command("diff")
@click.argument("a", type=str)
@click.argument("b", type=str)
@click.option("--headless", is_flag=True, help="Print the comparison as text, no app.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the comparison as JSON (implies --headless)."
)
@click.option("--sessions-dir", type=click.Path(path_type=Path), default=None)
def diff_cmd(a: str, b: str, headless: bool, as_json: bool, sessions_dir: Path | None) -> None:
    """Compare sessions A and B (folders or ids): agents by name, memory, artifacts, timing.

    Opens the comparison in the app; with --headless (or when the output is not a terminal)
    prints it as text. Exit 0 once compared, 2 when a session cannot be read.
    """
    raise SystemExit(diff_command(a, b, sessions_dir, headless=headless, as_json=as_json))


def diff_command(
    a: str, b: str, sessions_dir: Path | None, *, headless: bool, as_json: bool
) -> int:
    from swarmtui.commands.settings import load_options_config, resolve_sessions_dir
    from swarmtui.config import ConfigError
    from swarmtui.store import SessionStoreError, read_session_row, resolve_session

    options = {"sessions_dir": sessions_dir}
    try:
        loaded = load_options_config(options)
        folder = resolve_sessions_dir(options, loaded=loaded)
    except ConfigError as exc:
        _error(str(exc))
        return EXIT_USAGE
    try:
        a_path = resolve_session(a, folder)
        b_path = resolve_session(b, folder)
        for path in (a_path, b_path):
            read_session_row(path)  # not a session at all: say so before anything opens
    except SessionStoreError as exc:
        _error(str(exc))
        return EXIT_USAGE
    if not (headless or as_json) and sys.stdout.isatty():
        from swarmtui import gc_policy
        from swarmtui.ui.app import make_app

        gc_policy.pause_for_start_up()
        app = make_app(
            compare=(a_path, b_path),
            sessions_dir=folder,
            theme=loaded.config.theme,
            keymap=dict(loaded.config.keymap),
        )
        app.run()
        return EXIT_OK
    from swarmtui.store.compare import compare_sessions

    try:
        comparison = compare_sessions(a_path, b_path)
    except SessionStoreError as exc:
        _error(str(exc))
        return EXIT_USAGE
    if as_json:
        click.echo(json_text(comparison.to_json(), sort_keys=True))
    else:
        click.echo("\n".join(comparison_lines(comparison)))
    return EXIT_OK


# --- text -----------------------------------------------------------------------------------


def _shown(text: str) -> str:
    return visible(text.expandtabs(4))


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}s"


def _pair(a: str, b: str) -> str:
    return a if a == b else f"{a} -> {b}"


def _side_lines(label: str, side: SessionSide) -> list[str]:
    head = (
        f"{label}  {_shown(side.session_id)}  {side.status}  {_shown(side.backend)}  "
        f"wall {_seconds(side.wall_seconds)}  sequential {_seconds(side.sequential_seconds)}  "
        f"speed-up {side.speedup:.2f}x  critical path {_seconds(side.critical_path_seconds)}"
    )
    lines = [head, f"   {_shown(str(side.path))}"]
    if side.critical_path:
        lines.append(f"   critical path: {_shown(' -> '.join(side.critical_path))}")
    return lines


def _tokens(f: AgentFigures) -> str:
    return f"{f.tokens_in}/{f.tokens_out}"


def _cost(f: AgentFigures) -> str:
    return "-" if f.cost_usd is None else f"${f.cost_usd:.4f}"


def _agent_row(c: AgentComparison) -> list[str]:
    a, b = c.a, c.b
    if a is None or b is None:
        only = a or b
        assert only is not None
        where = "only in A" if b is None else "only in B"
        return [
            c.name,
            f"{only.status} ({where})",
            str(only.attempts),
            _seconds(only.wall_seconds),
            _seconds(only.wait_seconds),
            _seconds(only.run_seconds),
            _tokens(only),
            _cost(only),
        ]
    return [
        c.name,
        _pair(a.status, b.status),
        _pair(str(a.attempts), str(b.attempts)),
        _pair(_seconds(a.wall_seconds), _seconds(b.wall_seconds)),
        _pair(_seconds(a.wait_seconds), _seconds(b.wait_seconds)),
        _pair(_seconds(a.run_seconds), _seconds(b.run_seconds)),
        _pair(_tokens(a), _tokens(b)),
        _pair(_cost(a), _cost(b)),
    ]


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _body(diff: tuple[str, ...]) -> tuple[str, ...]:
    """A diff without its `---`/`+++` header (the line above names what is compared)."""
    if len(diff) >= 2 and diff[0].startswith("---") and diff[1].startswith("+++"):
        return diff[2:]
    return diff


def _counts(changes: Sequence[str], unchanged: int) -> str:
    parts = [f"{changes.count(kind)} {kind}" for kind in ("changed", "added", "removed")]
    return ", ".join([*parts, f"{unchanged} unchanged"])


def comparison_lines(c: Comparison) -> list[str]:
    """The comparison as text: both sessions, notes, agents, memory, artifacts, batch."""
    lines = [*_side_lines("A", c.a), *_side_lines("B", c.b)]
    ratio = c.wall_ratio
    if ratio is not None:
        lines.append(f"B took {ratio:.2f}x A's wall time")
    lines.extend(f"! {_shown(note)}" for note in c.notes)

    rows = [["agent", "status", "attempts", "ended", "wait", "run", "tokens in/out", "cost"]]
    rows.extend([_shown(cell) for cell in _agent_row(agent)] for agent in c.agents)
    changed = sum(1 for agent in c.agents if agent.change != "same")
    lines += ["", f"agents ({changed} of {len(c.agents)} differ beyond their times)", *_table(rows)]
    for agent in c.agents:  # why an agent ended as it did, where A and B differ
        for label, figures in (("A", agent.a), ("B", agent.b)):
            if figures is not None and figures.reason and "reason" in agent.changed_fields:
                lines.append(f"  {_shown(agent.name)} in {label}: {_shown(figures.reason)}")

    lines += ["", f"memory ({_counts([m.change for m in c.memory], c.memory_unchanged)})"]
    for m in c.memory:
        label = m.key if m.namespace == "default" else f"{m.namespace}:{m.key}"
        by = f"  (written by {_pair(m.a_by or '-', m.b_by or '-')})"
        lines.append(f"  {MARK[m.change]} {_shown(label)}{_shown(by)}")
        lines.extend(f"      {_shown(line)}" for line in _body(m.diff))

    kinds = [f.change for f in c.artifacts]
    lines += ["", f"artifacts ({_counts(kinds, c.artifacts_unchanged)})"]
    for f in c.artifacts:
        sizes = f"{'-' if f.a_bytes is None else f.a_bytes} -> "
        sizes += f"{'-' if f.b_bytes is None else f.b_bytes} bytes"
        note = f", {f.note}" if f.note else ""
        lines.append(f"  {MARK[f.change]} {_shown(f.path)}  ({sizes}{note})")
        lines.extend(f"      {_shown(line)}" for line in _body(f.diff))

    if c.batch_diff:
        lines += ["", "batch", *(f"  {_shown(line)}" for line in c.batch_diff)]
    return lines
