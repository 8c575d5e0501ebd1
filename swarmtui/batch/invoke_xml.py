"""Claude Code's tool calls in the XML its transcripts show, as agent files and CLAUDE.md copies
write its parallel spawn pattern:

    <invoke name="Task">
      <parameter name="subagent_type">coder</parameter>
      <parameter name="prompt">Write hello.py</parameter>
    </invoke>

read as `Task({subagent_type: "coder", prompt: "Write hello.py"})`. The scanner rewrites the block,
keeping every line and column, into the object tree-sitter reads (see `forms`): the opening tag
becomes `______= {`, each parameter `key: ` and its value, the closing tag `}`. A value is a
string, read as written (over lines, quotes and all), unless it is JSON's (an array, an object,
a number, `true`, `false`, `null`), which JavaScript reads as it is. A block that is not shaped
like this (a parameter that never closes, other text inside) is not read as a call.

Two other notations of the same call are read the same way, each argument a tag of its own:

- `<tool_use>`, `<tool_name>Task</tool_name>`, `<parameters>`, then `<prompt>…</prompt>` per
  argument, `</parameters>`, `</tool_use>` (the tool-use XML of Anthropic's older prompts);
- Roo Code's and Cline's subtask, `<new_task>`, `<mode>code</mode>`, `<message>…</message>`,
  `<todos>…</todos>`, `</new_task>`: a Task whose type is the mode (Roo's own modes as the
  closest type, see `ROO_MODES`), its prompt the message, then the todo list if there is one.
"""

from __future__ import annotations

import json
import re
import textwrap

from swarmtui.batch.forms import LineForm

_OPEN_RE = re.compile(
    r'[ \t]*(?:(?P<tag><invoke)[ \t]+name="(?P<name>[A-Za-z_$][\w$-]*)"'
    r"|(?P<tag2><tool_use|<new_task))[ \t]*>"
)
_PARAMETER_RE = re.compile(r'[ \t]*<parameter[ \t]+name="(?P<key>[A-Za-z_$][\w$]*)"[ \t]*>')
_PARAMETER_END = "</parameter>"
# `<prompt>`, an argument as a tag of its own (`<tool_use>` and `<new_task>`).
_CHILD_RE = re.compile(r"[ \t]*<(?P<key>[A-Za-z_$][\w$]*)[ \t]*>")
_END_RE = {
    "<invoke": re.compile(r"[ \t]*</invoke>[ \t]*\r?$"),
    "<tool_use": re.compile(r"[ \t]*</tool_use>[ \t]*\r?$"),
    "<new_task": re.compile(r"[ \t]*</new_task>[ \t]*\r?$"),
}
_TOOL_NAME_RE = re.compile(
    r"[ \t]*<tool_name>[ \t]*(?P<name>[A-Za-z_$][\w$-]*)[ \t]*</tool_name>[ \t]*\r?$"
)
# The lines around a `<tool_use>`'s arguments.
_PARAMETERS_RE = re.compile(r"[ \t]*</?parameters>[ \t]*\r?$")
# `<new_task>`'s tags, as the Task keys of the same length they are rewritten to.
_NEW_TASK_KEYS = {"mode": "type", "message": "prompt"}
# Roo Code's built-in modes, as the closest agent type (other modes are read as written).
ROO_MODES = {
    "code": "coder",
    "architect": "system-architect",
    "ask": "researcher",
    "debug": "coder",
    "orchestrator": "planner",
    "docs": "api-docs",
}
# After a parameter's closing tag: nothing, or an HTML comment (`<!-- optional -->`).
_AFTER_RE = re.compile(r"[ \t]*(?:<!--.*?(?:-->|$))?[ \t]*\r?$")
# Past this many lines an opening tag's call is not looked for (read as written).
_MAX_LINES = 2_000


def may_open(line: str) -> bool:
    """Whether LINE may open a call in XML (a cheap test before `opens_invoke`)."""
    return "<invoke" in line or "<tool_use" in line or "<new_task" in line


def opens_invoke(line: str, following: str = "") -> str | None:
    """The tool LINE opens a call of, `<invoke name="Task">` (or `<new_task>`, or `<tool_use>`
    with FOLLOWING, the next line, naming it) alone on it; None otherwise."""
    m = _OPEN_RE.match(line)
    if m is None or _AFTER_RE.match(line, m.end()) is None:
        return None
    return _name(m, following)


def names_tool(line: str) -> str | None:
    """The tool a `<tool_name>Task</tool_name>` LINE names (inside a `<tool_use>`)."""
    m = _TOOL_NAME_RE.match(line)
    return m.group("name") if m is not None else None


def _name(m: re.Match[str], following: str) -> str | None:
    tag = m.group("tag2")
    if tag is None:
        return m.group("name")
    if tag == "<new_task":
        return "Task"
    return names_tool(following)


