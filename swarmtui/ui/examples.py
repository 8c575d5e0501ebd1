"""The built-in example batches the app opens with and lists in the command palette."""

from __future__ import annotations

from swarmtui import locations

DEFAULT_EXAMPLE = "fan-out.swarm.js"


def example_names() -> list[str]:
    """The built-in example batches, default first."""
    names = sorted(p.name for p in locations.builtin_examples_dir().glob("*.swarm.js"))
    if DEFAULT_EXAMPLE in names:
        names.remove(DEFAULT_EXAMPLE)
        names.insert(0, DEFAULT_EXAMPLE)
    return names


def read_example(name: str) -> str:
    return (locations.builtin_examples_dir() / name).read_text(encoding="utf-8")
