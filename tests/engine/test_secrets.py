"""No API key from the environment reaches an event, the log or any file of the session folder,
whichever part of a batch prints it: a Bash command, a command-backend agent, a failure reason.

Bash operations and command agents do not get the key at all unless the configuration passes it
on (`[sandbox] env`); these tests pass it on, to check what happens when they print it."""

from __future__ import annotations

import secrets
import threading
from pathlib import Path

import pytest

from swarmtui.batch.models import BashOp, TaskOp
from swarmtui.engine.events import AgentOutput, BashOutput
from swarmtui.policy.tables import SandboxConfig

from .helpers import REAL, one_message, run

PASSED_ON = SandboxConfig(env=("OPENAI_API_KEY",))


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    value = "sk-test-" + secrets.token_hex(16)
    monkeypatch.setenv("OPENAI_API_KEY", value)
    return value


def _assert_nowhere(key: str, session_dir: Path) -> None:
    # The log's writer checkpoints its WAL after close() returns, removing session.db-wal:
    # let it finish so the files listed below are still there when read.
    for thread in threading.enumerate():
        if thread.name == "swarmtui-eventlog":
            thread.join(timeout=30)
    files = [p for p in session_dir.rglob("*") if p.is_file()]
    assert session_dir / "session.db" in files
    for path in files:
        assert key.encode() not in path.read_bytes(), f"the key leaked into {path}"


async def test_bash_output_is_scrubbed_even_when_split_across_reads(
    key: str, tmp_path: Path
) -> None:
    # The second command prints the key in two writes with a pause between, so the halves
    # arrive in separate reads.
    batch = one_message(
        BashOp(index=0, command='echo "key=$OPENAI_API_KEY"'),
        BashOp(
            index=1,
            command='printf %s "${OPENAI_API_KEY:0:12}"; sleep 0.05; echo "${OPENAI_API_KEY:12}"',
        ),
    )
    r = await run(batch, tmp_path, **REAL, sandbox=PASSED_ON)
    text = "".join(e.text for e in r.of(BashOutput))
    assert key not in text
    assert text.count("[REDACTED]") == 2
    assert all(key not in line for b in r.state.bash.values() for line in b.output_tail)
    _assert_nowhere(key, r.session.path)


async def test_command_agent_output_and_reason_are_scrubbed(key: str, tmp_path: Path) -> None:
    batch = one_message(
        TaskOp(index=0, name="Leaky", instructions="Say the key. Store it in 'swarm/leak'."),
    )
    r = await run(
        batch,
        tmp_path,
        backend="command",
        command_template='echo "$OPENAI_API_KEY"; echo "fail $OPENAI_API_KEY" >&2; exit 3',
        sandbox=PASSED_ON,
    )
    assert r.state.agents["Leaky"].status == "failed"
    assert key not in (r.state.agents["Leaky"].reason or "")
    outputs = "".join(e.text for e in r.of(AgentOutput))
    assert "[REDACTED]" in outputs and key not in outputs
    _assert_nowhere(key, r.session.path)
