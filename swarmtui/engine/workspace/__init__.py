"""The workspace layer: git worktrees of the user's repository, one per agent that edits files,
following the dependency graph; their commits, diffs, merges and clean-up.

`SessionWorkspace` is what a session uses; `merge` and `cleanup` work on a recorded session.
"""
