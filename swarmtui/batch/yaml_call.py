"""An operation's arguments written as YAML under its name, as wshobson/agents' command files
write each step:

    Task:                                   <Task>
      subagent_type: "coder"                subagent_type: coder
      description: "Implement the parser"   prompt: |
      prompt: |                               Implement the parser.
        Implement the parser.               </Task>

read as `Task({subagent_type: "coder", description: "…", prompt: "…"})`, each value as YAML gives
it (a `|` or `>` block scalar, quotes, numbers). As `invoke_xml` does for Claude Code's XML, the
scanner rewrites the block, keeping every line and column, into the object tree-sitter reads: the
name becomes `___={` (`<Task>` `____={`), each key stays, each string value a blank template
literal (its text read from `literals`), a number, `true` or `null` its JSON, then `,`; the object
closes after the last value (`Task:`) or at `</Task>`. A block YAML does not read as a mapping of
such values, or one too short to rewrite, is not read, and said (SW019) with the reason.
"""

from __future__ import annotations

import json
import re
import textwrap
from typing import Any

from swarmtui.batch.forms import LineForm
from swarmtui.batch.names import reads_as_operation

# `Task:` alone on its line, or `<Task>`.
_OPEN_RE = re.compile(
    r"(?P<indent>[ \t]*)(?:(?P<name>[A-Z][A-Za-z]*):|<(?P<tag>[A-Z][A-Za-z]*)>)[ \t]*\r?$"
)
# The first line under it: a YAML key (`subagent_type: "coder"`, `prompt: |`).
_KEY_LINE_RE = re.compile(r"[ \t]*[A-Za-z_][\w-]*:(?:[ \t]|\r?$)")
_IDENTIFIER_RE = re.compile(r"[A-Za-z_$][\w$]*")
# Past this many lines a block's end is not looked for.
_MAX_LINES = 2_000


def opens_yaml_call(line: str, below: str) -> str | None:
    """The operation LINE names with its arguments as YAML on the lines below (BELOW being the
    first), `Task:` or `<Task>`; None otherwise."""
    m = _OPEN_RE.match(line)
    if m is None:
        return None
    name = m.group("name") or m.group("tag")
    if not reads_as_operation(name) or _KEY_LINE_RE.match(below) is None:
        return None
    if m.group("name") and len(below) - len(below.lstrip(" \t")) <= len(m.group("indent")):
        return None  # (`Task:` with keys under it must indent them)
    return name


def yaml_call(
    text: str, lines: list[str], starts: list[int], row: int
) -> tuple[LineForm | None, int, str]:
    """The call opened at ROW of LINES (TEXT's lines, starting at offsets STARTS): its form,
    with the rewrite that makes it an object, the last row of the block, and (when it cannot
    be read exactly: no form) why."""
    line = lines[row]
    m = _OPEN_RE.match(line)
    assert m is not None
    tag = m.group("tag")
    name = tag or m.group("name")
    indent = len(m.group("indent"))
    last = min(len(lines), row + _MAX_LINES)
    end = row  # the last row of the block (its `</Task>`, or its last line not blank)
    closed = False
    for i in range(row + 1, last):
        current = lines[i]
        if tag is not None:
            if current.strip() == f"</{tag}>":
                end, closed = i, True
                break
            continue
        if not current.strip():
            continue
        if len(current) - len(current.lstrip(" \t")) <= indent:
            break  # (the fence closing its block, or the text after it)
        end = i
    if tag is not None and not closed:
        return None, row, f"no `</{tag}>` closes it"
    body_start = starts[row + 1]
    body_end = starts[end] if tag is not None else starts[end] + len(lines[end])
    # (with its last line's break, as YAML reads it from a file: `|` keeps it)
    source = text[body_start:body_end] + ("\n" if tag is None else "")
    import yaml  # (only for such blocks: loading it is a tenth of `swarmtui lint`'s start-up)

    try:
        items = _items(source, body_start, text)
    except yaml.YAMLError as exc:
        lenient = _to_the_tag(source, body_start, text) if tag is not None else None
        if lenient is None:
            # (where what failed starts, `1. An audit` rather than the line after it)
            mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
            where = f"line {row + 2 + mark.line}: " if mark is not None else ""
            problem = getattr(exc, "problem", None) or "not YAML"
            return None, end, f"{where}{problem}"
        items = lenient
    if isinstance(items, str):
        return None, end, items
    name_start = starts[row] + m.start("tag" if tag else "name") - (1 if tag else 0)
    name_end = starts[row] + (m.end("tag") + 1 if tag else m.end("name") + 1)
    span_end = starts[end] + len(lines[end].rstrip("\r")) if tag is not None else body_end
    out = ["\n" if c == "\n" else " " for c in text[name_start:span_end]]
    opener = "_" * (name_end - name_start - 2) + "={"
    out[: len(opener)] = opener
    literals: list[tuple[int, str]] = []
    for number, (key, key_at, colon, value_end, value) in enumerate(items):
        closer = "}" if tag is None and number == len(items) - 1 else ","
        written = _written(value, text[colon + 1 : value_end])
        if written is None:
            return None, end, f"the value of `{key}` is too short to read here"
        at = colon + 1 - name_start
        out[key_at - name_start : key_at - name_start + len(key) + 1] = key + ":"
        out[at : at + len(written) + 1] = written + closer
        if isinstance(value, str):
            literals.append((colon + 1, value))
    if tag is not None:
        close_at = starts[end] + lines[end].index("<") - name_start
        out[close_at] = "}"
    form = LineForm("parenless", name, name_start, name_end - 1)
    form.rewrites = [(name_start, span_end, "".join(out))]
    form.literals = literals
    return form, end, ""


