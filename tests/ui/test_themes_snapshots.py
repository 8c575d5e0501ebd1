"""Snapshots of the main screen in each shipped theme (reviewed as pictures)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from swarmtui import locations
from swarmtui.ui.app import make_app

from .helpers import steady

THEME_BATCH = """[Single Message - Theme check]:
// Two agents hand work over through memory; one placeholder is left in on purpose.
Task("Researcher", "Collect the facts. Store them in memory under 'swarm/notes'.", "researcher")
Task("Writer", "Read the notes from memory 'swarm/notes'. Draft the page.", "api-docs")
TodoWrite({ todos: [
  {id: "1", content: "Collect the facts", status: "in_progress", priority: "high"},
  {id: "2", content: "Draft the page", status: "pending", priority: "medium"},
]})
Bash("echo {...}")
"""


@pytest.mark.parametrize("theme", ["swarm-dark", "swarm-ember", "swarm-light", "swarm-contrast"])
def test_main_screen_in_theme(
    snap_compare: Any, theme: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(locations.ENV_CONFIG_DIR, str(tmp_path / "config"))
    app = make_app(
        text=THEME_BATCH,
        sessions_dir=Path("sessions"),
        theme=theme,
        project_dir=tmp_path,
        freeze_gc=False,
    )
    assert snap_compare(app, terminal_size=(120, 36), run_before=steady)
