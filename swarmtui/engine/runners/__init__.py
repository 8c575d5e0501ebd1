"""Agent runners (backends), one module per backend, all behind `base.Runner`.

`make_runner(backend, settings)` imports the backend's module lazily (so the HTTP and CLI
backends cost nothing when unused) and calls its `create_runner(settings)`.
"""

from __future__ import annotations

import importlib
from typing import assert_never

from swarmtui.backend_names import BACKEND_NAMES, BackendName, is_backend_name
from swarmtui.engine.runners.base import AgentFailed, Runner
from swarmtui.engine.settings import RunSettings


def backend_module(backend: BackendName) -> str:
    """The module (under this package) that implements BACKEND."""
    match backend:
        case "rehearsal":
            return "rehearsal"
        case "command":
            return "command"
        case "openai":
            return "openai_compat"
        case "claude":
            return "claude_code"
        case _:
            assert_never(backend)


def make_runner(backend: str, settings: RunSettings) -> Runner:
    """The runner for BACKEND; `AgentFailed` (with a readable reason) when there is none."""
    if not is_backend_name(backend):
        known = ", ".join(sorted(BACKEND_NAMES))
        raise AgentFailed(f"unknown backend {backend!r} (known: {known})")
    try:
        module = importlib.import_module(f"{__name__}.{backend_module(backend)}")
        create = module.create_runner
    except (ImportError, AttributeError) as exc:
        raise AgentFailed(f"the {backend} backend is not available ({exc})") from exc
    runner: Runner = create(settings)
    return runner


__all__ = ["backend_module", "make_runner"]
