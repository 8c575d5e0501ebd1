"""The `claude` runner: the Claude Code CLI in headless mode, one process per agent.

Runs `claude -p --output-format stream-json --verbose --input-format stream-json [--model M]
[--append-system-prompt S] [--resume SESSION] --mcp-config ... --permission-prompt-tool
mcp__swarmtui__approve [extra args]` in the session folder, through the agent's gate (sandboxed:
the session folder and Claude Code's own `~/.claude` writable, the network on, only its own
variables: `ANTHROPIC_*`, `CLAUDE_*`). Its own permission prompts come to swarmtui's rules and
approval queue (`permission_prompts`). The prompt is the first user message on its standard
input, which stays open: a message sent to the agent while it works becomes the next user turn
once Claude Code ends its current one (each turn ends with a `result`); when no message is
waiting, the input is closed and Claude Code exits. The JSON lines it prints (system/init with
its session id, assistant text and tool_use blocks, user tool_result blocks, each turn's
`result` with usage and cost) become output, usage and activity (its session id, the tools it
used, the files it changed), shown live. A line that is not JSON is passed on as output.
Cancelling kills the whole process group at once.

A retry of a failed agent resumes its Claude Code session (`--resume`) rather than starting
from scratch. A run that ends "successfully" with no answer and no file changed is suspicious,
and the agent's end says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shlex
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from swarmtui.backend_names import DEFAULT_KEY_ENVS
from swarmtui.engine.confine.gate import Launch
from swarmtui.engine.output_log import EVENT_OUTPUT_LIMIT, stored_once
from swarmtui.engine.process import forget_group, kill_group, spawn
from swarmtui.engine.runners.base import (
    AgentFailed,
    AgentJob,
    AgentResult,
    OutputSink,
    Preflight,
)
from swarmtui.engine.runners.files import write_log
from swarmtui.engine.runners.permission_prompts import PROMPT_TOOL, permission_prompts
from swarmtui.engine.runners.prompt import build_prompt
from swarmtui.engine.runners.secrets import redact, secret_values
from swarmtui.engine.settings import RunSettings

TOOL_TEXT_LIMIT = 300
# Claude Code's tools that change a file, and where their input names it.
FILE_TOOLS = {
    "Write": "file_path",
    "Edit": "file_path",
    "MultiEdit": "file_path",
    "NotebookEdit": "notebook_path",
}
DELIVERY = "as a user turn on Claude Code's input, once its current turn ends"
SILENT = (
    "suspicious: Claude Code ended 'successfully' with no answer and no file changed "
    "(its log is in artifacts/logs)"
)


def user_turn(text: str) -> str:
    """One user message of Claude Code's stream-JSON input, as a line."""
    message = {"role": "user", "content": [{"type": "text", "text": text}]}
    return json.dumps({"type": "user", "message": message}, ensure_ascii=False) + "\n"


