"""Every configuration example in the README and docs/ loads as written: each ```toml block
goes through the real loader and the checks of `theme` and `[keymap]` (docs cannot rot)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from swarmtui.config import load_config
from swarmtui.ui.config_check import looks_problems

ROOT = Path(__file__).resolve().parent.parent
_BLOCK = re.compile(r"^```toml\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _blocks() -> list[tuple[str, str]]:
    found = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        for match in _BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append((f"{doc.relative_to(ROOT)}:{line}", match.group(1)))
    return found


def test_the_readme_has_a_configuration_example() -> None:
    assert any(where.startswith("README.md:") for where, _ in _blocks())


@pytest.mark.parametrize(("where", "block"), _blocks(), ids=[w for w, _ in _blocks()])
def test_a_toml_example_loads(
    where: str, block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWARMTUI_CONFIG_DIR", str(tmp_path / "user"))  # (no user file)
    file = tmp_path / "swarmtui.toml"
    file.write_text(block, encoding="utf-8")
    loaded = load_config(file)  # ConfigError names the key when the example is wrong
    assert loaded.files == [file]
    assert looks_problems(loaded) == [], where
