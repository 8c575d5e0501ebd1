"""Every diagnostic code the linter can give is explained in the reference, and the README's
range of codes reaches the last one (a new code cannot go undocumented)."""

from __future__ import annotations

import re
from pathlib import Path

from swarmtui.batch.diagnostics import CODES

ROOT = Path(__file__).resolve().parent.parent


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    following = text.find("\n## ", start + len(heading))
    return text[start : following if following >= 0 else len(text)]


def test_the_reference_explains_every_code() -> None:
    reference = (ROOT / "docs" / "batch-language.md").read_text(encoding="utf-8")
    diagnostics = _section(reference, "## 10. Diagnostics")
    missing = [code for code in CODES if code not in diagnostics]
    assert not missing, f"not in docs/batch-language.md §10: {missing}"


def test_the_readme_range_reaches_the_last_code() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ranges = re.findall(r"Codes (SW\d{3})–(SW\d{3})", readme)
    assert ranges, "the README names the range of diagnostic codes"
    assert ranges == [(min(CODES), max(CODES))]