def relative_file(path: str, session_dir: Path) -> str:
    """PATH relative to the session folder when it is inside it, else as given."""
    target = Path(path)
    if not target.is_absolute():
        return path
    try:
        return str(target.resolve().relative_to(session_dir.resolve()))
    except (ValueError, OSError):
        return path


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

    def __init__(self, sink: OutputSink, secrets: list[str], session_dir: Path) -> None:
        self.sink = sink
        self.secrets = secrets
        self.session_dir = session_dir
        self.texts: list[str] = []
        self.result: dict[str, Any] | None = None  # the last turn's
        self.results: list[str] = []  # each turn's result text
        self.tokens_in = 0
        self.tokens_out = 0
        self.cost_usd: float | None = None
        self.session_id: str | None = None
        self.files_changed: list[str] = []
        # message id -> (tokens in, tokens out): one API response may arrive as several lines.
        self._usage_by_message: dict[str, tuple[int, int]] = {}
        # What the turns that ended reported (each `result` has its turn's figures).
        self._done_in = 0
        self._done_out = 0
        self._done_cost: float | None = None
        self.turns_ended = 0
        # Both directions of the exchange, for its log; the last lines of its stderr.
        self.raw_lines: list[str] = []
        self.stderr_tail: list[str] = []
        self._turn_mark = sink.output_mark()  # where the turn's output began

    def _out(self, text: str, stream: Any) -> None:
        self.sink.output(redact(text if text.endswith("\n") else text + "\n", self.secrets), stream)

    def feed(self, line: str) -> str:
        """Take one line of its output; returns the line as its raw stream file keeps it."""
        if not line.strip():
            return line
        mark = self.sink.output_mark()
        try:
            data = json.loads(line)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            self._out(line, "stdout")
            return line
        kind = data.get("type")
        if kind == "system":
            self._system(data)
        elif kind == "assistant":
            self._assistant(data)
        elif kind == "user":
            self._user(data)
        elif kind == "result":
            turn, self._turn_mark = self._turn_mark, self.sink.output_mark()
            self._result(data)
            if len(line) > EVENT_OUTPUT_LIMIT:
                return self._stored_once(data, line, turn)
        if kind == "assistant" and len(line) > EVENT_OUTPUT_LIMIT:
            return self._stored_once(data, line, mark)
        return line

    def _stored_once(self, data: dict[str, Any], line: str, mark: int) -> str:
        """LINE with its long texts (an answer's blocks, a turn's result) replaced by where the
        agent's log file holds them, since MARK: a long answer is stored once."""
        where = self.sink.output_range(mark)
        if where is None:
            return line
        texts: list[tuple[dict[str, Any], str]] = [(data, "result")]
        message = data.get("message")
        if isinstance(message, dict):
            texts.append((message, "content"))
            content = message.get("content")
            if isinstance(content, list):
                blocks = [b for b in content if isinstance(b, dict) and b.get("type") == "text"]
                texts += [(block, "text") for block in blocks]
        changed = False
        for holder, field in texts:
            text = holder.get(field)
            if isinstance(text, str) and len(text) > EVENT_OUTPUT_LIMIT:
                holder[field] = stored_once(text, where)
                changed = True
        return json.dumps(data, ensure_ascii=False) if changed else line

    def _system(self, data: dict[str, Any]) -> None:
        if data.get("subtype") == "init":
            model = data.get("model", "?")
            session = data.get("session_id")
            if isinstance(session, str) and session and session != self.session_id:
                self.session_id = session
                self.sink.activity(session=session)
            self._out(f"claude session {session or '?'}, model {model}", "info")
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
                self._tool(block)
        usage = message.get("usage")
        if isinstance(usage, dict):
            key = str(message.get("id", len(self._usage_by_message)))
            out = usage.get("output_tokens")
            self._usage_by_message[key] = (_tokens_in(usage), out if isinstance(out, int) else 0)
            self.tokens_in = self._done_in + sum(p[0] for p in self._usage_by_message.values())
            self.tokens_out = self._done_out + sum(p[1] for p in self._usage_by_message.values())
            self.sink.usage(self.tokens_in, self.tokens_out, self._done_cost)

    def _tool(self, block: dict[str, Any]) -> None:
        name = block.get("name")
        name = name if isinstance(name, str) and name else "tool"
        tool_input = block.get("input")
        arguments = json.dumps(tool_input if tool_input is not None else {}, ensure_ascii=False)
        self._out(f"{name}: {_short(arguments)}", "tool")
        file = None
        field = FILE_TOOLS.get(name)
        if field is not None and isinstance(tool_input, dict):
            path = tool_input.get(field)
            if isinstance(path, str) and path:
                file = redact(relative_file(path, self.session_dir), self.secrets)
                if file not in self.files_changed:
                    self.files_changed.append(file)
        self.sink.activity(tool=name, file=file)

    def _user(self, data: dict[str, Any]) -> None:
        for block in self._blocks(data)[1]:
            if isinstance(block, dict) and block.get("type") == "tool_result":
                mark = "error: " if block.get("is_error") else ""
                text = _short(_tool_result_text(block.get("content", "")))
                self._out(f"  -> {mark}{text}", "tool")

    def _result(self, data: dict[str, Any]) -> None:
        """A turn ended: its own figures replace what its messages said (they are exact)."""
        self.result = data
        self.turns_ended += 1
        usage = data.get("usage")
        if isinstance(usage, dict):
            out = usage.get("output_tokens")
            self.tokens_in = self._done_in + _tokens_in(usage)
            if isinstance(out, int):
                self.tokens_out = self._done_out + out
        cost = data.get("total_cost_usd")
        if isinstance(cost, int | float) and not isinstance(cost, bool):
            self.cost_usd = (self._done_cost or 0.0) + float(cost)
        text = data.get("result")
        if isinstance(text, str):
            self.results.append(redact(text, self.secrets))
        self._done_in, self._done_out = self.tokens_in, self.tokens_out
        self._done_cost = self.cost_usd
        self._usage_by_message.clear()
        self.sink.usage(self.tokens_in, self.tokens_out, self.cost_usd, final=True)

    def outcome(self, exit_status: int, stderr_tail: list[str]) -> str:
        """The result text, or AgentFailed with a readable reason."""
        result = self.result
        if result is None:
            detail = f": {_short(' | '.join(stderr_tail))}" if stderr_tail else ""
            if exit_status != 0:
                raise AgentFailed(f"claude exited with status {exit_status}{detail}")
            raise AgentFailed(f"claude ended without a result message{detail}")
        text = "\n\n".join(self.results) if self.results else "\n".join(self.texts)
        subtype = result.get("subtype", "success")
        if result.get("is_error") or subtype != "success":
            errors = result.get("errors")
            last = result.get("result")
            detail = last if isinstance(last, str) else ""
            detail = detail or (json.dumps(errors) if errors else "") or "no details"
            raise AgentFailed(redact(f"claude reported {subtype}: {_short(detail)}", self.secrets))
        return text

    @property
    def silent(self) -> bool:
        """It ended "successfully" with no answer and no file changed."""
        text = "\n\n".join(self.results) if self.results else "\n".join(self.texts)
        return not text.strip() and not self.files_changed


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
        args += ["--input-format", "stream-json"]
        model = self.model_for(job)
        if model:
            args += ["--model", model]
        if system:
            args += ["--append-system-prompt", system]
        if job.resume_session:
            args += ["--resume", job.resume_session]
        return [*args, *(prompts or []), *self.extra_args]

    def first_turn(self, job: AgentJob, prompt: str) -> str:
        """What the first user message says: the prompt, or, resuming, how to go on."""
        if not job.resume_session:
            return prompt
        why = f" It ended with: {job.previous_failure}." if job.previous_failure else ""
        return (
            f"Your previous attempt at this task did not finish.{why} Go on with the task from "
            "where you stopped, and end with your answer."
        )

    def would_run(self, job: AgentJob) -> str:
        prompt = build_prompt(job, files_in_text=False)
        prompts = ["--permission-prompt-tool", PROMPT_TOOL]
        line = shlex.join(self.command(self.executable, job, prompt.system, prompts))
        return line + " < (the prompt)"

    async def preflight(self, models: list[str]) -> list[Preflight]:
        found = shutil.which(self.executable)
        if found is None:
            return [Preflight(self.executable, problem=self._missing())]
        return [Preflight(found, detail="Claude Code's executable")]

    def _missing(self) -> str:
        return (
            f"the Claude Code executable {self.executable!r} was not found; install Claude "
            "Code or set [backends.claude] executable in swarmtui.toml"
        )

    async def run(self, job: AgentJob, sink: OutputSink) -> AgentResult:
        executable = shutil.which(self.executable)
        if executable is None:
            raise AgentFailed(self._missing())
        gate = job.process_gate()
        prompt = build_prompt(job, files_in_text=False)
        # Only these and what its sandbox allows (ANTHROPIC_*, CLAUDE_*): no other key.
        env = {"SWARM_SESSION_DIR": str(job.session_dir), "SWARM_AGENT": job.name}
        if self.key_env and os.environ.get(self.key_env):
            env[DEFAULT_KEY_ENVS["claude"]] = os.environ[self.key_env]
        secrets = secret_values(self.settings)
        parser = StreamJsonParser(sink, secrets, job.session_dir)
        try:
            async with permission_prompts(gate.ask_tool) as prompts:
                argv = self.command(executable, job, prompt.system, prompts.args)
                launch = await gate.launch(
                    argv, workdir=job.working_folder, extra_env=env, readable=prompts.readable
                )
                status = await self._run(launch, executable, job, prompt.user, parser, sink)
        finally:
            written = self._write_log(job, parser.raw_lines, secrets)
        text = parser.outcome(status, parser.stderr_tail)
        files = [written] if written is not None else []
        return AgentResult(
            text=text,
            tokens_in=parser.tokens_in,
            tokens_out=parser.tokens_out,
            cost_usd=parser.cost_usd,
            files=files,
            warning=SILENT if parser.silent else None,
        )

    async def _run(
        self,
        launch: Launch,
        executable: str,
        job: AgentJob,
        prompt: str,
        parser: StreamJsonParser,
        sink: OutputSink,
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
        talk = _Talk(process, job, parser, sink, parser.raw_lines, parser.stderr_tail)
        try:
            status = await talk.run(self.first_turn(job, prompt))
        except BaseException:
            _kill_group(process)
            with contextlib.suppress(ProcessLookupError):
                await process.wait()
            raise
        forget_group(process.pid)
        return status

    def _write_log(self, job: AgentJob, raw_lines: list[str], secrets: list[str]) -> str | None:
        """The raw stream as `artifacts/logs/<agent>[.attemptN].claude.jsonl`: its path, or None
        when it could not be written."""
        try:
            text = redact("".join(raw_lines), secrets)
            return write_log(job.session_dir, job.name, job.attempt, ".claude.jsonl", text)
        except OSError:
            return None


class _Talk:
    """One Claude Code process: its input turns, its output lines, its stderr."""

    def __init__(
        self,
        process: asyncio.subprocess.Process,
        job: AgentJob,
        parser: StreamJsonParser,
        sink: OutputSink,
        raw_lines: list[str],
        stderr_tail: list[str],
    ) -> None:
        self.process = process
        self.inbox = job.inbox
        self.parser = parser
        self.sink = sink
        self.raw_lines = raw_lines
        self.stderr_tail = stderr_tail
        # A result ended a turn (True), or the output ended (False).
        self.turns: asyncio.Queue[bool] = asyncio.Queue()

    async def run(self, first: str) -> int:
        await asyncio.gather(self.converse(first), self.read_stdout(), self.read_stderr())
        return await self.process.wait()

    async def _say(self, text: str) -> bool:
        """Write one user turn; False when the process no longer reads."""
        stdin = self.process.stdin
        assert stdin is not None
        line = user_turn(text)
        self.raw_lines.append(line)
        try:
            stdin.write(line.encode("utf-8"))
            await stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            return False  # it exited without reading: its exit status tells the story
        return True

    def _close_input(self, reason: str) -> None:
        if self.inbox is not None:
            self.inbox.close(reason)
        stdin = self.process.stdin
        assert stdin is not None
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            stdin.close()

    async def converse(self, first: str) -> None:
        if self.inbox is not None:
            self.inbox.open(DELIVERY)
        if not await self._say(first):
            self._close_input("Claude Code has exited")
            return
        while await self.turns.get():
            result = self.parser.result or {}
            pending = self.inbox.take() if self.inbox is not None else []
            if not pending or result.get("is_error"):
                self._close_input("its answer is complete")
                return
            many = f"{len(pending)} messages" if len(pending) > 1 else "a message"
            self.sink.output(f"passing {many} on to Claude Code as a user turn\n", "info")
            if not await self._say("\n\n".join(pending)):
                break
        self._close_input("Claude Code has exited")

    async def read_stdout(self) -> None:
        assert self.process.stdout
        try:
            async for line in _lines(self.process.stdout):
                ended = self.parser.turns_ended
                self.raw_lines.append(self.parser.feed(line) + "\n")
                if self.parser.turns_ended > ended:
                    self.turns.put_nowait(True)
        finally:
            self.turns.put_nowait(False)

    async def read_stderr(self) -> None:
        assert self.process.stderr
        async for line in _lines(self.process.stderr):
            line = redact(line, self.parser.secrets)
            self.stderr_tail.append(line)
            del self.stderr_tail[:-5]
            self.sink.output(line + "\n", "stderr")


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
