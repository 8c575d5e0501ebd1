"""A message's operations other than its agents: the instant ones done at once, the lasting ones
(a Bash command, a write waiting for a person) run as tasks that the message waits for."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import assert_never

from swarmtui.batch.models import (
    BashOp,
    MemoryOp,
    NoteOp,
    Operation,
    SwarmInitOp,
    TaskOp,
    TodoWriteOp,
    ToolOp,
    WriteOp,
)
from swarmtui.engine import operations as ops
from swarmtui.engine.bash import lasting_operation


class MessageOperations:
    """Runs operations in the context CTX; ON_ENDED is called as each lasting one ends."""

    def __init__(self, ctx: ops.OpContext, on_ended: Callable[[], None]) -> None:
        self._ctx = ctx
        self._on_ended = on_ended
        self.lasting: set[asyncio.Task[None]] = set()  # not ended yet

    def run(self, op: Operation) -> None:
        match op:
            case TodoWriteOp():
                ops.write_todos(self._ctx, op)
            case MemoryOp():
                ops.memory_op(self._ctx, op)
            case WriteOp() | BashOp():
                waiting = lasting_operation(self._ctx, op)
                if waiting is not None:
                    task = asyncio.get_running_loop().create_task(waiting)
                    self.lasting.add(task)
                    task.add_done_callback(self._ended)
            case SwarmInitOp() | NoteOp() | TaskOp() | ToolOp():
                pass  # swarm_init: applied by the plan; notes: nothing; tools: skipped, never run
            case _:
                assert_never(op)

    def _ended(self, task: asyncio.Task[None]) -> None:
        self.lasting.discard(task)
        self._on_ended()

    def cancel(self) -> None:
        """Stop every lasting operation (each records its end)."""
        for task in list(self.lasting):
            task.cancel()
