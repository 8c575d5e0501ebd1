"""Confinement: what a command may touch (sandbox), whether it may run (rules), who is told."""
