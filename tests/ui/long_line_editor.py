"""Run by test_long_line_highlight: the editor highlights (and edits) a 150 KB line, in its own
process so that a crash of the interpreter fails the test instead of ending the run."""

from __future__ import annotations

import asyncio
import faulthandler
import sys

from textual.app import App, ComposeResult

from swarmtui.ui.widgets.batch_editor import BatchEditor

# One line longer than the C library's mmap threshold (128 KiB): what a pasted batch with a
# large inline file can hold.
LINE = 'Task("Writer", "' + "x" * 150_000 + '", "coder") ' + "Foo(1) " * 10


class _One(App[None]):
    def compose(self) -> ComposeResult:
        yield BatchEditor(LINE)


async def _main() -> None:
    app = _One()
    async with app.run_test(size=(160, 50)) as pilot:
        editor = app.query_one(BatchEditor)
        while editor.language is None:  # (the grammar is set one frame after mounting)
            await pilot.pause()
        painted = len(editor._highlights[0])
        await pilot.press("ctrl+end", *" Bar(2)")
        editor._build_highlight_map()
        print(type(editor.document).__name__, painted, len(editor._highlights[0]))


if __name__ == "__main__":
    faulthandler.enable()
    asyncio.run(_main())
    sys.exit(0)
