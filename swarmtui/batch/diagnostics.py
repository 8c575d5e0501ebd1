"""The diagnostic codes of the batch language (§7) and a collector that ties them to operations."""

from __future__ import annotations

from dataclasses import replace

from swarmtui.batch.models import Diagnostic, Severity
from swarmtui.batch.source import Range, Source

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

CODES: dict[str, tuple[Severity, str]] = {
    "SW001": (E, "syntax the parser cannot make sense of"),
    "SW002": (E, "a name that is not defined"),
    "SW003": (W, "a placeholder left in an operation (it will be skipped)"),
    "SW004": (E, "an agent waits for a key that nothing stores"),
    "SW005": (E, "a dependency cycle among agents"),
    "SW006": (W, "operations in separate messages that could share a message"),
    "SW007": (INFO, "an agent that neither reads nor writes memory in a multi-agent batch"),
    "SW008": (INFO, "a todo list shorter than the work it tracks"),
    "SW009": (W, "an unknown agent type or operation"),
    "SW010": (E, "a Write outside the session folder"),
    "SW011": (E, "a duplicate agent name, or two that differ only in case or punctuation"),
    "SW012": (E, "a bad field value"),
    "SW013": (INFO, "a dependency resolved by matching"),
    "SW014": (W, "an agent with no instructions (or only a name), or a wait that matches nothing"),
    "SW015": (INFO, "a line that is not code, kept as a note"),
    "SW016": (W, "an agent type file that cannot be read"),
    "SW017": (W, "an MCP tool swarmtui does not run (recorded as skipped)"),
    "SW018": (INFO, "an operation recorded but not run: agents' own work or coordination"),
    "SW019": (W, "a line that reads like an operation but is not one"),
    "SW021": (E, "nothing in the batch can run"),
    "SW022": (INFO, "more diagnostics than are kept for one file"),
    "SW023": (INFO, "a read of a key the batch does not store: no wait"),
    "SW024": (W, "a Bash operation whose working folder is outside the session folder"),
    "SW025": (INFO, "a loop over items the batch writes, read once per item"),
    "SW026": (INFO, "an operation quoted with `>` (as from a chat), which runs"),
    "SW027": (W, "command lines of pasted Markdown (a ```bash block, a /slash command): not run"),
    "SW028": (INFO, "a fenced block that is not a batch (```python, a listing): not read"),
    "SW029": (W, "numbered phases (`// Phase 2`) in one message, which run at the same time"),
}
# SW020 is the engine's (a budget it cannot enforce): it is about a run, not about the text.

# Diagnostics kept per file: a hostile or broken batch must not make thousands of them (a
# megabyte of parentheses made 94 MB). Up to KEEP_WHILE_READING are collected, then the most
# severe MAX_DIAGNOSTICS are kept and the rest counted.
MAX_DIAGNOSTICS = 1000
KEEP_WHILE_READING = 4 * MAX_DIAGNOSTICS
_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}

# How an SW015 note of one line of prose begins (the line follows); `joined_notes` joins runs.
NOTE_LINE = "not an operation, kept as a note: "

# How the SW028 of a front matter begins (`nothing_runnable` tells it from a block's).
FRONT_MATTER_NOTE = "the front matter between the `---` lines is the file's metadata"

# What can still be said of an operation with a syntax error.
CERTAIN_CODES = frozenset({"SW001", "SW002", "SW003"})


