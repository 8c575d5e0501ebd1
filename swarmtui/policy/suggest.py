"""The rule "approve for this session" would add for a request: narrow, but not a single use.

    npm install left-pad       -> Bash(npm install:*)     (a known tool and its sub-command)
    ./build.sh --fast          -> Bash(./build.sh:*)     (any other program, any arguments)
    docs/api/index.md (Write)  -> Write(docs/api/**)      (its folder)
    notes.md (Write)           -> Write(notes.md)
    example.com (WebFetch)     -> WebFetch(domain:example.com)

None when no safe pattern exists (a command whose name comes from an expansion, a line the
splitter could not analyse): such a request can only be approved once.
"""

from __future__ import annotations

import posixpath
import re
import shlex

from swarmtui.policy.permissions import Request
from swarmtui.policy.rules import Rule, RuleError, parse_rule
from swarmtui.policy.shell import split_commands

_SUBCOMMAND = re.compile(r"^[a-z][a-z0-9._-]*$")
# Programs whose second word is a sub-command (`git push`, `npm install`): their pattern keeps
# it, so approving `git status` does not approve `git push`. Any other program's pattern is the
# program with any arguments.
SUBCOMMAND_PROGRAMS = frozenset(
    """
    apt apt-get brew bun cargo composer conda deno docker dotnet gcloud gh git go gradle helm
    kubectl make mvn npm npx pip pip3 pipx pnpm podman poetry rustup systemctl terraform uv yarn
    """.split()  # noqa: SIM905 (a paragraph of names reads better than 32 lines)
)
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_TOOL_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _bash(command: str) -> str | None:
    line = split_commands(command)
    if line.opaque or len(line.commands) != 1 or line.commands[0].dynamic:
        return None
    words = [w for w in line.commands[0].matching_words if not _ASSIGNMENT.match(w)]
    if not words:
        return None
    head = [words[0]]
    program = posixpath.basename(words[0])
    if program in SUBCOMMAND_PROGRAMS and len(words) > 1 and _SUBCOMMAND.match(words[1]):
        head.append(words[1])
    return f"Bash({shlex.join(head)}:*)"


def _path(kind: str, request: Request) -> str | None:
    path = request.path if request.path is not None else request.absolute
    if not path or path == ".":
        return None
    folder = posixpath.dirname(path)
    if folder in ("", "/"):
        return f"{kind}({path})"
    prefix = "/" if path.startswith("/") and not folder.startswith("/") else ""
    return f"{kind}({prefix}{folder}/**)"


def suggest_rule(request: Request, subject: str | None = None) -> Rule | None:
    """The pattern for REQUEST; SUBJECT is the command of a Bash line that asked (a compound
    line's one command), else its whole line."""
    text: str | None
    if request.kind == "Bash":
        text = _bash(subject if subject is not None else request.command or "")
    elif request.kind in ("Write", "Edit", "Read"):
        text = _path("Write" if request.kind == "Edit" else request.kind, request)
    elif request.kind == "WebFetch":
        text = f"WebFetch(domain:{request.domain})" if request.domain else None
    elif request.kind == "WebSearch" or request.kind.startswith("mcp__"):
        text = request.kind
    else:
        text = None
    if text is None:
        return None
    try:
        return parse_rule(text, "session")
    except RuleError:
        return None


def tool_request(tool: str, tool_input: dict[str, object], root: str) -> Request:
    """The request for a tool an agent's own program (Claude Code) wants to use, its paths
    relative to ROOT (the agent's working folder)."""

    def text(*keys: str) -> str:
        for key in keys:
            value = tool_input.get(key)
            if isinstance(value, str) and value:
                return value
        return ""

    if tool == "Bash":
        return Request.bash(text("command"))
    if tool in ("Write", "Edit", "MultiEdit", "NotebookEdit"):
        path = text("file_path", "notebook_path", "path") or "."
        return Request.file("Write" if tool == "Write" else "Edit", path, root)
    if tool in ("Read", "Glob", "Grep", "LS"):
        return Request.file("Read", text("file_path", "path") or ".", root)
    if tool == "WebFetch":
        from urllib.parse import urlsplit

        try:
            host = urlsplit(text("url")).hostname or ""
        except ValueError:
            host = ""
        return Request.web_fetch(host)
    if tool.startswith("mcp__") or _TOOL_NAME.match(tool):
        return Request(tool)
    return Request("unknown tool")
