"""Claude Code's own permission prompts, answered by swarmtui's rules and approval queue.

A headless `claude -p` that wants a tool no rule of its own allows would prompt nobody and give
up. Instead each claude agent runs with

    --mcp-config '{"mcpServers": {"swarmtui": {...permission_mcp.py SOCKET}}}'
    --permission-prompt-tool mcp__swarmtui__approve

and `permission_prompts(ask)` listens on SOCKET (a Unix socket in a private temporary folder,
re-exposed read-only inside the agent's sandbox: a socket needs no write access to be reached)
for the calls `permission_mcp.py` relays, asks ASK (the agent's gate: swarmtui's rules, then a
person) and answers in Claude Code's form: `{"behavior": "allow", "updatedInput": <the input>}`
or `{"behavior": "deny", "message": <why>}`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from swarmtui.engine.runners.base import ToolAnswer

SERVER = "swarmtui"
PROMPT_TOOL = f"mcp__{SERVER}__approve"
SCRIPT = Path(__file__).with_name("permission_mcp.py")
# A call carries the tool's whole input (a Write carries the file): lines may be long.
LINE_LIMIT = 64 * 1024 * 1024

Ask = Callable[[str, dict[str, Any]], Awaitable[ToolAnswer]]


@dataclass(frozen=True)
class PromptSetup:
    """What the claude command line needs: its extra arguments, and the paths its sandbox
    must show (the socket's folder, the relay and the Python that runs it)."""

    args: list[str]
    readable: tuple[Path, ...]


def _python_paths() -> tuple[Path, ...]:
    executable = Path(sys.executable)
    found = [executable.parent, Path(os.path.realpath(executable)).parent, Path(sys.base_prefix)]
    return tuple(dict.fromkeys(found))


async def _serve(ask: Ask, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        line = await reader.readline()
        try:
            call = json.loads(line)
            tool = call["tool_name"]
            tool_input = call["input"]
            if not isinstance(tool, str) or not isinstance(tool_input, dict):
                raise TypeError("tool_name and input")
        except (ValueError, KeyError, TypeError) as exc:
            reply: dict[str, Any] = {"behavior": "deny", "message": f"malformed request ({exc})"}
        else:
            answer = await ask(tool, tool_input)
            if answer.allowed:
                reply = {"behavior": "allow", "updatedInput": tool_input}
            else:
                reply = {"behavior": "deny", "message": answer.reason}
        writer.write((json.dumps(reply, ensure_ascii=False) + "\n").encode("utf-8"))
        await writer.drain()
    except (ConnectionError, asyncio.LimitOverrunError, ValueError):
        pass  # the relay went away (its agent ended): nothing to answer
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


@contextlib.asynccontextmanager
async def permission_prompts(ask: Ask) -> AsyncIterator[PromptSetup]:
    """Answer one claude process's permission prompts while the block runs."""
    # A socket's path has at most 107 bytes: a short private folder, not the session's.
    folder = tempfile.mkdtemp(prefix="swarmtui-")
    path = os.path.join(folder, "prompts")
    tasks: set[asyncio.Task[None]] = set()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            tasks.add(task)
        try:
            await _serve(ask, reader, writer)
        finally:
            if task is not None:
                tasks.discard(task)

    server = await asyncio.start_unix_server(serve, path=path, limit=LINE_LIMIT)
    relay = [sys.executable, "-I", "-S", str(SCRIPT), path]
    config = {"mcpServers": {SERVER: {"type": "stdio", "command": relay[0], "args": relay[1:]}}}
    try:
        yield PromptSetup(
            args=["--mcp-config", json.dumps(config), "--permission-prompt-tool", PROMPT_TOOL],
            readable=(Path(folder), SCRIPT, *_python_paths()),
        )
    finally:
        server.close()
        for task in list(tasks):  # prompts still waiting (the agent ended or was cancelled)
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(asyncio.CancelledError):
            await server.wait_closed()
        shutil.rmtree(folder, ignore_errors=True)
