"""Waiting for keys, run for real: dependants start after their keys; deadlocks and cycles
fail at once with a reason."""

from __future__ import annotations

from pathlib import Path

from swarmtui.engine.events import (
    AgentFinished,
    AgentStarted,
    AgentWaiting,
    MemoryStored,
)

from .helpers import messages, one_message, run, task


async def test_no_dependant_starts_before_its_key_is_stored(tmp_path: Path) -> None:
    batch = one_message(
        task(0, "Reviewer", waits=["swarm/draft"]),
        task(1, "Writer", waits=["swarm/changes"], stores=["swarm/draft"]),
        task(2, "Reader", stores=["swarm/changes"]),
        task(3, "Both", waits=["swarm/changes", "swarm/draft"]),
        task(4, "Glob", waits=["swarm/*"]),
    )
    r = await run(batch, tmp_path)
    assert r.state.status == "completed"
    stored = {e.key: e.seq for e in r.of(MemoryStored)}
    assert r.seq(AgentStarted, agent="Writer") > stored["swarm/changes"]
    assert r.seq(AgentStarted, agent="Reviewer") > stored["swarm/draft"]
    assert r.seq(AgentStarted, agent="Both") > max(stored.values())
    assert r.seq(AgentStarted, agent="Glob") > min(stored.values())
    assert r.of(AgentWaiting, agent="Reviewer")[0].keys == ["swarm/draft"]
    assert r.state.agents["Writer"].arrived == {"swarm/changes"}
    # Chains: Reader -> Writer -> Reviewer (or -> Both); the longest is the critical path.
    agents = r.state.agents
    chain = sum(agents[n].run_seconds for n in ("Reader", "Writer", "Reviewer"))
    assert abs(agents["Reviewer"].critical_path_seconds - chain) < 1e-9
    longest = max(agents["Reviewer"].critical_path_seconds, agents["Both"].critical_path_seconds)
    assert r.state.metrics.critical_path_seconds == longest


async def test_deadlock_and_cycle_fail_at_once_with_the_key_while_others_complete(
    tmp_path: Path,
) -> None:
    batch = one_message(
        task(0, "Orphan", waits=["swarm/never"]),
        task(1, "Ping", waits=["swarm/pong"], stores=["swarm/ping"]),
        task(2, "Pong", waits=["swarm/ping"], stores=["swarm/pong"]),
        task(3, "Free", stores=["swarm/free"]),
        task(4, "After", waits=["swarm/free"]),
        task(5, "Late", waits=["swarm/orphan-out"]),
    )
    r = await run(batch, tmp_path, rehearsal_seconds=60.0 if False else 0.005)
    agents = r.state.agents
    assert agents["Orphan"].status == "failed"
    assert agents["Orphan"].reason == "waits for swarm/never, which nothing left can store"
    assert agents["Ping"].status == agents["Pong"].status == "failed"
    assert "swarm/pong" in (agents["Ping"].reason or "")
    assert "cycle: Ping → Pong → Ping" in (agents["Ping"].reason or "")
    assert agents["Free"].status == agents["After"].status == "done"
    assert r.state.status == "failed"
    # They failed before any agent finished: detected, not waited out.
    first_done = r.seq(AgentFinished, agent="Free")
    assert r.seq(AgentFinished, agent="Orphan") < first_done
    assert r.seq(AgentFinished, agent="Ping") < first_done


async def test_a_failed_provider_fails_its_dependants_with_its_name(tmp_path: Path) -> None:
    batch = one_message(
        task(0, "Builder", stores=["swarm/build"]),
        task(1, "Tester", waits=["swarm/build"]),
    )
    r = await run(batch, tmp_path, backend="command", command_template="exit 7")
    assert r.state.agents["Builder"].reason == "command exited with status 7"
    assert r.state.agents["Tester"].reason == "waits for swarm/build, but Builder failed"


async def test_a_wait_on_a_later_message_is_a_deadlock(tmp_path: Path) -> None:
    batch = messages(
        [task(0, "Early", waits=["swarm/late"])], [task(1, "Later", stores=["swarm/late"])]
    )
    r = await run(batch, tmp_path)
    assert r.state.agents["Early"].reason == (
        "waits for swarm/late, which only Later (a later message) stores"
    )
    assert r.state.agents["Later"].status == "done"


async def test_a_long_chain_written_backwards_runs_and_a_broken_one_fails_at_once(
    tmp_path: Path,
) -> None:
    n = 300
    # Agent i waits for what agent i+1 stores: batch order is the reverse of the run order.
    chain = [task(i, f"C{i}", waits=[f"k/{i + 1}"], stores=[f"k/{i}"]) for i in range(n)]
    chain[-1] = task(n - 1, f"C{n - 1}", stores=[f"k/{n - 1}"])
    r = await run(one_message(*chain), tmp_path, rehearsal_seconds=0.0)
    assert {a.status for a in r.state.agents.values()} == {"done"}
    broken = [task(i, f"B{i}", waits=[f"k/{i + 1}"], stores=[f"k/{i}"]) for i in range(n)]
    r = await run(one_message(*broken, task(n, "Free")), tmp_path, rehearsal_seconds=0.0)
    failed = [a for a in r.state.agents.values() if a.status == "failed"]
    assert len(failed) == n and r.state.agents["Free"].status == "done"
    assert r.state.agents[f"B{n - 1}"].reason == f"waits for k/{n}, which nothing left can store"
    assert r.state.agents["B0"].reason == "waits for k/1, but B1 can never start (it waits for k/2)"
    assert not r.of(AgentStarted, agent="B0")
