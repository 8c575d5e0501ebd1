"""Implementations of the `swarmtui` subcommands, one module per area."""
