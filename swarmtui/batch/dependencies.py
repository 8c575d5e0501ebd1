"""Dependency inference (§4): which memory keys each agent stores and waits for, and why.

Stores come first (quoted keys, keys implied by "store X in memory", explicit `stores`, memory
operations); then each wait is resolved against them: a quoted key directly (or, when nobody stores
it but its path names an agent, by that agent), a glob by matching, and an unquoted phrase by
matching its words against a word index of what the stored keys are about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from swarmtui.batch.calls import TaskInfo
from swarmtui.batch.diagnostics import Diagnostics
from swarmtui.batch.memcli import MemoryCommand, memory_commands, qualified
from swarmtui.batch.models import Batch, DependencyEdge, EdgeHow, MemoryOp
from swarmtui.batch.paths import slug
from swarmtui.batch.source import Range
from swarmtui.batch.words import WAIT_WORDS, Clause, all_agents_phrases, clauses, stem, stems

# A name ending as a file's does (`notes/spec.md`, `dist/app.js`): what an agent reads or waits
# for by such a name in its instructions is a file, unless something stores it in memory.
_FILE_NAME_RE = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,5}$")
_GLOB_CHARS = re.compile(r"[*?\[]")
_NORM_RE = re.compile(r"[^a-z0-9]+")
# From the end of a line that introduces a memory command to the line holding it: blank lines and
# `#` comments between them.
_BELOW_RE = re.compile(r"[ \t]*\r?\n(?:[ \t]*(?:#[^\n]*)?\r?\n)*")


@dataclass(slots=True)
class _Provider:
    name: str  # agent name, or "memory.store" for a memory operation
    message: int
    task: TaskInfo | None = None
    # For a memory operation of the batch: its index (batch memory operations run in text order
    # when their message starts, before any agent of that message).
    op_index: int = -1


@dataclass(slots=True)
class _Resolver:
    batch: Batch
    tasks: list[TaskInfo]
    diags: Diagnostics
    providers: dict[str, list[_Provider]] = field(default_factory=dict)
    about: dict[str, set[str]] = field(default_factory=dict)  # key -> stemmed words
    word_index: dict[str, list[str]] = field(default_factory=dict)
    order: dict[str, int] = field(default_factory=dict)  # keys in the order first stored
    edges: dict[int, list[DependencyEdge]] = field(default_factory=dict)  # by id(task)
    clauses: dict[int, tuple[Clause, ...]] = field(default_factory=dict)
    # (key, who stores it, the words of the sentence that stores it): indexed only when some
    # wait phrase needs matching, since most batches quote every key.
    described: list[tuple[str, _Provider, Clause | list[str]]] = field(default_factory=list)
    # key -> (message, op index, line) of each batch `memory delete` of it.
    deletes: dict[str, list[tuple[int, int, int]]] = field(default_factory=dict)
    # NS:KEY -> KEY for batch memory operations in a namespace (the engine keys them by KEY).
    aliases: dict[str, str] = field(default_factory=dict)
    # Agents whose completion others wait for: their `swarm/<name>/done` key.
    done_keys: dict[int, str] = field(default_factory=dict)
    commands: dict[int, list[MemoryCommand]] = field(default_factory=dict)
    # Agents by their name reduced to letters and digits, made when a key no one stores needs
    # its path read for an agent's name (most batches never ask).
    by_norm_name: dict[str, TaskInfo] | None = None
    # Batch memory stores that will not run (a placeholder, an error): bare key -> (its
    # NS:KEY, line). Nothing waits for them; a read that would have is told why (not silence).
    skipped_stores: dict[str, tuple[str, int]] = field(default_factory=dict)

    # -- stores ----------------------------------------------------------------------------------

    def add_store(self, key: str, provider: _Provider, words: Clause | list[str]) -> None:
        self.providers.setdefault(key, []).append(provider)
        self.described.append((key, provider, words))

    def stores(self) -> None:
        for info in self.tasks:
            found = clauses(info.op.instructions)
            self.clauses[id(info)] = found
            edges = self.edges.setdefault(id(info), [])
            provider = _Provider(info.op.name, info.message, info)
            if info.explicit_stores is not None:
                edges.append(
                    DependencyEdge(direction="store", keys=info.explicit_stores, how="explicit")
                )
                for key in info.explicit_stores:
                    self.add_store(key, provider, [])
                continue
            commands = self.commands_of(info)
            for clause in found:
                if clause.direction != "store" or _holds_command(clause, commands, info):
                    continue
                if clause.keys:
                    keys = [qualified(k, clause.namespace) for k in clause.keys]
                    edges.append(
                        DependencyEdge(
                            direction="store",
                            keys=keys,
                            how="quoted",
                            sentence=clause.sentence,
                            phrase=clause.text,
                        )
                    )
                    for key in keys:
                        self.add_store(key, provider, clause)
                elif clause.mentions_memory or clause.namespace:
                    key = qualified(
                        _implied_key(info.op.name, clause.phrase_words), clause.namespace
                    )
                    edges.append(
                        DependencyEdge(
                            direction="store",
                            keys=[key],
                            how="implied",
                            sentence=clause.sentence,
                            phrase=clause.text,
                        )
                    )
                    self.add_store(key, provider, clause)
                    self.diags.add(
                        "SW013",
                        f'{info.op.name}: "{clause.text}" names no key; it stores {key}',
                        self.locate(info, clause.text),
                    )
            for command in commands:
                if command.kind == "store":
                    edges.append(
                        DependencyEdge(
                            direction="store",
                            keys=[command.key],
                            how="command",
                            phrase=info.op.instructions[command.start : command.end].strip(),
                        )
                    )
                    self.add_store(command.key, provider, [])
        message_of = {op.index: m.index for m in self.batch.messages for op in m.operations}
        for op in self.batch.operations():
            if not isinstance(op, MemoryOp) or not op.key:
                continue
            if op.skip_reason or op.index in self.diags.skip:
                if op.action == "store":
                    self.skipped_stores.setdefault(
                        op.key, (qualified(op.key, op.namespace), op.line)
                    )
                continue
            message = message_of.get(op.index, 0)
            if op.action == "store":
                self.add_store(op.key, _Provider("memory.store", message, op_index=op.index), [])
                if op.namespace != "default":
                    self.aliases.setdefault(qualified(op.key, op.namespace), op.key)
            elif op.action == "delete":
                self.deletes.setdefault(op.key, []).append((message, op.index, op.line))

    # -- waits -----------------------------------------------------------------------------------

    def commands_of(self, info: TaskInfo) -> list[MemoryCommand]:
        found = self.commands.get(id(info))
        if found is None:
            found = self.commands[id(info)] = memory_commands(info.op.instructions, calls=True)
        return found

    def waits(self) -> None:
        pending: list[tuple[TaskInfo, str | None, Clause | None]] = []
        # "Wait for all agents": resolved last, once it is known who waits for whom.
        everyone_waits: list[tuple[TaskInfo, str]] = []
        for info in self.tasks:
            if info.after_agents:
                self.after(info, [op.name for op in info.after_agents])
            if info.explicit_waits is not None or info.depends_on:
                for key in info.explicit_waits or ():
                    if _GLOB_CHARS.search(key):
                        pending.append((info, key, None))
                    else:
                        self.literal(info, key, None)
                self.after(info, info.depends_on)
                continue
            everyone = all_agents_phrases(info.op.instructions)
            if everyone:
                everyone_waits.append((info, everyone[0]))
            commands = self.commands_of(info)
            read = (*everyone, *info.read_phrases)
            for clause in self.clauses.get(id(info), ()):
                if clause.direction != "wait" or any(p in clause.sentence for p in read):
                    continue
                if _holds_command(clause, commands, info):
                    continue  # the memory command in it says exactly what is read
                if clause.keys:
                    for key in clause.keys:
                        key = qualified(key, clause.namespace)
                        if _GLOB_CHARS.search(key):
                            pending.append((info, key, clause))
                        else:
                            self.literal(info, key, clause)
                elif clause.namespace:
                    pending.append((info, f"{clause.namespace}:*", clause))
                elif (clause.phrase_words or clause.subject) and (
                    clause.verb in WAIT_WORDS or clause.mentions_memory
                ):
                    pending.append((info, None, clause))
            for command in commands:
                if command.kind != "store":
                    self.literal(info, command.key, None, command=command)
        phrases = [clause for _, key, clause in pending if key is None and clause is not None]
        if phrases:
            self.index_words(set().union(*map(_phrase_stems, phrases)))
        for info, pattern, where in pending:
            if pattern is not None:
                self.glob(info, pattern, where)
            elif where is not None:
                self.phrase(info, where)
        if everyone_waits:
            waiting = self.waiting_on()
            # Two agents both waiting for everyone wait for the rest, not for each other (each
            # waits for this one: that would be a cycle).
            for info, _ in everyone_waits:
                waiting.setdefault(info.op.name, set()).update(
                    other.op.name for other, _ in everyone_waits if other is not info
                )
            for info, phrase in everyone_waits:
                self.after_everyone(info, phrase, waiting)

    # -- waiting for agents rather than keys ----------------------------------------------------

    def done_key(self, provider: TaskInfo) -> str:
        """The key an agent stores when it finishes, made only when someone waits for it."""
        key = self.done_keys.get(id(provider))
        if key is None:
            key = self.done_keys[id(provider)] = f"swarm/{slug(provider.op.name)}/done"
            self.edges[id(provider)].append(
                DependencyEdge(direction="store", keys=[key], how="implied", phrase="finishes")
            )
            # (not described for matching: "the changelog" means what Changelog stores, not
            # that it has finished)
            self.providers.setdefault(key, []).append(
                _Provider(provider.op.name, provider.message, provider)
            )
        return key

    def after(self, info: TaskInfo, names: list[str]) -> None:
        """`dependsOn: ["Researcher"]`: wait until those agents finish."""
        by_name = {t.op.name: t for t in self.tasks}
        for name in names:
            other = by_name.get(name)
            problem = (
                f"{name!r}, which is not another agent of the batch"
                if other is None or other is info
                else f"{name}, which starts in a later message"
                if other.message > info.message
                else None
            )
            if problem is not None or other is None:
                self.diags.add(
                    "SW004",
                    f"{info.op.name} depends on {problem}: it would wait forever",
                    info.explicit_range or _op_range(info),
                    op=info.op.index,
                )
                continue
            key = self.done_key(other)
            self.wait_edge(info, [key], "explicit", None, self.usable(info, key))

    def waiting_on(self) -> dict[str, set[str]]:
        """Agent name -> the names of the agents that wait for it, directly or not."""
        direct: dict[str, set[str]] = {}
        for info in self.tasks:
            for edge in self.edges.get(id(info), ()):
                if edge.direction == "wait":
                    for name in edge.providers:
                        direct.setdefault(name, set()).add(info.op.name)
        closure: dict[str, set[str]] = {}
        for name in direct:
            seen: set[str] = set()
            stack = [name]
            while stack:
                for waiter in direct.get(stack.pop(), ()):
                    if waiter not in seen:
                        seen.add(waiter)
                        stack.append(waiter)
            closure[name] = seen
        return closure

    def after_everyone(self, info: TaskInfo, phrase: str, waiting: dict[str, set[str]]) -> None:
        """ "Wait for all agents to complete": every other agent of its message, but those that
        wait for this one (they cannot finish before it: waiting for them would be a cycle)."""
        after_it = waiting.get(info.op.name, set())
        others = [
            t
            for t in self.tasks
            if t is not info and t.message == info.message and t.op.name not in after_it
        ]
        if not others:
            return
        keys = [self.done_key(t) for t in others]
        providers = [p for k in keys for p in self.usable(info, k)]
        edge = DependencyEdge(
            direction="wait",
            keys=keys,
            how="matched",
            phrase=phrase,
            providers=list(dict.fromkeys(p.name for p in providers)),
        )
        self.edges[id(info)].append(edge)
        self.diags.add(
            "SW013",
            f'{info.op.name}: "{phrase}" → waits until {_names(providers)} '
            f"{'finishes' if len(edge.providers) == 1 else 'finish'}",
            self.locate(info, phrase),
        )

    def usable(self, info: TaskInfo, key: str, *, before: bool = False) -> list[_Provider]:
        """Who else stores `key` no later than the waiting agent's message (BEFORE: by the time
        it starts, so no other agent of its message)."""
        if key not in self.deletes and not before:  # (the common case, asked for every wait)
            return [
                p
                for p in self.providers.get(key, ())
                if p.task is not info and p.message <= info.message
            ]
        return [
            p
            for p in self.providers.get(key, ())
            if p.task is not info
            and p.message <= info.message
            and not (before and p.task is not None and p.message == info.message)
            and self.deleted_by(p, key, info.message) is None
        ]

    def deleted_by(self, provider: _Provider, key: str, message: int) -> int | None:
        """The line of a batch `memory delete` that removes what `provider` stored under `key`
        before an agent of `message` starts, as the engine runs it, else None: a delete runs at
        the start of its message, after earlier messages and the batch stores above it, but
        before the agents of its message store anything."""
        for deleted_in, index, line in self.deletes.get(key, ()):
            if deleted_in > message:
                continue
            if provider.message < deleted_in or (
                provider.message == deleted_in
                and provider.task is None
                and provider.op_index < index
            ):
                return line
        return None

    def literal(
        self,
        info: TaskInfo,
        key: str,
        clause: Clause | None,
        *,
        command: MemoryCommand | None = None,
    ) -> None:
        explicit = clause is None and command is None
        how: EdgeHow = "explicit" if explicit else "command" if command else "quoted"
        # A read (not "wait for", not a `while ! ... memory read` loop) of a key nothing in the
        # batch stores reads what memory already holds: no wait.
        soft = (clause is not None and clause.verb not in WAIT_WORDS) or (
            command is not None and command.kind == "read"
        )
        key = self.resolve_namespace(info, key, clause)
        providers = self.usable(info, key)

        def rng() -> Range:
            if command is not None:
                return self.locate(info, info.op.instructions[command.start : command.end])
            return self.locate(info, key) if clause else (info.explicit_range or _op_range(info))

        if providers:
            self.wait_edge(info, [key], how, clause, providers)
            return
        earlier = [
            p
            for p in self.providers.get(key, ())
            if p.task is not info and p.message <= info.message
        ]
        if earlier:
            line = self.deleted_by(earlier[0], key, info.message)
            self.diags.add(
                "SW004",
                f"{info.op.name} waits for '{key}', but the batch deletes it (line {line}) "
                f"before {info.op.name} starts: it would wait forever",
                rng(),
                op=info.op.index,
            )
            self.wait_edge(info, [key], how, clause, [])
            return
        later = [p for p in self.providers.get(key, ()) if p.task is not info]
        if later:
            self.diags.add(
                "SW004",
                f"{info.op.name} waits for '{key}', but only "
                + ", ".join(sorted({p.name for p in later}))
                + " stores it, in a later message: it would wait forever",
                rng(),
                op=info.op.index,
            )
            self.wait_edge(info, [key], how, clause, [])
            return
        agents = self.agents_by_norm_name()
        owner = next(
            (
                agents[_norm(seg)]
                for seg in key.split("/")
                if _norm(seg) in agents and agents[_norm(seg)] is not info
            ),
            None,
        )
        if owner is not None and owner.message <= info.message:
            provider = _Provider(owner.op.name, owner.message, owner)
            self.add_store(key, provider, [])
            self.edges[id(owner)].append(
                DependencyEdge(direction="store", keys=[key], how="agent-path", phrase=key)
            )
            self.wait_edge(info, [key], "agent-path", clause, [provider])
            self.diags.add(
                "SW013",
                f"{info.op.name} waits for '{key}': no agent says it stores it, but its path "
                f"names {owner.op.name}, so it is taken as stored when {owner.op.name} finishes",
                rng(),
            )
            return
        file = clause is not None and _FILE_NAME_RE.search(key) is not None
        if soft:
            if not file:  # (`Read notes/spec.md`: a file the agent reads itself, not memory)
                self.diags.add(
                    "SW023",
                    f"{info.op.name} reads '{key}', which nothing in this batch stores"
                    f"{self.unstored(key)}: it reads whatever memory holds when it starts, "
                    "without waiting",
                    rng(),
                )
            return
        self.wait_edge(info, [key], how, clause, [])
        hint = (
            " (a file? agents wait for memory keys: have the agent that makes it store a key, "
            "and wait for that key)"
            if file
            else ""
        )
        self.diags.add(
            "SW004",
            f"{info.op.name} waits for '{key}', which nothing in the batch stores"
            f"{self.unstored(key)}: it would wait forever{hint}",
            rng(),
            op=info.op.index,
        )

    def unstored(self, key: str) -> str:
        """Why nothing stores KEY when the batch has a store of it that is skipped."""
        found = self.skipped_stores.get(key)
        return f" (the store of {found[0]}, line {found[1]}, is skipped)" if found else ""

    def unstored_in(self, text: str) -> str:
        """Why nothing stores the key a phrase names, when the batch's store of it is skipped."""
        lowered = text.lower()
        return next((self.unstored(k) for k in self.skipped_stores if k.lower() in lowered), "")

    def agents_by_norm_name(self) -> dict[str, TaskInfo]:
        if self.by_norm_name is None:
            named = ((_norm(t.op.name), t) for t in self.tasks)
            self.by_norm_name = {name: t for name, t in named if name}
        return self.by_norm_name

    def resolve_namespace(self, info: TaskInfo, key: str, clause: Clause | None) -> str:
        """The key as stored: `coordination:plan` waits for a batch `memory_usage` store of
        `plan` in namespace coordination, and a plain `plan` for the one `NS:plan` stored."""
        if self.providers.get(key):
            return key
        if key in self.aliases:
            return self.aliases[key]
        if ":" in key:
            bare = key.split(":", 1)[1]
            return bare if self.providers.get(bare) else key
        suffix = ":" + key
        found = [k for k in self.providers if k.endswith(suffix)]
        if len(found) == 1:
            self.diags.add(
                "SW013",
                f"{info.op.name}: '{key}' → {found[0]} (the one key of that name, in a namespace)",
                self.locate(info, key) if clause else _op_range(info),
            )
            return found[0]
        return key

    def glob(self, info: TaskInfo, pattern: str, clause: Clause | None) -> None:
        keys = [k for k in self.providers if fnmatchcase(k, pattern) and self.usable(info, k)]
        keys += [
            bare
            for alias, bare in self.aliases.items()
            if fnmatchcase(alias, pattern) and bare not in keys and self.usable(info, bare)
        ]
        rng = self.locate(info, pattern) if clause else (info.explicit_range or _op_range(info))
        how: EdgeHow = "explicit" if clause is None else "matched"
        skipped = [
            f"{named} (line {line})"
            for key, (named, line) in self.skipped_stores.items()
            if key not in keys and (fnmatchcase(key, pattern) or fnmatchcase(named, pattern))
        ]
        unstored = (
            f"; the store of {', '.join(skipped)} is skipped: not waited for" if skipped else ""
        )
        if not keys and clause is not None and clause.verb not in WAIT_WORDS:
            self.diags.add(
                "SW023",
                f"{info.op.name} reads '{pattern}', which matches nothing this batch stores"
                f"{unstored}: it reads whatever memory holds when it starts, without waiting",
                rng,
            )
            return
        if not keys:
            self.wait_edge(info, [pattern], how, clause, [])
            self.diags.add(
                "SW004",
                f"{info.op.name} waits for '{pattern}', which matches nothing the batch stores"
                f"{unstored}: it would wait forever",
                rng,
                op=info.op.index,
            )
            return
        providers = [p for k in keys for p in self.usable(info, k)]
        self.wait_edge(info, keys, how, clause, providers)
        self.diags.add(
            "SW013",
            f"{info.op.name}: '{pattern}' → {', '.join(keys)} (stored by {_names(providers)})"
            f"{unstored}",
            rng,
        )

    def index_words(self, wanted: set[str]) -> None:
        """What each stored key is about (§4): its path, the storing sentence, who stores it;
        only as far as the WANTED words go (those of the phrases to match: no other is looked
        up, and a big batch has thousands of keys)."""
        agent_words: dict[int, set[str]] = {}
        type_words: dict[str, list[str]] = {}  # (a big batch has many agents of few types)
        for key, provider, words in self.described:
            about = self.about.get(key)
            if about is None:
                about = self.about[key] = wanted.intersection(stems(key))
            about.update(
                wanted.intersection(
                    map(stem, words.description() if isinstance(words, Clause) else words)
                )
            )
            if provider.task is not None:
                cached = agent_words.get(id(provider.task))
                if cached is None:
                    op = provider.task.op
                    of_type = type_words.get(op.agent_type)
                    if of_type is None:
                        of_type = type_words[op.agent_type] = stems(op.agent_type)
                    cached = agent_words[id(provider.task)] = wanted.intersection(
                        stems(op.name) + of_type
                    )
                about.update(cached)
        self.order = {k: i for i, k in enumerate(self.providers)}
        for key, about in self.about.items():
            for word in about:
                self.word_index.setdefault(word, []).append(key)

    def phrase(self, info: TaskInfo, clause: Clause) -> None:
        if clause.subject and self.subject_agent(info, clause):
            return
        wanted = _phrase_stems(clause)
        # Candidates come from the rarest words first; a word shared by many keys (`report`)
        # only adds candidates when rarer words found none, so matching stays near-linear.
        candidates: set[str] = set()
        for word in sorted(wanted, key=lambda w: len(self.word_index.get(w, ()))):
            posting = self.word_index.get(word, ())
            if candidates and len(posting) > _COMMON:
                break
            candidates.update(posting)
        scores = {k: sum(1 for w in wanted if w in self.about[k]) for k in candidates}
        order = self.order
        in_order = [stem(w) for w in clause.phrase_words for w in _split(w)]
        ranked = sorted(
            (
                k
                for k in scores
                if self.usable(info, k) and not _other_kind(in_order, k, self.about[k])
            ),
            key=lambda k: (-scores[k], order[k]),
        )
        rng = self.locate(info, clause.text)
        prior = clause.prior
        siblings: list[str] = []
        if prior is not None and ranked:
            # What memory held before: stored by an earlier message (or the batch's own memory
            # operations, which run as the message starts), never by an agent beside this one.
            before = [k for k in ranked if self.usable(info, k, before=True)]
            if not before:
                siblings = [p.name for p in self.usable(info, ranked[0])]
            ranked = before
        if siblings:
            self.diags.add(
                "SW023",
                f'{info.op.name}: "{clause.text}" reads what memory held before ("{prior}"), not '
                f"what {', '.join(dict.fromkeys(siblings))} of its message will store: it reads "
                "whatever memory holds, without waiting",
                rng,
            )
            return
        if not ranked and clause.verb not in WAIT_WORDS:
            self.diags.add(
                "SW023",
                f'{info.op.name}: "{clause.text}" matches nothing the other agents store'
                f"{self.unstored_in(clause.text)}; it reads whatever memory holds, without waiting",
                rng,
            )
            return
        if not ranked and self.named_agent(info, clause, wanted, rng):
            return
        if not ranked:
            self.diags.add(
                "SW014",
                f'{info.op.name}: "{clause.text}" matches nothing the other agents store'
                f"{self.unstored_in(clause.text)}; it will not wait",
                rng,
            )
            return
        widened = ""
        if clause.count is None:
            best = scores[ranked[0]]
            keys = [k for k in ranked if scores[k] == best]
        elif clause.count == 0:
            keys = ranked
            group = self.group(info, keys)
            if group is not None and len(group[1]) > len(keys):
                keys, widened = group[1], f"; widened to all of {group[0]}*"
        else:
            keys = ranked[: clause.count]
            # §4: a count word asks for a group sharing a prefix. The words may describe only
            # some of its keys (two stored as "findings", one as "notes"): take the group when
            # it has exactly the count, rather than silently waiting for fewer.
            group = self.group(info, keys) if len(keys) < clause.count else None
            if group is not None and len(group[1]) == clause.count:
                keys, widened = group[1], f"; widened to the {clause.count} keys of {group[0]}*"
        keys.sort(key=lambda k: order[k])
        providers = [p for k in keys for p in self.usable(info, k, before=prior is not None)]
        self.wait_edge(info, keys, "matched", clause, providers)
        message = (
            f'{info.op.name}: "{clause.text}" → {", ".join(keys)} '
            f"(stored by {_names(providers)}){widened}"
        )
        if clause.count and len(keys) < clause.count:
            self.diags.add(
                "SW014",
                f"{message}; only {len(keys)} of {clause.count} found: it waits for these only",
                rng,
            )
            return
        self.diags.add("SW013", message, rng)

    def named_agent(self, info: TaskInfo, clause: Clause, wanted: set[str], rng: Range) -> bool:
        """`Wait for QA`, when QA stores nothing it matches: the one agent (of this message or
        an earlier one) whose name holds every word of the phrase; the wait is for it to
        finish. (Not for a group, `all modules`: one agent is not what it asks for.)"""
        if not wanted or clause.count is not None:
            return False
        named = [
            t
            for t in self.tasks
            if t is not info and t.message <= info.message and wanted <= set(stems(t.op.name))
        ]
        if len(named) != 1:
            return False
        (agent,) = named
        key = self.done_key(agent)
        self.wait_edge(info, [key], "matched", clause, self.usable(info, key))
        self.diags.add(
            "SW013",
            f'{info.op.name}: "{clause.text}" → waits until {agent.op.name} finishes',
            rng,
        )
        return True

    def subject_agent(self, info: TaskInfo, clause: Clause) -> bool:
        """`After the Coder stores the implementation`: when the subject names one agent (of
        this message or an earlier one), what it stores that the words match, else until it
        finishes; False when it names none (the words are matched as any wait phrase's)."""
        wanted = set(stems(clause.subject))
        if not wanted:
            return False
        others = [t for t in self.tasks if t is not info and t.message <= info.message]
        named = [t for t in others if wanted <= set(stems(t.op.name))] or [
            t for t in others if wanted <= set(stems(t.op.agent_type))
        ]
        if len(named) != 1:
            return False
        (agent,) = named
        words = _phrase_stems(clause)
        stored = [
            k
            for k in self.providers
            if any(p.task is agent for p in self.usable(info, k))
            and words & self.about.get(k, set(stems(k)))
        ]
        keys = stored or [self.done_key(agent)]
        self.wait_edge(info, keys, "matched", clause, self.usable(info, keys[0]))
        said = (
            f"→ {', '.join(keys)} (stored by {agent.op.name})"
            if stored
            else (f"→ waits until {agent.op.name} finishes")
        )
        self.diags.add(
            "SW013", f'{info.op.name}: "{clause.text}" {said}', self.locate(info, clause.text)
        )
        return True

    def group(self, info: TaskInfo, keys: list[str]) -> tuple[str, list[str]] | None:
        """The keys others store under the deepest path prefix `keys` share (at least two
        segments, so `swarm/` alone never groups a whole batch), in the order stored."""
        parts = [k.split("/")[:-1] for k in keys]
        if not parts:
            return None
        common: list[str] = []
        for segments in zip(*parts, strict=False):
            if any(s != segments[0] for s in segments):
                break
            common.append(segments[0])
        if len(common) < 2:
            return None
        prefix = "/".join(common) + "/"
        group = [k for k in self.providers if k.startswith(prefix) and self.usable(info, k)]
        return prefix, group

    def wait_edge(
        self,
        info: TaskInfo,
        keys: list[str],
        how: EdgeHow,
        clause: Clause | None,
        providers: list[_Provider],
    ) -> None:
        names = list(dict.fromkeys(p.name for p in providers if p.task is not None))
        edge = DependencyEdge(
            direction="wait",
            keys=keys,
            how=how,
            sentence=clause.sentence if clause else "",
            phrase=clause.text if clause else "",
            providers=names,
        )
        self.edges[id(info)].append(edge)

    # -- output ----------------------------------------------------------------------------------

    def finish(self) -> None:
        for info in self.tasks:
            edges = self.edges.get(id(info), [])
            info.op.edges = edges
            waits: dict[str, None] = {}
            stores: dict[str, None] = {}
            for edge in edges:
                (waits if edge.direction == "wait" else stores).update(dict.fromkeys(edge.keys))
            info.op.waits, info.op.stores = list(waits), list(stores)

    def locate(self, info: TaskInfo, needle: str) -> Range:
        """Where `needle` is written inside the instructions, else the instructions argument."""
        source = self.diags.source
        offsets = info.instructions_offsets() if needle else None
        if offsets is not None:
            at = source.text.find(needle, *offsets)
            if at >= 0:
                return source.offsets_range(at, at + len(needle))
        return info.instructions_range() or _op_range(info)


