"""Files a text-only agent produces: fenced code blocks marked with a path, and its transcript.

A model that can only answer with text "writes" a file by putting it in a fenced code block that
names its path, in either of two conventions (both are common in model output):

    ```python path=src/app.py          (also file=, filename=; the value may be quoted)
    ...
    ```

    ```python
    # file: src/app.py                 (first line; also //, --, /* */, <!-- --> and path:)
    ...
    ```

Every such file lands under the session's `artifacts/` folder (`src/app.py` becomes
`artifacts/src/app.py`; `artifacts/x` stays as it is). The batch language's write fence applies
(`swarmtui.batch.paths`: absolute paths and `..` escapes are refused) and the write goes through
`swarmtui.engine.fence`, which never follows a symbolic link. A `Write` rule that denies (or
asks about: an agent's answer cannot wait) the target refuses the file too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from swarmtui.batch.paths import check_write_path, slug, write_target
from swarmtui.engine.fence import write_fenced

ARTIFACTS = "artifacts"

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_INFO_PATH = re.compile(r"""(?:^|\s)(?:path|file|filename)=(?:"([^"]+)"|'([^']+)'|(\S+))""")
_FIRST_LINE_PATH = re.compile(
    r"^\s*(?:#|//|--|;|/\*|<!--)\s*(?:file|path|filename)\s*:\s*(?P<path>[^\s*>]+?)\s*(?:\*/|-->)?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FencedFile:
    path: str  # as the agent wrote it
    content: str
    line: int  # 1-based line of the opening fence


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)  # relative to the session folder
    problems: list[str] = field(default_factory=list)  # one readable line each


def find_fenced_files(text: str) -> tuple[list[FencedFile], list[str]]:
    """The path-marked code blocks of TEXT, and a note for each one left unterminated."""
    files: list[FencedFile] = []
    problems: list[str] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if not match or (match["fence"][0] == "`" and "`" in match["info"]):
            index += 1
            continue
        fence, info, start = match["fence"], match["info"].strip(), index
        body: list[str] = []
        index += 1
        closed = False
        while index < len(lines):
            stripped = lines[index].strip()
            if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
                closed = True
                break
            body.append(lines[index])
            index += 1
        index += 1
        path = _path_from_info(info)
        if path is None and body:
            first = _FIRST_LINE_PATH.match(body[0])
            if first:
                path, body = first["path"], body[1:]
        if path is None:
            continue
        if not closed:
            problems.append(f"{path}: the code block starting on line {start + 1} never ends")
            continue
        content = "\n".join(body) + ("\n" if body else "")
        files.append(FencedFile(path=path, content=content, line=start + 1))
    return files, problems


def _path_from_info(info: str) -> str | None:
    match = _INFO_PATH.search(info)
    if not match:
        return None
    return next(group for group in match.groups() if group)


def artifact_target(path: str, into: str | None = None) -> tuple[str | None, str | None]:
    """(target relative to the session folder, None) or (None, why it is refused). INTO: the
    agent's worktree (relative to the session folder), where its files go as they are named."""
    problem = check_write_path(path)
    if problem is not None:
        return None, problem
    target = write_target(path)
    if into is not None:
        return f"{into}/{target}", None
    if not target.startswith(f"{ARTIFACTS}/"):
        target = f"{ARTIFACTS}/{target}"
    return target, None


def write_fenced_files(
    text: str,
    session_dir: Path,
    refuse: Callable[[str], str | None] | None = None,
    into: str | None = None,
) -> WriteReport:
    """Write every path-marked code block of TEXT under `artifacts/` (or, INTO the agent's
    worktree, where it names); report what was refused (REFUSE says why a target may not be
    written, by the `Write` rules)."""
    report = WriteReport()
    files, report.problems = find_fenced_files(text)
    for fenced in files:
        target, problem = artifact_target(fenced.path, into)
        if target is not None and refuse is not None:
            problem = refuse(target)
            target = None if problem is not None else target
        if target is None:
            report.problems.append(problem or fenced.path)
            continue
        try:
            write_fenced(session_dir, target, fenced.content.encode("utf-8"))
        except OSError as exc:
            report.problems.append(f"{fenced.path}: not written ({exc.strerror or exc})")
            continue
        if target not in report.written:
            report.written.append(target)
    return report


def agent_file_stem(agent: str, attempt: int = 1) -> str:
    """An agent's name as its files are named (`Changelog Reader` -> `changelog-reader`), as its
    output log and report are (`slug`: `分析` and `設計` name different files)."""
    stem = slug(agent)
    return stem if attempt <= 1 else f"{stem}.attempt{attempt}"


def write_log(session_dir: Path, agent: str, attempt: int, suffix: str, text: str) -> str:
    """Write `artifacts/logs/<agent><suffix>`; returns its path relative to the session folder."""
    relative = f"{ARTIFACTS}/logs/{agent_file_stem(agent, attempt)}{suffix}"
    write_fenced(session_dir, relative, text.encode("utf-8"))
    return relative
