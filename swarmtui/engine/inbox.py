"""An agent's inbox: messages a person sends to it while it runs, until its backend takes them.

The runner opens the inbox when it can take messages (`open`, saying how it passes them on: a
user turn on Claude Code's input, a user turn before the next request, a line on standard
input) and closes it, with the reason, once it no longer can. Between the two, `put` queues a
message and the runner `take`s what is there when it can pass it on (`wait` wakes it up).
Everything happens on the event loop's thread: a runner that takes the last messages and closes
the inbox in the same step never leaves one behind.
"""

from __future__ import annotations

import asyncio
from collections import deque

NOT_STARTED = "it has not started to talk to its backend yet"
REHEARSED = "it is a rehearsal, in which nothing runs that could read one"


class Inbox:
    def __init__(self) -> None:
        self._pending: deque[str] = deque()
        self._arrived: asyncio.Event | None = None
        self.delivery: str | None = None
        self._refusal: str | None = NOT_STARTED

    def open(self, delivery: str) -> None:
        """From now on messages are taken; DELIVERY says how they reach the agent."""
        self.delivery = delivery
        self._refusal = None

    def close(self, reason: str) -> None:
        """No more messages (REASON says why); those still queued stay for the next attempt."""
        self._refusal = reason

    @property
    def refusal(self) -> str | None:
        """Why a message cannot be taken now, or None when it can."""
        return self._refusal

    def put(self, text: str) -> None:
        self._pending.append(text)
        if self._arrived is not None:
            self._arrived.set()

    def take(self) -> list[str]:
        """Every message queued, oldest first (and the inbox is empty)."""
        taken = list(self._pending)
        self._pending.clear()
        if self._arrived is not None:
            self._arrived.clear()
        return taken

    def __len__(self) -> int:
        return len(self._pending)

    async def wait(self) -> None:
        """Until a message is queued (at once when one is)."""
        if self._pending:
            return
        if self._arrived is None:
            self._arrived = asyncio.Event()
        await self._arrived.wait()
