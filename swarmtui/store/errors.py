"""`SessionStoreError`: a session folder or `session.db` that cannot be read or written."""

from __future__ import annotations


class SessionStoreError(Exception):
    """One line naming the file and what is wrong with it."""
