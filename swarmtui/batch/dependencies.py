"""Dependency inference (§4): which memory keys each agent stores and waits for, and why."""

from __future__ import annotations

from pathlib import Path

from swarmtui.batch.diagnostics import Diagnostics
from swarmtui.batch.models import Batch
from swarmtui.batch.operations import TaskInfo


def resolve(
    batch: Batch, tasks: list[TaskInfo], diags: Diagnostics, project_dir: Path | None
) -> None:
    """Fill every task's `waits`, `stores` and `edges`."""
