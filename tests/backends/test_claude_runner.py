"""The `claude` runner against a stand-in `claude` executable that replays stream-JSON lines.

The stand-in is a small script the test writes into a folder put first on PATH. It records its
arguments, working folder, environment and the text of the first user message on its
stream-JSON input, then prints the lines of a script file: the
documented event shapes of `claude -p --output-format stream-json --verbose`, garbage, or
directives (`@@stderr TEXT`, `@@exit N`, `@@hang` which starts a grandchild and waits forever).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from swarmtui.config import Backends, ClaudeOptions
from swarmtui.engine.runners.base import AgentFailed
from swarmtui.engine.runners.claude_code import create_runner
from swarmtui.engine.settings import RunSettings
from swarmtui.policy.tables import SandboxConfig
from tests.engine.helpers import wait_for_host_pid

from .helpers import RecordingSink, make_job

STAND_IN = """#!{python}
import json, os, subprocess, sys, time
# (stand-in for Claude Code's `claude`: replays a script of stream-JSON lines)
first = json.loads(sys.stdin.readline())["message"]["content"][0]["text"]
record = {{"argv": sys.argv[1:], "cwd": os.getcwd(), "stdin": first,
          "agent": os.environ.get("SWARM_AGENT"), "key": os.environ.get("ANTHROPIC_API_KEY")}}
with open(os.environ["STANDIN_RECORD"], "w") as f:
    json.dump(record, f)
for line in open(os.environ["STANDIN_SCRIPT"]).read().splitlines():
    if line.startswith("@@stderr "):
        print(line[9:], file=sys.stderr, flush=True)
    elif line.startswith("@@exit "):
        sys.exit(int(line[7:]))
    elif line.startswith("@@hang "):
        child = subprocess.Popen(["sleep", line[7:]])
        print("hanging now", flush=True)
        time.sleep(1000)
    else:
        print(line.replace("$KEY", os.environ.get("ANTHROPIC_API_KEY", "")), flush=True)
