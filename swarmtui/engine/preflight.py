"""The pre-flight check: before the first agent starts, each backend the agents will use checks
its endpoints (a server answers, serves the model, accepts the key; an executable is there).

Every check is recorded (`endpoint_checked`, with what was learned, such as a server's slots).
When one cannot work the session does not start any agent: it ends with that one line as its
reason, instead of a session full of identical failures. Rehearsals call nothing, so they check
nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from swarmtui.engine.events import EndpointChecked, Event
from swarmtui.engine.plan import Plan
from swarmtui.engine.runners.base import AgentFailed, Checkable, Runner
from swarmtui.engine.state import SessionState


async def preflight(
    plan: Plan,
    state: SessionState,
    runner_for: Callable[[str], Runner],
    emit: Callable[[Event], None],
) -> str | None:
    """Check every backend the agents still to run will use; the problems, or None."""
    models: dict[str, set[str]] = {}
    for agent in plan.agents.values():
        if agent.runs_on == "rehearsal" or agent.op.skip_reason is not None:
            continue
        if state.agents[agent.name].status == "done":
            continue
        found = models.setdefault(agent.runs_on, set())
        if agent.model:
            found.add(agent.model)
    problems: list[str] = []
    for backend, wanted in models.items():
        try:
            runner = runner_for(backend)
        except AgentFailed:
            continue  # (its agents fail with the reason when they start)
        if not isinstance(runner, Checkable):
            continue
        for check in await runner.preflight(sorted(wanted)):
            emit(
                EndpointChecked(
                    backend=backend,
                    endpoint=check.endpoint,
                    problem=check.problem,
                    detail=check.detail,
                    max_parallel=check.max_parallel,
                    limit_source=check.limit_source,
                )
            )
            if check.problem:
                problems.append(check.problem)
    return "; ".join(problems) if problems else None
