"""How a batch's coordination calls hand out work. Claude Code's team task list (§7):
`TaskCreate` numbers its tasks 1, 2, 3 as Claude Code does, `TaskUpdate({taskId, addBlockedBy})`
says which task waits for which, and an agent told to work on `task #N` follows that task's todo
and waits for the agents on the tasks N is blocked by. claude-flow's `task_orchestrate`: the task
its spawned agents without instructions work on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from swarmtui.batch.diagnostics import Diagnostics
from swarmtui.batch.models import Batch, TaskOp, TodoWriteOp, ToolOp
from swarmtui.batch.values import js_string

if TYPE_CHECKING:  # (calls.py holds a TeamTasks for the calls it reads)
    from swarmtui.batch.calls import TaskInfo

# "Claim task #1", "Wait for task #3 to unblock", "task 2"
_TASK_REF_RE = re.compile(r"\btask\s*#\s*(\d+)\b|\btask\s+(\d+)\b", re.IGNORECASE)


@dataclass(slots=True, frozen=True)
class Orchestration:
    """A `task_orchestrate` call: its task, and the agents it names (`assignTo`)."""

    op: ToolOp
    assign_to: tuple[str, ...]


@dataclass(slots=True)
class TeamTasks:
    """What the batch's coordination calls said, in batch order."""

    created: int = 0
    # task id -> the ids it is blocked by
    blocked_by: dict[str, list[str]] = field(default_factory=dict)
    orchestrated: list[Orchestration] = field(default_factory=list)

    def orchestrate(self, op: ToolOp, spec: Any) -> None:
        """`task_orchestrate({task, assignTo})`, recorded as OP."""
        names = spec.get("assignTo", spec.get("agents")) if isinstance(spec, dict) else None
        self.orchestrated.append(Orchestration(op, tuple(_ids(names))))

    def orchestration_for(self, op: TaskOp, lines: tuple[int, int]) -> Orchestration | None:
        """The `task_orchestrate` an agent spawned without instructions works on, among those of
        its own swarm (on LINES, first and last, from its `swarm_init` to the next): the one
        naming it, else the first after it, else the last before it. Another swarm's task is
        not its task (a skill's next example). A skipped one is still its task: the caller
        skips the agent rather than handing it another."""
        usable = [o for o in self.orchestrated if lines[0] <= o.op.line <= lines[1]]
        return (
            next((o for o in usable if op.name in o.assign_to), None)
            or next((o for o in usable if o.op.line > op.line), None)
            or (usable[-1] if usable else None)
        )

    def next_id(self) -> str:
        """The id Claude Code gives the next task it creates."""
        self.created += 1
        return str(self.created)

    def update(self, spec: Any) -> tuple[str | None, list[str]]:
        """`TaskUpdate({taskId: "3", addBlockedBy: ["1", "2"]})` (and `addBlocks`): what it
        says of the tasks' order, if anything, and the ids it names that no `TaskCreate` before
        it made (a template's `"<id>"`, a task 7 of two): then it orders nothing."""
        if not isinstance(spec, dict) or "taskId" not in spec:
            return None, []
        task = js_string(spec["taskId"])
        blockers, blocked = _ids(spec.get("addBlockedBy")), _ids(spec.get("addBlocks"))
        unknown = [i for i in dict.fromkeys([task, *blockers, *blocked]) if not self._made(i)]
        if unknown or not (blockers or blocked):
            return None, unknown if blockers or blocked else []
        said = []
        if blockers:
            for blocker in blockers:
                self._block(task, blocker)
            said.append(f"task {task} after {', '.join(blockers)}")
        if blocked:
            for other in blocked:
                self._block(other, task)
            said.append(f"{', '.join(blocked)} after task {task}")
        return "; ".join(said), []

    def _made(self, task: str) -> bool:
        return task.isdigit() and 1 <= int(task) <= self.created

    def _block(self, task: str, blocker: str) -> None:
        if blocker != task and blocker not in self.blocked_by.get(task, ()):
            self.blocked_by.setdefault(task, []).append(blocker)


def _ids(value: Any) -> list[str]:
    if isinstance(value, list):
        return [js_string(v) for v in value if isinstance(v, str | int)]
    return [js_string(value)] if isinstance(value, str | int) else []


def link_team_tasks(
    batch: Batch, tasks: list[TaskInfo], team: TeamTasks, diags: Diagnostics
) -> None:
    """Agents naming `task #N`: each follows todo N when it is the only one naming it, and waits
    for the agents naming the tasks N is blocked by (said in a note, SW013)."""
    if not team.created:
        return
    refs: dict[int, list[tuple[str, str]]] = {}  # id(info) -> [(task id, phrase)]
    named_by: dict[str, list[TaskInfo]] = {}
    for info in tasks:
        for m in _TASK_REF_RE.finditer(info.op.instructions):
            number = m.group(1) or m.group(2)
            refs.setdefault(id(info), []).append((number, m.group(0)))
            if info not in named_by.setdefault(number, []):
                named_by[number].append(info)
    if not refs:
        return
    for op in batch.operations():
        if isinstance(op, TodoWriteOp):
            for todo in op.todos:
                owners = named_by.get(todo.id, [])
                if todo.agent is None and len(owners) == 1:
                    todo.agent, todo.agent_link = owners[0].op.name, "explicit"
    for info in tasks:
        for number, phrase in refs.get(id(info), ()):
            blockers = team.blocked_by.get(number, [])
            after = [
                other
                for blocker in blockers
                for other in named_by.get(blocker, ())
                if other is not info and other.op not in info.after_agents
            ]
            if not after:
                continue
            info.after_agents += [other.op for other in after]
            info.read_phrases.append(phrase)
            names = ", ".join(other.op.name for other in after)
            ids = ", ".join(f"#{b}" for b in blockers)
            diags.add(
                "SW013",
                f'{info.op.name}: "{phrase}" is blocked by {ids} → waits until {names} finish',
                info.instructions_range()
                or (info.op.line, info.op.column, info.op.end_line, info.op.end_column),
            )
