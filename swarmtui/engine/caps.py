"""Hard caps: per agent (`[agent_caps]` max_tokens, max_cost_usd, timeout) and per session
(`budget_usd`, `max_tokens`), checked on every usage report a runner makes while it streams.

A crossed agent cap stops that agent; a crossed session cap stops every running agent that
spends (its backend reports tokens or cost) and refuses the agents that have not started. The
totals kept here move with each report, before its event is even recorded, so a cap stops an
agent within the streamed piece that crossed it.

The budget counts what can be priced. An agent whose cost it cannot see (the `command`
backend, an `openai` model without a price) is said before the run to be beyond it (SW020):
its spending is not counted, so a budget of $0 refuses only the agents it can price, and the
others are refused only once priced agents have really spent the budget.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from swarmtui.engine.events import CapName
from swarmtui.engine.settings import RunSettings
from swarmtui.engine.state import AgentState, SessionState

if TYPE_CHECKING:
    from swarmtui.engine.plan import PlannedAgent

# Backends that spend: what they report counts against the caps.
SPENDING_BACKENDS = frozenset({"openai", "claude"})


def unpriced(runs_on: str, model: str | None, prices: Mapping[str, object]) -> str | None:
    """Why the budget cannot count what an agent running on RUNS_ON spends; None when it can,
    or when the agent spends nothing (a rehearsal)."""
    if runs_on == "command":
        return "the command backend reports no cost"
    if runs_on == "openai" and model not in prices:
        return f"openai model {model!r} has no price in [prices]"
    return None


def dollars(amount: float) -> str:
    """`$2.50`, `$0.0003`: two decimals, or as many as a smaller amount needs (up to six), so
    a budget of a few hundredths of a cent does not read `$0.00`."""
    digits = f"{amount:.6f}".rstrip("0")
    whole, _, cents = digits.partition(".")
    return f"${whole}.{cents.ljust(2, '0')}"


@dataclass(frozen=True)
class Crossed:
    cap: CapName
    limit: float
    value: float
    agent: str | None = None

    @property
    def reason(self) -> str:
        if self.cap == "agent_max_tokens":
            what = f"{self.value:.0f} tokens crossed its cap of {self.limit:.0f}"
            return f"stopped: {what} ([agent_caps] max_tokens)"
        if self.cap == "agent_max_cost_usd":
            what = f"${self.value:.4f} crossed its cap of ${self.limit:.4f}"
            return f"stopped: {what} ([agent_caps] max_cost_usd)"
        if self.cap == "session_budget_usd":
            what = f"the session's budget of {dollars(self.limit)} was crossed"
            return f"stopped: {what} (${self.value:.4f} spent)"
        what = f"the session's cap of {self.limit:.0f} tokens was crossed"
        return f"stopped: {what} ({self.value:.0f} used)"


class Caps:
    """The caps of one session and the running totals they are checked against."""

    def __init__(self, settings: RunSettings, state: SessionState) -> None:
        self.budget = settings.budget_usd
        self.max_tokens = settings.max_tokens
        self.agent = settings.agent_caps
        self.prices = settings.prices
        self._tokens = state.tokens
        self._cost = state.cost_usd
        # Each agent's latest totals (earlier attempts included) as reported here.
        self._live: dict[str, tuple[int, float]] = {}
        self.crossed: Crossed | None = None  # the session cap, once crossed

    def _priced_spender(self, agent: PlannedAgent) -> bool:
        """AGENT spends what the budget can count: not a model priced at nothing (a free local
        one), which spends nothing."""
        if agent.runs_on not in SPENDING_BACKENDS:
            return False
        if unpriced(agent.runs_on, agent.model, self.prices) is not None:
            return False
        price = self.prices.get(agent.model or "") if agent.runs_on == "openai" else None
        return price is None or price.input > 0 or price.output > 0

    def timeout(self, own: float | None) -> float | None:
        """An agent's run time limit: its own `timeout` option or the cap, the smaller."""
        cap = self.agent.timeout
        if own is None or cap is None:
            return own if cap is None else cap
        return min(own, cap)

    def report(
        self, agent: AgentState, tokens_in: int, tokens_out: int, cost_usd: float | None
    ) -> list[Crossed]:
        """An agent's running totals in its current attempt; the caps this crosses now."""
        tokens = agent.spent_in + agent.spent_out + tokens_in + tokens_out
        cost = (agent.spent_cost or 0.0) + (cost_usd or 0.0)
        old = self._live.get(agent.name)
        if old is None:
            old = (agent.tokens_in + agent.tokens_out, agent.cost_usd or 0.0)
        self._tokens += tokens - old[0]
        self._cost += cost - old[1]
        self._live[agent.name] = (tokens, cost)
        crossed: list[Crossed] = []
        caps = self.agent
        if caps.max_tokens is not None and tokens > caps.max_tokens:
            crossed.append(Crossed("agent_max_tokens", caps.max_tokens, tokens, agent.name))
        if caps.max_cost_usd is not None and cost_usd is not None and cost > caps.max_cost_usd:
            crossed.append(Crossed("agent_max_cost_usd", caps.max_cost_usd, cost, agent.name))
        if self.crossed is None:
            if self.budget is not None and self._cost > self.budget:
                self.crossed = Crossed("session_budget_usd", self.budget, self._cost)
            elif self.max_tokens is not None and self._tokens > self.max_tokens:
                self.crossed = Crossed("session_max_tokens", self.max_tokens, self._tokens)
            if self.crossed is not None:
                crossed.append(self.crossed)
        return crossed

    def refusal(self, agent: PlannedAgent) -> str | None:
        """Why AGENT may not start now (a session cap reached), else None."""
        budget = self.budget
        if budget is not None and self._cost >= budget:
            if self._cost > 0:
                spent = f"{dollars(budget)} spent ({dollars(self._cost)})"
                return f"budget of {spent}; not started"
            # Nothing spent, and nothing may be: an agent the budget can price would cross it
            # with its first token, unless its price is nothing; one it cannot price is beyond
            # it, as SW020 said.
            if self._priced_spender(agent):
                return f"the budget of {dollars(budget)} allows no spending; not started"
        if self.max_tokens is not None and self._tokens >= self.max_tokens:
            return f"the session's cap of {self.max_tokens} tokens is used up; not started"
        return None
