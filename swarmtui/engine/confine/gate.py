"""The gate the scheduler and the runners go through before anything runs.

    gate = Gate.open(sandbox_config, permissions_config, headless=False)
    gate.notice                          # say once, when not None (no sandbox here, or off)
    decision = gate.check(Request.bash("npm test"))          # allow / ask / deny, and why
    status = await gate.run(ProcessKind.BASH, ["bash", "-c", "npm test"], workdir=..., ...)

`check` applies the permission rules, then the sandbox's own condition: where no sandbox is
possible (and the configuration did not turn it off on purpose), what the rules allow still
asks, so nothing runs unconfined without someone saying yes; where the configuration requires
a sandbox (`enabled = true`) and there is none, everything is denied with the reason.

`run` runs an allowed command: sandboxed when possible (the working folder writable, the
network as configured for its kind and agent type, `$HOME` hidden but for what its backend needs,
only the environment variables it needs), else under the process launcher, which still kills
every descendant.
"""

from __future__ import annotations

import enum
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from swarmtui.engine.confine.environment import child_environment
from swarmtui.engine.confine.sandbox import (
    HIDDEN_FOLDERS,
    HIDDEN_SOCKETS,
    SandboxSpec,
    SandboxStatus,
    bwrap_argv,
    sandbox_status,
)
from swarmtui.engine.process import OnOutput, run_process
from swarmtui.policy.permissions import Decision, Policy, Request
from swarmtui.policy.rules import Rule
from swarmtui.policy.tables import PermissionsConfig, SandboxConfig, SandboxExtras

# Where a rule approved by a person for the rest of the session comes from.
SESSION_SOURCE = "approved for this session"


class ProcessKind(enum.StrEnum):
    BASH = "bash"  # a Bash operation of the batch
    AGENT = "agent"  # an agent's process (command and claude backends)
    NOTIFY = "notify"  # the [notify] command


def _expand(path: str, home: Path) -> Path:
    return home / path[2:] if path.startswith("~/") else (home if path == "~" else Path(path))


