"""Agent types (§4): built-in roles as Markdown with YAML front matter, plus the project's."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from swarmtui.batch.models import Diagnostic, Severity
from swarmtui.text_files import NotText, read_text_file

_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)(.*)\Z", re.DOTALL)
# One `key: value` line of the simple front matter our own role files use.
_SIMPLE_LINE_RE = re.compile(r"([A-Za-z_][\w-]*)[ \t]*:[ \t]*(.*?)[ \t]*")
_TEXT_FIELDS = ("name", "description", "color", "model", "backend")


@dataclass(slots=True, kw_only=True)
class AgentType:
    """A role an agent can take: who it is, how it is prompted, and its defaults."""

    name: str
    description: str = ""
    color: str | None = None
    capabilities: list[str] = field(default_factory=list)
    model: str | None = None
    backend: str | None = None
    system_prompt: str = ""
    # Where it was defined (a file), for messages.
    source: str | None = None


def parse_agent_type_file(path: Path) -> AgentType:
    """Read one `*.md` agent file; raises ValueError with a one-line reason when malformed."""
    try:
        text = read_text_file(path)  # (saved with a byte-order mark by Notepad: still read)
    except (OSError, NotText) as exc:
        raise ValueError(f"cannot read it ({exc.__class__.__name__})") from exc
    m = _FRONT_MATTER_RE.match(text)
    if not m:
        raise ValueError("no YAML front matter between --- lines")
    meta = _front_matter(m.group(1))
    if not isinstance(meta, dict):
        raise ValueError("the front matter is not a mapping of fields")
    data = {str(k): v for k, v in meta.items()}
    data.setdefault("name", path.stem)
    if "capabilities" not in data and "tools" in data:
        data["capabilities"] = data["tools"]
    values: dict[str, Any] = {}
    for key in _TEXT_FIELDS:
        value = data.get(key)
        if value is None and key != "name":
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise ValueError(f"field {key}: Input should be a valid string")
        values[key] = value
    values["capabilities"] = _capabilities(data.get("capabilities"))
    return AgentType(**values, system_prompt=m.group(2).strip(), source=str(path))


def _capabilities(value: Any) -> list[str]:
    if value is None:
        return []
    # Claude Code agent files write `tools: Read, Write, Bash` as one string.
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ValueError("field capabilities: Input should be a valid list of text")


def _front_matter(block: str) -> Any:
    """The front matter's fields. Our own role files keep to `key: value` lines, read here
    without loading a YAML library (it is a tenth of `swarmtui lint`'s start-up); anything
    richer goes to YAML."""
    simple = _simple_front_matter(block)
    if simple is not None:
        return simple
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(block, Loader=loader)
    except yaml.YAMLError as exc:
        raise ValueError(f"bad YAML front matter: {' '.join(str(exc).split())[:120]}") from exc


def _simple_front_matter(block: str) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for line in block.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _SIMPLE_LINE_RE.fullmatch(line)
        if m is None:
            return None
        value = _simple_value(m.group(2))
        if value is None:
            return None
        out[m.group(1)] = value
    return out


def _simple_value(raw: str) -> Any:
    """A plain, double-quoted or `[a, b]` value; None when it needs real YAML."""
    if not raw or raw[0] in "'|>&*!%@`{" or " #" in raw:
        return None
    if raw[0] == '"':
        import json  # (only role files with quoted values need it)

        try:
            value = json.loads(raw)
        except ValueError:
            return None
        return value if isinstance(value, str) else None
    if raw[0] == "[":
        if not raw.endswith("]") or any(c in raw[1:-1] for c in "[]{}\"'"):
            return None
        return [part.strip() for part in raw[1:-1].split(",") if part.strip()]
    if ": " in raw or raw in ("true", "false", "null", "~", "yes", "no"):
        return None
    return raw


@lru_cache(maxsize=4)
def _builtin(directory: Path) -> tuple[dict[str, AgentType], tuple[Diagnostic, ...]]:
    return _load_dir(directory)


# Project folders are read again only when a file in them changed: the editor lints on every
# pause in typing, and a claude-flow project keeps some seventy agent files.
_Signature = tuple[tuple[str, int, int], ...]
_PROJECT_CACHE: dict[Path, tuple[_Signature, dict[str, AgentType], tuple[Diagnostic, ...]]] = {}


def _signature(directory: Path) -> _Signature:
    found = []
    for path in _markdown_files(directory):
        try:
            st = path.stat()
        except OSError:
            continue
        found.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(found)


def _load_project(directory: Path) -> tuple[dict[str, AgentType], tuple[Diagnostic, ...]]:
    signature = _signature(directory)
    cached = _PROJECT_CACHE.get(directory)
    if cached is not None and cached[0] == signature:
        return cached[1], cached[2]
    types, problems = _load_dir(directory)
    if len(_PROJECT_CACHE) > 8:
        _PROJECT_CACHE.clear()
    _PROJECT_CACHE[directory] = (signature, types, problems)
    return types, problems


def _load_dir(directory: Path) -> tuple[dict[str, AgentType], tuple[Diagnostic, ...]]:
    types: dict[str, AgentType] = {}
    problems: list[Diagnostic] = []
    if not directory.is_dir():
        return types, ()
    for path in _markdown_files(directory):
        if _is_documentation(path):
            continue
        try:
            agent_type = parse_agent_type_file(path)
        except ValueError as exc:
            problems.append(
                Diagnostic(
                    code="SW016",
                    severity=Severity.WARNING,
                    message=f"agent type file {path} is malformed: {exc}",
                )
            )
            continue
        types[agent_type.name] = agent_type
    return types, tuple(problems)


def _is_documentation(path: Path) -> bool:
    """README.md, MIGRATION_SUMMARY.md…: notes kept next to agent files, not agent types."""
    stem = path.stem
    return stem.upper() == stem and any(c.isalpha() for c in stem)


@lru_cache(maxsize=4)
def _builtin_names(directory: Path) -> frozenset[str]:
    # A built-in role file is named after its type (a test checks it), so linting needs no file
    # read: the names are a tenth of the time of parsing every role.
    return frozenset(p.stem for p in _markdown_files(directory) if not _is_documentation(p))


def _markdown_files(directory: Path) -> list[Path]:
    """The `.md` files under DIRECTORY (not in linked folders), sorted. `os.walk`, not
    `Path.rglob`: a twentieth of its time, paid by every lint for the project's agent files."""
    found: list[Path] = []
    for folder, _, names in os.walk(directory):
        found += [Path(folder, name) for name in names if name.endswith(".md")]
    return sorted(found)


def known_type_names(project_dir: Path | None = None) -> tuple[frozenset[str], list[Diagnostic]]:
    """The names of the known agent types, and any problem with the project's agent files."""
    from swarmtui import locations

    names = _builtin_names(locations.builtin_agent_types_dir())
    project = locations.project_agent_types_dir(project_dir)
    try:
        if project.is_dir():
            extra, problems = _load_project(project)
            return names | frozenset(extra), list(problems)
    except OSError:
        pass
    return names, []


def load_agent_types(
    project_dir: Path | None = None,
) -> tuple[dict[str, AgentType], list[Diagnostic]]:
    """Built-in roles plus the project's `.claude/agents/**/*.md` (which win on equal names)."""
    from swarmtui import locations

    builtin, problems = _builtin(locations.builtin_agent_types_dir())
    types = dict(builtin)
    found = list(problems)
    project = locations.project_agent_types_dir(project_dir)
    try:
        if project.is_dir():
            extra, extra_problems = _load_project(project)
            types.update(extra)
            found.extend(extra_problems)
    except OSError:
        pass
    return types, found