def invoke_call(
    text: str, lines: list[str], starts: list[int], row: int, written: str | None = None
) -> tuple[LineForm, int] | None:
    """The call opened at ROW of LINES (TEXT's lines, starting at offsets STARTS): its form, with
    the rewrites that make it an object, and the row of its `</invoke>`. Values are taken from
    WRITTEN when given (TEXT as written, where TEXT is what `pasted` undid)."""
    line = lines[row]
    m = _OPEN_RE.match(line)
    if m is None:
        return None
    opening = m.group("tag") or m.group("tag2")
    end_re = _END_RE[opening]
    name = m.group("name") if opening == "<invoke" else "Task" if opening == "<new_task" else None
    base = starts[row]
    name_start = base + m.start("tag" if opening == "<invoke" else "tag2")
    # (`<new_task>` → `_______= {`: its last letter makes room for the brace)
    name_end = name_start + len(opening) - (opening != "<invoke")
    rest = base + len(line.rstrip("\r"))
    rewrites = [(name_end, rest, " {".ljust(rest - name_end))]
    literals: list[tuple[int, str]] = []
    prompt: int | None = None  # (a `<new_task>`'s message: its index in LITERALS)
    i = row + 1
    last = min(len(lines), row + _MAX_LINES)
    while i < last:
        current = lines[i]
        at = starts[i]
        if end_re.match(current):
            if name is None:
                return None
            end = at + len(current.rstrip("\r"))
            rewrites.append((at, end, "}".rjust(current.index("<") + 1).ljust(end - at)))
            form = LineForm("parenless", name, name_start, name_end)
            form.rewrites, form.literals = rewrites, literals
            return form, i
        if not current.strip():
            i += 1
            continue
        if opening == "<tool_use" and (
            (name is None and (name := names_tool(current)) is not None)
            or (name is not None and _PARAMETERS_RE.match(current))
        ):
            rewrites.append((at, at + len(current), " " * len(current)))
            i += 1
            continue
        stop = starts[last] if last < len(starts) else len(text)
        if opening == "<invoke":
            parameter = _PARAMETER_RE.match(current)
            found = (
                None
                if parameter is None
                else _parameter(text, at, parameter, stop, written or text)
            )
        else:
            parameter = _CHILD_RE.match(current) if name is not None else None
            key = parameter.group("key") if parameter is not None else ""
            if opening == "<new_task" and key == "todos" and prompt is not None:
                # The subtask's todo list: given to the agent after its message, as written.
                close = text.find("</todos>", at, stop)
                if close < 0 or _AFTER_RE.match(text, close + 8, _line_end(text, close)) is None:
                    return None
                after = _line_end(text, close)
                rewrites.append(
                    (at, after, "".join("\n" if c == "\n" else " " for c in text[at:after]))
                )
                todos = textwrap.dedent((written or text)[text.index(">", at) + 1 : close]).strip(
                    "\n"
                )
                where, message = literals[prompt]
                literals[prompt] = (where, f"{message}\n\nTodos:\n{todos}")
                while i < last and starts[i] + len(lines[i]) < after:
                    i += 1
                i += 1
                continue
            found = None
            if parameter is not None and (opening != "<new_task" or key in _NEW_TASK_KEYS):
                found = _parameter(
                    text,
                    at,
                    parameter,
                    stop,
                    written or text,
                    f"</{key}>",
                    key if opening == "<new_task" else "",
                )
        if found is None:
            return None
        edits, literal, close_at = found
        rewrites.extend(edits)
        if literal is not None:
            if opening == "<new_task" and parameter is not None:
                key = parameter.group("key")
                where, value = literal
                if key == "mode":
                    literal = (where, ROO_MODES.get(value.strip(), value.strip()))
                elif key == "message":
                    prompt = len(literals)
            literals.append(literal)
        while i < last and starts[i] + len(lines[i]) < close_at:
            i += 1
        i += 1
    return None


def _line_end(text: str, at: int) -> int:
    end = text.find("\n", at)
    return len(text) if end < 0 else end


def _parameter(
    text: str,
    at: int,
    parameter: re.Match[str],
    stop: int,
    written: str,
    closing: str = _PARAMETER_END,
    tag: str = "",
) -> tuple[list[tuple[int, int, str]], tuple[int, str] | None, int] | None:
    """The rewrites of one `<parameter name="key">value</parameter>` starting at offset AT of
    TEXT (PARAMETER matched on its line), the literal its value is read as (if a string), and
    where its closing tag ends; None when it does not close before STOP or text follows it."""
    key = parameter.group("key")
    if tag and closing == f"</{tag}>" and tag in _NEW_TASK_KEYS:  # (`<mode>` → `type:`)
        key = _NEW_TASK_KEYS[tag]
    tag_start, gt = at + parameter.start() + parameter.group().index("<"), at + parameter.end() - 1
    close = text.find(closing, gt + 1, stop)
    if close < 0:
        return None
    after = close + len(closing)
    line_end = text.find("\n", after)
    line_end = len(text) if line_end < 0 else line_end
    if _AFTER_RE.match(text[after:line_end]) is None:
        return None
    edits = [
        (tag_start, gt, f"{key}:".ljust(gt - tag_start)),
        (after, line_end, " " * (line_end - after)),
    ]
    value = written[gt + 1 : close]
    if _is_json(value):
        # JSON is JavaScript: the tags around it become blanks and the comma after it.
        edits.append((gt, gt + 1, " "))
        edits.append((close, after, ",".ljust(len(closing))))
        return edits, None, after
    # A string: a template literal as long as `>value</parameter`, on the same lines, holding
    # nothing; the value itself is read from the literal (no JavaScript string holds any text).
    region = text[gt:after]
    inside = "".join("\n" if c == "\n" else " " for c in region[1:-2])
    edits.append((gt, after, "`" + inside + "`,"))
    return edits, (gt, textwrap.dedent(value).strip("\n")), after


def _is_json(value: str) -> bool:
    """Whether VALUE is JSON other than a string (JavaScript reads it as written)."""
    if value.strip()[:1] in ('"', ""):
        return False
    try:
        json.loads(value)
    except ValueError:
        return False
    return True
