"""Runners: the command template (quoting, stdin, environment), streamed and large output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from swarmtui.batch.models import TaskOp
from swarmtui.engine.events import AgentOutput
from swarmtui.engine.output_log import OUTPUT_CHUNK
from swarmtui.engine.runners import make_runner
from swarmtui.engine.runners.base import AgentFailed
from swarmtui.engine.settings import RunSettings
from swarmtui.policy.tables import SandboxConfig

from .helpers import one_message, run


async def test_command_gets_quoted_fields_stdin_and_environment(tmp_path: Path) -> None:
    template = (
        'printf "%s|%s|%s\\n" {agent} {type} "$SWARM_AGENT"; '
        'test "$PWD" = "$SWARM_SESSION_DIR" && echo cwd-ok; '
        'test {session} = "$SWARM_SESSION_DIR" && echo session-ok; '
        'echo "$SWARM_MEMORY"; cat > "$SWARM_AGENT.prompt"; echo to-stderr >&2; '
        'printf %s {prompt} > "$SWARM_AGENT.arg"'
    )
    hostile = "O'Brien $(touch pwned)"
    batch = one_message(
        TaskOp(index=0, name="Seed", stores=["in"]),
        TaskOp(
            index=1,
            name=hostile,
            agent_type="coder",
            instructions="Do `rm -rf /` never",
            waits=["in"],
        ),
    )
    r = await run(batch, tmp_path, backend="command", command_template=template)
    agent = r.state.agents[hostile]
    assert agent.status == "done", agent.reason
    lines = (agent.result or "").splitlines()
    assert lines[0] == f"{hostile}|coder|{hostile}"
    assert lines[1:3] == ["cwd-ok", "session-ok"]
    assert json.loads(lines[3]) == {"in": r.state.memory[("default", "in")].value}
    prompt = (r.session.path / f"{hostile}.prompt").read_text()
    assert "Do `rm -rf /` never" in prompt
    assert (r.session.path / f"{hostile}.arg").read_text() == prompt  # {prompt} == stdin
    assert not (r.session.path / "pwned").exists()
    assert "to-stderr" not in (agent.result or "")
    streams = {e.stream for e in r.of(AgentOutput, agent=hostile)}
    assert streams == {"stdout", "stderr"}


@pytest.mark.parametrize(
    "template",
    [
        # Each field inside quotes the user wrote: single, double, after an escaped quote.
        "printf %s '{prompt}' > \"$SWARM_AGENT.arg\"",
        'printf %s "{prompt}" > "$SWARM_AGENT.arg"',
        'printf %s \\\'{prompt} > "$SWARM_AGENT.arg"',
        'printf %s \'{agent}\' > "$SWARM_AGENT.arg"; printf %s "{type}" >> "$SWARM_AGENT.arg"',
        # Passed to another shell's script as an argument, as the refusal below suggests.
        'sh -c \'printf %s "$1" > "$SWARM_AGENT.arg"\' _ {prompt}',
    ],
    ids=["single", "double", "escaped-quote", "agent-type", "argument"],
)
async def test_a_field_is_one_word_whatever_quotes_it_stands_in(
    tmp_path: Path, template: str
) -> None:
    # A prompt is text from outside (a pasted batch, memory written by a model): spliced into
    # the template's quotes, it closed them and ran commands (a QA finding).
    hostile = "x'; touch pwned; echo '\" $(touch pwned2) `touch pwned3`"
    batch = one_message(
        TaskOp(index=0, name="Agent'$(touch pwned4)", agent_type="coder", instructions=hostile)
    )
    r = await run(
        batch,
        tmp_path,
        backend="command",
        command_template='cat > "$SWARM_AGENT.stdin"; ' + template,
    )
    (agent,) = r.state.agents.values()
    assert agent.status == "done", agent.reason
    for marker in ("pwned", "pwned2", "pwned3", "pwned4"):
        assert not (r.session.path / marker).exists(), marker
    written = (r.session.path / f"{agent.name}.arg").read_text()
    if "{agent}" in template:
        assert written == agent.name + "coder"
    else:  # (the prompt whole, as on standard input)
        stdin = (r.session.path / f"{agent.name}.stdin").read_text()
        quote = "'" if "\\'" in template else ""  # (an escaped quote is the text's own)
        assert hostile in written and written == quote + stdin


@pytest.mark.parametrize(
    "template",
    ["sh -c 'llm {prompt}'", 'bash -c "llm --name {agent} {prompt}"', "eval {prompt}"],
)
async def test_a_field_in_another_shells_script_is_refused(tmp_path: Path, template: str) -> None:
    batch = one_message(TaskOp(index=0, name="A", instructions="x'; touch pwned; echo '"))
    r = await run(batch, tmp_path, backend="command", command_template=template)
    agent = r.state.agents["A"]
    assert agent.status == "failed"
    assert agent.reason is not None and "in a script another shell reads" in agent.reason
    assert not (r.session.path / "pwned").exists()


async def test_large_output_is_whole_in_the_log_and_chunked_in_events(tmp_path: Path) -> None:
    size = 5 * OUTPUT_CHUNK + 123
    r = await run(
        one_message(TaskOp(index=0, name="Loud")),
        tmp_path,
        backend="command",
        command_template=f"head -c {size} /dev/zero | tr '\\0' x",
    )
    chunks = [e.text for e in r.of(AgentOutput, agent="Loud")]
    assert all(len(c) <= OUTPUT_CHUNK for c in chunks) and len(chunks) >= 6
    assert "".join(chunks) == "x" * size
    log = r.session.path / "artifacts" / "logs" / "loud.log"
    assert log.read_text() == "x" * size


async def test_timeout_fails_the_agent(tmp_path: Path) -> None:
    r = await run(
        one_message(TaskOp(index=0, name="Slow", timeout=0.2)),
        tmp_path,
        backend="command",
        command_template="sleep 30",
    )
    assert r.state.agents["Slow"].reason == "timed out after 0.2 s"


async def test_a_program_the_sandbox_does_not_show_is_said_to_be_hidden_not_missing(
    tmp_path: Path,
) -> None:
    script = tmp_path / "tools" / "agent.sh"  # (under /tmp: private in the sandbox)
    script.parent.mkdir()
    script.write_text("#!/bin/sh\necho ran\n")
    script.chmod(0o755)
    r = await run(
        one_message(TaskOp(index=0, name="Scripted")),
        tmp_path,
        backend="command",
        command_template=f"{script} {{prompt}}",
    )
    reason = r.state.agents["Scripted"].reason or ""
    # (it said only "No such file or directory" of a file the user can see is there)
    assert reason.startswith("command exited with status 127: ")
    assert f"({script} is not in the sandbox, whose /tmp is its own" in reason
    assert "list it in [sandbox] read" in reason
    # ... and so listed, it runs.
    r = await run(
        one_message(TaskOp(index=0, name="Scripted")),
        tmp_path,
        backend="command",
        command_template=f"{script} {{prompt}}",
        sandbox=SandboxConfig(read=[str(script)]),
    )
    assert r.state.agents["Scripted"].result == "ran\n"


async def test_automatic_retries(tmp_path: Path) -> None:
    template = "if [ -f once ]; then echo second; else touch once; exit 1; fi"
    r = await run(
        one_message(TaskOp(index=0, name="Flaky", retries=1)),
        tmp_path,
        backend="command",
        command_template=template,
    )
    a = r.state.agents["Flaky"]
    assert (a.status, a.attempts, a.result) == ("done", 2, "second\n")


def test_make_runner_names_unknown_backends() -> None:
    with pytest.raises(AgentFailed, match="unknown backend 'nope'"):
        make_runner("nope", RunSettings())
    assert make_runner("rehearsal", RunSettings()).name == "rehearsal"
    assert make_runner("command", RunSettings()).name == "command"


async def test_a_command_agent_never_gets_an_api_key_it_was_not_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-test-0123456789abcdef"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    monkeypatch.setenv("GH_TOKEN", "ghp-test-token-0123")
    r = await run(
        one_message(TaskOp(index=0, name="Leaky")),
        tmp_path,
        backend="command",
        command_template='echo "key=$OPENAI_API_KEY gh=$GH_TOKEN agent=$SWARM_AGENT"',
    )
    assert r.state.agents["Leaky"].result == "key= gh= agent=Leaky\n"


async def test_a_key_the_configuration_passes_on_is_scrubbed_from_what_it_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-test-0123456789abcdef"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    r = await run(
        one_message(TaskOp(index=0, name="Leaky")),
        tmp_path,
        backend="command",
        command_template='echo "key=$OPENAI_API_KEY"; echo "$OPENAI_API_KEY" >&2',
        sandbox=SandboxConfig(env=("OPENAI_API_KEY",)),
    )
    assert r.state.agents["Leaky"].result == "key=[REDACTED]\n"
    for path in r.session.path.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
