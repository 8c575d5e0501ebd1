"""The main screen's keys: the panes and their focus keys, and every binding of the screen."""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding, BindingType

# Pane name -> (widget id to focus, pane container id, title).
PANES: dict[str, tuple[str, str, str]] = {
    "editor": ("editor", "editor-pane", "Editor"),
    "agents": ("agents", "agents", "Agents"),
    "todos": ("todos", "todos", "Todos"),
    "memory": ("memory-tree", "memory", "Memory"),
    "log": ("log", "log", "Log"),
    "timeline": ("timeline", "timeline", "Timeline"),
}
# alt+digit as Textual reads it from most terminals (ESC+digit becomes these characters, see
# textual/_ansi_sequences.py); bound without priority, so the editor can still type them.
ALT_DIGIT_CHARACTERS = {
    "editor": "inverted_exclamation_mark",  # ¡
    "agents": "trade_mark_sign",  # ™
    "todos": "pound_sign",  # £
    "memory": "cent_sign",  # ¢
    "log": "infinity",  # ∞
    "timeline": "section_sign",  # §
}
PANE_KEYS = {
    "editor": "alt+1,f2",
    "agents": "alt+2,f3",
    "todos": "alt+3,f4",
    "memory": "alt+4,f5",
    "log": "alt+5,f6",
    "timeline": "alt+6,f7",
}


def pane_bindings(panes: Iterable[str]) -> list[BindingType]:
    """The keys that focus each of PANES (the main screen's, the replay's)."""
    return [
        Binding(
            PANE_KEYS[pane],
            f"focus_pane('{pane}')",
            f"Focus {PANES[pane][2].lower()}",
            id=f"focus.{pane}",
            tooltip=f"Focus the {PANES[pane][2].lower()} pane",
            show=False,
            # Priority: the F-keys must work from the editor too (TextArea binds f6/f7).
            priority=True,
        )
        for pane in panes
    ]


MAIN_BINDINGS: list[BindingType] = [
    Binding(
        "ctrl+r,ctrl+enter",
        "run",
        "Run",
        id="run",
        tooltip="Run the batch in the editor as a new session",
        priority=True,
    ),
    Binding("ctrl+s", "save", "Save", id="save", tooltip="Save the batch to its file"),
    # (Open and the sessions browser are in help and the palette: the footer keeps its room at
    # 120 columns for the keys of what is focused.)
    Binding("ctrl+o", "open", "Open", id="open", tooltip="Open a batch file", show=False),
    Binding("ctrl+n", "new", "New", id="new", tooltip="Start a new, empty batch", show=False),
    *pane_bindings(PANE_KEYS),
    Binding(
        "f8",
        "focus_diagnostics",
        "Focus diagnostics",
        id="focus.diagnostics",
        tooltip="Focus the diagnostics list (enter on one moves the cursor to it)",
        show=False,
        priority=True,  # from the editor, where tab indents
    ),
    # No description: kept out of the footer, the help and the palette (the binding above
    # is the one listed); no id, so remapping `focus.*` leaves these working.
    *[
        Binding(character, f"focus_pane('{pane}')", "", show=False)
        for pane, character in ALT_DIGIT_CHARACTERS.items()
    ],
    Binding(
        "space",
        "pause",
        "Pause",
        id="session.pause",
        tooltip="Pause the session (no new agent starts) or resume it",
    ),
    Binding(
        "m",
        "store_memory",
        "Store key",
        id="memory.store",
        tooltip="Store a memory key by hand (unblocks agents waiting for it)",
    ),
    # (the same key while a fork is prepared: its memory is edited before it starts)
    Binding(
        "m",
        "fork_memory",
        "Set memory",
        id="fork.memory",
        tooltip="Set a memory value the fork starts with (nothing runs until ctrl+r)",
    ),
    Binding(
        "a,f9",
        "approvals",
        "Approvals",
        id="approvals.open",
        tooltip="Open the approval queue: what waits for your decision",
        show=False,  # the status bar shows the key while something waits
    ),
    Binding(
        "X",
        "cancel_session",
        "Cancel all",
        id="session.cancel",
        tooltip="Cancel the whole session (asks first); a session waiting for you: end it",
        show=False,
    ),
    Binding("escape", "back", "Editor", id="back", tooltip="Back to the editor", show=False),
]
