"""Reading agents' instructions: sentences, clauses around memory verbs, and word matching."""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from typing import Any, Literal


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STORE_VERBS = _words(
    "store stores stored storing save saves saving write writes writing put puts putting "
    "record records recording publish publishes publishing document documents documenting "
    "share shares sharing "
)
READ_VERBS = _words(
    "read reads reading check checks checking load loads loading get gets getting use uses "
    "using retrieve retrieves retrieving consume consumes consuming query queries querying "
    "review reviews reviewing according based following "
)
WAIT_WORDS = _words("wait waits waiting await awaits awaiting ")
# Words that carry no meaning when matching a wait phrase to stored keys.
STOP_WORDS = _words(
    "a an the for from in into on onto of to under as at by with and or its it their them "
    "this that these those then memory key keys value values is are be been has have had was "
    "were will shall should must can could would our your my his her out up namespace "
)
# "Check memory for prior decisions": what memory held before (an earlier session, an earlier
# message), never what an agent running beside this one will store.
PRIOR_WORDS = _words("prior previous existing earlier ")
# ... unless they qualify who or which part of the work: "the previous agent's output" asks for
# an agent's work, as the batch orders it.
_PRIOR_OF_WORK = _words(
    "agent agents step steps phase phases stage stages task tasks message messages wave waves "
    "worker workers teammate teammates member members "
)
COUNT_WORDS = {"both": 2, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "all": 0}
# Words after which an unquoted wait phrase has ended (`Wait for the plan, then build it`).
_PHRASE_END = _words("then before after so while when because and to so that until unless ")

# (one leading class, so that `re` skips quickly to the next candidate instead of trying the
# pattern at every character: `[.!?]…\s+(?=[A-Z…])` or a run of `;` and line breaks)
_SENTENCE_SPLIT_RE = re.compile(
    r"[.!?;\n](?:(?<=[.!?])[\"')\]]*\s+(?=[A-Z\"'`(\[])|(?<=[;\n])[;\n]*)"
)
# A quoted key has no spaces inside, so apostrophes in prose (don't, agent's) are not keys.
_TOKEN_RE = re.compile(
    r"'(?P<k1>[^'\s]+)'|\"(?P<k2>[^\"\s]+)\"|`(?P<k3>[^`\s]+)`|(?P<w>[A-Za-z0-9][A-Za-z0-9_-]*)"
    r"|(?P<p>[,;:()])"
)
_WORD_SPLIT_RE = re.compile(r"[^a-z0-9]+")
_KEY_RE = re.compile(r"'([^'\s]+)'|\"([^\"\s]+)\"|`([^`\s]+)`")
# `namespace 'NS'` and `'NS' namespace`: a namespace, never a key.
_NAMESPACE_RE = re.compile(
    r"\bnamespace\s+(?:'([^'\s]+)'|\"([^\"\s]+)\"|`([^`\s]+)`)"
    r"|(?:'([^'\s]+)'|\"([^\"\s]+)\"|`([^`\s]+)`)\s+namespace\b",
    re.IGNORECASE,
)
# "Wait for all agents to complete", "after the other agents finish".
_EVERYONE_RE = re.compile(
    r"\b(?:wait(?:s|ing)?\s+(?:for|until)|after|once|when|until)\s+"
    r"(?:(?:all|each|every)\s+(?:of\s+)?(?:the\s+)?(?:other\s+)?agents?|the\s+other\s+agents"
    r"|everyone(?:\s+else)?|the\s+(?:rest\s+of\s+the\s+)?team)\s+"
    r"(?:to\s+|have\s+|has\s+|are\s+|is\s+)?"
    r"(?:(?:(?:publish(?:es|ed)?|stored?|stores|report(?:s|ed)?|signal(?:s|ed)?)\s+[\"'`]?)?"
    r"(?:complete[ds]?|finish(?:e[sd])?|done|ready)\b(?:(?<=[\"'`]done)[\"'`])?"
    # "Wait for all agents to store their results", "once all agents have saved them": what the
    # others store, so once they are done.
    r"|(?:stor(?:e[sd]?|ing)|sav(?:e[sd]?|ing)|writ(?:es?|ing|ten)|wrote|publish(?:e[sd])?"
    r"|record(?:s|ed)?|shar(?:e[sd]?|ing)|put)\b)",
    re.IGNORECASE,
)
# A sentence about what someone else does then ("The orchestrator validates hooks once after all
# agents complete", in a GSD executor's prompt): not this agent's wait.
_SOMEONE_ELSE_RE = re.compile(
    r"[ \t]*(?:the[ \t]+)?(?:orchestrator|coordinator|lead|main[ \t]+agent|parent(?:[ \t]+agent)?"
    r"|supervisor|user)\b",
    re.IGNORECASE,
)
# "Poll memory until the backend publishes the contract", "After the Coder stores the
# implementation", "Wait for the architect to store the spec": a store verb after its subject is
# what another agent does, which this one waits for (not when it does it itself: "until you
# store ...", nor after that part has ended: "until tests pass and store ...").
_OTHERS_STORE_RE = re.compile(
    r"\b(?P<when>until|after|once|when|wait(?:s|ing)?\s+(?:for|until))\s+(?!(?:you|i|we|it)\b)"
    r"(?P<subject>(?:(?!(?:and|then|or|so|to|has|have|had)\b)[\w'-]+\s+){1,4}?)"
    r"(?P<aux>(?:to|has|have|had)\s+)?$",
    re.IGNORECASE,
)
# The verb's forms each trigger takes: `until` any; `wait for X to` the plain form; `after`,
# `once`, `when` one of the others' (X stores, X has stored; agents store), never an order to
# this agent (`After review, store ...`, `When done save ...`).
_PARTICIPLES = _words("stored saved written published recorded shared put documented ")
_PLURAL_SUBJECTS = _words("agents others everyone workers teammates teams ")
_SUBJECT_WORDS_RE = re.compile(r"[\w'-]+")
_MEMORY_RE = re.compile(r"\bmemory\b", re.IGNORECASE)
_PLAIN_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


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


