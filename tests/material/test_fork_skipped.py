"""A fork from inside a message that skipped an agent for a key nothing stores (SW004): skipped
again for the same reason, or run when the fork sets the key it lacked."""

from __future__ import annotations

import json
from pathlib import Path

from .forks import cli, events, record, rehearsal_settings

GHOST = """\
[Single Message - With a ghost]:
Task("Planner", "Plan. Store the plan in memory under 'swarm/plan'.", "planner")
Task("Ghost", "Wait for 'swarm/never' in memory, then report.", "analyst")
"""


def _fork(folder: Path, *options: str) -> tuple[str, dict[str, dict[str, object]]]:
    """The fork's status and its agents by name (`swarmtui fork --json`)."""
    done = cli("fork", folder.name, "--sessions-dir", str(folder.parent), "--json", *options)
    state = json.loads(done.stdout)["state"]
    return state["status"], {a["name"]: a for a in state["agents"]}


async def test_the_ghost_is_skipped_again_or_runs_when_the_fork_sets_its_key(
    tmp_path: Path,
) -> None:
    folder = await record(tmp_path / "sessions", rehearsal_settings(), GHOST)
    # The planner's start: after the ghost was skipped, inside their message.
    at = str(events(folder, "agent_started")[0]["seq"])

    status, agents = _fork(folder, "--at", at)
    ghost = agents["Ghost"]
    assert ghost["status"] == "skipped" and "swarm/never" in str(ghost["reason"])
    assert agents["Planner"]["status"] == "done" and status == "failed"

    status, agents = _fork(folder, "--at", at, "--set", 'swarm/never="there"')
    assert agents["Ghost"]["status"] == "done" and status == "completed"
