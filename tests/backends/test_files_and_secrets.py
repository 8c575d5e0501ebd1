"""Fenced-block files, the artifact fence, and redaction of secrets from streamed text."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from swarmtui.engine.runners.files import (
    artifact_target,
    find_fenced_files,
    write_fenced_files,
)
from swarmtui.engine.runners.secrets import REDACTED, StreamRedactor, redact


def test_both_path_conventions_are_found() -> None:
    text = (
        "intro\n"
        '```python path="src/a.py"\nA = 1\n```\n'
        "```js file=web/b.js\nlet b\n```\n"
        "```\n// file: c.txt\nsee\n```\n"
        "```html\n<!-- path: site/index.html -->\n<p>x</p>\n```\n"
        "```python\nprint('no path: not a file')\n```\n"
    )
    files, problems = find_fenced_files(text)
    assert [(f.path, f.content) for f in files] == [
        ("src/a.py", "A = 1\n"),
        ("web/b.js", "let b\n"),
        ("c.txt", "see\n"),
        ("site/index.html", "<p>x</p>\n"),
    ]
    assert problems == []


def test_longer_fences_keep_inner_fences_and_unterminated_blocks_are_reported() -> None:
    text = "````markdown path=docs/README.md\n# T\n```sh\nmake\n```\n````\n```py path=x.py\ncut"
    files, problems = find_fenced_files(text)
    assert files[0].content == "# T\n```sh\nmake\n```\n"
    assert problems == ["x.py: the code block starting on line 7 never ends"]


def test_targets_go_under_artifacts_and_escapes_are_refused() -> None:
    assert artifact_target("src/a.py") == ("artifacts/src/a.py", None)
    assert artifact_target("artifacts/docs/n.md") == ("artifacts/docs/n.md", None)
    assert artifact_target("notes.md") == ("artifacts/notes.md", None)
    assert artifact_target("sessions/.../artifacts/docs/n.md") == ("artifacts/docs/n.md", None)
    for bad in ("/etc/passwd", "../x", "a/../../x", "~/.ssh/config", "C:\\x"):
        target, problem = artifact_target(bad)
        assert target is None and problem, bad


def test_a_planted_symlink_is_not_followed(tmp_path: Path) -> None:
    session = tmp_path / "session"
    (session / "artifacts").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, session / "artifacts" / "code")
    report = write_fenced_files("```py path=code/x.py\nboom\n```\n", session)
    assert report.written == [] and "symbolic link" in report.problems[0]
    assert list(outside.iterdir()) == []


def test_redact_replaces_every_occurrence() -> None:
    assert redact("a sk-SECRET123 b sk-SECRET123", ["sk-SECRET123"]) == f"a {REDACTED} b {REDACTED}"


@given(st.lists(st.integers(min_value=0, max_value=60), max_size=8))
def test_stream_redactor_catches_a_secret_split_anywhere(cuts: list[int]) -> None:
    secret = "sk-test-0123456789abcdef"
    text = f"key={secret}; again {secret} and sk-test- (not it) end"
    points = sorted({min(c, len(text)) for c in cuts} | {0, len(text)})
    redactor = StreamRedactor([secret])
    out = "".join(redactor.feed(text[a:b]) for a, b in itertools.pairwise(points))
    out += redactor.flush()
    assert secret not in out
    assert out == text.replace(secret, REDACTED)
