"""Session paths in batches (§6): placeholder folders, the write fence, and session slugs."""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path, PurePosixPath

# `sessions/session-YYYYMMDD-HHMMSS-slug` (the `sessions/` part optional) and `sessions/.../`.
_SESSION_PLACEHOLDER_RE = re.compile(
    r"(?:\.?/?sessions/)?session-YYYYMMDD-HHMMSS-[A-Za-z0-9_.-]*|(?:\.?/)?sessions/\.\.\.(?=/|$)"
)


def rewrite_session_paths(text: str, session_dir: Path) -> str:
    """Replace the guides' placeholder session folders in `text` with `session_dir` (absolute)."""
    target = str(session_dir.resolve())
    return _SESSION_PLACEHOLDER_RE.sub(lambda _m: target, text)


def _strip_placeholder(path: str) -> str:
    """The path relative to the session folder when it starts with a placeholder folder."""
    m = _SESSION_PLACEHOLDER_RE.match(path)
    if m:
        path = path[m.end() :].lstrip("/")
    return path


# A path that does not start in the session folder: absolute, from a home folder, a drive.
_ABSOLUTE_RE = re.compile(r"[/\\~]|[A-Za-z]:[\\/]")


def _walk(depth: int, rel: str) -> int | None:
    """The depth below the session folder after going the relative path REL from DEPTH (0:
    the folder itself); None when it leaves the folder on the way."""
    for part in re.split(r"[\\/]+", rel):
        if part == "..":
            depth -= 1
            if depth < 0:
                return None
        elif part not in ("", "."):
            depth += 1
    return depth


def _depth(rel: str) -> int | None:
    return _walk(0, rel)


def check_write_path(path: str) -> str | None:
    """Why `path` may not be written (absolute or leaving the session folder), else None."""
    rel = _strip_placeholder(path.strip())
    if not rel:
        return f"cannot write to {path!r}: it names no file"
    if _ABSOLUTE_RE.match(rel):
        return f"cannot write to {path!r}: absolute paths leave the session folder"
    depth = _depth(rel)
    if depth is None:
        return f"cannot write to {path!r}: it leaves the session folder"
    if depth == 0:
        return f"cannot write to {path!r}: it names the session folder itself"
    return None


def folder_outside(path: str) -> bool:
    """Whether PATH, a working folder given relative to the session folder (or under one of
    the guides' placeholder session folders), is outside the session folder."""
    rel = _strip_placeholder(path.strip())
    return bool(_ABSOLUTE_RE.match(rel)) or _depth(rel) is None


# `cd` into a home folder: no argument, `~`, `$HOME` (or `${HOME}`), and below them.
_HOME_RE = re.compile(r"(?:~|\$HOME\b|\$\{HOME\})(?:/|$)")
_ASSIGNMENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


def cd_outside(command: str) -> str | None:
    """The first `cd` (or `pushd`) of a Bash command line that takes it out of the session
    folder it starts in (`cd /repo`, `cd ..`, `cd ~/project`, a plain `cd`), as written; None
    when none does, as far as can be told (`cd $DIR`, `cd -` and `popd` end the analysis).
    The line's commands are followed in order (`cd app && make && cd ..` stays inside)."""
    # (imported here: only Bash operations need the shell splitter, and `swarmtui lint`
    # starts faster without it)
    from swarmtui.policy.shell import split_commands

    depth = 0
    for simple in split_commands(command).commands:
        words = [w for w in simple.words if not _ASSIGNMENT_RE.match(w)]
        if not words or words[0] not in ("cd", "pushd", "popd"):
            continue
        if words[0] == "popd":
            return None  # (back to somewhere this does not follow)
        target = next((w for w in words[1:] if w == "-" or not w.startswith("-")), None)
        if target is None or _HOME_RE.match(target) or _ABSOLUTE_RE.match(target):
            return simple.text
        if target == "-" or "$" in target:
            return None  # (somewhere this cannot tell)
        after = _walk(depth, target)
        if after is None:
            return simple.text
        depth = after
    return None


def write_target(path: str) -> str:
    """Where a `Write` lands, relative to the session folder (a bare name goes to artifacts/)."""
    rel = _strip_placeholder(path.strip())
    parts = [p for p in re.split(r"[\\/]+", rel) if p not in ("", ".")]
    normal: list[str] = []
    for part in parts:
        if part == "..":
            if normal:
                normal.pop()
        else:
            normal.append(part)
    if len(normal) == 1:
        normal.insert(0, "artifacts")
    return str(PurePosixPath(*normal)) if normal else "artifacts"


# (a pure function asked for the same agent names again and again while a session runs: its
# report, its log, its keys; a big batch asks it thousands of times in a burst)
@functools.lru_cache(maxsize=8192)
def slug(text: str, limit: int = 40) -> str:
    """A short lowercase name for files, folders and keys: `Deploy pipeline!` → `deploy-pipeline`.

    Letters of every script are kept (`分析` and `設計` name different files); a name cut to
    `limit`, or with no letter or digit at all, ends in a few characters of its hash, so long
    names that share their start (or `🐝` and `🦊`) still name different files and keys.
    """
    text = unicodedata.normalize("NFC", text)
    out = re.sub(r"[\W_]+", "-", text.lower()).strip("-")
    if len(out) <= limit and (out or not text.strip()):
        return out or "batch"
    import hashlib  # (rarely needed: only long or letterless names)

    tag = hashlib.blake2s(text.encode("utf-8", "surrogatepass"), digest_size=3).hexdigest()
    head = out[: limit - len(tag) - 1].rstrip("-") or "batch"
    return f"{head}-{tag}"
