"""Persistence: the per-session SQLite event log, the sessions index and the replay reader."""

from __future__ import annotations

from swarmtui.store.errors import SessionStoreError
from swarmtui.store.eventlog import EventLog, writer_alive
from swarmtui.store.fork import ForkSource, fork_live_session, fork_recording, read_fork_source
from swarmtui.store.live import new_live_session, read_recording, resume_live_session
from swarmtui.store.reader import read_events, read_events_tolerantly, read_session_row
from swarmtui.store.replay import replay_state
from swarmtui.store.sessions import SessionInfo, list_sessions, resolve_session, session_info

__all__ = [
    "EventLog",
    "ForkSource",
    "SessionInfo",
    "SessionStoreError",
    "fork_live_session",
    "fork_recording",
    "list_sessions",
    "new_live_session",
    "read_events",
    "read_events_tolerantly",
    "read_fork_source",
    "read_recording",
    "read_session_row",
    "replay_state",
    "resolve_session",
    "resume_live_session",
    "session_info",
    "writer_alive",
]
