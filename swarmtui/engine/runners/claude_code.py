"""The `claude` runner: the Claude Code CLI in headless mode, one process per agent.

Runs `claude -p --output-format stream-json --verbose [--model M] [--append-system-prompt S]
--mcp-config ... --permission-prompt-tool mcp__swarmtui__approve [extra args]` in the session
folder, through the agent's gate (sandboxed: the session folder and Claude Code's own `~/.claude`
writable, the network on, only its own variables: `ANTHROPIC_*`, `CLAUDE_*`), with the prompt on
standard input, and turns the JSON lines it prints (system/init, assistant text and tool_use
blocks, user tool_result blocks, the final `result` with usage and cost) into output and usage
events. A line that is not JSON is passed on as output. Its own permission prompts come to
swarmtui's rules and approval queue (`permission_prompts`). Cancelling kills it at once, with
everything it started.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shlex
import shutil
from collections.abc import AsyncIterator
from typing import Any

from swarmtui.backend_names import DEFAULT_KEY_ENVS
from swarmtui.engine.confine.gate import Launch
from swarmtui.engine.process import forget_group, kill_group, spawn
from swarmtui.engine.runners.base import AgentFailed, AgentJob, AgentResult, OutputSink
from swarmtui.engine.runners.files import write_log
from swarmtui.engine.runners.permission_prompts import PROMPT_TOOL, permission_prompts
from swarmtui.engine.runners.prompt import build_prompt
from swarmtui.engine.runners.secrets import redact, secret_values
from swarmtui.engine.settings import RunSettings

TOOL_TEXT_LIMIT = 300


def _short(text: str, limit: int = TOOL_TEXT_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _tokens_in(usage: dict[str, Any]) -> int:
    """Every input token the model read, cached or not."""
    keys = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    return sum(v for k in keys if isinstance(v := usage.get(k), int))


def _tool_result_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [item.get("text", "") if isinstance(item, dict) else str(item) for item in content]
        return " ".join(part for part in parts if part)
    return json.dumps(content)


class StreamJsonParser:
    """Claude Code's stream-JSON lines -> sink calls, keeping what the result needs."""

    def __init__(self, sink: OutputSink, secrets: list[str]) -> None:
        self.sink = sink
        self.secrets = secrets
        self.texts: list[str] = []
        self.result: dict[str, Any] | None = None
        self.tokens_in = 0
        self.tokens_out = 0
        self.cost_usd: float | None = None
        # message id -> (tokens in, tokens out): one API response may arrive as several lines.
        self._usage_by_message: dict[str, tuple[int, int]] = {}

    def _out(self, text: str, stream: Any) -> None:
        self.sink.output(redact(text if text.endswith("\n") else text + "\n", self.secrets), stream)

    def feed(self, line: str) -> None:
        if not line.strip():
            return
        try:
            data = json.loads(line)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            self._out(line, "stdout")
            return
        kind = data.get("type")
        if kind == "system":
            self._system(data)
        elif kind == "assistant":
            self._assistant(data)
        elif kind == "user":
            self._user(data)
        elif kind == "result":
            self._result(data)

    def _system(self, data: dict[str, Any]) -> None:
        if data.get("subtype") == "init":
            model = data.get("model", "?")
            self._out(f"claude session {data.get('session_id', '?')}, model {model}", "info")
        elif data.get("subtype"):
            self._out(f"claude: {data['subtype']}", "info")

    def _blocks(self, data: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
        message = data.get("message")
        if not isinstance(message, dict):
            return {}, []
        content = message.get("content")
        if isinstance(content, str):
            return message, [{"type": "text", "text": content}]
        return message, content if isinstance(content, list) else []

    def _assistant(self, data: dict[str, Any]) -> None:
        message, blocks = self._blocks(data)
        for block in blocks:
            if not isinstance(block, dict):
                continue
            if block.get("type") == "text" and isinstance(block.get("text"), str):
                text = redact(block["text"], self.secrets)
                self.texts.append(text)
                self._out(text, "text")
            elif block.get("type") == "tool_use":
                arguments = json.dumps(block.get("input", {}), ensure_ascii=False)
                self._out(f"{block.get('name', 'tool')}: {_short(arguments)}", "tool")
        usage = message.get("usage")
        if isinstance(usage, dict) and self.result is None:
            key = str(message.get("id", len(self._usage_by_message)))
            out = usage.get("output_tokens")
            self._usage_by_message[key] = (_tokens_in(usage), out if isinstance(out, int) else 0)
            self.tokens_in = sum(pair[0] for pair in self._usage_by_message.values())
            self.tokens_out = sum(pair[1] for pair in self._usage_by_message.values())
            self.sink.usage(self.tokens_in, self.tokens_out, None)

    def _user(self, data: dict[str, Any]) -> None:
        for block in self._blocks(data)[1]:
            if isinstance(block, dict) and block.get("type") == "tool_result":
                mark = "error: " if block.get("is_error") else ""
                text = _short(_tool_result_text(block.get("content", "")))
                self._out(f"  -> {mark}{text}", "tool")

    def _result(self, data: dict[str, Any]) -> None:
        self.result = data
        usage = data.get("usage")
        if isinstance(usage, dict):
            out = usage.get("output_tokens")
            self.tokens_in = _tokens_in(usage)
            self.tokens_out = out if isinstance(out, int) else self.tokens_out
        cost = data.get("total_cost_usd")
        if isinstance(cost, int | float) and not isinstance(cost, bool):
            self.cost_usd = float(cost)
        self.sink.usage(self.tokens_in, self.tokens_out, self.cost_usd)

    def outcome(self, exit_status: int, stderr_tail: list[str]) -> str:
        """The result text, or AgentFailed with a readable reason."""
        result = self.result
        if result is None:
            detail = f": {_short(' | '.join(stderr_tail))}" if stderr_tail else ""
            if exit_status != 0:
                raise AgentFailed(f"claude exited with status {exit_status}{detail}")
            raise AgentFailed(f"claude ended without a result message{detail}")
        text = result.get("result")
        text = redact(text, self.secrets) if isinstance(text, str) else "\n".join(self.texts)
        subtype = result.get("subtype", "success")
        if result.get("is_error") or subtype != "success":
            errors = result.get("errors")
            detail = text or (json.dumps(errors) if errors else "") or "no details"
            raise AgentFailed(redact(f"claude reported {subtype}: {_short(detail)}", self.secrets))
        return text


class ClaudeRunner:
    name = "claude"

    def __init__(self, settings: RunSettings) -> None:
        self.settings = settings
        options = settings.backends.claude
        self.executable: str = options.executable or "claude"
        self.extra_args: list[str] = list(options.extra_args)
        self.key_env: str | None = options.api_key_env

    def model_for(self, job: AgentJob) -> str | None:
        """The job's model (the plan resolved it), else this backend's default."""
        return job.model or self.settings.default_model(self.name)

    def command(
        self, executable: str, job: AgentJob, system: str, prompts: list[str] | None = None
    ) -> list[str]:
        args = [executable, "-p", "--output-format", "stream-json", "--verbose"]
        model = self.model_for(job)
        if model:
            args += ["--model", model]
        if system:
            args += ["--append-system-prompt", system]
        return [*args, *(prompts or []), *self.extra_args]

    def would_run(self, job: AgentJob) -> str:
        prompt = build_prompt(job, files_in_text=False)
        prompts = ["--permission-prompt-tool", PROMPT_TOOL]
        line = shlex.join(self.command(self.executable, job, prompt.system, prompts))
        return line + " < (the prompt)"

    async def run(self, job: AgentJob, sink: OutputSink) -> AgentResult:
        executable = shutil.which(self.executable)
        if executable is None:
            raise AgentFailed(
                f"the Claude Code executable {self.executable!r} was not found; install Claude "
                "Code or set [backends.claude] executable in swarmtui.toml"
            )
        gate = job.process_gate()
        prompt = build_prompt(job, files_in_text=False)
        # Only these and what its sandbox allows (ANTHROPIC_*, CLAUDE_*): no other key.
        env = {"SWARM_SESSION_DIR": str(job.session_dir), "SWARM_AGENT": job.name}
        if self.key_env and os.environ.get(self.key_env):
            env[DEFAULT_KEY_ENVS["claude"]] = os.environ[self.key_env]
        secrets = secret_values(self.settings)
        parser = StreamJsonParser(sink, secrets)
        raw_lines: list[str] = []
        stderr_tail: list[str] = []
        async with permission_prompts(gate.ask_tool) as prompts:
            argv = self.command(executable, job, prompt.system, prompts.args)
            launch = await gate.launch(
                argv, workdir=job.session_dir, extra_env=env, readable=prompts.readable
            )
            status = await self._run(
                launch, executable, prompt.user, parser, sink, raw_lines, stderr_tail
            )
        files: list[str] = []
        with contextlib.suppress(OSError):
            text = redact("".join(raw_lines), secrets)
            files.append(write_log(job.session_dir, job.name, job.attempt, ".claude.jsonl", text))
        text = parser.outcome(status, stderr_tail)
        return AgentResult(
            text=text,
            tokens_in=parser.tokens_in,
            tokens_out=parser.tokens_out,
            cost_usd=parser.cost_usd,
            files=files,
        )

    async def _run(
        self,
        launch: Launch,
        executable: str,
        prompt: str,
        parser: StreamJsonParser,
        sink: OutputSink,
        raw_lines: list[str],
        stderr_tail: list[str],
    ) -> int:
        try:
            process = await spawn(
                launch.argv,
                reap=launch.reap,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=launch.cwd,
                env=launch.env,
            )
        except OSError as exc:
            raise AgentFailed(f"cannot start {executable}: {exc.strerror or exc}") from None
        try:
            status = await self._communicate(process, prompt, parser, sink, raw_lines, stderr_tail)
        except BaseException:
            _kill_group(process)
            with contextlib.suppress(ProcessLookupError):
                await process.wait()
            raise
        forget_group(process.pid)
        return status

    async def _communicate(
        self,
        process: asyncio.subprocess.Process,
        prompt: str,
        parser: StreamJsonParser,
        sink: OutputSink,
        raw_lines: list[str],
        stderr_tail: list[str],
    ) -> int:
        assert process.stdin and process.stdout and process.stderr

        async def feed_stdin() -> None:
            assert process.stdin
            # The process may exit without reading its prompt; that is its exit status's story.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                process.stdin.write(prompt.encode("utf-8"))
                await process.stdin.drain()
                process.stdin.close()

        async def read_stdout() -> None:
            assert process.stdout
            async for line in _lines(process.stdout):
                raw_lines.append(line + "\n")
                parser.feed(line)

        async def read_stderr() -> None:
            assert process.stderr
            async for line in _lines(process.stderr):
                line = redact(line, parser.secrets)
                stderr_tail.append(line)
                del stderr_tail[:-5]
                sink.output(line + "\n", "stderr")

        await asyncio.gather(feed_stdin(), read_stdout(), read_stderr())
        return await process.wait()


async def _lines(stream: asyncio.StreamReader) -> AsyncIterator[str]:
    """Lines of any length (readline's buffer limit would stop at a large JSON message)."""
    pending = b""
    while chunk := await stream.read(65536):
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for line in complete:
            yield line.decode("utf-8", "replace").rstrip("\r")
    if pending:
        yield pending.decode("utf-8", "replace")


def _kill_group(process: asyncio.subprocess.Process) -> None:
    kill_group(process.pid)


def create_runner(settings: RunSettings) -> ClaudeRunner:
    return ClaudeRunner(settings)
