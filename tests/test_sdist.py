"""The source distribution holds what the project points its users to: every `docs/…` file that
a diagnostic, the README or the code names (built here as the build backend builds it)."""

from __future__ import annotations

import re
import tarfile
from pathlib import Path

from hatchling.builders.sdist import SdistBuilder

ROOT = Path(__file__).resolve().parent.parent
_DOC_RE = re.compile(r"\bdocs/[\w.-]+\.md\b")


def _named_docs() -> set[str]:
    texts = [ROOT / "README.md", *(ROOT / "swarmtui").rglob("*.py")]
    return {m.group() for path in texts for m in _DOC_RE.finditer(path.read_text("utf-8"))}


def test_the_sdist_holds_every_doc_the_project_names(tmp_path: Path) -> None:
    named = _named_docs()
    assert "docs/batch-language.md" in named  # (SW009's hint, the README's link)
    [built] = list(SdistBuilder(str(ROOT)).build(directory=str(tmp_path), versions=["standard"]))
    with tarfile.open(built) as archive:
        # Members are "swarmtui-VERSION/PATH".
        inside = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    missing = sorted(name for name in named if name not in inside)
    assert not missing, f"named but not in the sdist: {missing}"
    assert all((ROOT / name).is_file() for name in named)
