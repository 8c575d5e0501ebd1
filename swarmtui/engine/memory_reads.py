"""What a batch memory `retrieve`, `list` or `search` finds, as a bounded `MemoryRead` event."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from swarmtui.batch.models import MemoryOp
from swarmtui.engine.events import MEMORY_READ_KEYS, MEMORY_READ_PREVIEW, MemoryRead
from swarmtui.engine.state import MemoryEntry
from swarmtui.memory_keys import is_glob, key_matches


def matches(key: str, pattern: str) -> bool:
    """A glob when the pattern has glob characters, else a substring of the key."""
    return key_matches(key, pattern) if is_glob(pattern) else pattern in key


def _preview(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):  # a value the batch could not have stored; still bounded
        text = repr(value)
    if len(text) > MEMORY_READ_PREVIEW:
        return text[: MEMORY_READ_PREVIEW - 1] + "…"
    return text


def memory_read_event(op: MemoryOp, memory: Mapping[str, MemoryEntry]) -> MemoryRead:
    """The event recording OP's read of MEMORY (the live keys: key -> its latest entry)."""
    action = op.action
    if action == "retrieve":
        found = [op.key] if op.key is not None and op.key in memory else []
        preview = _preview(memory[op.key].value) if found and op.key is not None else None
        return MemoryRead(
            op=op.index,
            action="retrieve",
            key=op.key,
            namespace=op.namespace,
            found=found,
            count=len(found),
            preview=preview,
        )
    pattern = op.pattern if op.pattern is not None else op.key
    keys = sorted(k for k in memory if pattern is None or matches(k, pattern))
    return MemoryRead(
        op=op.index,
        action="search" if action == "search" else "list",
        key=op.key,
        pattern=op.pattern,
        namespace=op.namespace,
        found=keys[:MEMORY_READ_KEYS],
        count=len(keys),
    )
