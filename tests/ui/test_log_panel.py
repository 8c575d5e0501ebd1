"""The log's "who" column is sized from the session's longest agent name, within bounds."""

from __future__ import annotations

from textual.app import App, ComposeResult

from swarmtui.engine.events import (
    AgentPlan,
    AgentRehearsed,
    AgentStarted,
    ApprovalDecided,
    BashFinished,
    BashRehearsed,
    Event,
    MemoryRead,
    SessionResumed,
    SessionStarted,
)
from swarmtui.engine.state import SessionState, apply
from swarmtui.ui.bridge import Frame
from swarmtui.ui.widgets.log_panel import WHO_MAX, WHO_MIN, LogPanel, describe, who_width

LONG = "An Agent Whose Name Goes On And On"


def test_who_width_bounds() -> None:
    assert who_width(15, 120) == 15
    assert who_width(40, 120) == WHO_MAX
    assert who_width(3, 120) == WHO_MIN
    assert who_width(15, 30) == 10  # a third of a narrow panel


def _session(names: list[str]) -> tuple[SessionState, list[Event]]:
    events: list[Event] = [
        SessionStarted(
            session_id="s",
            title="t",
            backend="rehearsal",
            started_at="2025-01-01T00:00:00Z",
            agents=[AgentPlan(name=n) for n in names],
        ),
        *[AgentStarted(agent=n, t=1.0) for n in names],
    ]
    state = SessionState()
    for seq, event in enumerate(events, start=1):
        event.seq = seq
        apply(state, event)
    return state, events


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield LogPanel(id="log")


async def test_agent_names_are_not_cut_at_twelve_characters() -> None:
    app = Host()
    async with app.run_test(size=(120, 20)) as pilot:
        log = app.query_one(LogPanel)
        state, events = _session(["Postgres Scout", "Decision Writer"])
        log.paint(Frame(state, events=events))
        await pilot.pause()
        rows = [log.render_row(i, 100).plain for i in range(len(events))]
        assert rows[1].startswith("   1.00 Postgres Scout  started"), rows[1]
        assert rows[2].startswith("   1.00 Decision Writer started"), rows[2]
        assert "session " in rows[0]


async def test_a_very_long_name_is_cut_at_the_bound() -> None:
    app = Host()
    async with app.run_test(size=(120, 20)) as pilot:
        log = app.query_one(LogPanel)
        state, events = _session(["Short", LONG])
        log.paint(Frame(state, events=events))
        await pilot.pause()
        row = log.render_row(2, 100).plain
        assert row.startswith(f"   1.00 {LONG[: WHO_MAX - 1]}… started"), row
        # A new session with short names narrows the column again.
        state, events = _session(["A", "B"])
        log.paint(Frame(state, events=events, restart=True))
        await pilot.pause()
        assert log.render_row(1, 100).plain.startswith("   1.00 A       started"), log.render_row(
            1, 100
        ).plain


def test_rehearsed_operations_say_what_would_have_run() -> None:
    bash = BashRehearsed(op=2, command="npm install left-pad", cwd="app")
    assert describe(bash) == ("bash#2", "rehearsed, not run: npm install left-pad (in app)")
    limited = BashRehearsed(op=3, command="make", cwd=".", timeout=600)  # (an older log's)
    assert describe(limited) == ("bash#3", "rehearsed, not run (time limit 600 s): make")
    # Which setting gave the limit, briefly.
    said = {
        "operation": "time limit 600 s, its own timeout",
        "[bash] timeout": "time limit 600 s, the default, [bash] timeout",
        "[bash] max_timeout": "time limit 600 s, capped by [bash] max_timeout",
    }
    for setting, limit in said.items():
        event = limited.model_copy(update={"timeout_from": setting})
        assert describe(event) == ("bash#3", f"rehearsed, not run ({limit}): make")
    agent = AgentRehearsed(
        agent="Coder", backend="command", command="llm 'Write it'", cwd=".", waits=["spec"]
    )
    assert describe(agent) == (
        "Coder",
        "rehearsed, not run (command, after spec): llm 'Write it'",
    )
    resumed = SessionResumed(resumed_at="2026-01-01T00:00:00Z", backend="rehearsal")
    assert describe(resumed) == ("session", "resumed (rehearsal)")


def test_a_bash_command_that_never_exited_says_why_not_exit_none() -> None:
    cancelled = BashFinished(op=4, exit_status=None, reason="cancelled")
    assert describe(cancelled) == ("bash#4", "cancelled")
    timed_out = BashFinished(op=1, exit_status=None, reason="timed out after 5 s")
    assert describe(timed_out) == ("bash#1", "timed out after 5 s")
    assert describe(BashFinished(op=2, exit_status=3, reason="exit status 3")) == (
        "bash#2",
        "exit 3: exit status 3",
    )


def test_an_approval_for_the_session_says_so_in_the_log_as_in_the_summary() -> None:
    approved = ApprovalDecided(
        id="r1", kind="bash", tool="Bash", subject="echo hi", verdict="allow", by="user",
        scope="session", rule="Bash(echo:*)", reason="approved by the user",
    )  # fmt: skip
    # (it said "(approved by the user)", as for once)
    assert describe(approved) == (
        "batch",
        "allowed: Bash echo hi (approved by the user for this session (Bash(echo:*)))",
    )
    denied = approved.model_copy(
        update={"verdict": "deny", "scope": "once", "rule": None, "reason": "not now"}
    )
    assert describe(denied) == ("batch", "denied: Bash echo hi (denied by the user: not now)")


def test_a_batch_memory_read_says_what_was_asked_and_found() -> None:
    # (it fell through to its bare type, "memory_read", with nobody as its author)
    got = MemoryRead(
        op=3, action="retrieve", key="swarm/api", found=["swarm/api"], count=1, preview='"v1"'
    )
    assert describe(got) == ("batch", 'retrieved default:swarm/api = "v1"')
    missing = MemoryRead(op=4, action="retrieve", key="swarm/db", namespace="coordination")
    assert describe(missing) == ("batch", "retrieved coordination:swarm/db: not there")
    keys = [f"swarm/k{i}" for i in range(5)]
    listed = MemoryRead(op=5, action="list", pattern="swarm/*", found=keys, count=5)
    assert describe(listed) == (
        "batch",
        "listed default:swarm/*: 5 keys (swarm/k0, swarm/k1, swarm/k2…)",
    )
    none = MemoryRead(op=6, action="search", pattern="auth", count=0)
    assert describe(none) == ("batch", "searched default:auth: 0 keys")
