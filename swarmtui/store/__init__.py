"""Persistence: the per-session SQLite event log, the sessions index and the replay reader."""

from __future__ import annotations

from swarmtui.store.errors import SessionStoreError
from swarmtui.store.eventlog import EventLog, writer_alive
from swarmtui.store.live import new_live_session, read_recording, resume_live_session
from swarmtui.store.reader import read_events, read_session_row
from swarmtui.store.replay import replay_state
from swarmtui.store.sessions import SessionInfo, list_sessions, resolve_session, session_info

__all__ = [
    "EventLog",
    "SessionInfo",
    "SessionStoreError",
    "list_sessions",
    "new_live_session",
    "read_events",
    "read_recording",
    "read_session_row",
    "replay_state",
    "resolve_session",
    "resume_live_session",
    "session_info",
    "writer_alive",
]
