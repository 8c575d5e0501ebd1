"""Agent types (§4): built-in roles as Markdown with YAML front matter, plus the project's."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from swarmtui import locations
from swarmtui.batch.models import Diagnostic, Severity

_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)(.*)\Z", re.DOTALL)


class AgentType(BaseModel):
    """A role an agent can take: who it is, how it is prompted, and its defaults."""

    name: str
    description: str = ""
    color: str | None = None
    capabilities: list[str] = Field(default_factory=list)
    model: str | None = None
    backend: str | None = None
    system_prompt: str = ""
    # Where it was defined (a file), for messages.
    source: str | None = None

    @field_validator("capabilities", mode="before")
    @classmethod
    def _split_capabilities(cls, value: Any) -> Any:
        # Claude Code agent files write `tools: Read, Write, Bash` as one string.
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


def parse_agent_type_file(path: Path) -> AgentType:
    """Read one `*.md` agent file; raises ValueError with a one-line reason when malformed."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read it ({exc.__class__.__name__})") from exc
    m = _FRONT_MATTER_RE.match(text)
    if not m:
        raise ValueError("no YAML front matter between --- lines")
    try:
        meta = yaml.safe_load(m.group(1))
    except yaml.YAMLError as exc:
        raise ValueError(f"bad YAML front matter: {' '.join(str(exc).split())[:120]}") from exc
    if not isinstance(meta, dict):
        raise ValueError("the front matter is not a mapping of fields")
    data = {str(k): v for k, v in meta.items()}
    data.setdefault("name", path.stem)
    if "capabilities" not in data and "tools" in data:
        data["capabilities"] = data["tools"]
    fields = AgentType.model_fields
    try:
        return AgentType(
            **{
                k: v
                for k, v in data.items()
                if k in fields and k not in ("system_prompt", "source")
            },
            system_prompt=m.group(2).strip(),
            source=str(path),
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"field {where}: {first['msg']}") from exc


@lru_cache(maxsize=4)
def _builtin(directory: Path) -> tuple[dict[str, AgentType], tuple[Diagnostic, ...]]:
    return _load_dir(directory)


def _load_dir(directory: Path) -> tuple[dict[str, AgentType], tuple[Diagnostic, ...]]:
    types: dict[str, AgentType] = {}
    problems: list[Diagnostic] = []
    if not directory.is_dir():
        return types, ()
    for path in sorted(directory.rglob("*.md")):
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


def load_agent_types(
    project_dir: Path | None = None,
) -> tuple[dict[str, AgentType], list[Diagnostic]]:
    """Built-in roles plus the project's `.claude/agents/**/*.md` (which win on equal names)."""
    builtin, problems = _builtin(locations.builtin_agent_types_dir())
    types = dict(builtin)
    found = list(problems)
    project = locations.project_agent_types_dir(project_dir)
    try:
        if project.is_dir():
            extra, extra_problems = _load_dir(project)
            types.update(extra)
            found.extend(extra_problems)
    except OSError:
        pass
    return types, found
