"""The README names the layers that import-linter enforces, in their order (it left out one)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_lists_the_enforced_layers_in_order() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    [layers] = [
        c["layers"] for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"
    ]
    # The packages, top to bottom (the entry point and the row of small bottom modules aside).
    enforced = [layer.removeprefix("swarmtui.") for layer in layers[1:-1]]
    readme = (ROOT / "README.md").read_text("utf-8")
    chain = re.search(r"`cli`(?:\s*→\s*`\w+`)+", readme)
    assert chain is not None
    assert re.findall(r"`(\w+)`", chain.group()) == [*enforced, "locations"]
