"""One agent's run through the workspace layer: its worktree before its runner starts, its
commit when it ends, and `[workspace] setup` run through the confinement gate (the rules decide
it as a Bash command of the agent's; sandboxed in the new worktree; a rehearsal runs nothing).

This is where the layers meet: the workspace (`swarmtui.engine.workspace`) says where the agent
works and what else its process may touch; the guard's `Place` carries that to the sandbox.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from swarmtui.engine.approvals import Subject
from swarmtui.engine.confine import ProcessKind
from swarmtui.engine.guard import Place, SessionGuard
from swarmtui.engine.runners.base import OutputStream
from swarmtui.engine.state import SessionState
from swarmtui.engine.workspace.repo import WorkspaceProblem
from swarmtui.engine.workspace.session_workspace import SessionWorkspace
from swarmtui.engine.workspace.worktrees import Placement
from swarmtui.policy.permissions import Request

Output = Callable[[str, OutputStream], None]


def finished_providers(state: SessionState, name: str) -> list[str]:
    """The agents that stored what NAME waited for and are done, in batch order."""
    agent = state.agents[name]
    found: dict[str, None] = {}
    for providers in agent.providers.values():
        for provider in providers:
            other = state.agents.get(provider)
            if provider != name and other is not None and other.status == "done":
                found[provider] = None
    return sorted(found, key=lambda n: state.agents[n].index)


class AgentWorkspace:
    """The worktree of one agent's run (none when the session has no workspace or the agent
    works in the session folder)."""

    def __init__(
        self,
        workspace: SessionWorkspace | None,
        guard: SessionGuard,
        state: SessionState,
        *,
        name: str,
        agent_type: str,
        rehearsal: bool,
        output: Output,
    ) -> None:
        self._workspace = workspace if workspace is not None and workspace.wants(name) else None
        self._guard = guard
        self._state = state
        self._name = name
        self._type = agent_type
        self._rehearsal = rehearsal
        self._output = output
        self.placement: Placement | None = None
        self._entered = False

    @property
    def workdir(self) -> Path | None:
        return self.placement.workdir if self.placement is not None else None

    @property
    def branch(self) -> str | None:
        return self.placement.env.get("SWARM_BRANCH") if self.placement is not None else None

    @property
    def place(self) -> Place | None:
        """What the agent's process may touch besides its worktree, for the gate."""
        p = self.placement
        return None if p is None else Place(writable=p.writable, readable=p.readable, env=p.env)

    async def enter(self) -> str | None:
        """Make the worktree; why the agent cannot start, else None."""
        if self._workspace is None:
            return None
        providers = finished_providers(self._state, self._name)
        try:
            self.placement = await self._workspace.enter(self._name, providers, self._setup)
        except WorkspaceProblem as exc:
            return str(exc)
        self._entered = True
        return None

    async def leave(self, status: str) -> str | None:
        """Commit what the agent did; why that failed, else None."""
        if self._workspace is None or not self._entered:
            return None
        self._entered = False
        try:
            notes = await self._workspace.leave(self._name, status)
        except WorkspaceProblem as exc:
            return str(exc)
        for note in notes:
            self._output(f"{note}\n", "info")
        return None

    async def _setup(self, command: str, folder: Path) -> tuple[int | None, str | None]:
        """Run COMMAND in FOLDER, as a Bash command of the agent: by the rules, confined."""
        if self._rehearsal:
            return None, None
        relative = folder.relative_to(self._guard.session_dir).as_posix()
        what = Subject(
            "bash", "Bash", command, agent=self._name, agent_type=self._type, cwd=relative
        )
        answer = await self._guard.permit(what, Request.bash(command))
        if not answer.allowed:
            return None, f"not run: {answer.reason}"
        self._output(f"setup: {command}\n", "info")

        def on_output(stream: str, text: str) -> None:
            self._output(text, "stdout" if stream == "stdout" else "stderr")

        try:
            status = await self._guard.run(
                ProcessKind.BASH,
                ["bash", "-c", command],
                workdir=folder,
                on_output=on_output,
                agent_type=self._type,
            )
        except (OSError, RuntimeError) as exc:
            return None, f"not run: {exc}"
        return status, None if status == 0 else f"exit status {status}"
