"""Running ended agents again: which may (a retry, a key the user stores by hand), and the session
held open after its last message while one could.

The rules are pure (they read the folded state and the plan); `HeldOpen` is the one piece of
asyncio: the wait for the user, which a retry, a stored key, `end` or a cancel wakes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Container, Iterable, Mapping

from swarmtui.batch.models import Message, TaskOp
from swarmtui.engine.deadlock import retried_with_dependants
from swarmtui.engine.plan import PlannedAgent
from swarmtui.engine.state import SessionState
from swarmtui.memory_keys import key_matches


def for_want_of_a_key(agent: PlannedAgent) -> bool:
    """Skipped by the linter because nothing in the batch stores a key it waits for (SW004):
    a key stored by hand lets it run."""
    return (agent.op.skip_reason or "").startswith("SW004")


def retriable(state: SessionState, agent: PlannedAgent) -> bool:
    """Whether AGENT has ended but could run again: it failed or was cancelled, or it was
    skipped for a key nothing stores (the user may store it)."""
    status = state.agents[agent.name].status
    if status in ("failed", "cancelled"):
        return agent.op.skip_reason is None
    return status == "skipped" and for_want_of_a_key(agent)


def message_done(state: SessionState, message: Message, duplicates: Container[int]) -> bool:
    """Whether MESSAGE finished with every agent of it done (resuming passes it by)."""
    m = state.messages.get(message.index)
    return (
        m is not None
        and m.status == "finished"
        and all(
            state.agents[op.name].status == "done"
            for op in message.operations
            if isinstance(op, TaskOp) and op.index not in duplicates
        )
    )


def anything_to_retry(state: SessionState, agents: Iterable[PlannedAgent]) -> bool:
    return any(retriable(state, agent) for agent in agents)


def gave_up_on(state: SessionState, name: str, key: str) -> bool:
    """Whether agent NAME ended without running because KEY (or a key like it) was never
    stored: skipped before it started, or failed waiting for it."""
    agent = state.agents[name]
    if agent.started_at is not None and agent.status != "skipped":
        return False
    wanted = agent.missing or agent.waits
    return any(key_matches(key, w) for w in wanted)


def rescued_by(state: SessionState, agents: Mapping[str, PlannedAgent], key: str) -> list[str]:
    """The ended agents that KEY, stored by hand, lets run: the key they lacked is there now."""
    return [
        name
        for name, agent in agents.items()
        if retriable(state, agent) and gave_up_on(state, name, key)
    ]


def to_run_again(
    state: SessionState, agents: Mapping[str, PlannedAgent], names: Iterable[str]
) -> list[str]:
    """NAMES with the agents that failed for want of their keys (their dependants), in order;
    without those skipped for a reason that running again does not change (a syntax error, a
    placeholder)."""
    again: list[str] = []
    for name in names:
        planned = agents[name]
        if planned.op.skip_reason is not None and not for_want_of_a_key(planned):
            continue
        again.extend(n for n in retried_with_dependants(state.agents, name) if n not in again)
    return again


class HeldOpen:
    """A session kept open after its last message while an agent could still be retried or
    rescued, until the user ends it (the app's sessions; headless runs end at once)."""

    def __init__(self) -> None:
        self.ending = False  # the user ended it
        self._held: asyncio.Future[None] | None = None

    async def wait(
        self, can_run_again: Callable[[], bool], run_what_woke: Callable[[], Awaitable[None]]
    ) -> None:
        """Wait for the user while CAN_RUN_AGAIN: each time a retry or a stored key wakes it,
        RUN_WHAT_WOKE (until what they started has ended); `end` or a cancel lets it return."""
        loop = asyncio.get_running_loop()
        while not self.ending and can_run_again():
            self._held = loop.create_future()
            await self._held
            self._held = None
            await run_what_woke()

    def wake(self) -> None:
        if self._held is not None and not self._held.done():
            self._held.set_result(None)

    def end(self) -> None:
        self.ending = True
        self.wake()
