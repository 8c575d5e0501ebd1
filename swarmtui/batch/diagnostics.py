"""The diagnostic codes of the batch language (§7) and a collector that ties them to operations."""

from __future__ import annotations

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
    "SW011": (E, "a duplicate agent name"),
    "SW012": (E, "a bad field value"),
    "SW013": (INFO, "a dependency resolved by matching"),
    "SW014": (W, "an agent with no instructions, or a wait phrase that matches nothing"),
    "SW015": (INFO, "a line that is not code, kept as a note"),
    "SW016": (W, "an agent type file that cannot be read"),
}

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
        line, col, end_line, end_col = self.source.clamp(rng)
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
        if op is not None and (sev is Severity.ERROR or code == "SW003"):
            self.skip.setdefault(op, f"{code}: {message}")
        return diag
