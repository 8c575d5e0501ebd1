"""Checks of the configuration's looks that only the app can make: `[keymap]` against the keys
the app binds, and `theme` against the themes it can load. Each problem is one line naming the
file and the key id (or `theme`); `swarmtui config` lists them, and the app refuses to start
with the first one, as with any other configuration error."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from swarmtui.config import LoadedConfig

MODIFIERS = frozenset({"ctrl", "alt", "shift", "super", "meta", "hyper"})


@dataclass(frozen=True)
class BoundKey:
    """One binding with an id: where it is bound, its keys, whether it wins everywhere."""

    id: str
    owner: str  # the screen or widget class that binds it
    kind: str  # "app", "screen" or "widget"
    keys: tuple[str, ...]
    priority: bool

    def meets(self, other: BoundKey) -> bool:
        """Whether both can be in force at once: same class; the app's (in force on every
        screen); or a widget with a screen (which holds it). Two screens, or two widgets that
        do not hold each other, never are."""
        if self.owner == other.owner or "app" in (self.kind, other.kind):
            return True
        kinds = {self.kind, other.kind}
        return "widget" in kinds and kinds != {"widget"}


def bound_keys() -> dict[str, BoundKey]:
    """Every binding with an id in the app (every screen and widget of `swarmtui.ui`)."""
    from textual.app import App
    from textual.binding import Binding
    from textual.dom import DOMNode
    from textual.screen import Screen

    import swarmtui.ui

    for module in pkgutil.walk_packages(swarmtui.ui.__path__, "swarmtui.ui."):
        importlib.import_module(module.name)
    found: dict[str, BoundKey] = {}
    for cls in _subclasses(DOMNode):
        if not cls.__module__.startswith("swarmtui.ui"):
            continue
        for binding in cls.__dict__.get("BINDINGS", ()):
            if isinstance(binding, Binding) and binding.id and binding.id not in found:
                keys = tuple(k.strip() for k in binding.key.split(","))
                kind = (
                    "app"
                    if issubclass(cls, App)
                    else "screen"
                    if issubclass(cls, Screen)
                    else "widget"
                )
                found[binding.id] = BoundKey(binding.id, cls.__name__, kind, keys, binding.priority)
    return found


def _subclasses(cls: type) -> Iterator[type]:
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def key_problem(key: str) -> str | None:
    """Why KEY (one key, e.g. `ctrl+g`) cannot be typed, or None when it can."""
    import unicodedata

    from textual.keys import REPLACED_KEYS, Keys, key_to_character

    if not key.strip():
        return "an empty key"
    *modifiers, name = key.strip().split("+")
    unknown = [m for m in modifiers if m not in MODIFIERS]
    if unknown:
        return f"{key!r} has an unknown modifier {unknown[0]!r}"
    named = {k.value.rpartition("+")[2] for k in Keys}
    if len(name) == 1 or name in named or key_to_character(name) is not None:
        return None
    try:  # (slash, plus, minus...: Textual's short names of characters)
        unicodedata.lookup(REPLACED_KEYS[name].replace("_", " ").upper())
        return None
    except KeyError:
        pass
    return f"{key!r} is not a key (a character, or a name such as f5, enter, space, slash)"


def types_text(key: str) -> bool:
    """Whether KEY types into a text field (a character, a space, a tab, a new line) or
    deletes there: an action bound to it before the fields take their keys takes that away."""
    from textual.keys import REPLACED_KEYS, key_to_character

    *modifiers, name = key.strip().split("+")
    if modifiers:
        return modifiers == ["shift"] and len(name) == 1  # (shift+a types "A")
    if name in ("enter", "tab", "space", "backspace", "delete") or len(name) == 1:
        return True
    character = key_to_character(name)
    return bool(character and character.isprintable()) or name in REPLACED_KEYS


def keymap_problems(loaded: LoadedConfig) -> list[str]:
    """One line per `[keymap]` entry that cannot work: unknown id, impossible or empty key, or
    a key another action of the same screen (or an app-wide key) already has."""
    keymap = loaded.config.keymap
    if not keymap:
        return []
    bound = bound_keys()
    # Keys in force once the keymap applies, per owner; app-wide priority keys count everywhere.
    in_force = {b.id: (keymap[b.id],) if b.id in keymap else b.keys for b in bound.values()}
    in_force = {
        i: tuple(k.strip() for ks in keys for k in ks.split(",")) for i, keys in in_force.items()
    }
    problems = []
    for key_id, keys in keymap.items():
        where = f"{loaded.source(f'keymap.{key_id}')}: keymap.{key_id}"
        binding = bound.get(key_id)
        if binding is None:
            problems.append(f"{where}: no key has this id (see f1 in the app for the ids)")
            continue
        wanted = [k.strip() for k in keys.split(",")]
        bad = (
            next((p for p in map(key_problem, wanted) if p), None)
            if keys.strip()
            else "an empty key"
        )
        if bad:
            problems.append(f"{where}: {bad}")
            continue
        typed = next((k for k in wanted if binding.priority and types_text(k)), None)
        if typed is not None:  # (it would fire in the editor instead of typing the character)
            problems.append(
                f"{where}: {typed!r} is typed in the editor, and {key_id} acts before the editor "
                "sees a key: choose one with ctrl or alt, or an F-key"
            )
            continue
        for other in bound.values():
            if other.id == key_id:
                continue
            taken = set(wanted) & set(in_force[other.id])
            if taken and binding.meets(other):
                problems.append(
                    f"{where}: {sorted(taken)[0]!r} is already bound to {other.id} ({other.owner})"
                )
                break
    return problems


def theme_problem(loaded: LoadedConfig) -> str | None:
    """Why the configured `theme` cannot be used (unknown name, or its file is broken: what
    is wrong in it), or None."""
    name = loaded.config.theme
    if name is None:
        return None
    from swarmtui.ui.look import plural
    from swarmtui.ui.themes import load_themes, problems_of

    themes, errors = load_themes()
    names = sorted(theme.name for theme in themes)
    if name in names:
        return None
    where = f"{loaded.source('theme')}: theme"
    own = problems_of(name, errors)
    if own:
        return f"{where}: {name!r} cannot be used: {own[0]}"
    said = f"{where}: unknown theme {name!r} (known: {', '.join(names)})"
    if errors:  # (perhaps it is one of them, under another file name)
        said += f"; {plural(len(errors), 'theme file')} could not be used: {errors[0]}"
    return said


def looks_problems(loaded: LoadedConfig) -> list[str]:
    """Every problem of `theme` and `[keymap]`."""
    from swarmtui.safe_text import visible  # (ids and keys come from a file: shown visibly)

    problem = theme_problem(loaded)
    return [visible(p) for p in [*([problem] if problem else []), *keymap_problems(loaded)]]
