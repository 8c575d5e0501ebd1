"""`[bash]`: a Bash operation that names no timeout gets the configured default, one that names
more than the cap gets the cap, and when either fires the reason says which limit it was; the
command is stopped (real sandboxed subprocesses, nothing left running)."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from swarmtui.batch.models import BashOp
from swarmtui.commands.session_text import operation_lines
from swarmtui.config import BashOptions, ConfigError, load_config
from swarmtui.engine.events import BashRehearsed

from .helpers import REAL, host_pids, one_message, run


async def test_a_command_that_never_ends_is_stopped_by_the_default_and_by_the_cap(
    tmp_path: Path,
) -> None:
    # Unique lengths of sleep: their processes can be looked for afterwards.
    endless, capped = (f"sleep 3{secrets.randbelow(10**6)}.5" for _ in range(2))
    batch = one_message(
        BashOp(index=0, command=endless),  # no timeout of its own
        BashOp(index=1, command=capped, timeout=3600),  # more than the cap
        BashOp(index=2, command="echo quick", timeout=0.4),  # its own, within the cap
    )
    options = BashOptions(timeout=0.2, max_timeout=0.4)
    r = await run(batch, tmp_path, **REAL, bash=options)

    default, cap, quick = r.state.bash[0], r.state.bash[1], r.state.bash[2]
    assert (default.status, default.exit_status) == ("failed", None)
    assert default.reason == (
        "timed out after 0.2 s ([bash] timeout, the default; give the operation a longer "
        "`timeout`, up to 0.4 s)"
    )
    assert cap.reason == "timed out after 0.4 s ([bash] max_timeout; it asked for 3600 s)"
    assert (quick.status, list(quick.output_tail)) == ("done", ["quick"])
    assert host_pids(endless) == [] and host_pids(capped) == []
    assert r.state.status == "failed"


async def test_a_rehearsal_records_the_timeout_that_would_apply(tmp_path: Path) -> None:
    batch = one_message(
        BashOp(index=0, command="make"),
        BashOp(index=1, command="make check", timeout=7),
        BashOp(index=2, command="make dist", timeout=3600),
    )
    r = await run(batch, tmp_path)  # (the defaults: 2 min, 10 at most)
    rehearsed = r.of(BashRehearsed)
    assert [(e.timeout, e.timeout_from) for e in rehearsed] == [
        (120, "[bash] timeout"),
        (7, "operation"),
        (600, "[bash] max_timeout"),
    ]
    # Which setting it was is said, briefly, in the summary (and the log: test_log_panel.py).
    assert [line for line in operation_lines(r.state) if line.startswith("bash op")] == [
        "bash op 0: make -> rehearsed, not run (time limit 120 s, the default, [bash] timeout)",
        "bash op 1: make check -> rehearsed, not run (time limit 7 s, its own timeout)",
        "bash op 2: make dist -> rehearsed, not run (time limit 600 s, capped by [bash] "
        "max_timeout)",
    ]


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project's `swarmtui.toml` (not written yet), with no user configuration around it."""
    monkeypatch.setenv("SWARMTUI_CONFIG_DIR", str(tmp_path / "user"))
    return tmp_path / "swarmtui.toml"


def test_the_default_may_not_exceed_the_cap(config_file: Path) -> None:
    file = config_file
    file.write_text("[bash]\ntimeout = 900\n")
    with pytest.raises(ConfigError) as caught:
        load_config(file)
    text = str(caught.value)
    assert "\n" not in text and "swarmtui.toml" in text and "bash" in text
    assert "expected timeout ≤ max_timeout (600)" in text
    file.write_text("[bash]\ntimeout = 900\nmax_timeout = 1800\n")
    assert load_config(file).config.bash == BashOptions(timeout=900, max_timeout=1800)


def test_a_cap_set_alone_below_the_default_lowers_the_default(config_file: Path) -> None:
    file = config_file
    file.write_text("[bash]\nmax_timeout = 60\n")
    assert load_config(file).config.bash == BashOptions(timeout=60, max_timeout=60)
    assert BashOptions(max_timeout=1800) == BashOptions(timeout=120, max_timeout=1800)
    # A default the user chose above the cap is still refused: only the built-in one bends.
    file.write_text("[bash]\ntimeout = 90\nmax_timeout = 60\n")
    with pytest.raises(ConfigError, match="expected timeout ≤ max_timeout \\(60\\)"):
        load_config(file)
