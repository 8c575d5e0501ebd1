"""How statuses and times look on screen: glyphs, theme colours and short time formats."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.style import Style

from swarmtui.safe_text import visible

STATUSES = ("pending", "queued", "waiting", "running", "done", "failed", "cancelled", "skipped")

STATUS_GLYPH: dict[str, str] = {
    "pending": "·",
    "queued": "○",
    "waiting": "◔",
    "running": "▶",
    "done": "✓",
    "failed": "✗",
    "cancelled": "⊘",
    "skipped": "–",
}

STATUS_MEANING: dict[str, str] = {
    "pending": "not started: its message has not begun",
    "queued": "ready, waiting for a free slot (max parallel) or a pause to end",
    "waiting": "waits for memory keys another agent stores",
    "running": "running now",
    "done": "finished and stored its keys",
    "failed": "ended with an error, or can never get a key it waits for (r retries)",
    "cancelled": "stopped by the user (r retries)",
    "skipped": "not run: the batch has an error there, or a key nothing stores (m, r)",
}

# Used when the theme does not define the `$agent-*` variables (Textual's built-in themes).
STATUS_COLOR_DEFAULTS: dict[str, str] = {
    "agent-pending": "#7f8c8d",
    "agent-queued": "#85929e",
    "agent-waiting": "#e5b53a",
    "agent-running": "#4aa3df",
    "agent-done": "#4cbb6c",
    "agent-failed": "#e05d4f",
    "agent-cancelled": "#b07cc6",
    "agent-skipped": "#95a0a6",
}

TODO_GLYPH = {"pending": "○", "in_progress": "◐", "completed": "●"}
TODO_STATUS_COLOR = {
    "pending": "agent-pending",
    "in_progress": "agent-running",
    "completed": "agent-done",
}


_STYLE_CACHE: dict[tuple[str, ...], dict[str, Style]] = {}


def status_styles(app: Any) -> dict[str, Style]:
    """One Rich style per agent status, from the app's theme variables (with fallbacks).

    The same dict is returned while the colours stay the same, so callers can key caches on it.
    """
    variables: dict[str, str] = getattr(app, "theme_variables", {}) or {}
    colors = tuple(
        variables.get(f"agent-{status}") or STATUS_COLOR_DEFAULTS[f"agent-{status}"]
        for status in STATUSES
    )
    cached = _STYLE_CACHE.get(colors)
    if cached is not None:
        return cached
    styles: dict[str, Style] = {}
    for status, color in zip(STATUSES, colors, strict=True):
        try:
            styles[status] = Style(color=color)
        except Exception:  # a colour Rich cannot parse must not break painting
            styles[status] = Style(color=STATUS_COLOR_DEFAULTS[f"agent-{status}"])
    _STYLE_CACHE[colors] = styles
    return styles


def format_seconds(seconds: float | None) -> str:
    """12.3s, 4m05s, 1h02m: short and stable-width enough for a table column."""
    if seconds is None:
        return ""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def clip(text: str, width: int) -> str:
    """Cut `text` to `width` cells with an ellipsis (single-line, controls made visible: it
    shows names, types and output from outside). Wide characters (`中`, `🐝`) take two cells."""
    text = visible(text.replace("\n", " "))
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1) + "…"


def clip_start(text: str, width: int) -> str:
    """`clip`, but what is cut is the start (`…000859-evil`): for names whose end tells them
    apart, such as session ids (their start, `session-YYYYMMDD-`, is the date shown beside)."""
    text = visible(text.replace("\n", " "))
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    return "…" + set_cell_size(text[::-1], width - 1)[::-1]


def column(text: str, width: int) -> str:
    """`text` clipped, then padded to exactly `width` cells: a column that stays aligned
    whatever script its names are in (a format's `:<width` counts characters, not cells)."""
    text = clip(text, width)
    return text + " " * (width - cell_len(text))


def cells(text: str) -> int:
    """How many cells `text` takes once shown as `clip` shows it."""
    return cell_len(visible(text.replace("\n", " ")))


def format_tokens(tokens: int) -> str:
    """850 tok, 12.3k tok, 4.1M tok: compact enough for a table column."""
    if tokens < 1000:
        return f"{tokens} tok"
    if tokens < 1_000_000:
        return f"{tokens / 1000:.1f}k tok"
    return f"{tokens / 1_000_000:.1f}M tok"


def format_cost(usd: float) -> str:
    """$0.04, $12.30; under a cent shows as <$0.01 rather than a misleading $0.00."""
    if 0 < usd < 0.005:
        return "<$0.01"
    return f"${usd:.2f}"


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 note`, `3 notes`, `0 errors` (`many` for irregular words)."""
    return f"{count} {word if count == 1 else (many or word + 's')}"
