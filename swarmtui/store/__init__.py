"""Persistence: the per-session SQLite event log, the sessions index and the replay reader."""