class Diagnostics:
    """Collects diagnostics; remembers which operation each error or placeholder belongs to."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.items: list[Diagnostic] = []
        # operation index -> reason it must not run (the first error or placeholder found)
        self.skip: dict[int, str] = {}
        # Operations with a syntax error: their arguments may be shifted or cut, so nothing but
        # what is certain (syntax, undefined names, placeholders) is reported for them.
        self.syntax_ops: set[int] = set()
        self.dropped = 0

    def add(
        self,
        code: str,
        message: str,
        rng: Range,
        *,
        op: int | None = None,
        severity: Severity | None = None,
    ) -> Diagnostic | None:
        if op is not None and op in self.syntax_ops and code not in CERTAIN_CODES:
            return None
        if op is not None and code == "SW001":
            self.syntax_ops.add(op)
        sev = severity or CODES[code][0]
        if op is not None and (sev is Severity.ERROR or code == "SW003"):
            self.skip.setdefault(op, f"{code}: {message}")
        if len(self.items) >= KEEP_WHILE_READING:
            self.dropped += 1
            return None
        line, col, end_line, end_col = self.source.clamp(rng)
        if code == "SW001":
            message = self._with_line(message, line)
        diag = Diagnostic(
            code=code,
            severity=sev,
            message=message,
            line=line,
            column=col,
            end_line=end_line,
            end_column=end_col,
        )
        self.items.append(diag)
        return diag

    def _with_line(self, message: str, line: int) -> str:
        """A syntax error says which line it is on in words too: the text of that line, unless
        the message already quotes it (a line read as prose elsewhere can be hard to spot)."""
        text = self.source.line_text(line - 1)
        if not text or text[:20] in message:
            return message
        shown = text if len(text) <= 60 else text[:59] + "…"
        return f"{message}, in `{shown}`"

    def full(self) -> bool:
        """True (and the diagnostic counted as dropped) when no more are kept: callers skip
        building a message nobody will see."""
        if len(self.items) < KEEP_WHILE_READING:
            return False
        self.dropped += 1
        return True

    def final(self) -> tuple[list[Diagnostic], int]:
        """The diagnostics to report, in text order, and how many were left out: past
        MAX_DIAGNOSTICS the most severe are kept, and a last note says how many more there were."""
        items = sorted(self.items, key=_text_order)
        # (an argument read twice, as a Write's path and as its content, said it twice)
        items = [d for i, d in enumerate(items) if not i or d != items[i - 1]]
        dropped = self.dropped
        if len(items) > MAX_DIAGNOSTICS:
            ranked = sorted(items, key=lambda d: (_RANK[d.severity], d.line, d.column))
            dropped += len(items) - MAX_DIAGNOSTICS
            items = ranked[:MAX_DIAGNOSTICS]
            items.sort(key=_text_order)
        if dropped:
            items.append(
                Diagnostic(
                    code="SW022",
                    severity=Severity.INFO,
                    message=f"{dropped} more diagnostics not shown (only the first "
                    f"{MAX_DIAGNOSTICS} of a file are kept, the most severe first)",
                )
            )
        return items, dropped


def _text_order(d: Diagnostic) -> tuple[int, int, str, str]:
    return (d.line, d.column, d.code, d.message)


def joined_notes(diagnostics: list[Diagnostic], text: str) -> list[Diagnostic]:
    """DIAGNOSTICS (in text order) for a person to read: each run of prose lines kept as notes
    (SW015), with nothing but blank lines between them, said once for the run. A pasted
    CLAUDE.md has hundreds of such lines; one note each buried its few warnings and errors."""
    lines = text.splitlines()

    def blank_between(first: int, last: int) -> bool:  # lines strictly between, 1-based
        return all(not lines[i - 1].strip() for i in range(first + 1, last) if i <= len(lines))

    joined: list[Diagnostic] = []
    run: list[Diagnostic] = []

    def close_run() -> None:
        if len(run) > 1:
            first, last = run[0], run[-1]
            # (a count beside a span read as a mistake where blank lines were in the span)
            span = f"lines {first.line}–{last.line}"
            if len(run) < last.line - first.line + 1:
                span = f"{len(run)} of {span}"
            message = f"{span} are not operations, kept as notes: "
            message += f"{first.message[len(NOTE_LINE) :]} …"
            joined.append(replace(first, end_line=last.end_line, message=message))
        else:
            joined.extend(run)
        run.clear()

    for diagnostic in diagnostics:
        if diagnostic.code == "SW015" and diagnostic.message.startswith(NOTE_LINE):
            if run and not blank_between(run[-1].line, diagnostic.line):
                close_run()
            run.append(diagnostic)
            continue
        close_run()
        joined.append(diagnostic)
    close_run()
    return joined
