"""`swarmtui merge SESSION [AGENT...]` and `swarmtui delete SESSION`: the agents' branches of a
recorded session, merged back (conflicts checked first) or removed with the session.

Without AGENT, `merge` only lists the branches and what merging each would do. Merging into the
branch checked out in your working tree changes its files: it asks first on a terminal, and
needs `--yes` elsewhere; `--into BRANCH` merges into another branch (made from HEAD when it does
not exist) without touching any working tree.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Any

import click

from swarmtui.commands.output import error as _error
from swarmtui.safe_text import visible as printable

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _confirm(question: str) -> bool:
    """Ask on the terminal (False when standard input is not one)."""
    if not sys.stdin.isatty():
        return False
    return click.confirm(printable(question), default=False, err=True)


def _session_path(session: str, sessions_dir: Path | None) -> Path | None:
    from swarmtui.commands.session_cmds import _sessions_dir
    from swarmtui.store import SessionStoreError, resolve_session

    try:
        return resolve_session(session, _sessions_dir(sessions_dir))
    except SessionStoreError as exc:
        _error(str(exc))
        return None


def _check_lines(checks: list[Any]) -> list[str]:
    """One line per branch, in columns: the agent, what merging it would do, the branch (last:
    it is long)."""
    rows = [(check.agent, _check_text(check), check.branch) for check in checks]
    agent_width = max((len(agent) for agent, _, _ in rows), default=0)
    status_width = max((len(status) for _, status, _ in rows), default=0)
    return [
        printable(f"  {agent:<{agent_width}}  {status:<{status_width}}  {branch}")
        for agent, status, branch in rows
    ]


def _check_text(check: Any) -> str:
    status = check.status
    if status == "conflicts":
        status = f"conflicts in {', '.join(check.conflicts[:5])}"
    elif status == "merged":
        status = "nothing to merge (already there)"
    elif status == "missing":
        status = "branch gone"
    else:
        status = f"merges cleanly ({check.commits} commit{'s' if check.commits != 1 else ''})"
    left = (
        f"; {len(check.uncommitted)} uncommitted files, committed first"
        if check.uncommitted
        else ""
    )
    return f"{status}{left}"


def _target_line(target: Any) -> str:
    if not target.exists:
        return printable(f"into {target.branch} (a new branch from {target.tip[:10]})")
    if target.in_user_tree:
        where = f"checked out in {target.checked_out}: merging changes its files"
        return printable(f"into {target.branch} ({where})")
    if target.checked_out is not None:
        return printable(f"into {target.branch} (checked out in {target.checked_out})")
    return printable(f"into {target.branch}")


def _check_json(check: Any) -> dict[str, Any]:
    return {
        "agent": check.agent,
        "branch": check.branch,
        "status": check.status,
        "tip": check.tip,
        "commits": check.commits,
        "conflicts": list(check.conflicts),
        "uncommitted": list(check.uncommitted),
    }


def merge_command(
    session: str,
    agents: tuple[str, ...],
    *,
    into: str | None,
    merge_all: bool,
    assume_yes: bool,
    sessions_dir: Path | None,
    as_json: bool,
) -> int:
    from swarmtui.engine.workspace.git import GitError
    from swarmtui.engine.workspace.merge import (
        apply_merge,
        check_branches,
        plan_merge,
        resolve_target,
    )
    from swarmtui.engine.workspace.repo import WorkspaceProblem
    from swarmtui.store import SessionStoreError
    from swarmtui.store.workspaces import record_merge, recorded_worktrees

    path = _session_path(session, sessions_dir)
    if path is None:
        return EXIT_USAGE
    try:
        recorded = recorded_worktrees(path)
    except SessionStoreError as exc:
        _error(str(exc))
        return EXIT_USAGE
    if not recorded.branches or recorded.repo is None:
        _error(f"{path}: its agents had no git worktrees; there is nothing to merge")
        return EXIT_USAGE
    if recorded.problem is not None or recorded.git is None:
        _error(f"{path}: {recorded.problem}")
        return EXIT_FAILED
    git, repo = recorded.git, recorded.repo
    known = {b.agent: b for b in recorded.branches}
    unknown = [name for name in agents if name not in known]
    if unknown:
        _error(f"{path}: no agent branch named {', '.join(unknown)} (there are {', '.join(known)})")
        return EXIT_USAGE
    try:
        target = resolve_target(git, repo, into)
        checks = check_branches(git, repo, target, recorded.branches)
        if not agents and not merge_all:
            if as_json:
                document = {"target": target.branch, "branches": [_check_json(c) for c in checks]}
                click.echo(json.dumps(document, indent=2))
            else:
                click.echo(_target_line(target))
                for line in _check_lines(checks):
                    click.echo(line)
                click.echo("name the agents to merge (or --all); nothing was changed")
            return EXIT_OK
        gone = {c.agent for c in checks if c.status == "missing"}
        names = (
            list(agents) if agents else [b.agent for b in recorded.branches if b.agent not in gone]
        )
        chosen = [known[name] for name in names]
        plan = plan_merge(git, repo, target, chosen)  # (a dry run first: conflicts say so here)
        if target.in_user_tree and plan.commit != target.tip and not assume_yes:
            question = (
                f"Merge {', '.join(plan.merged)} into {target.branch}? "
                f"{len(plan.changed_files)} files of {target.checked_out} change"
            )
            if not sys.stdin.isatty():
                _error(
                    f"merging into {target.branch} changes files in {target.checked_out}: "
                    "--yes to do it, or --into BRANCH to merge elsewhere"
                )
                return EXIT_FAILED
            if not _confirm(question):
                _error("nothing was merged")
                return EXIT_FAILED
        plan = plan_merge(git, repo, target, chosen, finish=True)
        result = apply_merge(git, repo, target, plan, confirmed=True)
    except (WorkspaceProblem, GitError) as exc:
        _error(str(exc))
        return EXIT_FAILED
    unrecorded = record_merge(path, plan, result, by="cli")
    if unrecorded is not None:  # (the merge is made all the same: only its record is missing)
        _error(unrecorded)
    if as_json:
        merged: dict[str, Any] = {
            "target": target.branch,
            "commit": result.commit,
            "merged": result.merged,
            "already": result.already,
            "files_changed_in_working_tree": result.moved_files,
            "unrecorded": unrecorded,  # why the session's log does not hold it (null: it does)
        }
        click.echo(json.dumps(merged, indent=2))
        return EXIT_OK
    if not result.merged:
        click.echo(printable(f"{target.branch} has the work of {', '.join(names)} already"))
        return EXIT_OK
    made = "" if target.exists else " (a new branch)"
    click.echo(
        printable(
            f"merged {', '.join(result.merged)} into {target.branch}{made} at {result.commit[:10]}"
        )
    )
    if result.moved_files:
        files = f"{result.moved_files} file{'s' if result.moved_files != 1 else ''}"
        click.echo(printable(f"{files} changed in {target.checked_out}"))
    return EXIT_OK


def delete_command(session: str, *, assume_yes: bool, sessions_dir: Path | None) -> int:
    from swarmtui.store import SessionStoreError
    from swarmtui.store.workspaces import (
        UnmergedWork,
        delete_session,
        recorded_worktrees,
        unmerged_in,
    )

    path = _session_path(session, sessions_dir)
    if path is None:
        return EXIT_USAGE
    unmerged = []
    with contextlib.suppress(SessionStoreError):  # (an unreadable log: only the folder goes)
        unmerged = unmerged_in(recorded_worktrees(path))
    if unmerged and not assume_yes:
        for item in unmerged:
            click.echo(printable(f"  {item.describe()}"), err=True)
        if not sys.stdin.isatty():
            _error(f"{path}: its branches hold work merged nowhere else; --yes deletes them")
            return EXIT_FAILED
        if not _confirm("Delete the session with these branches and their work?"):
            _error("nothing was deleted")
            return EXIT_FAILED
    try:
        done = delete_session(path, discard_unmerged=True)
    except UnmergedWork as exc:  # pragma: no cover - discarded above
        _error(str(exc))
        return EXIT_FAILED
    except (SessionStoreError, OSError) as exc:
        _error(str(exc))
        return EXIT_FAILED
    for problem in done.problems:
        _error(problem)
    extra = ""
    if done.worktrees or done.branches:
        extra = f" with {len(done.worktrees)} worktrees and {len(done.branches)} branches"
    click.echo(printable(f"deleted {path}{extra}"))
    return EXIT_OK


@click.command("merge")
@click.argument("session", type=str)
@click.argument("agents", nargs=-1, type=str)
@click.option(
    "--into",
    "into",
    default=None,
    metavar="BRANCH",
    help="Merge into BRANCH (made from HEAD when it does not exist) instead of the current branch.",
)
@click.option("--all", "merge_all", is_flag=True, help="Merge every agent's branch.")
@click.option(
    "--yes",
    "-y",
    "assume_yes",
    is_flag=True,
    help="Merge into the checked-out branch without asking.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--sessions-dir", type=click.Path(path_type=Path), default=None)
def merge_cmd(
    session: str,
    agents: tuple[str, ...],
    into: str | None,
    merge_all: bool,
    assume_yes: bool,
    as_json: bool,
    sessions_dir: Path | None,
) -> None:
    """Merge the git branches of SESSION's AGENTS (or list them, with conflicts checked).

    Into the current branch (asks first: your working tree changes; uncommitted changes to
    the files the merge changes stop it) or, with --into BRANCH, into another branch.
    """
    raise SystemExit(
        merge_command(
            session,
            agents,
            into=into,
            merge_all=merge_all,
            assume_yes=assume_yes,
            sessions_dir=sessions_dir,
            as_json=as_json,
        )
    )


@click.command("delete")
@click.argument("session", type=str)
@click.option(
    "--yes",
    "-y",
    "assume_yes",
    is_flag=True,
    help="Delete even branches holding work merged nowhere else.",
)
@click.option("--sessions-dir", type=click.Path(path_type=Path), default=None)
def delete_cmd(session: str, assume_yes: bool, sessions_dir: Path | None) -> None:
    """Delete SESSION's folder, its agents' git worktrees and branches (asking first about
    work merged nowhere else)."""
    raise SystemExit(delete_command(session, assume_yes=assume_yes, sessions_dir=sessions_dir))
