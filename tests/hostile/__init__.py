"""Hostile-input tests: outside text, names and files that must not reach the terminal raw."""
