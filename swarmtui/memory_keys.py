"""Memory keys: the one rule for glob waits, and indexes that find matches without scanning.

A wait (or a read) on a key with `*`, `?` or `[` is a glob, satisfied by any stored key it
matches (`fnmatch` rules, case-sensitive); any other key matches only itself. Both indexes below
use a glob's literal prefix (what comes before its first glob character): a stored key can only
match the globs whose prefix it starts with, and a glob can only match the keys that start with
its prefix, so neither side ever scans the other whole.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Generic, TypeVar

T = TypeVar("T")

GLOB_CHARS = frozenset("*?[")


def is_glob(key: str) -> bool:
    """Whether KEY is a pattern rather than one key."""
    return "*" in key or "?" in key or "[" in key


def key_matches(stored: str, wanted: str) -> bool:
    """Whether the stored key STORED satisfies a wait for WANTED (a key or a glob)."""
    return stored == wanted or (is_glob(wanted) and fnmatchcase(stored, wanted))


def literal_prefix(pattern: str) -> str:
    """The part of PATTERN before its first glob character (all of it when it is no glob)."""
    for i, char in enumerate(pattern):
        if char in GLOB_CHARS:
            return pattern[:i]
    return pattern


@dataclass
class PatternIndex(Generic[T]):
    """Glob patterns, each with the items waiting on it; `matching(key)` finds the patterns a key
    matches by looking up the key's prefixes of the lengths in use, never every pattern.

    (A dataclass of plain containers, so a state holding one copies like the rest of it.)"""

    # literal prefix -> pattern -> items (a dict as an ordered set)
    _by_prefix: dict[str, dict[str, dict[T, None]]] = field(default_factory=dict)
    # prefix length -> how many prefixes of that length are in use
    _lengths: dict[int, int] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self._by_prefix)

    def add(self, pattern: str, item: T) -> None:
        prefix = literal_prefix(pattern)
        patterns = self._by_prefix.get(prefix)
        if patterns is None:
            patterns = self._by_prefix[prefix] = {}
            self._lengths[len(prefix)] = self._lengths.get(len(prefix), 0) + 1
        patterns.setdefault(pattern, {})[item] = None

    def discard(self, pattern: str, item: T) -> None:
        prefix = literal_prefix(pattern)
        patterns = self._by_prefix.get(prefix)
        items = patterns.get(pattern) if patterns is not None else None
        if patterns is None or items is None or item not in items:
            return
        del items[item]
        if not items:
            del patterns[pattern]
            if not patterns:
                del self._by_prefix[prefix]
                left = self._lengths[len(prefix)] - 1
                if left:
                    self._lengths[len(prefix)] = left
                else:
                    del self._lengths[len(prefix)]

    def matching(self, key: str) -> Iterator[tuple[str, dict[T, None]]]:
        """Every (pattern, items) whose pattern KEY matches (do not change the index while
        iterating: collect first)."""
        size = len(key)
        for length in self._lengths:
            if length > size:
                continue
            patterns = self._by_prefix.get(key[:length])
            if patterns is None:
                continue
            for pattern, items in patterns.items():
                if fnmatchcase(key, pattern):
                    yield pattern, items


@dataclass
class SortedKeys:
    """A set of keys kept in order, so a glob finds its matches among the keys sharing its
    literal prefix (a bisection) instead of testing every key.

    Keys added are put in order only when a glob next asks: a session stores thousands of keys
    and most batches never wait for a glob, and one sort of the new keys costs less than an
    insertion into the middle of the list for each."""

    # (Equal when they hold the same keys: which were put in order yet is no difference.)
    _keys: list[str] = field(default_factory=list, compare=False)  # sorted
    _set: set[str] = field(default_factory=set)
    # Keys in `_set` not yet in `_keys` (a dict as an ordered set: one is taken out at once).
    _added: dict[str, None] = field(default_factory=dict, compare=False)

    def __contains__(self, key: object) -> bool:
        return key in self._set

    def __len__(self) -> int:
        return len(self._set)

    def add(self, key: str) -> None:
        if key not in self._set:
            self._set.add(key)
            self._added[key] = None

    def discard(self, key: str) -> None:
        if key in self._set:
            self._set.discard(key)
            if key in self._added:
                del self._added[key]
            else:  # (in the sorted keys: found by bisection, nothing sorted again)
                keys = self._keys
                del keys[bisect.bisect_left(keys, key)]

    def _in_order(self) -> list[str]:
        """Every key, sorted (the keys added since the last call put in their places)."""
        if self._added:
            self._keys.extend(self._added)
            self._added.clear()
            self._keys.sort()
        return self._keys

    def matching(self, wanted: str) -> list[str]:
        """The keys that satisfy a wait for WANTED, in sorted order."""
        if not is_glob(wanted):
            return [wanted] if wanted in self._set else []
        prefix = literal_prefix(wanted)
        keys = self._in_order()
        start = bisect.bisect_left(keys, prefix)
        found = []
        for i in range(start, len(keys)):
            key = keys[i]
            if not key.startswith(prefix):
                break
            if fnmatchcase(key, wanted):
                found.append(key)
        return found

    def any_matching(self, wanted: str) -> bool:
        """Whether some key satisfies a wait for WANTED."""
        if not is_glob(wanted):
            return wanted in self._set
        prefix = literal_prefix(wanted)
        keys = self._in_order()
        for i in range(bisect.bisect_left(keys, prefix), len(keys)):
            key = keys[i]
            if not key.startswith(prefix):
                return False
            if fnmatchcase(key, wanted):
                return True
        return False
