"""One way to work off the event loop, and one way to report that it failed.

Every worker is a method decorated `@work(..., group=..., exit_on_error=False,
description=...)` on a node that derives from `ReportsFailures`; it hands its result back as a
typed message. When one raises, `ReportsFailures` turns that into a `WorkFailed` message, which
bubbles up to the app: the app shows it to the user, unless a node on the way shows it in place
and stops it. A failure never touches the editor or its text.
"""

from __future__ import annotations

from textual.message import Message
from textual.worker import Worker, WorkerState


def failure_line(error: BaseException | None) -> str:
    """One line for the user: the error's type and the first line of its message."""
    if error is None:
        return "unknown error"
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


class WorkFailed(Message):
    """A worker raised: `text` says what failed and why, in one line (the worker's description,
    with the reason in place of `{reason}`, or after it)."""

    def __init__(self, group: str, description: str, error: BaseException | None) -> None:
        super().__init__()
        self.group = group
        self.description = description
        self.error = error

    @property
    def reason(self) -> str:
        return failure_line(self.error)

    @property
    def text(self) -> str:
        if "{reason}" in self.description:
            return self.description.replace("{reason}", self.reason)
        return f"{self.description}: {self.reason}"


class ReportsFailures:
    """Mixin for the nodes that run workers: a worker that failed posts `WorkFailed`."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state == WorkerState.ERROR:
            description = worker.description or f"{worker.group} failed"
            worker.node.post_message(WorkFailed(worker.group, description, worker.error))
