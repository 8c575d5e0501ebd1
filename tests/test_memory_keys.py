"""The glob rule and its indexes agree with testing every key against every pattern."""

from __future__ import annotations

from fnmatch import fnmatchcase

from hypothesis import example, given
from hypothesis import strategies as st

from swarmtui.memory_keys import PatternIndex, SortedKeys, is_glob, key_matches, literal_prefix

_KEYS = st.text(alphabet="ab/*?", min_size=0, max_size=6)


def test_the_rule() -> None:
    assert key_matches("swarm/a", "swarm/*") and key_matches("k", "k")
    assert not key_matches("swarm/*", "swarm/a")  # a stored key is never a pattern
    assert is_glob("a[bc]") and not is_glob("plain/key")
    assert literal_prefix("res/12/*.md") == "res/12/" and literal_prefix("k") == "k"


@given(st.lists(_KEYS, max_size=12), st.lists(_KEYS, max_size=12))
def test_indexes_find_exactly_what_a_scan_finds(keys: list[str], patterns: list[str]) -> None:
    index: PatternIndex[int] = PatternIndex()
    for i, pattern in enumerate(patterns):
        index.add(pattern, i)
    stored = SortedKeys()
    for key in keys:
        stored.add(key)
    for key in keys:
        found = {i for _, items in index.matching(key) for i in items}
        assert found == {i for i, p in enumerate(patterns) if fnmatchcase(key, p)}
    for pattern in patterns:
        expected = sorted({k for k in keys if key_matches(k, pattern)})
        assert stored.matching(pattern) == expected
        assert stored.any_matching(pattern) == bool(expected)
    for i, pattern in enumerate(patterns):
        index.discard(pattern, i)
    assert not index
    for key in keys:
        stored.discard(key)
    assert len(stored) == 0


_STEPS = st.lists(st.tuples(st.sampled_from(["add", "discard", "match"]), _KEYS), max_size=40)


@given(_STEPS)
@example([("add", "a"), ("discard", "a"), ("match", "*")])  # (gone before it was sorted in)
@example([("add", "b"), ("match", "*"), ("add", "a"), ("discard", "b"), ("match", "*")])
def test_sorted_keys_agree_with_a_set_whatever_the_order_of_calls(
    steps: list[tuple[str, str]],
) -> None:
    # Keys added are sorted in only when a glob asks: adds, discards and queries interleaved in
    # any order must still find exactly what a plain set finds.
    stored, plain = SortedKeys(), set()
    for action, key in steps:
        if action == "add":
            stored.add(key)
            plain.add(key)
        elif action == "discard":
            stored.discard(key)
            plain.discard(key)
        else:
            assert stored.matching(key) == sorted(k for k in plain if key_matches(k, key))
        assert len(stored) == len(plain)
        assert all(k in stored for k in plain)


def test_sorted_keys_are_equal_when_they_hold_the_same_keys() -> None:
    # A state compared with another (a replay's with its fold) must not differ by which keys
    # a glob has already put in order.
    first, second = SortedKeys(), SortedKeys()
    for key in ("b", "a"):
        first.add(key)
    for key in ("a", "b"):
        second.add(key)
    assert first == second
    first.matching("*")
    assert first == second
    second.discard("a")
    assert first != second
