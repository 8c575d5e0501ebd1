"""The session a batch would start, from its latest parse: planned agents and todos.

The agents and todos panels show it until a session runs, so the inferred waits and stores (and
who is expected to store each key) are visible while the batch is written; the status bar shows
what running it may use (an estimate).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from swarmtui.batch.models import Batch
    from swarmtui.engine.settings import RunSettings
    from swarmtui.engine.state import SessionState


def planned_state(batch: Batch) -> SessionState:
    """Every task as a `pending` agent (or `skipped`, with the reason, when it cannot run), its
    waits with the agents expected to store them, and the batch's todos."""
    from swarmtui.batch.models import TaskOp, TodoWriteOp
    from swarmtui.engine.state import AgentState, SessionState, TodoState

    state = SessionState(title=batch.title or "")
    for message in batch.messages:
        for op in message.operations:
            if isinstance(op, TaskOp):
                providers: dict[str, list[str]] = {}
                for edge in op.edges:
                    if edge.direction == "wait":
                        for key in edge.keys:
                            providers.setdefault(key, list(edge.providers))
                state.agents[op.name] = AgentState(
                    name=op.name,
                    type=op.agent_type,
                    instructions=op.instructions,
                    message=message.index,
                    waits=list(op.waits),
                    stores=list(op.stores),
                    providers={key: providers.get(key, []) for key in op.waits},
                    backend=op.backend,
                    model=op.model,
                    status="skipped" if op.skip_reason else "pending",
                    reason=op.skip_reason,
                )
            elif isinstance(op, TodoWriteOp) and op.skip_reason is None:
                for todo in op.todos:
                    state.todos[todo.id] = TodoState(
                        id=todo.id,
                        content=todo.content,
                        status=todo.status,
                        priority=todo.priority,
                        agent=todo.agent,
                    )
    return state


# What the status bar says before a rehearsal: it runs no backend, so it spends nothing.
REHEARSAL_ESTIMATE = "estimate: nothing is spent (rehearsal)"


def estimate_text(batch: Batch, settings: RunSettings, project_dir: Path | None) -> str:
    """What running BATCH may use with SETTINGS, in a few words marked as an estimate."""
    if settings.backend == "rehearsal":
        return REHEARSAL_ESTIMATE
    from swarmtui.engine.estimate import estimate
    from swarmtui.engine.plan import Plan, load_profiles
    from swarmtui.ui.look import format_cost, format_tokens

    folder = Path("session").resolve()
    guess = estimate(Plan(batch, settings, folder, load_profiles(project_dir)), folder)
    if not (guess.tokens_in or guess.tokens_out):
        return f"estimate: no tokens or cost counted ({settings.backend})"
    tokens = f"~{format_tokens(guess.tokens_in)} in, ~{format_tokens(guess.tokens_out)} out"
    cost = guess.cost_usd
    # (a batch's cost is often under a cent: four decimals rather than "<$0.01")
    money = "" if cost is None else f" · ~${cost:.4f}" if cost < 1 else f" · ~{format_cost(cost)}"
    unpriced = f" ({len(guess.unpriced)} without a price)" if guess.unpriced else ""
    return f"estimate: {tokens}{money}{unpriced}"
