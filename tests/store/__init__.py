"""Store tests: the event log, reading and resuming sessions, on real SQLite files."""