"""

INIT = {
    "type": "system",
    "subtype": "init",
    "session_id": "sess-1",
    "cwd": "/somewhere",
    "model": "claude-sonnet-4-5",
    "tools": ["Bash", "Write"],
    "permissionMode": "default",
    "apiKeySource": "none",
}
ASSISTANT_TOOL = {
    "type": "assistant",
    "message": {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": [
            {"type": "text", "text": "I'll write the file."},
            {
                "type": "tool_use",
                "id": "toolu_1",
                "name": "Write",
                "input": {"file_path": "artifacts/code/a.py", "content": "print(1)"},
            },
        ],
        "stop_reason": None,
        "usage": {"input_tokens": 10, "cache_creation_input_tokens": 100, "output_tokens": 20},
    },
    "parent_tool_use_id": None,
    "session_id": "sess-1",
}
TOOL_RESULT = {
    "type": "user",
    "message": {
        "role": "user",
        "content": [{"tool_use_id": "toolu_1", "type": "tool_result", "content": "File created"}],
    },
    "parent_tool_use_id": None,
    "session_id": "sess-1",
}
ASSISTANT_DONE: dict[str, Any] = {
    "type": "assistant",
    "message": {
        "id": "msg_2",
        "role": "assistant",
        "content": [{"type": "text", "text": "Done: artifacts/code/a.py"}],
        "usage": {"input_tokens": 5, "cache_read_input_tokens": 110, "output_tokens": 4},
    },
    "session_id": "sess-1",
}
RESULT = {
    "type": "result",
    "subtype": "success",
    "is_error": False,
    "duration_ms": 1234,
    "duration_api_ms": 1000,
    "num_turns": 2,
    "result": "Done: artifacts/code/a.py",
    "session_id": "sess-1",
    "total_cost_usd": 0.0123,
    "usage": {
        "input_tokens": 15,
        "cache_creation_input_tokens": 100,
        "cache_read_input_tokens": 110,
        "output_tokens": 24,
    },
}


class StandIn:
    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.bin = folder / "bin"
        self.bin.mkdir(parents=True)
        self.script = folder / "script.txt"
        self.record = folder / "record.json"
        exe = self.bin / "claude"
        exe.write_text(STAND_IN.format(python=sys.executable))
        exe.chmod(0o755)
        monkeypatch.setenv("PATH", f"{self.bin}{os.pathsep}{os.environ['PATH']}")
        monkeypatch.setenv("STANDIN_SCRIPT", str(self.script))
        monkeypatch.setenv("STANDIN_RECORD", str(self.record))

    def replay(self, *lines: dict[str, Any] | str) -> None:
        text = [line if isinstance(line, str) else json.dumps(line) for line in lines]
        self.script.write_text("\n".join(text) + "\n")

    def recorded(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.record.read_text())
        return data

    def settings(
        self, backend: str = "claude", model: str = "sonnet", **claude: Any
    ) -> RunSettings:
        """Settings for a claude session whose sandbox lets the stand-in keep its record."""
        return RunSettings(
            backend=backend,
            model=model,
            backends=Backends(claude=ClaudeOptions(**claude)),
            sandbox=SandboxConfig(write=(str(self.record.parent),), env=("STANDIN_*",)),
        )


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    return StandIn(tmp_path / "stand-in", monkeypatch)


async def test_documented_stream_becomes_output_usage_and_result(
    stand_in: StandIn, tmp_path: Path
) -> None:
    stand_in.replay(INIT, ASSISTANT_TOOL, TOOL_RESULT, ASSISTANT_DONE, RESULT)
    settings = stand_in.settings(extra_args=["--permission-mode", "acceptEdits"])
    job = make_job(tmp_path / "session", settings=settings)
    sink = RecordingSink()
    result = await create_runner(settings).run(job, sink)
    assert result.text == "Done: artifacts/code/a.py"
    assert (result.tokens_in, result.tokens_out, result.cost_usd) == (225, 24, 0.0123)
    assert sink.usages[0] == (110, 20, None)  # running totals from the first message
    assert sink.usages[-1] == (225, 24, 0.0123)
    assert "claude session sess-1, model claude-sonnet-4-5" in sink.text("info")
    assert sink.text("text") == "I'll write the file.\nDone: artifacts/code/a.py\n"
    tool = sink.text("tool")
    assert "Write: {" in tool and "artifacts/code/a.py" in tool and "-> File created" in tool

    seen = stand_in.recorded()
    assert seen["argv"][:4] == ["-p", "--output-format", "stream-json", "--verbose"]
    assert seen["argv"][4:6] == ["--input-format", "stream-json"]
    assert seen["argv"][6:8] == ["--model", "sonnet"]
    assert seen["argv"][8] == "--append-system-prompt" and seen["argv"][9] == "You are a coder."
    assert seen["argv"][-2:] == ["--permission-mode", "acceptEdits"]
    assert "Write hello.py" in seen["stdin"] and "swarm/plan" in seen["stdin"]
    assert Path(seen["cwd"]) == job.session_dir.resolve()
    assert seen["agent"] == "Coder"
    log = job.session_dir / "artifacts/logs/coder.claude.jsonl"
    assert "artifacts/logs/coder.claude.jsonl" in result.files
    assert '"total_cost_usd": 0.0123' in log.read_text()


async def test_garbage_lines_are_output_not_a_crash(stand_in: StandIn, tmp_path: Path) -> None:
    stand_in.replay(INIT, "this is not JSON {", "[1, 2, 3]", '{"type": "mystery"}', RESULT)
    sink = RecordingSink()
    settings = stand_in.settings()
    result = await create_runner(settings).run(make_job(tmp_path / "s", settings=settings), sink)
    assert result.text == RESULT["result"]
    assert "this is not JSON {\n" in sink.text("stdout") and "[1, 2, 3]\n" in sink.text("stdout")


async def test_error_result_fails_the_agent_with_its_subtype(
    stand_in: StandIn, tmp_path: Path
) -> None:
    error = {**RESULT, "subtype": "error_max_turns", "is_error": True, "result": None}
    stand_in.replay(INIT, error)
    sink = RecordingSink()
    with pytest.raises(AgentFailed, match="claude reported error_max_turns"):
        settings = stand_in.settings()
        await create_runner(settings).run(make_job(tmp_path / "s", settings=settings), sink)
    assert sink.usages[-1][2] == 0.0123  # the cost is still recorded


async def test_exit_without_result_names_the_status_and_stderr(
    stand_in: StandIn, tmp_path: Path
) -> None:
    stand_in.replay(INIT, "@@stderr Invalid API key · Please run /login", "@@exit 3")
    sink = RecordingSink()
    with pytest.raises(AgentFailed, match="claude exited with status 3: Invalid API key"):
        settings = stand_in.settings()
        await create_runner(settings).run(make_job(tmp_path / "s", settings=settings), sink)
    assert "Invalid API key" in sink.text("stderr")


async def test_missing_executable_is_a_clear_failure(stand_in: StandIn, tmp_path: Path) -> None:
    settings = stand_in.settings(executable=str(tmp_path / "no-such-claude"))
    with pytest.raises(AgentFailed, match=r"Claude Code executable .* was not found"):
        await create_runner(settings).run(
            make_job(tmp_path / "s", settings=settings), RecordingSink()
        )


async def test_configured_executable_path_is_used(stand_in: StandIn, tmp_path: Path) -> None:
    renamed = stand_in.bin / "my-claude"
    (stand_in.bin / "claude").rename(renamed)
    stand_in.replay(INIT, RESULT)
    settings = stand_in.settings(executable=str(renamed))
    result = await create_runner(settings).run(
        make_job(tmp_path / "s", settings=settings), RecordingSink()
    )
    assert result.text == RESULT["result"]


async def test_a_key_echoed_by_the_process_is_redacted(
    stand_in: StandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-ant-test-7c1d0e9f22"
    monkeypatch.setenv("MY_CLAUDE_KEY", secret)
    leak = {**ASSISTANT_DONE, "message": {**ASSISTANT_DONE["message"]}}
    leak["message"]["content"] = [{"type": "text", "text": "my key is $KEY"}]
    stand_in.replay(INIT, leak, "raw $KEY", {**RESULT, "result": "key=$KEY"})
    settings = stand_in.settings(api_key_env="MY_CLAUDE_KEY")
    job = make_job(tmp_path / "s", settings=settings)
    sink = RecordingSink()
    result = await create_runner(settings).run(job, sink)
    assert stand_in.recorded()["key"] == secret  # passed to the CLI as ANTHROPIC_API_KEY
    everything = sink.text() + result.text
    everything += (job.session_dir / "artifacts/logs/coder.claude.jsonl").read_text()
    assert secret not in everything and "[REDACTED]" in everything


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


async def test_cancel_kills_the_whole_process_group(stand_in: StandIn, tmp_path: Path) -> None:
    marker = f"1000.{os.getpid()}"  # the grandchild's sleep, found by its length
    stand_in.replay(INIT, f"@@hang {marker}")
    sink = RecordingSink(watch_for="hanging now")
    settings = stand_in.settings()
    job = make_job(tmp_path / "s", settings=settings)
    task = asyncio.create_task(create_runner(settings).run(job, sink))
    await asyncio.wait_for(sink.seen.wait(), 20)
    child = wait_for_host_pid(f"sleep\0{marker}\0")
    assert _alive(child)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # SIGKILL is immediate, but the grandchild is reaped by init: poll for that, with a deadline.
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert not _alive(child), "the agent's grandchild survived the cancel"


async def test_claude_gets_the_jobs_model_else_its_configured_one(
    stand_in: StandIn, tmp_path: Path
) -> None:
    stand_in.replay(INIT, RESULT)
    settings = stand_in.settings(backend="openai", model="gpt-x")
    settings.backends = Backends(claude=ClaudeOptions(model="opus"))
    runner = create_runner(settings)
    await runner.run(make_job(tmp_path / "a", settings=settings, model=None), RecordingSink())
    assert stand_in.recorded()["argv"][6:8] == ["--model", "opus"]
    await runner.run(make_job(tmp_path / "b", settings=settings, model="haiku"), RecordingSink())
    assert stand_in.recorded()["argv"][6:8] == ["--model", "haiku"]


async def test_the_raw_stream_is_listed_as_the_file_it_was_written_to(
    stand_in: StandIn, tmp_path: Path
) -> None:
    """A second attempt of an agent named in another script keeps its first attempt's stream
    and lists the file this one wrote (not a name made by another rule)."""
    stand_in.replay(INIT, ASSISTANT_DONE, RESULT)
    settings = stand_in.settings()
    first = make_job(tmp_path / "s", "Über Coder", settings=settings)
    second = make_job(tmp_path / "s", "Über Coder", settings=settings, attempt=2)
    runner = create_runner(settings)
    results = [await runner.run(job, RecordingSink()) for job in (first, second)]
    assert [r.files for r in results] == [
        ["artifacts/logs/über-coder.claude.jsonl"],
        ["artifacts/logs/über-coder.attempt2.claude.jsonl"],
    ]
    for result in results:
        assert '"total_cost_usd": 0.0123' in (first.session_dir / result.files[0]).read_text()


async def test_agents_named_in_other_scripts_keep_their_own_streams(
    stand_in: StandIn, tmp_path: Path
) -> None:
    stand_in.replay(INIT, ASSISTANT_DONE, RESULT)
    settings = stand_in.settings()
    runner = create_runner(settings)
    files = [
        (await runner.run(make_job(tmp_path / "s", name, settings=settings), RecordingSink())).files
        for name in ("分析", "設計")
    ]
    assert files[0] != files[1]
    assert all((tmp_path / "s" / listed[0]).is_file() for listed in files)
