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
"""

from __future__ import annotations

import json
import re
import textwrap

from swarmtui.batch.forms import LineForm

_OPEN_RE = re.compile(r'[ \t]*(?P<tag><invoke)[ \t]+name="(?P<name>[A-Za-z_$][\w$-]*)"[ \t]*>')
_PARAMETER_RE = re.compile(r'[ \t]*<parameter[ \t]+name="(?P<key>[A-Za-z_$][\w$]*)"[ \t]*>')
_PARAMETER_END = "</parameter>"
_END_RE = re.compile(r"[ \t]*</invoke>[ \t]*\r?$")
# After a parameter's closing tag: nothing, or an HTML comment (`<!-- optional -->`).
_AFTER_RE = re.compile(r"[ \t]*(?:<!--.*?(?:-->|$))?[ \t]*\r?$")
# Past this many lines an opening tag's call is not looked for (read as written).
_MAX_LINES = 2_000


def opens_invoke(line: str) -> str | None:
    """The tool LINE opens a call of, `<invoke name="Task">` alone on it; None otherwise."""
    m = _OPEN_RE.match(line)
    if m is None or _AFTER_RE.match(line, m.end()) is None:
        return None
    return m.group("name")


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
    base = starts[row]
    name_start, name_end = base + m.start("tag"), base + m.end("tag")
    rest = base + len(line.rstrip("\r"))
    rewrites = [(name_end, rest, " {".ljust(rest - name_end))]
    literals: list[tuple[int, str]] = []
    i = row + 1
    last = min(len(lines), row + _MAX_LINES)
    while i < last:
        current = lines[i]
        at = starts[i]
        if _END_RE.match(current):
            end = at + len(current.rstrip("\r"))
            rewrites.append((at, end, "}".rjust(current.index("<") + 1).ljust(end - at)))
            form = LineForm("parenless", m.group("name"), name_start, name_end)
            form.rewrites, form.literals = rewrites, literals
            return form, i
        if not current.strip():
            i += 1
            continue
        parameter = _PARAMETER_RE.match(current)
        if parameter is None:
            return None
        stop = starts[last] if last < len(starts) else len(text)
        found = _parameter(text, at, parameter, stop, written or text)
        if found is None:
            return None
        edits, literal, close_at = found
        rewrites.extend(edits)
        if literal is not None:
            literals.append(literal)
        while i < last and starts[i] + len(lines[i]) < close_at:
            i += 1
        i += 1
    return None


def _parameter(
    text: str, at: int, parameter: re.Match[str], stop: int, written: str
) -> tuple[list[tuple[int, int, str]], tuple[int, str] | None, int] | None:
    """The rewrites of one `<parameter name="key">value</parameter>` starting at offset AT of
    TEXT (PARAMETER matched on its line), the literal its value is read as (if a string), and
    where its closing tag ends; None when it does not close before STOP or text follows it."""
    key = parameter.group("key")
    tag_start, gt = at + parameter.start() + parameter.group().index("<"), at + parameter.end() - 1
    close = text.find(_PARAMETER_END, gt + 1, stop)
    if close < 0:
        return None
    after = close + len(_PARAMETER_END)
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
        edits.append((close, after, ",".ljust(len(_PARAMETER_END))))
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
