"""The session the main screen shows: it starts a run of the batch, steers it, says how it ended.

The controller owns the `LiveSession` and the bridge's view of it; it knows no widget. The main
screen runs the session in its worker and tells the controller when that worker has ended.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Protocol, TypedDict

from swarmtui.ui.bridge import SessionBridge
from swarmtui.ui.empty_state import EMPTY_STATE
from swarmtui.ui.work import failure_line

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from swarmtui.batch.models import Batch
    from swarmtui.engine.confine.notify import Notification
    from swarmtui.engine.events import Event
    from swarmtui.engine.session import LiveSession
    from swarmtui.engine.settings import RunSettings
    from swarmtui.engine.state import SessionState
    from swarmtui.ui.fork_flow import ForkDraft

ENDED = frozenset({"done", "failed", "cancelled", "skipped"})
RETRIABLE = frozenset({"failed", "cancelled", "skipped"})


class Notify(Protocol):
    """How the controller speaks to the user (a screen's `notify`)."""

    def __call__(
        self,
        message: str,
        *,
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None: ...


class SessionOptions(TypedDict):
    """`new_live_session`'s keywords besides the batch."""

    settings: RunSettings
    sessions_dir: Path
    project_dir: Path | None


class RunContext(NamedTuple):  # (not a dataclass: made in a fifth of the time, at start-up)
    """What a run needs from the app: its settings (built on first use) and its folders."""

    settings: Callable[[], RunSettings]
    sessions_dir: Path
    project_dir: Path | None = None

    def session_options(self) -> SessionOptions:
        return SessionOptions(
            settings=self.settings(), sessions_dir=self.sessions_dir, project_dir=self.project_dir
        )


def parse_memory_value(text: str) -> Any:
    """What the user typed as a memory value: JSON when it is JSON, else the text itself."""
    import json  # (not on the start-up path)

    try:
        return json.loads(text)
    except ValueError:
        return text


def _why_not_completed(state: SessionState) -> str | None:
    """Why a session did not complete: its reason, else its first skipped operation's (a write
    refused or failed, a full disk...)."""
    if state.reason:
        return state.reason
    for _op, kind, reason in state.skipped:
        return f"{kind} skipped: {reason}"
    return None


def memory_value_text(value: Any) -> str:
    """VALUE as the memory form shows it (what `parse_memory_value` reads back as VALUE)."""
    import json

    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError:
            return value  # (plain text reads back as itself)
    return json.dumps(value, ensure_ascii=False)


class SessionController:
    """Starts, watches and steers one session at a time; the plan stands in before the first."""

    def __init__(
        self,
        context: RunContext,
        bridge: SessionBridge,
        notify: Notify,
        bell: Callable[[str], None] = lambda _sequence: None,
    ) -> None:
        self.context = context
        self.bridge = bridge
        self._notify = notify
        self._bell = bell
        self.live: LiveSession | None = None
        self.running = False
        self.planned: SessionState | None = None
        self.last_error: str | None = None
        # A fork being prepared: the run key starts it (see `swarmtui.ui.fork_flow`).
        self.fork: ForkDraft | None = None
        self._fork_batch: Batch | None = None

    def _say(self, message: str, severity: SeverityLevel = "information") -> None:
        # Names, keys and errors come from outside: never read as markup.
        self._notify(message, severity=severity, markup=False)

    @property
    def state(self) -> SessionState:
        """The session shown: the live or last one, else the batch's plan (before any run)."""
        state = self.bridge.state
        if state is EMPTY_STATE and self.planned is not None:
            return self.planned
        return state

    @property
    def session_path(self) -> Path | None:
        return self.live.path if self.live is not None else None

    def show_plan(self, plan: SessionState, batch: Batch | None = None) -> None:
        """Until a session runs, the agents and todos panels show what the batch would start
        (while a fork is prepared: the state it would start from)."""
        self.planned = plan
        if self.fork is not None and batch is not None and not self.running:
            self._fork_batch = batch
            self._show_fork()
        elif self.bridge.state is EMPTY_STATE:
            self.bridge.show_preview(plan)

    def forget_ended_session(self) -> None:
        """Another batch was loaded: a session that has ended leaves the panels, which show the
        new batch's plan (the session stays in the sessions browser). A running one stays."""
        if self.running or self.fork is not None or self.bridge.state is EMPTY_STATE:
            return
        self.live = None
        self.planned = None  # (the next lint brings the loaded batch's)
        self.bridge.preview = None
        self.bridge.attach(EMPTY_STATE, live=False)
        self.bridge.flush()

    # Forks ------------------------------------------------------------------------------------
    def prepare_fork(self, draft: ForkDraft, text: str) -> bool:
        """Show the state the fork would start from; the next run of the batch starts it."""
        if self.running:
            self._say("A session is running: the fork can start once it has ended.", "warning")
            return False
        from swarmtui.batch import parse_batch

        self.fork = draft
        self._fork_batch = parse_batch(text, source_name=draft.session_id)
        self._show_fork()
        if draft.note:
            self._say(draft.note, "warning")
        return True

    def _show_fork(self) -> None:
        if self.fork is None or self._fork_batch is None:
            return
        try:
            state = self.fork.preview(self._fork_batch, self.context.settings())
        except Exception as exc:  # a preview must never take the editor with it
            self._say(f"Cannot show the fork: {failure_line(exc)}", "error")
            return
        taken = self.fork.taken
        marker = self.fork.point.t
        bridge = self.bridge
        bridge.show_position(state, taken[-2000:], restart=True, marker=marker, axis_end=marker)
        bridge.flush()

    def drop_fork(self) -> None:
        """Forget the fork being prepared: the panels show the batch's plan again."""
        if self.fork is None:
            return
        self.fork = self._fork_batch = None
        self.bridge.attach(EMPTY_STATE, live=False)
        if self.planned is not None:
            self.bridge.show_preview(self.planned)
        self.bridge.flush()

    # Starting and ending ----------------------------------------------------------------------
    def start(self, text: str, source_name: str) -> LiveSession | None:
        """The session that runs `text`, shown on the panels; None (said why) if it cannot."""
        if self.running:
            self._say("A session is already running (X cancels it).", "warning")
            return None
        from swarmtui.engine.session import NothingToRun
        from swarmtui.store import fork_live_session, new_live_session

        options = self.context.session_options()
        try:
            if self.fork is not None:
                recording = self.fork.recording(text)
                live = fork_live_session(recording, source_name=source_name, **options)
            else:
                live = new_live_session(text, source_name=source_name, **options)
        except NothingToRun as exc:  # (the diagnostics under the editor say why)
            self._say(str(exc), "warning")
            return None
        except Exception as exc:  # a bad batch or folder must not take the editor with it
            self.last_error = failure_line(exc)
            self._say(f"Could not start the session: {self.last_error}", "error")
            return None
        self.fork = self._fork_batch = None
        live.hold_open = True  # (open for a retry after its last message, until the user ends it)
        self.watch(live)
        self._say_estimate(live)
        return live

    def _say_estimate(self, live: LiveSession) -> None:
        """Before the run spends: what it may use, as an estimate (nothing for a rehearsal)."""
        try:
            guess = live.estimate()
        except Exception:  # an estimate must never stop a run
            return
        if guess.tokens_in or guess.tokens_out:
            self._say(guess.line()[0].upper() + guess.line()[1:])

    def send_message(self, name: str, text: str) -> str | None:
        """Pass TEXT to the running agent NAME; why not, when it cannot be."""
        if self.live is None or not self.running:
            return "no session is running"
        return self.live.send_message(name, text, "user")

    def watch(self, live: LiveSession) -> None:
        """Show `live` on the panels as it runs."""
        bridge = self.bridge
        self.live = live
        self.running = True
        self.last_error = None
        bridge.attach(live.state, live=True)

        def forward(event: Event) -> None:
            bridge.state = live.state
            bridge.on_event(event)
            if event.type == "confinement" and getattr(event, "notice", None):
                # No sandbox here (or it is off): said once, where it cannot be missed.
                self._say(str(getattr(event, "notice", "")), "warning")

        live.subscribe(forward)
        live.terminal_notify = self._told

    def ended(self, error: BaseException | None) -> None:
        """The session's worker has ended: repaint the final picture and say how it went."""
        self.running = False
        bridge = self.bridge
        bridge.live_clock = False
        bridge.mark_dirty("agents", "timeline", "status")
        bridge.flush()
        if error is not None:
            self.last_error = failure_line(error)
            return  # the failure itself is reported where every worker's is
        live = self.live
        log_failed = live is not None and bool(live.log_error)
        if live is not None and live.log_error:  # the recording stopped short: say so loudly
            self._say(f"The session's recording failed: {live.log_error}", "error")
        state = self.state
        if state.status != "running":
            from swarmtui.engine.metrics import figures, format_speedup

            speedup = figures(state).speedup
            said = f", speed-up {format_speedup(speedup)}" if speedup is not None else ""
            why = None if log_failed or state.status == "completed" else _why_not_completed(state)
            severity: SeverityLevel = "error" if state.status == "failed" else "information"
            self._say(f"Session {state.status}{said}" + (f": {why}" if why else ""), severity)

    def _told(self, notification: Notification) -> None:
        """A notification of the session (`[notify]`): the terminal's own (a bell, and OSC 9 or
        777 where the terminal shows a desktop notification), and a line for what the user must
        act on (the end of the session is said when the worker ends)."""
        import os

        from swarmtui.engine.confine.notify import terminal_kinds, terminal_sequence

        self._bell(terminal_sequence(notification, terminal_kinds(os.environ)))
        if notification.event == "approval_requested":
            self._say(f"{notification.message} (a opens the queue)", "warning")
        elif notification.event == "agent_failed":
            self._say(notification.message, "error")

    # Steering ---------------------------------------------------------------------------------
    def _live_or_warn(self) -> LiveSession | None:
        if self.live is None or not self.running:
            self._say("No session is running (ctrl+r runs the batch).", "warning")
            return None
        return self.live

    def toggle_pause(self) -> None:
        live = self._live_or_warn()
        if live is None:
            return
        if self.state.paused:
            live.resume()
            self._say("Resumed")
        else:
            live.pause()
            self._say("Paused: no new agent starts; running ones finish")

    @property
    def held(self) -> bool:
        """The session's messages have all ended; it waits for a retry, a key, or its end."""
        return self.running and self.state.held

    def cancel_session(self) -> None:
        """Cancel what still runs; a held session (nothing runs) just ends."""
        live = self._live_or_warn()
        if live is None:
            return
        if self.held:
            live.end()
        else:
            live.cancel_session()

    def control_agent(self, action: Literal["cancel", "retry"], name: str) -> None:
        live = self._live_or_warn()
        if live is None:
            return
        agent = self.state.agents.get(name)
        if action == "cancel":
            if agent is not None and agent.status in ENDED:
                self._say(f"{name} has already ended ({agent.status}).")
                return
            live.cancel_agent(name)
        else:
            if agent is not None and agent.status not in RETRIABLE:
                self._say(f"Only an agent that has ended can be retried ({agent.status}).")
                return
            live.retry_agent(name)

    def set_todo_status(self, todo_id: str, status: str) -> None:
        """While a session runs it records the change; otherwise the todo shown (the plan's,
        or the last session's) changes on screen only: there is no session to record it in."""
        if self.live is not None and self.running:
            self.live.set_todo_status(todo_id, status)
            return
        todo = self.state.todos.get(todo_id)
        if todo is None:
            return
        from typing import cast

        from swarmtui.engine.events import TodoStatus

        todo.status = cast("TodoStatus", status)
        self.bridge.mark_dirty("todos")
        self.bridge.flush()

    def can_store_memory(self) -> bool:
        if self.fork is not None and not self.running:
            return True
        return self._live_or_warn() is not None

    def form_defaults(
        self, agent_name: str | None, memory_key: tuple[str, str] | None
    ) -> tuple[str, str, str]:
        """(key, value, namespace) the memory form starts with: while a fork is prepared, the
        key highlighted in the memory panel and its value at the point; otherwise the key the
        highlighted agent lacks."""
        entry = self.state.memory.get(memory_key) if memory_key is not None else None
        if self.fork is not None and entry is not None and not self.running:
            return entry.key, memory_value_text(entry.value), entry.namespace
        return self.key_awaited_by(agent_name), "", "default"

    def key_awaited_by(self, agent_name: str | None) -> str:
        """The first key `agent_name` still lacks (what the memory form suggests): a key it
        waits for, or for a glob, a key its providers were to store and have not."""
        state = self.state
        agent = state.agents.get(agent_name or "")
        if agent is None:
            return ""
        from swarmtui.memory_keys import key_matches

        for wanted in agent.missing or agent.waits:
            if "*" not in wanted:
                # (an agent skipped at the start saw none arrive: a key stored since is not it)
                if wanted not in agent.arrived and not state.has_key(wanted):
                    return wanted
                continue
            for provider in agent.providers.get(wanted, []):
                planned = state.agents.get(provider)
                for key in planned.stores if planned is not None else []:
                    if key_matches(key, wanted) and not state.has_key(key):
                        return key
        return ""

    def approve(self, request_id: str, *, for_session: bool = False) -> None:
        """Let a waiting request go ahead (once, or its pattern for the session)."""
        live = self._live_or_warn()
        if live is not None:
            live.approve(request_id, for_session=for_session)

    def deny(self, request_id: str, reason: str = "") -> None:
        live = self._live_or_warn()
        if live is not None:
            live.deny(request_id, reason)

    def store_memory(self, key: str, value: str, namespace: str) -> None:
        namespace = namespace or "default"
        if self.fork is not None and not self.running:
            self.fork.set_memory(key, parse_memory_value(value), namespace)
            self._show_fork()
            self._say(f"The fork starts with {namespace}:{key} set")
            return
        live = self._live_or_warn()
        if live is None:
            return
        live.store_memory(key, parse_memory_value(value), namespace=namespace)
        self._say(f"Stored {namespace}:{key}")