def _written(value: Any, region: str) -> str | None:
    """What stands for VALUE in REGION (its text after the `:`), leaving one character after
    it: a blank template over the region's lines for a string (read from `literals`), the JSON
    of a number, `true` or `null` if it fits on the first line; None when it does not fit."""
    if isinstance(value, str):
        if len(region) < 3:
            return None
        inside = "".join("\n" if c == "\n" else " " for c in region[1:-2])
        return "`" + inside + "`"
    try:
        js = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return None
    first = region.split("\n", 1)[0]
    if len(js) + 1 > len(first) or "\n" in js:
        return None
    return js


# An item: its key, where the key and its colon are, where its value ends, and the value.
_Item = tuple[str, int, int, int, Any]


def _items(source: str, body_start: int, text: str) -> list[_Item] | str:
    """SOURCE (TEXT from BODY_START on) read as YAML `key: value` lines: its items, or why
    they cannot be read here. Raises `yaml.YAMLError` when it is not YAML."""
    import yaml

    node = yaml.compose(source, Loader=yaml.SafeLoader)
    data = yaml.load(source, Loader=yaml.SafeLoader)
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        return "what is under it is not `key: value` lines"
    if len(data) != len(node.value):
        return "a key is given twice"
    items: list[_Item] = []
    for key_node, value_node in node.value:
        key = key_node.value
        if key_node.style or not isinstance(key, str) or not _IDENTIFIER_RE.fullmatch(key):
            return f"its key `{key}` is not a plain name"
        if not isinstance(value_node, yaml.ScalarNode):
            # (a list or mapping: none of Task's arguments, and YAML's aliases could make one
            # of any size)
            return f"the value of `{key}` is not text or a number"
        key_at = body_start + key_node.start_mark.index
        colon = text.index(":", body_start + key_node.end_mark.index)
        value_end = body_start + value_node.end_mark.index
        while value_end > colon + 1 and text[value_end - 1].isspace():
            value_end -= 1
        items.append((key, key_at, colon, value_end, data[key]))
    return items


# A key whose value is a block scalar (`prompt: |`), alone on its line.
_BLOCK_KEY_RE = re.compile(r"(?m)^[ \t]*(?P<key>[A-Za-z_][\w-]*)[ \t]*:[ \t]*[|>][-+]?[ \t]*\r?$")


def _to_the_tag(source: str, body_start: int, text: str) -> list[_Item] | None:
    """`<Task>` … `</Task>` whose last value, a block scalar (`prompt: |`), goes on less
    indented than YAML allows (wshobson/agents' ml-pipeline: `Deliverables:` at the margin):
    the tag says where it ends, as its reader would take it. The keys above it are YAML's; its
    text is every line down to the tag, dedented. None when it is not so written."""
    import yaml

    blocks = list(_BLOCK_KEY_RE.finditer(source))
    if not blocks:
        return None
    last = blocks[-1]
    try:
        items = _items(source[: last.start()], body_start, text) if last.start() else []
    except yaml.YAMLError:
        return None
    if isinstance(items, str):
        return None
    key = last.group("key")
    if any(item[0] == key for item in items) or not _IDENTIFIER_RE.fullmatch(key):
        return None
    body = source[last.end() :].lstrip("\r").removeprefix("\n")
    value = textwrap.dedent(body).strip() + "\n"  # (its first line's indent is YAML's)
    colon = text.index(":", body_start + last.start("key"))
    value_end = body_start + len(source.rstrip())
    return [*items, (key, body_start + last.start("key"), colon, value_end, value)]
