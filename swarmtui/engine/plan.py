"""The plan of a session, fixed before it runs: each agent's backend, model, instructions and the
agents that can store what it waits for.

The plan goes into the `session_started` event, so the fold (and a replay, and a resume) knows
it without the batch; the scheduler keeps the batch's operations for what only running needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from swarmtui.batch.agent_types import load_agent_types
from swarmtui.batch.models import Batch, SwarmInitOp, TaskOp
from swarmtui.engine.caps import dollars, unpriced
from swarmtui.engine.events import ForkOrigin, SessionStarted
from swarmtui.engine.limits import default_parallel
from swarmtui.engine.paths import rewrite_session_paths
from swarmtui.engine.settings import RunSettings
from swarmtui.memory_keys import PatternIndex, SortedKeys, is_glob


@dataclass(frozen=True)
class AgentProfile:
    """What an agent type contributes: its system prompt and default backend/model."""

    system_prompt: str = ""
    backend: str | None = None
    model: str | None = None


def load_profiles(project_dir: Path | None) -> dict[str, AgentProfile]:
    """Agent types' system prompts and default backend/model (built-ins + the project's)."""
    types, _ = load_agent_types(project_dir)
    return {
        name: AgentProfile(system_prompt=t.system_prompt or "", backend=t.backend, model=t.model)
        for name, t in types.items()
    }


@dataclass
class PlannedAgent:
    op: TaskOp
    message: int
    instructions: str  # with the session's paths filled in
    backend: str  # the backend its options, type or the configuration chose
    model: str | None
    system_prompt: str
    runs_on: str  # the backend that really runs it: "rehearsal" for every agent of a rehearsal

    def __post_init__(self) -> None:
        # Plain attributes, not properties: they are read several times per agent and event.
        self.name = self.op.name
        self.index = self.op.index
        # Whether its backend would run something that a rehearsal does not.
        self.rehearsed = self.runs_on != self.backend


def resolve_max_parallel(batch: Batch, settings: RunSettings) -> tuple[int | None, str | None]:
    """`--max-parallel` if given, else the batch's first swarm_init maxAgents, else a default
    from the CPUs and the open-file limit (`swarmtui.engine.limits`), except in a rehearsal,
    which runs nothing and is unbounded; with the reason when it is the default."""
    if settings.max_parallel:
        return settings.max_parallel, None
    for op in batch.operations():
        if isinstance(op, SwarmInitOp) and op.skip_reason is None and op.max_agents:
            return op.max_agents, None
    if settings.backend == "rehearsal":
        return None, None
    return default_parallel()


class Plan:
    """The agents of a batch (the first of each name), planned for one session folder."""

    def __init__(
        self,
        batch: Batch,
        settings: RunSettings,
        session_dir: Path,
        profiles: dict[str, AgentProfile] | None = None,
    ) -> None:
        self.batch = batch
        self.settings = settings
        self.max_parallel, self.max_parallel_reason = resolve_max_parallel(batch, settings)
        self.agents: dict[str, PlannedAgent] = {}
        # Indexes of the Task operations that repeat an earlier agent's name (they never run).
        self.duplicates: set[int] = set()
        profiles = profiles or {}
        for message in batch.messages:
            for op in message.operations:
                if not isinstance(op, TaskOp):
                    continue
                if op.name in self.agents:
                    self.duplicates.add(op.index)
                    continue
                profile = profiles.get(op.agent_type, AgentProfile())
                self.agents[op.name] = self._plan(op, message.index, profile, session_dir)
        self._exact: dict[str, list[str]] = {}
        self._exact_keys = SortedKeys()
        self._globs: PatternIndex[str] = PatternIndex()
        self._glob_names: dict[str, list[str]] = {}
        for agent in self.agents.values():
            for stored in agent.op.stores:
                if is_glob(stored):
                    self._globs.add(stored, agent.name)
                    self._glob_names.setdefault(stored, []).append(agent.name)
                else:
                    self._exact.setdefault(stored, []).append(agent.name)
                    self._exact_keys.add(stored)
        # Without a glob among the stored keys, a key's providers are the agents storing it
        # (in batch order already): all found in one pass, not one look-up per waiting agent.
        self._providers: dict[str, list[str]] = (
            {} if self._glob_names else {k: self._in_batch_order(v) for k, v in self._exact.items()}
        )

    def _plan(
        self, op: TaskOp, message: int, profile: AgentProfile, session_dir: Path
    ) -> PlannedAgent:
        settings = self.settings
        override = settings.agent_types.get(op.agent_type)
        backend = (
            op.backend
            or profile.backend
            or (override.backend if override is not None else None)
            or settings.backend
        )
        model = (
            op.model
            or profile.model
            or (override.model if override is not None else None)
            or settings.default_model(backend)
        )
        return PlannedAgent(
            op=op,
            message=message,
            instructions=rewrite_session_paths(op.instructions, session_dir),
            backend=backend,
            model=model,
            system_prompt=profile.system_prompt,
            runs_on="rehearsal" if settings.backend == "rehearsal" else backend,
        )

    def providers_of(self, key: str) -> list[str]:
        """Agents of the batch that store KEY (or a key matching it), in batch order."""
        found = self._providers.get(key)
        if found is None:
            names = set(self._exact.get(key, ()))
            if is_glob(key):
                for stored in self._exact_keys.matching(key):
                    names.update(self._exact[stored])
                names.update(self._glob_names.get(key, ()))
            for _, who in self._globs.matching(key):
                names.update(who)
            found = self._providers[key] = self._in_batch_order(names)
        return found

    def _in_batch_order(self, names: Iterable[str]) -> list[str]:
        """NAMES (agents), each once, in the order of the batch's text."""
        return sorted(set(names), key=lambda n: self.agents[n].index)

    def budget_warnings(self) -> list[str]:
        """Why `budget_usd` cannot be enforced for some agents: their backend reports no cost
        (command) or their model has no price in the configuration (openai)."""
        budget = self.settings.budget_usd
        if budget is None:
            return []
        beyond: dict[str, list[str]] = {}
        for agent in self.agents.values():
            why = unpriced(agent.runs_on, agent.model, self.settings.prices)
            if why is not None:
                beyond.setdefault(why, []).append(agent.name)
        return [
            f"budget of {dollars(budget)} cannot be enforced for {', '.join(names)}: {why} "
            "(not counted: they start unless priced agents have spent the budget)"
            for why, names in beyond.items()
        ]

    def started_event(
        self,
        session_id: str,
        title: str,
        started_at: str,
        forked_from: ForkOrigin | None = None,
    ) -> SessionStarted:
        """The `session_started` event: the whole plan, for the fold."""
        init = next(
            (
                op
                for op in self.batch.operations()
                if isinstance(op, SwarmInitOp) and op.skip_reason is None
            ),
            None,
        )
        # As plain values, validated in one call: the models are built by pydantic's core, not
        # one Python-level constructor per agent (a tenth of a 2,000-agent session's start).
        agents = [
            {
                "name": agent.name,
                "type": agent.op.agent_type,
                "instructions": agent.instructions,
                "message": agent.message,
                "waits": agent.op.waits,
                "stores": agent.op.stores,
                "providers": {k: self.providers_of(k) for k in agent.op.waits},
                "backend": agent.runs_on,
                "model": None if agent.rehearsed else agent.model,
            }
            for agent in self.agents.values()
        ]
        return SessionStarted.model_validate(
            {
                "session_id": session_id,
                "title": title,
                "backend": self.settings.backend,
                "backend_options": self.settings.backend_options(),
                "started_at": started_at,
                "max_parallel": self.max_parallel,
                "max_parallel_reason": self.max_parallel_reason,
                "topology": init.topology if init is not None else None,
                "strategy": init.strategy if init is not None else None,
                "messages": [{"index": m.index, "title": m.title} for m in self.batch.messages],
                "agents": agents,
                "forked_from": forked_from,
            }
        )
