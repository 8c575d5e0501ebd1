"""Typing in the editor with a large batch loaded, beside a small batch measured in the same run.

    python bench/editor_typing.py [--json] [--lines 3000] [--keys 8]

For each batch: a character typed at the end of the text with `pilot.press` (the press returns
once the app is idle; it includes Pilot's own overhead, see the small batch), the same while the
lint thread parses, then the lint of the new text, whose results are applied on the UI thread
(editor underlines, diagnostics list, planned agents): the time of that apply blocks any
keystroke that arrives meanwhile. Batches: "errors" (every line a Task with two errors),
"plain" (valid Tasks, one SW007 note each), and the baseline "small" (30 plain Tasks).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from swarmtui.engine.settings import RunSettings
from swarmtui.ui.app import make_app
from swarmtui.ui.widgets.diagnostics_list import DiagnosticsList

SIZE = (160, 50)


def batch(lines: int, *, errors: bool) -> str:
    out = ["[Single Message - Big batch]:"]
    for i in range(lines):
        if errors:
            # An unknown agent type (SW004) and an unknown option (SW009) on every line.
            out.append(f'Task("Agent {i}", "Write part {i}", "nosuchtype", {{bogus: 1}})')
        else:
            out.append(f'Task("Agent {i}", "Write part {i}", "coder")')
    return "\n".join(out) + "\n"


def _timed(method: Any, times: list[float]) -> Any:
    def timed(*args: Any) -> Any:
        t0 = time.perf_counter()
        result = method(*args)
        times.append(time.perf_counter() - t0)
        return result

    return timed


async def measure(text: str, keys: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(
            text=text,
            settings=RunSettings(rehearsal_seconds=0.01),
            sessions_dir=Path(tmp),
            freeze_gc=False,
        )
        async with app.run_test(size=SIZE) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.main_screen
            screen.document.lint_delay = 1e6  # the bench starts each lint itself
            applies: list[float] = []
            # A lint's results are applied in three steps: the editor's underlines, the list,
            # and the plan on the panels. Time each.
            steps = [
                (screen.editor, "set_diagnostics"),
                (screen.query_one(DiagnosticsList), "show_diagnostics"),
                (screen.controller, "show_plan"),
            ]
            for owner, name in steps:
                setattr(owner, name, _timed(getattr(owner, name), applies))
            await pilot.press("ctrl+end")
            presses, during_lint = [], []
            for _ in range(keys):
                t0 = time.perf_counter()
                await pilot.press("a")
                presses.append(time.perf_counter() - t0)
                screen.document.lint()
                t0 = time.perf_counter()
                await pilot.press("a")  # while the lint thread parses
                during_lint.append(time.perf_counter() - t0)
                await app.workers.wait_for_complete()
                await pilot.pause()
                screen.document.lint()
                await app.workers.wait_for_complete()
                await pilot.pause()
            applies = [sum(applies[i : i + 3]) for i in range(0, len(applies) - 2, 3)]
            diagnostics = len(screen.document.diagnostics)
    return {
        "lines": text.count("\n"),
        "diagnostics": diagnostics,
        "press_ms_median": round(statistics.median(presses) * 1000, 1),
        "press_ms_max": round(max(presses) * 1000, 1),
        "press_during_lint_ms_median": round(statistics.median(during_lint) * 1000, 1),
        "apply_ms_median": round(statistics.median(applies) * 1000, 1) if applies else None,
        "apply_ms_max": round(max(applies) * 1000, 1) if applies else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--lines", type=int, default=3000)
    parser.add_argument("--keys", type=int, default=8)
    args = parser.parse_args()
    result = {
        "small": asyncio.run(measure(batch(30, errors=False), args.keys)),
        "plain": asyncio.run(measure(batch(args.lines, errors=False), args.keys)),
        "errors": asyncio.run(measure(batch(args.lines, errors=True), args.keys)),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for name, figures in result.items():
        print(
            f"{name:>6}: {figures['lines']} lines, {figures['diagnostics']} diagnostics: "
            f"key press {figures['press_ms_median']} ms median / {figures['press_ms_max']} max "
            f"({figures['press_during_lint_ms_median']} ms while linting), "
            f"applying the lint {figures['apply_ms_median']} ms median / "
            f"{figures['apply_ms_max']} max"
        )


if __name__ == "__main__":
    main()
