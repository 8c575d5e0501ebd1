"""Tell the user when a request waits for them, an agent fails, or the session ends.

A session's events are watched (`SessionNotifier.__call__` is a subscriber) and each of the
three becomes a `Notification`: shown by the terminal hook the front end gives (the headless
run writes a bell, or OSC 9 / OSC 777 where the terminal shows them, to its terminal; the app
rings its own bell) and, when configured, sent to `[notify] command` with the event as JSON
(`swarmtui.engine.confine.notify`). In a rehearsal, which starts no process, the command is not
run. A command that fails or times out never stops the session: its one-line reason is kept in
`errors` for the front end to show.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from swarmtui.engine.confine.notify import Notification, Notifier
from swarmtui.engine.events import AgentFinished, ApprovalRequested, Event, SessionFinished
from swarmtui.engine.guard import SessionGuard
from swarmtui.policy.tables import NotifyConfig

TerminalHook = Callable[[Notification], None]
# The events that may become a notification.
_TOLD = frozenset({"approval_requested", "agent_finished", "session_finished"})
# At most this many failures of the command are kept (one line each).
MAX_ERRORS = 10


def notification_for(event: Event, session_id: str) -> Notification | None:
    """The notification EVENT deserves, if any."""
    match event:
        case ApprovalRequested():
            who = event.agent or "the batch"
            return Notification(
                "approval_requested",
                f"{who} waits for approval: {event.tool} {event.subject}",
                session=session_id,
                agent=event.agent,
                details={"request": event.id, "tool": event.tool, "subject": event.subject},
            )
        case AgentFinished(status="failed"):
            return Notification(
                "agent_failed",
                f"{event.agent} failed: {event.reason or 'no reason given'}",
                session=session_id,
                agent=event.agent,
                details={"reason": event.reason},
            )
        case SessionFinished():
            reason = f": {event.reason}" if event.reason else ""
            return Notification(
                "session_ended",
                f"session {event.status}{reason}",
                session=session_id,
                details={"status": event.status},
            )
    return None


class SessionNotifier:
    """Subscribe it to a session; `await drain()` before the process ends."""

    def __init__(
        self,
        config: NotifyConfig,
        guard: SessionGuard,
        session_id: str,
        *,
        terminal: TerminalHook | None = None,
        run_command: bool = True,
    ) -> None:
        self.config = config
        self.guard = guard
        self.session_id = session_id
        self.terminal = terminal if config.terminal else None
        self.run_command = run_command and bool(config.command)
        self.errors: list[str] = []
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def active(self) -> bool:
        """Whether any event would be told anywhere (else it need not listen at all)."""
        return bool(self.config.events) and (self.terminal is not None or self.run_command)

    def __call__(self, event: Event) -> None:
        if event.type not in _TOLD:  # (cheap: called for every event)
            return
        notification = notification_for(event, self.session_id)
        if notification is None or notification.event not in self.config.events:
            return
        if self.terminal is not None:
            self.terminal(notification)
        if self.run_command:
            task = asyncio.get_running_loop().create_task(self._send(notification))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _send(self, notification: Notification) -> None:
        notifier = Notifier(self.config, self.guard.configured_gate())
        problem = await notifier.run_command(notification)
        if problem is not None and len(self.errors) < MAX_ERRORS:
            self.errors.append(problem)

    async def drain(self) -> None:
        """Wait for the commands still running (each is bounded by `[notify] timeout`)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
