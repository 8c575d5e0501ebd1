"""Workspace tests: git worktrees per agent in real repositories made by the tests."""
