"""Tell the user when something waits for them, an agent fails, or the session ends.

Two ways, both optional (`[notify]`): the terminal's own notification, and a command.

- The terminal: a bell, plus a desktop notification where the terminal is known to show one:
  OSC 9 (iTerm2, WezTerm, Windows Terminal, ConEmu, kitty, Ghostty) or OSC 777 (rxvt-unicode,
  foot, Ghostty). Nothing is written unless the stream is a terminal (never escape sequences into
  a pipe or a file), and inside tmux or screen only the bell (they do not pass the others on by
  default). Text from outside (agent names, failure reasons) is stripped of every control and
  formatting character before it goes into a sequence, so it cannot end it or start another.
- `[notify] command`: run through the gate (sandboxed, with only the basic environment) with the
  event as JSON on its standard input, and SWARMTUI_EVENT / SWARMTUI_TITLE / SWARMTUI_MESSAGE
  set; it is killed after `timeout` seconds. Its failure is returned as one line, never raised.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

from swarmtui.engine.confine.gate import Gate, ProcessKind
from swarmtui.policy.tables import NotifyConfig, NotifyEvent

_BEL = "\a"
_OSC = "\x1b]"
_MAX_TEXT = 200


@dataclass(frozen=True)
class Notification:
    event: NotifyEvent
    message: str  # one line: "coder waits for approval: npm install"
    title: str = "swarmtui"
    session: str | None = None
    agent: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            {
                "event": self.event,
                "title": self.title,
                "message": self.message,
                "session": self.session,
                "agent": self.agent,
                **dict(self.details),
            },
            ensure_ascii=False,
        )


def plain(text: str, limit: int = _MAX_TEXT) -> str:
    """TEXT with every control and formatting character (C0, C1, ESC, bidi overrides) turned
    into a space, shortened to LIMIT characters: safe inside an escape sequence."""
    cleaned = "".join(
        " " if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") else char for char in text
    )
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def terminal_kinds(environ: Mapping[str, str]) -> frozenset[str]:
    """Which notifications this terminal shows: `bell` always, `osc9` / `osc777` where known."""
    term = environ.get("TERM", "")
    program = environ.get("TERM_PROGRAM", "")
    if environ.get("TMUX") or term.startswith(("screen", "tmux")):
        return frozenset({"bell"})
    kinds = {"bell"}
    if (
        program in ("iTerm.app", "WezTerm", "ghostty")
        or environ.get("WT_SESSION")
        or environ.get("ConEmuANSI") == "ON"
        or term == "xterm-kitty"
        or environ.get("KITTY_WINDOW_ID")
    ):
        kinds.add("osc9")
    if term.startswith(("rxvt-unicode", "foot")) or program == "ghostty":
        kinds.add("osc777")
    return frozenset(kinds)


def terminal_sequence(notification: Notification, kinds: frozenset[str]) -> str:
    """What to write to the terminal for NOTIFICATION (the richest kind it shows, and a bell)."""
    title, message = plain(notification.title, 60), plain(notification.message)
    if "osc777" in kinds:
        # Fields are separated by ';': none may hold one.
        title, message = title.replace(";", ","), message.replace(";", ",")
        return f"{_OSC}777;notify;{title};{message}{_BEL}"
    if "osc9" in kinds:
        return f"{_OSC}9;{title}: {message}{_BEL}"
    return _BEL if "bell" in kinds else ""


def notify_terminal(
    notification: Notification, stream: TextIO, environ: Mapping[str, str] | None = None
) -> bool:
    """Write the terminal's notification to STREAM if it is a terminal; whether anything was."""
    try:
        if not stream.isatty():
            return False
    except (ValueError, OSError):  # closed
        return False
    sequence = terminal_sequence(notification, terminal_kinds(environ or os.environ))
    if not sequence:
        return False
    try:
        stream.write(sequence)
        stream.flush()
    except (ValueError, OSError):
        return False
    return True


class Notifier:
    """Sends the configured notifications for a session."""

    def __init__(
        self,
        config: NotifyConfig,
        gate: Gate,
        *,
        stream: TextIO | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.gate = gate
        self.stream = stream
        self.environ = environ

    def wants(self, event: NotifyEvent) -> bool:
        return event in self.config.events

    async def notify(self, notification: Notification) -> str | None:
        """Send NOTIFICATION; returns None, or one line saying why the command failed."""
        if not self.wants(notification.event):
            return None
        if self.config.terminal and self.stream is not None:
            notify_terminal(notification, self.stream, self.environ)
        if not self.config.command:
            return None
        return await self.run_command(notification)

    async def run_command(self, notification: Notification) -> str | None:
        command = self.config.command or ""
        decision = self.gate.check_process(ProcessKind.NOTIFY)
        if decision.verdict != "allow":
            return f"the [notify] command was not run: {decision.reason}"
        errors: list[str] = []

        def keep_errors(stream: str, text: str) -> None:
            if stream == "stderr" and sum(map(len, errors)) < 4096:
                errors.append(text)

        extra = {
            "SWARMTUI_EVENT": notification.event,
            "SWARMTUI_TITLE": plain(notification.title),
            "SWARMTUI_MESSAGE": plain(notification.message),
        }
        try:
            status = await self.gate.run(
                ProcessKind.NOTIFY,
                ["/bin/sh", "-c", command],
                workdir=None,
                on_output=keep_errors,
                extra_env=extra,
                stdin=(notification.to_json() + "\n").encode("utf-8"),
                timeout=self.config.timeout,
            )
        except TimeoutError:
            return (
                f"the [notify] command took longer than {self.config.timeout:g} s and was stopped"
            )
        except OSError as exc:
            return f"the [notify] command could not be started ({exc.strerror or exc})"
        if status != 0:
            last = (
                plain("".join(errors).strip().splitlines()[-1]) if "".join(errors).strip() else ""
            )
            return f"the [notify] command exited with status {status}" + (
                f": {last}" if last else ""
            )
        return None