_COMMON = 50


def resolve(batch: Batch, tasks: list[TaskInfo], diags: Diagnostics) -> None:
    """Fill every task's `waits`, `stores` and `edges`, reporting SW004/SW013/SW014."""
    resolver = _Resolver(batch, tasks, diags)
    resolver.stores()
    resolver.waits()
    resolver.finish()


def _holds_command(clause: Clause, commands: list[MemoryCommand], info: TaskInfo) -> bool:
    """A sentence that runs a memory command (`run: npx claude-flow memory store "k" "v"`) is
    read through the command, not as prose with quoted keys; so is a line that introduces the
    command on the line below it (`Wait for the architect:`, or a `# Wait for the plan` comment)."""
    if not commands:
        return False
    end = clause.start + len(clause.text)
    if any(clause.start <= c.start < end or c.start <= clause.start < c.end for c in commands):
        return True
    text = info.op.instructions
    line_start = text.rfind("\n", 0, clause.start) + 1
    comment = text[line_start : clause.start].lstrip().startswith("#")
    if not comment and not clause.text.endswith(":"):
        return False
    below = _BELOW_RE.match(text, end)
    if below is None:
        return False
    next_end = text.find("\n", below.end())
    next_end = len(text) if next_end < 0 else next_end
    return any(below.end() <= c.start < next_end for c in commands)


