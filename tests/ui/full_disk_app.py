"""The app on a full disk, run by `test_full_disk_app.py` inside a mount namespace of its own
(where the disk is a small tmpfs): `python -m tests.ui.full_disk_app SESSIONS OUT CASE`, CASE
one of `log` (agents print more than the disk holds), `artifact` (a Write bigger than what is
left) and `full` (the disk is full before the run).

It runs one batch in the app as a user would (ctrl+r), waits for the session to end, and writes
what the user was told (the toasts), the editor's text, the status bar and the session's end to
OUT as JSON: the tmpfs goes away with the namespace, so the test reads that instead."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from swarmtui.engine.settings import RunSettings
from swarmtui.ui.app import make_app

from .helpers import settle, wait_for_state, workers_done

# 12 agents printing 100 KB each: about 1.2 MB of events and as much in their logs, far more
# than the disk holds.
FLOOD = "\n".join(
    ["[Single Message - Fill the disk]:"]
    + [f'Task("Writer {i}", "Print a lot.", "coder")' for i in range(12)]
)
PRINT_A_LOT = "head -c 100000 /dev/zero | tr '\\0' x"
# One Write of 600 KB: the session's batch (about the same size) fits, and so does its event
# log (with its write-ahead log and the reserve it keeps, with room to spare), but the artifact
# finds far less room left: it cannot be written, the log still can. (Written on 6,000 lines,
# as a person would write a long text, not on one line.)
ARTIFACT = 'Write("docs/big.md", ' + " +\n".join('"' + "y" * 100 + '"' for _ in range(6000)) + ")\n"
# A disk already full when the session starts: its folder cannot be made or filled.
ALREADY_FULL = 'Task("Writer", "Print a little.", "coder")\n'
CASES = {"log": FLOOD, "artifact": ARTIFACT, "full": ALREADY_FULL}


def fill(folder: Path) -> None:
    """Fill the disk FOLDER is on (until it refuses another byte)."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "filler").open("wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"x" * 4096)
        except OSError:
            pass


async def run(sessions: Path, case: str) -> dict[str, object]:
    text = CASES[case]
    settings = RunSettings(backend="command", command_template=PRINT_A_LOT, approvals="grant")
    app = make_app(text=text, settings=settings, sessions_dir=sessions, freeze_gc=False)
    async with app.run_test(size=(140, 42), notifications=True) as pilot:
        await settle(pilot)
        if case == "full":
            fill(sessions)
        await pilot.press("ctrl+r")
        screen = app.main_screen
        if case == "full":  # (no event can be recorded: the session's worker ends at once)
            await workers_done(app)
        else:
            await wait_for_state(pilot, lambda state: state.finished or state.held)
            if not screen.state.finished:  # held open for a retry: the user ends it
                screen.controller.cancel_session()
                await wait_for_state(pilot, lambda state: state.finished)
        await settle(pilot)
        artifact = [p.stat().st_size for p in sessions.glob("*/docs/big.md")]
        return {
            "toasts": [{"message": n.message, "severity": n.severity} for n in app._notifications],
            "editor": screen.editor.text,
            "batch": text,
            "status_bar": screen.status_bar.render_status().plain,
            "status": screen.state.status,
            "reason": screen.state.reason,
            "artifact_bytes": artifact,
        }


def main() -> None:
    sessions, out, case = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    out.write_text(json.dumps(asyncio.run(run(sessions, case))), encoding="utf-8")


if __name__ == "__main__":
    main()