class Clause:
    """The words from one memory verb up to the next, in one sentence.

    Keys are read at once (a regular expression); whether memory is mentioned and the phrase
    words of an unquoted wait are read on first use, since most clauses quote their key.
    """

    __slots__ = (
        "_count", "_from", "_memory", "_phrase", "_source", "_to", "direction", "keys",
        "namespace", "sentence", "start", "subject", "text", "verb",
    )  # fmt: skip

    def __init__(
        self, direction: Direction, verb: str, sentence: str, text: str, source: str,
        start: int, body: int, end: int,
    ) -> None:  # fmt: skip
        self.direction = direction
        self.verb = verb
        self.sentence = sentence
        self.text = text  # the clause as written, from the verb on
        self.start = start  # offset of the verb in the instructions
        self._source, self._from, self._to = source, body, end
        self.keys: list[str] = [a or b or c for a, b, c in _KEY_RE.findall(source, body, end)]
        self.namespace = ""
        if self.keys and "amespace" in source:
            m = _NAMESPACE_RE.search(source, body, end)
            if m is not None:
                self.namespace = next(g for g in m.groups() if g)
                self.keys.remove(self.namespace)
        self._memory: bool | None = None
        self._phrase: list[str] | None = None
        self._count: int | None = None
        # Who does what a store verb says when it is another agent (`After the Coder stores
        # the plan`): the clause is then a wait, for what they store.
        self.subject = ""

    @property
    def mentions_memory(self) -> bool:
        """Whether the clause says "memory" (`store the plan in memory`)."""
        if self._memory is None:
            self._memory = _MEMORY_RE.search(self._source, self._from, self._to) is not None
        return self._memory

    @property
    def phrase_words(self) -> list[str]:
        """Content words after the verb, up to where the phrase ends (`, then ...`)."""
        if self._phrase is None:
            self._read()
        assert self._phrase is not None
        return self._phrase

    @property
    def prior(self) -> str | None:
        """The word asking for what memory held before (`prior decisions`), in a read (not a
        *wait for*): None when there is none, or when it qualifies an agent or a step."""
        if self.direction != "wait" or self.verb in WAIT_WORDS:
            return None
        words = [w.lower() for w in self.phrase_words]
        for i, word in enumerate(words):
            if word in PRIOR_WORDS and (i + 1 == len(words) or words[i + 1] not in _PRIOR_OF_WORK):
                return self.phrase_words[i]
        return None

    @property
    def count(self) -> int | None:
        """2 for "both", 3 for "all three", 0 for "all", None when there is no count word."""
        if self._phrase is None:
            self._read()
        return self._count

    def description(self) -> list[str]:
        """Words between the verb and the first key (`a short report`): what is stored."""
        first = _KEY_RE.search(self._source, self._from, self._to)
        stop = first.start() if first else self._to
        return [
            w for w in _PLAIN_WORD_RE.findall(self._source, self._from, stop)
            if w.lower() not in STOP_WORDS
        ]  # fmt: skip

    def _read(self) -> None:
        phrase: list[str] = []
        tokens = _TOKEN_RE.findall(self._source, self._from, self._to)
        phrase_open = True
        i = 0
        while i < len(tokens):
            k1, k2, k3, w, p = tokens[i]
            i += 1
            if k1 or k2 or k3:
                phrase_open = False
                continue
            if not w:
                if p and phrase:
                    phrase_open = False
                continue
            if not phrase_open:
                continue
            low = w.lower()
            if low in _PHRASE_END:
                if phrase:
                    phrase_open = False
            elif low in COUNT_WORDS and self._count is None:
                self._count = COUNT_WORDS[low]
                if low == "all" and i < len(tokens):
                    nxt = tokens[i][3].lower()
                    if nxt in COUNT_WORDS and nxt != "all":
                        self._count = COUNT_WORDS[nxt]
                        i += 1
            elif low not in STOP_WORDS:
                phrase.append(w)
        self._phrase = phrase

    def __repr__(self) -> str:
        return f"Clause({self.direction}, {self.text!r}, keys={self.keys})"


