"""A fork from inside a message that skipped an agent for a key nothing stores (SW004): skipped
again for the same reason, or run when the fork sets the key it lacked."""

from __future__ import annotations

import json
from pathlib import Path

from .forks import cli, record, rehearsal_settings

GHOST = """\
[Single Message - With a ghost]:
Task("Planner", "Plan. Store the plan in memory under 'swarm/plan'.", "planner")
Task("Ghost", "Wait for 'swarm/never' in memory, then report.", "analyst")
"""


def _fork(folder: Path, *options: str) -> dict[str, dict[str, object]]:
    sessions = folder.parent
    done = cli("fork", folder.name, "--sessions-dir", str(sessions), "--json", *options)
    state = json.loads(done.stdout)["state"]
    return {"": {"status": state["status"]}} | {a["name"]: a for a in state["agents"]}


def _inside_the_message(folder: Path) -> str:
    """The event number of the planner's start: after the ghost was skipped, in its message."""
    rows = [json.loads(line) for line in cli("export", str(folder)).stdout.splitlines()]
    return str(next(r["seq"] for r in rows if r["type"] == "agent_started"))


async def test_the_ghost_is_skipped_again_or_runs_when_the_fork_sets_its_key(
    tmp_path: Path,
) -> None:
    folder = await record(tmp_path / "sessions", rehearsal_settings(), GHOST)
    at = _inside_the_message(folder)

    again = _fork(folder, "--at", at)
    assert again["Ghost"]["status"] == "skipped" and "swarm/never" in str(again["Ghost"]["reason"])
    assert again["Planner"]["status"] == "done" and again[""]["status"] == "failed"

    rescued = _fork(folder, "--at", at, "--set", 'swarm/never="there"')
    assert rescued["Ghost"]["status"] == "done" and rescued[""]["status"] == "completed"
