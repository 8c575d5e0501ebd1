"""An estimate of a batch's tokens and cost before it runs (`run --estimate`, the app).

From the batch alone: each agent's prompt (its role, its instructions, the prompt's own frame)
counted at a token per four characters; the memory values it waits for counted as the answers of
the agents that store them; its answer as the configured `max_tokens` (else an assumed size);
prices from `[prices]`. It is an estimate and says so: Claude Code's own turns (tools, files
read) come on top, and a model's answer is usually shorter than its limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from swarmtui.engine.plan import Plan, PlannedAgent
from swarmtui.engine.runners.base import AgentJob
from swarmtui.engine.runners.prompt import build_prompt, count_tokens

# An answer's size when no max_tokens bounds it (tokens): a page of text.
ASSUMED_ANSWER = 800
_SPENDING = ("openai", "claude")


@dataclass
class AgentEstimate:
    name: str
    backend: str
    model: str | None
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float | None = None
    note: str = ""


@dataclass
class Estimate:
    agents: list[AgentEstimate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def tokens_in(self) -> int:
        return sum(a.tokens_in for a in self.agents)

    @property
    def tokens_out(self) -> int:
        return sum(a.tokens_out for a in self.agents)

    @property
    def cost_usd(self) -> float | None:
        known = [a.cost_usd for a in self.agents if a.cost_usd is not None]
        return sum(known) if known else None

    @property
    def unpriced(self) -> list[str]:
        return [
            a.name
            for a in self.agents
            if a.cost_usd is None and a.backend in _SPENDING and (a.tokens_in or a.tokens_out)
        ]

    def line(self) -> str:
        """One line: tokens and cost, marked as an estimate."""
        cost = self.cost_usd
        money = f", about ${cost:.4f}" if cost is not None else ""
        n = len(self.unpriced)
        unpriced = f" ({n} agent{'' if n == 1 else 's'} without a price)" if n else ""
        tokens = f"about {self.tokens_in:,} tokens in and {self.tokens_out:,} out"
        return f"estimate, before the run: {tokens}{money}{unpriced}"

    def to_json(self) -> dict[str, Any]:
        return {
            "estimate": True,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "cost_usd": None if self.cost_usd is None else round(self.cost_usd, 6),
            "unpriced": self.unpriced,
            "notes": list(self.notes),
            "agents": [
                {
                    "name": a.name,
                    "backend": a.backend,
                    "model": a.model,
                    "tokens_in": a.tokens_in,
                    "tokens_out": a.tokens_out,
                    "cost_usd": None if a.cost_usd is None else round(a.cost_usd, 6),
                    "note": a.note,
                }
                for a in self.agents
            ],
        }


def _answer_limit(plan: Plan, backend: str) -> int | None:
    return plan.settings.backends.openai.max_tokens if backend == "openai" else None


def estimate(plan: Plan, session_dir: Path | None = None) -> Estimate:
    """What running PLAN may use, agent by agent (an agent's own backend, even in a rehearsal)."""
    settings = plan.settings
    folder = session_dir or Path("session")
    result = Estimate()
    answers: dict[str, int] = {}
    for agent in plan.agents.values():
        backend = agent.backend
        answer = _answer_limit(plan, backend) or ASSUMED_ANSWER
        answers[agent.name] = answer
        entry = AgentEstimate(agent.name, backend, agent.model)
        if agent.op.skip_reason is not None:
            entry.note = "will not run"
        elif backend not in _SPENDING:
            entry.note = f"the {backend} backend spends nothing swarmtui counts"
        else:
            entry.tokens_in = _prompt_tokens(plan, agent, folder, answers)
            entry.tokens_out = answer
            price = settings.prices.get(agent.model or "")
            if price is not None:
                entry.cost_usd = (entry.tokens_in * price.input + answer * price.output) / 1e6
            if backend == "claude":
                entry.note = "Claude Code's own turns (tools, files it reads) come on top"
        result.agents.append(entry)
    unbounded = settings.backends.openai.max_tokens is None
    if unbounded and any(a.backend == "openai" for a in plan.agents.values()):
        result.notes.append(
            f"answers counted as {ASSUMED_ANSWER} tokens each: set [backends.openai] "
            "max_tokens to bound them"
        )
    return result


def _prompt_tokens(plan: Plan, agent: PlannedAgent, folder: Path, answers: dict[str, int]) -> int:
    job = AgentJob(
        name=agent.name,
        type=agent.op.agent_type,
        instructions=agent.instructions,
        system_prompt=agent.system_prompt,
        inputs={},
        stores=list(agent.op.stores),
        session_id="session",
        session_dir=folder,
        artifacts_dir=folder / "artifacts",
    )
    prompt = build_prompt(job, files_in_text=agent.backend == "openai")
    tokens = count_tokens(prompt.system) + count_tokens(prompt.user)
    for key in agent.op.waits:
        for provider in plan.providers_of(key):
            tokens += answers.get(provider, ASSUMED_ANSWER)
    return tokens
