"""Reading agents' instructions: sentences, clauses around memory verbs, and word matching."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STORE_VERBS = _words(
    "store stores stored storing save saves saving write writes writing put puts putting "
    "record records recording publish publishes publishing "
)
READ_VERBS = _words(
    "read reads reading check checks checking load loads loading get gets getting use uses "
    "using retrieve retrieves retrieving consume consumes consuming "
)
WAIT_WORDS = _words("wait waits waiting await awaits awaiting ")
# Words that carry no meaning when matching a wait phrase to stored keys.
STOP_WORDS = _words(
    "a an the for from in into on onto of to under as at by with and or its it their them "
    "this that these those then memory key keys value values is are be been has have had was "
    "were will shall should must can could would our your my his her out up "
)
COUNT_WORDS = {"both": 2, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "all": 0}
# Words after which an unquoted wait phrase has ended (`Wait for the plan, then build it`).
_PHRASE_END = _words("then before after so while when because and to so that until unless ")

_SENTENCE_SPLIT_RE = re.compile(r"[.!?][\"')\]]*\s+(?=[A-Z\"'`(\[])|[;\n]+")
# A quoted key has no spaces inside, so apostrophes in prose (don't, agent's) are not keys.
_TOKEN_RE = re.compile(
    r"'(?P<k1>[^'\s]+)'|\"(?P<k2>[^\"\s]+)\"|`(?P<k3>[^`\s]+)`|(?P<w>[A-Za-z0-9][A-Za-z0-9_-]*)"
    r"|(?P<p>[,;:()])"
)
_WORD_SPLIT_RE = re.compile(r"[^a-z0-9]+")


_ALL_VERBS = STORE_VERBS | READ_VERBS | WAIT_WORDS


# A memory verb: one of the store or read verbs, or "wait for".
def _trie_pattern(words: frozenset[str]) -> str:
    """One regex alternation shaped as a trie: Python's `re` tries alternatives one by one, so
    sharing prefixes (`stor(?:e|es|ing)`) makes the verb search several times faster."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        alternatives = [re.escape(c) + build(node[c]) for c in sorted(node) if c]
        if not alternatives:
            return ""
        body = "(?:" + "|".join(alternatives) + ")"
        return body + "?" if "" in node else body

    return build(trie)


_ALL_VERBS = STORE_VERBS | READ_VERBS | WAIT_WORDS
# A memory verb: one of the store or read verbs, or "wait for" (the "for" is consumed).
_VERB_RE = re.compile(
    r"(?=[" + "".join(sorted({c for v in _ALL_VERBS for c in (v[0], v[0].upper())})) + "])"
    r"(?<![\w'\"`/-])("
    + _trie_pattern(STORE_VERBS | READ_VERBS)
    + r"|a?wait(?:s|ing)?(?=\s+for\b))(?![\w'\"`/-])(?:\s+for\b)?",
    re.IGNORECASE,
)


Direction = Literal["store", "wait"]


@dataclass(slots=True)
class Clause:
    """The words from one memory verb up to the next, in one sentence."""

    direction: Direction
    verb: str
    sentence: str
    text: str  # the clause as written, from the verb on
    keys: list[str] = field(default_factory=list)  # quoted keys
    words: list[str] = field(default_factory=list)  # the other words, as written
    phrase_words: list[str] = field(default_factory=list)  # words of an unquoted wait phrase
    mentions_memory: bool = False
    count: int | None = None  # 2 for "both", 0 for "all", None when no count word
    start: int = 0  # offset of the verb in the instructions


def _sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, the end keeping its full stop."""
    bounds: list[tuple[int, int]] = []
    pos = 0
    for m in _SENTENCE_SPLIT_RE.finditer(text):
        cut = m.start() + 1 if text[m.start()] in ".!?" else m.start()
        bounds.append((pos, cut))
        pos = m.end()
    bounds.append((pos, len(text)))
    return bounds


def sentences(text: str) -> list[str]:
    found = (text[a:b].strip() for a, b in _sentence_bounds(text))
    return [s for s in found if s]


@lru_cache(maxsize=8192)
def clauses(text: str) -> tuple[Clause, ...]:
    """Every store or wait clause in instructions, with its quoted keys and words.

    Cached: the editor re-parses the whole batch as the user types, and most instructions have
    not changed since the last parse. Callers must not modify the clauses they get.
    """
    if not text:
        return ()
    verbs = list(_VERB_RE.finditer(text))
    if not verbs:
        return ()
    bounds = _sentence_bounds(text)
    starts = [a for a, _ in bounds]
    found: list[Clause] = []
    for n, verb in enumerate(verbs):
        s_start, s_end = bounds[bisect_right(starts, verb.start()) - 1]
        nxt = verbs[n + 1].start() if n + 1 < len(verbs) else len(text)
        end = min(nxt, s_end)
        word = verb.group(1).lower()
        direction: Direction = "store" if word in STORE_VERBS else "wait"
        clause = Clause(direction, word, text[s_start:s_end].strip(), "", start=verb.start())
        clause.text = text[verb.start() : end].strip()
        if end == s_end:
            clause.text = clause.text.rstrip(".!?")
        _read_clause(clause, _TOKEN_RE.findall(text, verb.end(), end))
        found.append(clause)
    return tuple(found)


def _read_clause(clause: Clause, tokens: list[tuple[str, str, str, str, str]]) -> None:
    phrase_open = True
    i = 0
    while i < len(tokens):
        k1, k2, k3, w, p = tokens[i]
        i += 1
        key = k1 or k2 or k3
        if key:
            clause.keys.append(key)
            phrase_open = False
            continue
        if not w:
            if p and clause.phrase_words:
                phrase_open = False
            continue
        clause.words.append(w)
        low = w.lower()
        if low == "memory":
            clause.mentions_memory = True
        if not phrase_open:
            continue
        if low in _PHRASE_END:
            if clause.phrase_words:
                phrase_open = False
        elif low in COUNT_WORDS and clause.count is None:
            clause.count = COUNT_WORDS[low]
            if low == "all" and i < len(tokens):
                nxt = tokens[i][3].lower()
                if nxt in COUNT_WORDS and nxt != "all":
                    clause.count = COUNT_WORDS[nxt]
                    i += 1
        elif low not in STOP_WORDS:
            clause.phrase_words.append(w)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A crude stem so that plurals and -er/-ing forms meet: researchers ~ research."""
    w = word.lower()
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    for suffix in ("ing", "er", "or", "ed", "e"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            return w[: -len(suffix)]
    return w


def stems(text: str) -> list[str]:
    """Stemmed content words of any text (names, keys, sentences); stop words dropped."""
    return [stem(w) for w in _WORD_SPLIT_RE.split(text.lower()) if w and w not in STOP_WORDS]
