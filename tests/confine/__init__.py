"""Confinement tests: the sandbox, permission rules and notifications, with real processes."""
