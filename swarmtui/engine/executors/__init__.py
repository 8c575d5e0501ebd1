"""Executors: the machine an agent's runner runs on (`--executor`, `[executor] address`).

`executor_for(settings, session_id, emit)` gives a session its executor. `LocalExecutor` runs
the backends' runners in this process (the default). `DaskExecutor` wraps them so that each
attempt runs on a worker of a Dask cluster; it is imported only when asked for, Dask being an
optional dependency (`pip install 'swarmtui[dask]'`). Either way the scheduler, memory, todos,
the fence and the event log stay in this process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from swarmtui.engine.events import Event
from swarmtui.engine.plan import Plan
from swarmtui.engine.runners import make_runner
from swarmtui.engine.runners.base import Runner
from swarmtui.engine.settings import RunSettings, WorkspaceSettings
from swarmtui.executor_address import AddressError, parse_executor, refusal


class Executor(Protocol):
    async def open(self) -> str | None:
        """Get ready; why no agent can run, or None."""
        ...

    def plan(self, plan: Plan) -> None:
        """Adjust the session's plan to where it runs (a cluster's slots)."""
        ...

    def started(self) -> None:
        """The session's first event is out: what the executor records may follow."""
        ...

    def workspace(self, wanted: WorkspaceSettings) -> WorkspaceSettings | str:
        """Where agents may work there: WANTED, or what the machines allow, or why the session
        cannot run as asked."""
        ...

    def runner_factory(self, backend: str, settings: RunSettings) -> Runner: ...

    async def close(self) -> None: ...


class LocalExecutor:
    """Agents run in this process; PROBLEM: why none may run at all (an executor that cannot
    be used), said when the session starts."""

    def __init__(self, problem: str | None = None) -> None:
        self._problem = problem

    async def open(self) -> str | None:
        return self._problem

    def plan(self, plan: Plan) -> None:
        pass

    def started(self) -> None:
        pass

    def workspace(self, wanted: WorkspaceSettings) -> WorkspaceSettings | str:
        return wanted

    def runner_factory(self, backend: str, settings: RunSettings) -> Runner:
        return make_runner(backend, settings)

    async def close(self) -> None:
        pass


def executor_for(settings: RunSettings, session_id: str, emit: Callable[[Event], None]) -> Executor:
    options = settings.executor
    try:
        address = parse_executor(options.address)
    except AddressError as exc:
        return LocalExecutor(str(exc))
    tls_files = (options.tls_ca_file, options.tls_cert_file, options.tls_key_file)
    refused = refusal(address, insecure=options.insecure, has_tls_files=None not in tls_files)
    if refused is not None:
        return LocalExecutor(refused)
    if address.kind == "local":
        return LocalExecutor()
    try:
        from swarmtui.engine.executors.dask_executor import DaskExecutor
    except ImportError as exc:
        return LocalExecutor(
            f"{address.describe()} needs Dask ({exc}): pip install 'swarmtui[dask]'"
        )
    return DaskExecutor(address, settings, session_id, emit)


__all__ = ["Executor", "LocalExecutor", "executor_for"]