# Words after which a verb form is a noun or an adjective: "both review reports", "the query
# results", "the following files", "its stored value".
_DETERMINERS = _words(
    "the a an both all each every its their his her our your my this that these those any some "
    "two three four five six no "
)


def _after_determiner(text: str, at: int) -> bool:
    if at < 2 or text[at - 1] != " ":
        return False
    start = text.rfind(" ", max(0, at - 8), at - 1) + 1
    return text[start if start else max(0, at - 7) : at - 1].lower() in _DETERMINERS


def all_agents_phrases(text: str) -> list[str]:
    """The phrases that ask to wait for every other agent ("wait for all agents to complete")."""
    if "agent" not in text and "everyone" not in text and "team" not in text:
        return []
    found = []
    for m in _EVERYONE_RE.finditer(text):
        start = max(text.rfind(". ", 0, m.start()) + 2, text.rfind("\n", 0, m.start()) + 1)
        if _SOMEONE_ELSE_RE.match(text, start, m.start()) is None:
            found.append(m.group())
    return found


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
    verbs = [m for m in _VERB_RE.finditer(text) if not _after_determiner(text, m.start())]
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
        subject = ""
        if direction == "store":
            subject = _others_subject(text, max(s_start, verb.start() - 60), verb.start(), word)
            if subject:
                direction, word = "wait", "wait"
        clause_text = text[verb.start() : end].strip()
        if end == s_end:
            clause_text = clause_text.rstrip(".!?")
        sentence = text[s_start:s_end].strip()
        clause = Clause(direction, word, sentence, clause_text, text, verb.start(), verb.end(), end)
        clause.subject = subject
        found.append(clause)
    return tuple(found)


def _others_subject(text: str, start: int, at: int, verb: str) -> str:
    """Who does the store verb at AT, when it is another agent (`After the Coder stores`):
    the subject as written, else ""."""
    m = _OTHERS_STORE_RE.search(text, start, at)
    if m is None:
        return ""
    when, subject = m["when"].lower(), m["subject"].strip()
    aux = (m["aux"] or "").strip().lower()
    if when.endswith("until"):
        return subject if aux != "to" else ""
    if when.startswith("wait"):
        return subject if aux == "to" and verb in STORE_VERBS else ""
    if aux == "to":
        return ""
    if aux:
        return subject if verb in _PARTICIPLES else ""
    last = _SUBJECT_WORDS_RE.findall(subject)[-1].lower()
    plain = verb in STORE_VERBS and not verb.endswith(("s", "ing", "ed"))
    if plain:
        return subject if last in _PLURAL_SUBJECTS else ""
    return subject if verb.endswith("s") and not verb.endswith("ss") else ""


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