def _phrase_stems(clause: Clause) -> set[str]:
    """The words an unquoted wait phrase is matched by."""
    return {stem(w) for w in clause.phrase_words for w in _split(w)}


def _other_kind(phrase: list[str], key: str, about: set[str]) -> bool:
    """Whether KEY is another kind of the thing the PHRASE names: both qualify a word they share
    with different words (`chart API` and `cache-api-contract`), the phrase's matching nothing
    else the key is about."""
    name = [stem(w) for w in _split(key.rsplit("/", 1)[-1].rsplit(":", 1)[-1])]
    for i in range(1, len(phrase)):
        word, before = phrase[i], phrase[i - 1]
        if word not in name or before in about:
            continue
        at = name.index(word)
        if at and name[at - 1] != before and name[at - 1] not in phrase:
            return True
    return False


def _implied_key(agent: str, words: list[str]) -> str:
    what = slug("-".join(words[:3])) if words else "result"
    return f"swarm/{slug(agent)}/{what}"


def _norm(text: str) -> str:
    return _NORM_RE.sub("", text.lower())


def _split(word: str) -> list[str]:
    return [w for w in _NORM_RE.split(word.lower()) if w]


def _names(providers: list[_Provider]) -> str:
    return ", ".join(dict.fromkeys(p.name for p in providers)) or "nobody"


def _op_range(info: TaskInfo) -> Range:
    op = info.op
    return op.line, op.column, op.end_line, op.end_column
