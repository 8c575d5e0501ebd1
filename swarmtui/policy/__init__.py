"""What may run and where, as data: permission rules in Claude Code's syntax, their decisions,
and the `[sandbox]`, `[permissions]` and `[notify]` tables of `swarmtui.toml`.

Pure (no I/O, no process), below the configuration, so `swarmtui.config` can validate the
tables and the engine (`swarmtui.engine.confine`) can enforce them.
"""
