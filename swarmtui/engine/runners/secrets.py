"""API keys: read them from the environment only, and scrub their values from anything we keep.

A server may echo a request back (an error page quoting the Authorization header, a model that
repeats its input), so every text a backend returns passes through a redactor before it becomes an
event, an artifact, a transcript or an error message.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TypeVar

from pydantic import BaseModel

from swarmtui.backend_names import DEFAULT_KEY_ENVS
from swarmtui.engine.settings import RunSettings

_Model = TypeVar("_Model", bound=BaseModel)

REDACTED = "[REDACTED]"
KNOWN_KEY_ENVS = tuple(DEFAULT_KEY_ENVS.values())
# Shorter values are too likely to occur by chance in ordinary text to be scrubbed everywhere.
_MIN_SECRET_LENGTH = 6


def key_env_names(settings: RunSettings) -> list[str]:
    """Every environment variable that may hold a key for this run."""
    names = list(KNOWN_KEY_ENVS)
    for env in (settings.backends.openai.api_key_env, settings.backends.claude.api_key_env):
        if env:
            names.append(env)
    return list(dict.fromkeys(names))


def secret_values(settings: RunSettings) -> list[str]:
    """The values of those variables that are set (longest first, so overlaps redact whole)."""
    values = {os.environ.get(name, "").strip() for name in key_env_names(settings)}
    return sorted((v for v in values if len(v) >= _MIN_SECRET_LENGTH), key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def scrub_event(event: _Model, secrets: Iterable[str]) -> _Model:
    """EVENT, or a copy with every secret in any of its fields replaced (the last safety net
    before an event reaches the log or the screen: a Bash command may echo a key, a memory value
    may hold one)."""
    secrets = list(secrets)
    if not secrets:
        return event
    data = event.model_dump_json()
    if not any(secret in data for secret in secrets):
        return event
    return type(event).model_validate_json(redact(data, secrets))


class StreamRedactor:
    """Redacts a text that arrives in pieces, where a secret may be split across two pieces.

    `feed` returns what is safe to pass on now and holds back any tail that could be the start of
    a secret; `flush` releases the rest at the end of the stream.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = [s for s in secrets if s]
        self._pending = ""

    def feed(self, text: str) -> str:
        if not self._secrets:
            return text
        data = redact(self._pending + text, self._secrets)
        hold = self._partial_suffix(data)
        self._pending = data[len(data) - hold :] if hold else ""
        return data[: len(data) - hold]

    def flush(self) -> str:
        data, self._pending = self._pending, ""
        return redact(data, self._secrets)

    def _partial_suffix(self, data: str) -> int:
        """Length of the longest tail of DATA that is a proper prefix of some secret."""
        best = 0
        for secret in self._secrets:
            for size in range(min(len(secret) - 1, len(data)), best, -1):
                if data.endswith(secret[:size]):
                    best = size
                    break
        return best
