"""The MCP server Claude Code asks for permission: a stdio relay to the swarmtui that started it.

    python -I -S permission_mcp.py SOCKET

Claude Code starts it (from the `--mcp-config` swarmtui gives it) and calls its one tool,
`approve`, whenever it would prompt for a tool (`--permission-prompt-tool
mcp__swarmtui__approve`). The server speaks MCP over standard input and output (JSON-RPC 2.0, one
message a line: `initialize`, `tools/list`, `tools/call`, `ping`); each call is handed to swarmtui
over the Unix socket SOCKET as one JSON line (`{"tool_name", "input", "tool_use_id"}`), and
swarmtui's answer, one JSON line in the form Claude Code expects (`{"behavior": "allow",
"updatedInput": {...}}` or `{"behavior": "deny", "message": "..."}`), goes back as the tool's
text result. swarmtui decides by its rules, or queues the request for a person; the call waits.

It imports nothing but the standard library (it runs with `-I -S`, inside the agent's sandbox),
handles calls in parallel (one thread and one connection each), and answers "deny" when swarmtui
cannot be reached: a prompt nobody can see is never granted.
"""

import json
import socket
import sys
import threading

TOOL = "approve"
PROTOCOL_VERSIONS = ("2025-06-18", "2025-03-26", "2024-11-05")
SCHEMA = {
    "type": "object",
    "properties": {
        "tool_name": {"type": "string", "description": "The tool that asks for permission"},
        "input": {"type": "object", "description": "The input the tool would run with"},
        "tool_use_id": {"type": "string", "description": "The tool use's id"},
    },
    "required": ["tool_name", "input"],
}
_out = threading.Lock()
_calls: list[threading.Thread] = []


def send(message: dict[str, object]) -> None:
    line = json.dumps(message, ensure_ascii=False) + "\n"
    with _out:
        sys.stdout.write(line)
        sys.stdout.flush()


def ask_swarmtui(path: str, arguments: dict[str, object]) -> str:
    """swarmtui's answer for one call, as the JSON text Claude Code reads."""
    tool_input = arguments.get("input")
    request = {
        "tool_name": str(arguments.get("tool_name", "")),
        "input": tool_input if isinstance(tool_input, dict) else {},
        "tool_use_id": arguments.get("tool_use_id"),
    }
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.connect(path)
            conn.sendall((json.dumps(request) + "\n").encode("utf-8"))
            received = b""
            while not received.endswith(b"\n"):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                received += chunk
        answer = json.loads(received.decode("utf-8"))
        if not isinstance(answer, dict) or answer.get("behavior") not in ("allow", "deny"):
            raise ValueError("not an answer")
    except (OSError, ValueError) as exc:
        answer = {"behavior": "deny", "message": f"swarmtui did not answer ({exc}); denied"}
    return json.dumps(answer, ensure_ascii=False)


def call(path: str, message_id: object, params: dict[str, object]) -> None:
    name = params.get("name")
    arguments = params.get("arguments")
    if name != TOOL or not isinstance(arguments, dict):
        send(
            {
                "jsonrpc": "2.0",
                "id": message_id,
                "error": {"code": -32602, "message": f"unknown tool {name!r}"},
            }
        )
        return
    text = ask_swarmtui(path, arguments)
    send(
        {
            "jsonrpc": "2.0",
            "id": message_id,
            "result": {"content": [{"type": "text", "text": text}], "isError": False},
        }
    )


def handle(path: str, message: dict[str, object]) -> None:
    method = message.get("method")
    message_id = message.get("id")
    raw = message.get("params")
    params: dict[str, object] = raw if isinstance(raw, dict) else {}
    if message_id is None:
        return  # a notification (notifications/initialized, cancelled): nothing to answer
    if method == "initialize":
        asked = params.get("protocolVersion")
        version = asked if asked in PROTOCOL_VERSIONS else PROTOCOL_VERSIONS[0]
        result: dict[str, object] = {
            "protocolVersion": version,
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "swarmtui", "version": "1"},
        }
    elif method == "tools/list":
        result = {
            "tools": [
                {
                    "name": TOOL,
                    "description": "Ask swarmtui (its rules, or its user) for permission",
                    "inputSchema": SCHEMA,
                }
            ]
        }
    elif method == "tools/call":
        thread = threading.Thread(target=call, args=(path, message_id, params), daemon=True)
        thread.start()
        _calls.append(thread)
        return
    elif method == "ping":
        result = {}
    else:
        send(
            {
                "jsonrpc": "2.0",
                "id": message_id,
                "error": {"code": -32601, "message": f"method not found: {method}"},
            }
        )
        return
    send({"jsonrpc": "2.0", "id": message_id, "result": result})


def main() -> None:
    path = sys.argv[1]
    for line in sys.stdin:
        try:
            message = json.loads(line)
        except ValueError:
            send(
                {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "parse error"}}
            )
            continue
        if isinstance(message, dict):
            handle(path, message)
    for thread in _calls:  # answer what was asked before the input ended
        thread.join()


if __name__ == "__main__":
    main()
