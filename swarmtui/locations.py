"""Every filesystem location swarmtui uses, computed in one place so tests can redirect them."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_config_path

PACKAGE_DIR = Path(__file__).resolve().parent

# Environment variables that override locations (tests set these instead of patching code).
ENV_CONFIG_DIR = "SWARMTUI_CONFIG_DIR"
ENV_SESSIONS_DIR = "SWARMTUI_SESSIONS_DIR"


def config_dir() -> Path:
    """The user's configuration folder (platform conventions), e.g. ~/.config/swarmtui."""
    override = os.environ.get(ENV_CONFIG_DIR)
    if override:
        return Path(override)
    return user_config_path("swarmtui", appauthor=False)


def ui_state_file() -> Path:
    """What the app remembers between runs (the theme last chosen in it)."""
    return config_dir() / "ui-state.json"


def user_themes_dir() -> Path:
    """Where users keep their own theme files."""
    return config_dir() / "themes"


def builtin_themes_dir() -> Path:
    """The themes shipped with swarmtui: the top-level `themes/` folder, bundled in the package."""
    bundled = PACKAGE_DIR / "themes"
    if bundled.is_dir():
        return bundled
    return PACKAGE_DIR.parent / "themes"


def builtin_agent_types_dir() -> Path:
    """Markdown files (YAML front matter) describing the built-in agent roles."""
    return PACKAGE_DIR / "batch" / "roles"


def project_agent_types_dir(project: Path | None = None) -> Path:
    """The project's own agent definitions, in the format of `.claude/agents/**/*.md`."""
    return (project or Path.cwd()) / ".claude" / "agents"


def builtin_examples_dir() -> Path:
    """Example batches shipped inside the package."""
    return PACKAGE_DIR / "examples"


def default_sessions_dir() -> Path:
    """Where sessions are recorded unless configured otherwise: ./sessions."""
    override = os.environ.get(ENV_SESSIONS_DIR)
    if override:
        return Path(override)
    return Path.cwd() / "sessions"


def project_config_file(project: Path | None = None) -> Path:
    """`swarmtui.toml` in the project folder."""
    return (project or Path.cwd()) / "swarmtui.toml"


def user_config_file() -> Path:
    """`swarmtui.toml` in the user's config folder."""
    return config_dir() / "swarmtui.toml"
