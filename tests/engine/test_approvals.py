"""Nothing runs that the user did not allow: Bash operations and writes wait for a rule or a
person, every request and decision is an event, a denial fails only itself, and the replay
shows it all. Real sessions, real sandboxed processes, a real event log."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from swarmtui.batch.models import BashOp, TaskOp, WriteOp
from swarmtui.engine.approvals import NOBODY_TO_ASK
from swarmtui.engine.confine import Notification
from swarmtui.engine.events import (
    ApprovalDecided,
    ApprovalRequested,
    BashStarted,
    ConfinementNoted,
    Event,
)
from swarmtui.engine.session import LiveSession
from swarmtui.engine.state import fold
from swarmtui.engine.summary import summary_json
from swarmtui.policy.tables import NotifyConfig, PermissionsConfig, SandboxConfig
from swarmtui.store import read_events
from tests.confine.helpers import host_folder

from .helpers import Run, make_session, messages, one_message, run, task

COMMAND: dict[str, Any] = {"backend": "command", "command_template": "echo done"}


def answering(**how: Any) -> Any:
    """An event callback that answers each request as HOW says (by its subject)."""

    def on_event(session: LiveSession, event: Event) -> None:
        if isinstance(event, ApprovalRequested):
            verdict = how.get(event.subject, "once")
            if verdict == "once":
                session.approve(event.id)
            elif verdict == "session":
                session.approve(event.id, for_session=True)
            elif verdict is not None:
                session.deny(event.id, verdict)

    return on_event


def _replayed_equals_live(r: Run) -> None:
    replayed = fold(read_events(r.session.path))
    assert replayed.to_json() == r.state.to_json()
    assert summary_json(replayed, r.session.path) == summary_json(r.state, r.session.path)


async def test_a_command_no_rule_allows_waits_runs_once_approved_and_says_who(
    tmp_path: Path,
) -> None:
    batch = one_message(BashOp(index=0, command="echo approved-ran > out.txt"))
    r = await run(batch, tmp_path, answering(), approvals="wait", **COMMAND)
    [asked] = r.of(ApprovalRequested)
    assert (asked.kind, asked.tool, asked.op, asked.agent) == ("bash", "Bash", 0, None)
    assert asked.subject == "echo approved-ran > out.txt" and asked.cwd == "."
    assert asked.reason == "no rule matches 'echo approved-ran > out.txt'; the default is ask"
    assert asked.pattern == "Bash(echo:*)"
    [decided] = r.of(ApprovalDecided)
    assert (decided.id, decided.verdict, decided.by, decided.scope) == (
        asked.id,
        "allow",
        "user",
        "once",
    )
    # It ran only after the decision, sandboxed, in the session folder.
    assert r.seq(ApprovalDecided) < r.seq(BashStarted)
    assert (r.session.path / "out.txt").read_text() == "approved-ran\n"
    bash = r.state.bash[0]
    assert (bash.status, bash.exit_status, bash.permission) == ("done", 0, "approved by the user")
    [confinement] = r.of(ConfinementNoted)
    assert confinement.sandboxed and confinement.notice is None
    assert r.state.status == "completed"
    _replayed_equals_live(r)


async def test_a_denial_without_a_reason_says_who_denied_it_once(tmp_path: Path) -> None:
    batch = one_message(BashOp(index=0, command="touch denied-ran.txt"))
    how = answering(**{"touch denied-ran.txt": ""})
    r = await run(batch, tmp_path, how, approvals="wait", **COMMAND)
    # (it said "denied by the user: denied by the user")
    assert (r.state.bash[0].status, r.state.bash[0].reason) == ("denied", "denied by the user")
    _replayed_equals_live(r)


async def test_the_summary_says_who_wanted_what_was_decided_other_than_bash(
    tmp_path: Path,
) -> None:
    from swarmtui.commands.session_text import operation_lines

    batch = one_message(WriteOp(index=0, path="ask/me.txt", content="maybe"))
    permissions = PermissionsConfig(ask=["Write(ask/**)"])
    how = answering(**{"ask/me.txt": "once"})
    r = await run(batch, tmp_path, how, approvals="wait", permissions=permissions, **COMMAND)
    # (it read "write the batch: Write ask/me.txt -> allowed ...")
    assert "the batch wanted Write: ask/me.txt -> allowed (approved by the user)" in (
        operation_lines(r.state)
    )


async def test_a_denied_command_does_not_run_and_fails_only_itself(tmp_path: Path) -> None:
    batch = messages(
        [
            BashOp(index=0, command="touch denied-ran.txt"),
            BashOp(index=1, command="touch allowed-ran.txt"),
            task(2, "Builder", stores=["swarm/build"]),
        ],
        [task(3, "Checker", waits=["swarm/build"])],
    )
    r = await run(
        batch,
        tmp_path,
        answering(**{"touch denied-ran.txt": "not on my machine"}),
        approvals="wait",
        **COMMAND,
    )
    assert not (r.session.path / "denied-ran.txt").exists()
    assert (r.session.path / "allowed-ran.txt").exists()
    denied = r.state.bash[0]
    assert (denied.status, denied.reason) == ("denied", "denied by the user: not on my machine")
    assert r.of(BashStarted, op=0) == []
    assert r.state.bash[1].status == "done"
    # The agents did not depend on it: both ran; the session says something did not run.
    assert [a.status for a in r.state.agents.values()] == ["done", "done"]
    assert r.state.status == "failed"
    entry = next(b for b in summary_json(r.state, r.session.path)["bash"] if b["op"] == 0)
    assert entry["status"] == "denied" and entry["reason"] == denied.reason
    _replayed_equals_live(r)


async def test_a_pattern_approved_for_the_session_lets_the_others_through(
    tmp_path: Path,
) -> None:
    batch = messages(
        [
            BashOp(index=0, command="printf one > one.txt"),
            BashOp(index=1, command="printf two > two.txt"),
        ],
        [BashOp(index=2, command="printf three > three.txt")],
    )
    r = await run(
        batch,
        tmp_path,
        answering(**{"printf one > one.txt": "session"}),
        approvals="wait",
        **COMMAND,
    )
    assert [(p.name, p.read_text()) for p in sorted(r.session.path.glob("*.txt"))] == [
        ("one.txt", "one"),
        ("three.txt", "three"),
        ("two.txt", "two"),
    ]
    first, *others = r.of(ApprovalDecided)
    assert (first.by, first.scope, first.rule) == ("user", "session", "Bash(printf:*)")
    # The second waited too and went ahead with the approval; the third never asked.
    assert [e.subject for e in r.of(ApprovalRequested)] == [
        "printf one > one.txt",
        "printf two > two.txt",
    ]
    assert [(e.by, e.reason) for e in others] == [
        ("rule", "allowed by Bash(printf:*) (approved for this session)"),
        ("rule", "allowed by Bash(printf:*) (approved for this session)"),
    ]
    _replayed_equals_live(r)


async def test_headless_without_a_rule_nothing_runs_and_the_reason_says_how_to_allow_it(
    tmp_path: Path,
) -> None:
    batch = one_message(
        BashOp(index=0, command="touch should-not.txt"),
        BashOp(index=1, command="npm test"),
    )
    r = await run(
        batch,
        tmp_path,
        approvals="deny",
        headless=True,
        allow_rules=("Bash(npm test)",),
        **COMMAND,
    )
    assert not (r.session.path / "should-not.txt").exists()
    refused = r.state.bash[0]
    assert refused.status == "denied"
    assert refused.reason == "no rule matches 'touch should-not.txt'; the default is deny"
    assert r.of(ApprovalRequested) == []
    # The flag's rule let npm test go (it fails: no npm here, or no package.json).
    allowed = r.state.bash[1]
    assert allowed.permission == "allowed by Bash(npm test) (--allow)"
    assert allowed.status in ("done", "failed") and r.of(BashStarted, op=1)


async def test_what_asks_headless_is_refused_by_the_flag_or_granted_by_yes(
    tmp_path: Path,
) -> None:
    asks = PermissionsConfig(ask=("Bash(touch:*)",))
    batch = one_message(BashOp(index=0, command="touch asked.txt"))
    refused = await run(
        batch, tmp_path / "a", approvals="deny", headless=True, permissions=asks, **COMMAND
    )
    [decided] = refused.of(ApprovalDecided)
    assert (decided.verdict, decided.by) == ("deny", "flag")
    assert decided.reason == (
        f"asks by Bash(touch:*) (swarmtui.toml: permissions.ask); {NOBODY_TO_ASK}"
    )
    assert not (refused.session.path / "asked.txt").exists()
    granted = await run(
        batch, tmp_path / "b", approvals="grant", headless=True, permissions=asks, **COMMAND
    )
    [decided] = granted.of(ApprovalDecided)
    assert (decided.verdict, decided.by, decided.reason) == ("allow", "flag", "approved by --yes")
    assert (granted.session.path / "asked.txt").exists()


async def test_a_request_still_waiting_when_the_session_is_cancelled_is_withdrawn(
    tmp_path: Path,
) -> None:
    def cancel(session: LiveSession, event: Event) -> None:
        if isinstance(event, ApprovalRequested):
            session.cancel_session()

    batch = one_message(BashOp(index=0, command="touch never.txt"))
    r = await run(batch, tmp_path, cancel, approvals="wait", **COMMAND)
    [decided] = r.of(ApprovalDecided)
    assert (decided.verdict, decided.by) == ("deny", "cancel")
    assert r.state.awaiting == {}
    assert r.state.bash[0].status == "failed"
    assert r.state.status == "cancelled"
    assert not (r.session.path / "never.txt").exists()


async def test_write_rules_refuse_ask_or_let_writes_through(tmp_path: Path) -> None:
    rules = PermissionsConfig(deny=("Write(secrets/**)",), ask=("Write(docs/**)",))
    batch = one_message(
        WriteOp(index=0, path="secrets/key.txt", content="no"),
        WriteOp(index=1, path="docs/guide.md", content="asked"),
        WriteOp(index=2, path="notes.md", content="no rule names it"),
        TaskOp(index=3, name="Writer"),
    )
    r = await run(batch, tmp_path, answering(), approvals="wait", permissions=rules, **COMMAND)
    assert not (r.session.path / "secrets").exists()
    assert (r.session.path / "docs/guide.md").read_text() == "asked"
    # (a file at the top goes under artifacts/: the rules see the path it lands at)
    assert (r.session.path / "artifacts/notes.md").read_text() == "no rule names it"
    assert r.state.skipped == [
        (0, "write", "write refused: denied by Write(secrets/**) (swarmtui.toml: permissions.deny)")
    ]
    decided = [(e.subject, e.verdict, e.by) for e in r.of(ApprovalDecided)]
    assert decided == [("secrets/key.txt", "deny", "rule"), ("docs/guide.md", "allow", "user")]
    [asked] = r.of(ApprovalRequested)
    assert (asked.kind, asked.pattern) == ("write", "Write(docs/**)")
    _replayed_equals_live(r)


async def test_a_rehearsal_asks_nobody_and_probes_no_sandbox(tmp_path: Path) -> None:
    batch = one_message(
        BashOp(index=0, command="touch x"),
        WriteOp(index=1, path="docs/a.md", content="asked"),
    )
    rules = PermissionsConfig(ask=("Write(docs/**)",))
    r = await run(batch, tmp_path, approvals="wait", permissions=rules)
    assert r.state.bash[0].status == "rehearsed"
    assert r.of(ConfinementNoted) == [] and r.of(ApprovalRequested) == []
    [decided] = r.of(ApprovalDecided)
    assert (decided.verdict, decided.by) == ("deny", "flag")
    assert not (r.session.path / "docs").exists()


async def test_the_user_is_told_when_a_request_waits_an_agent_fails_and_the_session_ends(
    tmp_path: Path,
) -> None:
    with host_folder() as folder:  # (the command is sandboxed: a folder it may write to)
        notify = NotifyConfig(command=f"cat >> {folder}/events.jsonl")
        told: list[Notification] = []
        session, _ = make_session(
            one_message(BashOp(index=0, command="true"), TaskOp(index=1, name="Broken")),
            tmp_path,
            approvals="wait",
            notify=notify,
            sandbox=SandboxConfig(write=(str(folder),)),
            backend="command",
            command_template="echo bad >&2; exit 3",
        )
        session.terminal_notify = told.append
        session.subscribe(lambda e: answering()(session, e))
        async with asyncio.timeout(60):
            await session.run()
        sent = [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]
    kinds = ["approval_requested", "agent_failed", "session_ended"]
    assert [n.event for n in told] == kinds
    assert told[0].message == "the batch waits for approval: Bash true"
    assert told[1].message == "Broken failed: command exited with status 3: bad"
    assert sorted(item["event"] for item in sent) == sorted(kinds)
    ended = next(item for item in sent if item["event"] == "session_ended")
    assert (ended["session"], ended["status"]) == (session.session_id, "failed")
    assert session.notifier is not None and session.notifier.errors == []
