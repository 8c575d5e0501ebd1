"""The app shows where agents ran: a worker column in the agents panel, the cluster (workers,
slots) in the status bar, and the cluster's events in the log; so does the headless summary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from swarmtui.commands.session_text import agent_lines, operation_lines
from swarmtui.config import ExecutorOptions
from swarmtui.engine.state import ClusterState, SessionState
from swarmtui.engine.summary import summary_json
from swarmtui.ui.widgets.agents_panel import AgentsPanel
from swarmtui.ui.widgets.log_panel import describe

from ..engine.helpers import one_message, run, task
from ..ui.helpers import SIZE, app_for, settle, show_session
from .conftest import Cluster


async def test_the_app_shows_each_agents_worker_and_the_cluster(
    cluster: Cluster, tmp_path: Path
) -> None:
    r = await run(
        one_message(task(0, "Alpha"), task(1, "Beta")),
        tmp_path,
        executor=ExecutorOptions(address=cluster.address),
    )
    names: dict[str, str] = cluster.client.run(lambda dask_worker: str(dask_worker.name))
    scheduler = cluster.address.replace("dask://", "tcp://")
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await show_session(pilot, r.events)
        panel = screen.query_one(AgentsPanel)
        assert "worker" in panel.render_header(0, 120).plain
        for index, name in enumerate(["Alpha", "Beta"]):
            row = panel.render_row(index, 120).plain
            assert f" {names[r.state.agents[name].worker or '']} " in row, row
        status = str(screen.status_bar.render_status())
        assert f"⛁ {scheduler} 2 workers 4 slots" in status, status
    told = [describe(e) for e in r.events if e.type in ("cluster_changed", "placed_on_worker")]
    assert told[0] == ("session", f"cluster {scheduler}: 2 workers, 4 slots")
    assert ("Alpha", f"attempt 1 on worker {r.state.agents['Alpha'].worker} (") in [
        (who, what[: what.index("(") + 1]) for who, what in told[1:]
    ]
    # Headless: each agent's line says where it ran; the summary JSON too.
    assert any(line.endswith(f"Alpha (general) on {names[r.state.agents['Alpha'].worker or '']}")
               for line in agent_lines(r.state))  # fmt: skip
    assert f"cluster {scheduler}: 2 workers, 4 slots" in operation_lines(r.state)
    summary = summary_json(r.state, r.session.path)
    assert summary["cluster"]["workers"] == 2
    assert {a["name"]: a["worker"] for a in summary["agents"]} == {
        name: r.state.agents[name].worker for name in ("Alpha", "Beta")
    }


def test_a_cluster_of_one_worker_and_one_slot_is_told_in_the_singular() -> None:
    state = SessionState(cluster=ClusterState(executor="dask://127.0.0.1:8786", workers=1, slots=1))
    assert operation_lines(state)[0] == "cluster dask://127.0.0.1:8786: 1 worker, 1 slot"


def test_the_app_starts_a_local_cluster_of_its_own(tmp_path: Path) -> None:
    """`--executor dask-local:2` in the app: its workers start although the app holds the
    standard error (they failed: "Nanny failed to start")."""
    ran = subprocess.run(
        [sys.executable, "-m", "tests.dask.local_in_app", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    end = json.loads(ran.stdout.strip().splitlines()[-1])
    assert (end["status"], end["reason"]) == ("completed", None), end
    assert end["worker"]
