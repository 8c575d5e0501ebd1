"""Agent runners (backends), one module per backend, all behind `base.Runner`.

`make_runner(backend, settings)` imports the backend's module lazily (so the HTTP and CLI
backends cost nothing when unused) and calls its `create_runner(settings)`.
"""

from __future__ import annotations

import importlib

from swarmtui.engine.runners.base import AgentFailed, Runner
from swarmtui.engine.settings import RunSettings

BACKEND_MODULES = {
    "rehearsal": "rehearsal",
    "command": "command",
    "openai": "openai_compat",
    "claude": "claude_code",
}


def make_runner(backend: str, settings: RunSettings) -> Runner:
    """The runner for BACKEND; `AgentFailed` (with a readable reason) when there is none."""
    module_name = BACKEND_MODULES.get(backend)
    if module_name is None:
        known = ", ".join(sorted(BACKEND_MODULES))
        raise AgentFailed(f"unknown backend {backend!r} (known: {known})")
    try:
        module = importlib.import_module(f"{__name__}.{module_name}")
        create = module.create_runner
    except (ImportError, AttributeError) as exc:
        raise AgentFailed(f"the {backend} backend is not available ({exc})") from exc
    runner: Runner = create(settings)
    return runner


__all__ = ["BACKEND_MODULES", "make_runner"]
