"""What the app remembers between runs: the theme last chosen in it (a small JSON file in the
configuration folder). `theme` in swarmtui.toml, when set, wins over it."""

from __future__ import annotations

import contextlib

from swarmtui import locations


def remembered_theme() -> str | None:
    """The theme chosen last time, or None (never chosen, or the file is unreadable)."""
    try:
        text = locations.ui_state_file().read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None
    # Read on every start: json is imported only when there is a file (1.3 ms of start-up).
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return None
    theme = data.get("theme") if isinstance(data, dict) else None
    return theme if isinstance(theme, str) and theme else None


def remember_theme(name: str) -> None:
    """Keep `name` for the next start (quietly: remembering is never worth an error)."""
    import json  # (imported where used: `remembered_theme`)

    path = locations.ui_state_file()
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"theme": name}) + "\n", encoding="utf-8")
