"""Batch-level checks of §7 that need the whole batch (cycles, messages, todos, duplicates)."""

from __future__ import annotations

from swarmtui.batch.diagnostics import Diagnostics
from swarmtui.batch.models import Batch
from swarmtui.batch.operations import TaskInfo


def lint(batch: Batch, tasks: list[TaskInfo], diags: Diagnostics) -> None:
    """Add the whole-batch diagnostics to `diags`."""