@dataclass(frozen=True)
class Gate:
    sandbox: SandboxConfig
    permissions: PermissionsConfig
    status: SandboxStatus
    headless: bool = False
    assume_yes: bool = False
    source: str = "swarmtui.toml"
    extra_allow: tuple[Rule, ...] = ()  # from flags (--allow)
    extra_deny: tuple[Rule, ...] = ()
    approved: tuple[Rule, ...] = ()  # patterns approved for this session
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    home: Path = field(default_factory=Path.home)

    @classmethod
    def open(
        cls,
        sandbox: SandboxConfig,
        permissions: PermissionsConfig,
        *,
        headless: bool = False,
        assume_yes: bool = False,
        source: str = "swarmtui.toml",
        extra_allow: tuple[Rule, ...] = (),
        extra_deny: tuple[Rule, ...] = (),
    ) -> Gate:
        """A gate for a session, probing the sandbox (once per process) unless it is off."""
        status = (
            SandboxStatus(None, reason="turned off in the configuration ([sandbox] enabled)")
            if sandbox.enabled is False
            else sandbox_status()
        )
        return cls(
            sandbox,
            permissions,
            status,
            headless=headless,
            assume_yes=assume_yes,
            source=source,
            extra_allow=extra_allow,
            extra_deny=extra_deny,
        )

    # -- permission -----------------------------------------------------------------------------

    @property
    def sandboxed(self) -> bool:
        return self.sandbox.enabled is not False and self.status.available

    @property
    def notice(self) -> str | None:
        """One line to show once per session, or None when all is as it should be."""
        if self.sandbox.enabled is False:
            return "sandbox off ([sandbox] enabled = false): allowed commands run unconfined"
        if self.status.available:
            return None
        if self.sandbox.enabled is True:
            return f"{self.status.describe()}; [sandbox] enabled = true, so nothing will run"
        return f"{self.status.describe()}; every command will ask for approval first"

    def policy(self, agent_type: str | None = None) -> Policy:
        return self.permissions.policy(
            agent_type,
            headless=self.headless,
            assume_yes=self.assume_yes,
            source=self.source,
            extra_allow=(*self.extra_allow, *self.approved),
            extra_deny=self.extra_deny,
        )

    def check(self, request: Request, agent_type: str | None = None) -> Decision:
        """Whether REQUEST may go ahead now (`allow`), waits for a person (`ask`), or not."""
        return self._confined(self.policy(agent_type).decide(request))

    def check_process(self, kind: ProcessKind) -> Decision:
        """Whether a process the configuration itself starts (an agent's, the notify command)
        may start; only the sandbox's condition applies to it."""
        return self._confined(Decision("allow", None, f"{kind.value} process", kind.value))

    def _confined(self, decision: Decision) -> Decision:
        if decision.verdict == "deny" or self.sandbox.enabled is False or self.status.available:
            return decision
        if self.sandbox.enabled is True:
            return replace(decision, verdict="deny", rule=None, reason=self.status.describe())
        allowed_by = decision.rules or ((decision.rule,) if decision.rule is not None else ())
        if (
            decision.verdict == "allow"
            and allowed_by
            and all(rule.source == SESSION_SOURCE for rule in allowed_by)
        ):
            return decision  # a person approved it for this session, told there is no sandbox
        if decision.verdict == "allow":
            reason = f"{decision.reason}, but {self.status.describe()}"
            return replace(decision, verdict="ask", reason=reason)
        return decision

    def approving(self, rule: Rule) -> Gate:
        """This gate with RULE approved for the rest of the session."""
        return replace(self, approved=(*self.approved, replace(rule, source=SESSION_SOURCE)))

    # -- confinement ----------------------------------------------------------------------------

    def _extras(self, agent_type: str | None, backend: str | None) -> tuple[SandboxExtras, ...]:
        found = []
        if backend is not None and backend in self.sandbox.backends:
            found.append(self.sandbox.backends[backend])
        if agent_type is not None and agent_type in self.sandbox.agent_types:
            found.append(self.sandbox.agent_types[agent_type])
        return tuple(found)

    def network(self, kind: ProcessKind, agent_type: str | None = None) -> bool:
        default = {
            ProcessKind.BASH: self.sandbox.network,
            ProcessKind.AGENT: self.sandbox.agent_network,
            ProcessKind.NOTIFY: True,
        }[kind]
        if agent_type is not None and agent_type in self.sandbox.agent_types:
            chosen = self.sandbox.agent_types[agent_type].network
            return default if chosen is None else chosen
        return default

    def spec(
        self,
        kind: ProcessKind,
        workdir: Path | None,
        *,
        agent_type: str | None = None,
        backend: str | None = None,
        executable: str | None = None,
        readable: tuple[Path, ...] = (),
        writable: tuple[Path, ...] = (),
    ) -> SandboxSpec:
        """What a process of KIND may touch, working in WORKDIR (writable); READABLE: more
        paths it must see (read-only), such as a helper program and the socket it talks to;
        WRITABLE: more it may change (an agent's worktree's own git folder)."""
        extras = self._extras(agent_type, backend)
        home = self.home
        hidden = [home, *(Path(p) for p in HIDDEN_FOLDERS), *(Path(p) for p in HIDDEN_SOCKETS)]
        hidden += [_expand(p, home) for p in self.sandbox.hide]
        shown = [_expand(p, home) for p in self.sandbox.read]
        shown += [_expand(p, home) for extra in extras for p in extra.read]
        shown += list(readable)
        # Programs on PATH, and the one to run, stay runnable when they live in hidden folders.
        search = self.environ.get("PATH", os.defpath)
        programs = [Path(entry) for entry in search.split(os.pathsep) if entry]
        found = shutil.which(executable, path=search) if executable else None
        if found:
            programs.append(Path(found).parent)
            programs.append(Path(os.path.realpath(found)).parent)
        # (/tmp is replaced by an empty one: programs there are re-exposed too.)
        covered = [*hidden, Path("/tmp"), Path(os.path.realpath("/tmp"))]
        for folder in programs:
            for candidate in (folder, Path(os.path.realpath(folder))):
                if any(candidate.is_relative_to(h) for h in covered) and candidate not in shown:
                    shown.append(candidate)
        allowed = [_expand(p, home) for p in self.sandbox.write]
        allowed += [_expand(p, home) for extra in extras for p in extra.write]
        return SandboxSpec(
            workdir=workdir,
            writable=(*allowed, *writable),
            readable=tuple(p for p in shown if p.exists()),
            hidden=tuple(dict.fromkeys(hidden)),
            network=self.network(kind, agent_type),
        )

    def environment(
        self,
        kind: ProcessKind,
        *,
        agent_type: str | None = None,
        backend: str | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """The variables a process of KIND gets (sandboxed or not)."""
        extras = self._extras(agent_type, backend)
        allow = [*self.sandbox.env, *(p for extra_ in extras for p in extra_.env)]
        network = self.network(kind, agent_type)
        return child_environment(self.environ, allow=allow, network=network, extra=extra)

    def prepare(
        self,
        kind: ProcessKind,
        argv: list[str],
        *,
        workdir: Path | None,
        agent_type: str | None = None,
        backend: str | None = None,
        extra_env: Mapping[str, str] | None = None,
        readable: tuple[Path, ...] = (),
        writable: tuple[Path, ...] = (),
    ) -> Launch:
        """How to start ARGV (already allowed by `check`) for a runner that starts its process
        itself (`process.spawn(launch.argv, reap=launch.reap, cwd=launch.cwd, env=launch.env)`).

        Raises `RuntimeError` when the configuration requires a sandbox and there is none.
        """
        env = self.environment(kind, agent_type=agent_type, backend=backend, extra=extra_env)
        if self.sandboxed:
            spec = self.spec(
                kind,
                workdir,
                agent_type=agent_type,
                backend=backend,
                executable=argv[0],
                readable=readable,
                writable=writable,
            )
            cwd = spec.workdir or Path("/")
            return Launch(bwrap_argv(self.status, spec, argv), env, cwd, reap=False, spec=spec)
        if self.sandbox.enabled is True:
            raise RuntimeError(self.status.describe())
        return Launch(list(argv), env, workdir or self.home, reap=True, spec=None)

    async def run(
        self,
        kind: ProcessKind,
        argv: list[str],
        *,
        workdir: Path | None,
        on_output: OnOutput,
        agent_type: str | None = None,
        backend: str | None = None,
        extra_env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
        timeout: float | None = None,
        readable: tuple[Path, ...] = (),
        writable: tuple[Path, ...] = (),
    ) -> int:
        """Run ARGV (already allowed by `check`), confined as well as this machine allows;
        returns its exit status (TimeoutError after TIMEOUT seconds, as `run_process`)."""
        launch = self.prepare(
            kind,
            argv,
            workdir=workdir,
            agent_type=agent_type,
            backend=backend,
            extra_env=extra_env,
            readable=readable,
            writable=writable,
        )
        return await run_process(
            launch.argv,
            cwd=launch.cwd,
            env=launch.env,
            on_output=on_output,
            stdin=stdin,
            timeout=timeout,
            reap=launch.reap,
        )


@dataclass(frozen=True)
class Launch:
    """A process ready to start: its command line (bubblewrap's, when sandboxed), its whole
    environment, its folder, and whether it needs the process launcher (`reap`)."""

    argv: list[str]
    env: dict[str, str]
    cwd: Path
    reap: bool
    spec: SandboxSpec | None  # None: not sandboxed
