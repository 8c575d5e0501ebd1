"""Operations into messages (§1): headers and `Message N:` prefixes open them, operations before
any header are message 1, and `[Wait for completion]` starts a new one."""

from __future__ import annotations

from dataclasses import dataclass

from swarmtui.batch.diagnostics import Diagnostics
from swarmtui.batch.models import Message, NoteOp
from swarmtui.batch.operations import AnyOp, TaskInfo
from swarmtui.batch.scan import LineInfo


@dataclass(slots=True)
class Item:
    """An operation found in the text, before it is placed in a message."""

    offset: int
    row: int
    op: AnyOp
    wait: bool = False


def group_messages(
    items: list[Item], lines: list[LineInfo], diags: Diagnostics, tasks: list[TaskInfo]
) -> list[Message]:
    """Place each operation and note in its message (§1), in text order, numbering them."""
    items.sort(key=lambda it: it.offset)
    # Indices follow the text; the reasons to skip recorded by index (each item was given its
    # own index as it was read) move with them, and so do the operations holding a syntax error.
    remap: dict[int, int] = {}
    for new, item in enumerate(items):
        remap[item.op.index] = new
        item.op.index = new
    diags.skip = {remap[k]: v for k, v in diags.skip.items() if k in remap}
    # (what is said of an operation from now on goes by its new index: an old one hid the
    # duplicate name of the operation before a broken one, an error)
    diags.syntax_ops = {remap[k] for k in diags.syntax_ops if k in remap}

    by_row: dict[int, list[Item]] = {}
    for item in items:
        by_row.setdefault(item.row, []).append(item)
    messages: dict[int, Message] = {}
    current: int | None = None
    new_pending = False
    held: list[Item] = []

    def open_message(idx: int, title: str | None, line: int) -> None:
        nonlocal held
        if idx not in messages:
            messages[idx] = Message(index=idx, title=title, line=line)
        elif title and not messages[idx].title:
            messages[idx].title = title
        for it in held:
            messages[idx].operations.append(it.op)
        held = []

    for row, info in enumerate(lines):
        if info.kind == "header":
            idx = info.number or (max(messages) + 1 if messages else 1)
            open_message(idx, info.title, row + 1)
            current, new_pending = idx, False
        for item in by_row.get(row, ()):
            if isinstance(item.op, NoteOp) and item.op.skip_reason is None:
                if current is None or new_pending:
                    held.append(item)
                else:
                    messages[current].operations.append(item.op)
                if item.wait:
                    new_pending = True
                continue
            if info.kind == "prefix" and info.number is not None:
                target = info.number
                open_message(target, None, row + 1)
                messages[target].operations.append(item.op)
                continue
            if current is None or new_pending:
                # Before any header: message 1; after [Wait for completion]: a new one.
                current = max(messages) + 1 if messages and new_pending else 1
                open_message(current, None, row + 1)
                new_pending = False
            messages[current].operations.append(item.op)
        if info.kind == "prefix" and not info.call_start and row not in by_row:
            assert info.number is not None
            open_message(info.number, None, row + 1)
            current, new_pending = info.number, False
    if held:
        target = current if current is not None else (max(messages) if messages else 1)
        if target not in messages:
            open_message(target, None, held[0].row + 1)
        else:
            messages[target].operations.extend(it.op for it in held)
    message_of = {id(op): idx for idx, msg in messages.items() for op in msg.operations}
    for task in tasks:
        task.message = message_of.get(id(task.op), 0)
    return [messages[k] for k in sorted(messages)]
