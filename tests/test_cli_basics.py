"""The `swarmtui` entry point exists and reports its version."""

from __future__ import annotations

import subprocess
import sys

from swarmtui import __version__


def test_version_flag_prints_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "swarmtui", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == f"swarmtui, version {__version__}"
