"""What "approve for this session" allows: narrow patterns, and none where none is safe."""

from __future__ import annotations

import pytest

from swarmtui.policy.permissions import Request
from swarmtui.policy.suggest import suggest_rule, tool_request


@pytest.mark.parametrize(
    ("request_", "subject", "pattern"),
    [
        (Request.bash("npm install left-pad"), None, "Bash(npm install:*)"),
        (Request.bash("git push origin main"), None, "Bash(git push:*)"),
        (Request.bash("git --no-pager log"), None, "Bash(git:*)"),
        (Request.bash("echo hello"), None, "Bash(echo:*)"),
        (Request.bash("./build.sh --fast"), None, "Bash(./build.sh:*)"),
        (Request.bash("CI=1 make test"), None, "Bash(make test:*)"),
        (Request.bash("npm test && git push"), "git push", "Bash(git push:*)"),
        (Request.bash("$TOOL run"), None, None),
        (Request.bash("echo $(whoami"), None, None),
        (Request.file("Write", "docs/api/index.md", "/s"), None, "Write(docs/api/**)"),
        (Request.file("Edit", "notes.md", "/s"), None, "Write(notes.md)"),
        (Request.file("Read", "/etc/hosts", "/s"), None, "Read(/etc/**)"),
        (Request.web_fetch("example.com"), None, "WebFetch(domain:example.com)"),
        (Request("mcp__github__create_pr"), None, "mcp__github__create_pr"),
        (Request("Task"), None, None),
    ],
)
def test_the_pattern_for_a_request(request_: Request, subject: str | None, pattern: str) -> None:
    rule = suggest_rule(request_, subject)
    assert (rule.text if rule is not None else None) == pattern


def test_a_suggested_pattern_matches_the_request_it_came_from() -> None:
    from swarmtui.policy.permissions import Policy

    for request in (
        Request.bash("npm install left-pad"),
        Request.file("Write", "docs/api/index.md", "/s"),
        Request.web_fetch("example.com"),
    ):
        rule = suggest_rule(request)
        assert rule is not None
        assert Policy(default="deny", allow=(rule,)).decide(request).verdict == "allow"


def test_claude_codes_tools_become_requests_relative_to_the_agents_folder() -> None:
    assert tool_request("Bash", {"command": "ls"}, "/s") == Request.bash("ls")
    write = tool_request("Edit", {"file_path": "/s/src/app.py", "old_string": "a"}, "/s")
    assert (write.kind, write.path, write.absolute) == ("Edit", "src/app.py", "/s/src/app.py")
    assert tool_request("WebFetch", {"url": "https://docs.example.org/x"}, "/s").domain == (
        "docs.example.org"
    )
    assert tool_request("mcp__srv__tool", {}, "/s").kind == "mcp__srv__tool"
    assert tool_request("bad name!", {}, "/s").kind == "unknown tool"
