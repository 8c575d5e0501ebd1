"""The app running a batch on `--executor dask-local:2`, in a process of its own (run by
`test_app.py`): a fresh process, so the cluster's helper processes start under the app's own
standard error, as for a user. Prints the session's end as JSON."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from swarmtui.config import ExecutorOptions
from swarmtui.engine.settings import RunSettings
from tests.ui.helpers import app_for, settle, wait_for_state


async def run_in_app(folder: Path) -> dict[str, object]:
    executor = ExecutorOptions(address="dask-local:2", local_slots=1)
    settings = RunSettings(backend="command", command_template="echo hi", executor=executor)
    app = app_for(folder, 'Task("a", "Say hi.", "coder")\n', settings=settings)
    async with app.run_test(size=(140, 42)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        state = await wait_for_state(pilot, lambda s: s.finished, timeout=120)
        agent = state.agents["a"]
        return {"status": state.status, "reason": state.reason, "worker": agent.worker}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run_in_app(Path(sys.argv[1])))))
