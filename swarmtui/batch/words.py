"""Reading agents' instructions: sentences, clauses around memory verbs, and word matching."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal


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

_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z\"'`(\[]|$)|[;\n]+")
# A quoted key has no spaces inside, so apostrophes in prose (don't, agent's) are not keys.
_TOKEN_RE = re.compile(
    r"'(?P<k1>[^'\s]+)'|\"(?P<k2>[^\"\s]+)\"|`(?P<k3>[^`\s]+)`|(?P<w>[A-Za-z0-9][A-Za-z0-9_-]*)"
    r"|(?P<p>[,;:()])"
)
_WORD_SPLIT_RE = re.compile(r"[^a-z0-9]+")

_VERB_HINTS = (
    "stor", "sav", "writ", "put", "record", "publish", "wait", "read", "check", "load", "get",
    "us", "retriev", "consum",
)  # fmt: skip

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
    start: int = 0  # offset of the verb in the sentence


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_SPLIT_RE.split(text) if s and s.strip()]


def clauses(text: str) -> list[Clause]:
    """Every store or wait clause in instructions, with its quoted keys and words."""
    if not text:
        return []
    lowered = text.lower()
    if not any(v in lowered for v in _VERB_HINTS):
        return []
    result: list[Clause] = []
    for sentence in sentences(text):
        result.extend(_sentence_clauses(sentence))
    return result


def _sentence_clauses(sentence: str) -> list[Clause]:
    found: list[Clause] = []
    current: Clause | None = None
    phrase_open = False
    tokens = list(_TOKEN_RE.finditer(sentence))
    i = 0
    while i < len(tokens):
        m = tokens[i]
        word = m.group("w")
        low = word.lower() if word else ""
        direction: Direction | None = None
        if low in STORE_VERBS:
            direction = "store"
        elif low in READ_VERBS:
            direction = "wait"
        elif (
            low in WAIT_WORDS
            and i + 1 < len(tokens)
            and (tokens[i + 1].group("w") or "").lower() == "for"
        ):
            direction = "wait"
            i += 1  # the "for" belongs to the verb
        if direction is not None:
            if current is not None:
                current.text = sentence[current.start : m.start()].strip()
            current = Clause(direction, low, sentence, "", start=m.start())
            found.append(current)
            phrase_open = True
            i += 1
            continue
        if current is not None:
            key = m.group("k1") or m.group("k2") or m.group("k3")
            if key:
                current.keys.append(key)
                phrase_open = False
            elif word:
                current.words.append(word)
                if low == "memory":
                    current.mentions_memory = True
                if phrase_open:
                    if low in _PHRASE_END and current.phrase_words:
                        phrase_open = False
                    elif low in COUNT_WORDS and current.count is None:
                        current.count = COUNT_WORDS[low]
                        if low == "all" and i + 1 < len(tokens):
                            nxt = (tokens[i + 1].group("w") or "").lower()
                            if nxt in COUNT_WORDS and nxt != "all":
                                current.count = COUNT_WORDS[nxt]
                                i += 1
                    elif low not in STOP_WORDS and low not in _PHRASE_END:
                        current.phrase_words.append(word)
            elif m.group("p") and current.phrase_words:
                phrase_open = False
        i += 1
    if current is not None:
        current.text = sentence[current.start :].strip().rstrip(".!?")
    return found


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
