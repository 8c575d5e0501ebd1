"""Deadlock detection: which waiting agents nothing left can unblock, and why. Pure: it reads
agents' states (status, missing keys, providers, stores) and returns reasons; no asyncio, no I/O.

An agent waits for keys; a key comes from its providers (the agents that store it). A waiting
agent can still start once every key it misses has a provider that can still finish: queued and
running agents can, and so can a waiting agent that can still start. Everything else is stuck.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from swarmtui.engine.state import AgentState
from swarmtui.memory_keys import key_matches

_ABLE = ("queued", "running")
_ENDED = ("failed", "cancelled", "skipped")


def find_deadlocks(agents: Mapping[str, AgentState], active: Iterable[str]) -> dict[str, str]:
    """The waiting agents among ACTIVE (the agents of the running messages) that can never
    start, each with the reason naming the first key that blocks it; in batch order."""
    names = list(active)
    waiting = [agents[n] for n in names if agents[n].status == "waiting"]
    if not waiting:
        return {}
    able = [n for n in names if agents[n].status in _ABLE]
    stuck = {a.name for a in waiting}
    # Propagate "can still finish" from the agents that can (a worklist, linear in the number
    # of wait edges): a waiter can once every key it misses has a provider that can. A key is
    # settled by the first provider that can; after that only that provider itself may still
    # need it from another (it does not wait for its own key).
    need = {a.name: set(a.missing) for a in waiting}
    waiters_of: dict[str, list[str]] = {}
    provides: dict[str, list[str]] = {}
    for a in waiting:
        for key in a.missing:
            if key not in waiters_of:
                for provider in a.providers.get(key, ()):
                    provides.setdefault(provider, []).append(key)
            waiters_of.setdefault(key, []).append(a.name)

    def satisfy(waiter: str, key: str) -> None:
        missing = need[waiter]
        if key in missing:
            missing.discard(key)
            if not missing and waiter in stuck:
                stuck.discard(waiter)
                able.append(waiter)

    settled_by: dict[str, str] = {}
    while able:
        provider = able.pop()
        for key in provides.get(provider, ()):
            first = settled_by.get(key)
            if first is None:
                settled_by[key] = provider
                for waiter in waiters_of[key]:
                    if waiter != provider:
                        satisfy(waiter, key)
            elif first != provider and first in need:
                satisfy(first, key)
    ordered = sorted(stuck, key=lambda n: agents[n].index)
    return {name: deadlock_reason(agents, agents[name], stuck) for name in ordered}


def deadlock_reason(agents: Mapping[str, AgentState], agent: AgentState, stuck: set[str]) -> str:
    """Why AGENT can never start, naming the first key that blocks it."""
    cycle = _cycle_from(agents, agent.name, stuck)
    for key in sorted(agent.missing):
        providers = [p for p in agent.providers.get(key, ()) if p != agent.name]
        if any(p not in stuck and agents[p].status in _ABLE for p in providers):
            continue  # this key will come; another one blocks
        blocked = [p for p in providers if p in stuck]
        if cycle and blocked:
            return f"waits for {key} (dependency cycle: {' → '.join(cycle)})"
        ended = [p for p in providers if agents[p].status in _ENDED]
        if ended:
            p = agents[ended[0]]
            return f"waits for {key}, but {p.name} {_verb(p.status)}"
        if blocked:
            p = agents[blocked[0]]
            first = sorted(p.missing)[0] if p.missing else "?"
            return f"waits for {key}, but {p.name} can never start (it waits for {first})"
        later = [p for p in providers if agents[p].status == "pending"]
        if later:
            return f"waits for {key}, which only {later[0]} (a later message) stores"
        if any(key_matches(s, key) for s in agent.stores):
            return f"waits for {key}, which only it stores itself"
        return f"waits for {key}, which nothing left can store"
    first = sorted(agent.missing)[0] if agent.missing else "?"
    return f"waits for {first}, which nothing left can store"


def retried_with_dependants(agents: Mapping[str, AgentState], name: str) -> list[str]:
    """NAME and the agents that failed for want of its keys (and theirs...): what a retry of
    NAME runs again, in batch order."""
    again = [name]
    queue = [name]
    while queue:
        provider = queue.pop()
        for other, a in agents.items():
            if other in again or a.status != "failed" or not a.missing:
                continue
            if any(provider in a.providers.get(k, ()) for k in a.missing):
                again.append(other)
                queue.append(other)
    return sorted(again, key=lambda n: agents[n].index)


def _cycle_from(agents: Mapping[str, AgentState], start: str, stuck: set[str]) -> list[str]:
    path = [start]
    seen = {start}
    current = start
    while True:
        agent = agents[current]
        nxt = None
        for key in sorted(agent.missing):
            for p in agent.providers.get(key, ()):
                if p in stuck and p != current:
                    nxt = p
                    break
            if nxt:
                break
        if nxt is None:
            return []
        if nxt in seen:
            return [*path[path.index(nxt) :], nxt]
        path.append(nxt)
        seen.add(nxt)
        current = nxt


def _verb(status: str) -> str:
    return {"failed": "failed", "cancelled": "was cancelled", "skipped": "was skipped"}.get(
        status, status
    )
