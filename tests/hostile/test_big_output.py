"""Issue 11.7: an agent's huge output is stored once. The events keep its first megabyte or so
(what the app and a replay show, said to go on in the file) and its log file keeps all of it;
a real program prints it through a real pipe into a real session."""

from __future__ import annotations

from pathlib import Path

from swarmtui.engine.events import AgentOutput
from swarmtui.engine.output_log import EVENT_OUTPUT_LIMIT
from swarmtui.engine.state import fold
from swarmtui.store import read_events

from ..engine.helpers import one_message, run, task

SIZE = 6 * EVENT_OUTPUT_LIMIT  # characters the program prints


async def test_a_huge_output_is_kept_whole_in_its_log_and_bounded_in_the_events(
    tmp_path: Path,
) -> None:
    r = await run(
        one_message(task(0, "Loud")),
        tmp_path,
        backend="command",
        # (a first line alone: what comes before the log file is counted too)
        command_template=f"echo first; yes 'a line of output' | head -c {SIZE - 6}",
    )
    loud = r.state.agents["Loud"]
    assert loud.status == "done"
    log = r.session.path / "artifacts/logs/loud.log"
    assert log.stat().st_size == SIZE  # all of it, once
    events = read_events(r.session.path)
    printed = [e for e in events if isinstance(e, AgentOutput) and e.stream == "stdout"]
    assert sum(len(e.text) for e in printed) == EVENT_OUTPUT_LIMIT
    assert log.read_text().startswith("".join(e.text for e in printed))
    [note] = [e.text for e in events if isinstance(e, AgentOutput) and "alone" in e.text]
    assert "the rest of its output is in artifacts/logs/loud.log alone" in note
    # The session's database holds the first part, not a second copy of everything.
    database = sum(f.stat().st_size for f in r.session.path.glob("session.db*"))
    assert database < 2 * EVENT_OUTPUT_LIMIT + 512 * 1024, database
    # A replay shows what the run showed.
    assert fold(events).agents["Loud"].output_tail == loud.output_tail
