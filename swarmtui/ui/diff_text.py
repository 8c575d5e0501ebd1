"""An agent's diff as the screen shows it: per-file +/- counts and the patch, coloured.

The patch is read from the session folder (`artifacts/diffs/<agent>.patch`, written when the
agent ended), so a replay shows it without git. It is text from outside: every line is shown as
plain text with its control characters made visible, never as markup.
"""

from __future__ import annotations

from pathlib import Path

from rich.style import Style
from rich.text import Text

from swarmtui.engine.worktree_state import WorktreeState
from swarmtui.safe_text import visible as printable

# What the diff view reads of a patch, at most.
MAX_PATCH_BYTES = 2_000_000
MAX_PATCH_LINES = 20_000
# Files listed with their +/- counts in the agent's detail.
STAT_FILES = 30


def change_text(added: int, removed: int) -> str:
    return f"+{added} -{removed}"


def read_patch(session_path: Path | None, relative: str | None) -> str | None:
    """The patch's text (cut at MAX_PATCH_BYTES), only from inside the session folder."""
    if session_path is None or relative is None:
        return None
    root = session_path.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_PATCH_BYTES + 1)
    except OSError:
        return None
    text = data[:MAX_PATCH_BYTES].decode("utf-8", "replace")
    if len(data) > MAX_PATCH_BYTES:
        text += f"\n[... the patch goes on: {path}]\n"
    return text


def _clean(line: str) -> str:
    return printable(line.expandtabs(4))


def stats_text(tree: WorktreeState, added: Style, removed: Style) -> Text:
    """The worktree's branch and each changed file with its lines added and removed."""
    text = Text()
    text.append(_clean(tree.branch) + "\n", Style(bold=True))
    if tree.failed is not None:
        text.append(_clean(tree.failed) + "\n", removed)
        for path in tree.conflicts[:STAT_FILES]:
            text.append(f"  conflict  {_clean(path)}\n", removed)
    if tree.providers:
        text.append("from the work of " + _clean(", ".join(tree.providers)) + "\n", Style(dim=True))
    if tree.setup is not None:
        text.append(f"setup: {_clean(tree.setup)}\n", Style(dim=True))
    if tree.commit is None:
        if tree.failed is None:
            text.append("not committed yet", Style(dim=True))
        return text
    count = len(tree.files) + tree.more_files
    text.append(f"{count} file{'s' if count != 1 else ''} changed, ", Style(dim=True))
    text.append(f"+{tree.added}", added)
    text.append(" ")
    text.append(f"-{tree.removed}", removed)
    text.append(f", commit {tree.commit[:10]}\n", Style(dim=True))
    for change in tree.files[:STAT_FILES]:
        if change.binary:
            text.append(f"{'binary':>11}  ", Style(dim=True))
        else:
            text.append(f"{'+' + str(change.added):>5} ", added)
            text.append(f"{'-' + str(change.removed):>5}  ", removed)
        text.append(_clean(change.path) + "\n")
    more = count - min(len(tree.files), STAT_FILES)
    if more > 0:
        text.append(f"... and {more} more\n", Style(dim=True))
    for note in tree.notes:
        text.append(_clean(note) + "\n", Style(dim=True))
    return text


def patch_text(patch: str, added: Style, removed: Style, hunk: Style) -> Text:
    """PATCH coloured: headers bold, hunks, added and removed lines; binary patches folded."""
    text = Text()
    lines = patch.splitlines()
    binary = 0
    for index, line in enumerate(lines):
        if index >= MAX_PATCH_LINES:
            text.append(f"[... {len(lines) - index} more lines]\n", Style(dim=True))
            break
        if binary:
            if line:
                binary += 1
                continue
            text.append(f"(binary patch, {binary - 1} lines)\n", Style(dim=True))
            binary = 0
            continue
        if line == "GIT binary patch" or line.startswith(("literal ", "delta ")):
            binary = 1  # (base 85 until a blank line; the reverse patch follows the same way)
            continue
        clean = _clean(line) + "\n"
        if line.startswith("diff --git"):
            text.append(clean, Style(bold=True))
        elif line.startswith(("+++", "---", "index ", "new file", "deleted file")):
            text.append(clean, Style(dim=True))
        elif line.startswith("@@"):
            text.append(clean, hunk)
        elif line.startswith("+"):
            text.append(clean, added)
        elif line.startswith("-"):
            text.append(clean, removed)
        else:
            text.append(clean)
    return text
