"""The prompt a model-backed agent receives: its role, its task, its memory inputs, its paths."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from swarmtui.engine.runners.base import AgentJob

# One memory input larger than this is cut, so one verbose agent cannot fill the next one's context.
MAX_INPUT_CHARS = 16_000

DEFAULT_SYSTEM_PROMPT = (
    "You are a careful software engineer working as one agent of a team of AI agents that run "
    "in parallel and hand work to each other through a shared memory."
)


@dataclass(frozen=True)
class Prompt:
    system: str
    user: str

    def as_messages(self) -> list[dict[str, str]]:
        """Chat-completions messages."""
        messages = [{"role": "system", "content": self.system}] if self.system else []
        return [*messages, {"role": "user", "content": self.user}]


def _render_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)
    if len(text) > MAX_INPUT_CHARS:
        cut = len(text) - MAX_INPUT_CHARS
        text = f"{text[:MAX_INPUT_CHARS]}\n[... {cut} more characters not shown]"
    return text


# Characters per token, for counting a text before a server does (English text, roughly).
CHARS_PER_TOKEN = 4


def count_tokens(text: str) -> int:
    """Tokens of TEXT as estimated before any server counts them."""
    return -(-len(text) // CHARS_PER_TOKEN)


def build_prompt(job: AgentJob, *, files_in_text: bool) -> Prompt:
    """FILES_IN_TEXT: the backend only returns text, so explain the fenced-block file convention."""
    system = job.system_prompt.strip() or DEFAULT_SYSTEM_PROMPT
    sections = [
        f'You are "{job.name}", a {job.type} agent in a swarm session ({job.session_id}).',
        "## Your task\n" + (job.instructions.strip() or "(no instructions were given)"),
    ]
    if job.inputs:
        inputs = "\n\n".join(f"### {key}\n{_render_value(v)}" for key, v in job.inputs.items())
        sections.append(
            "## Inputs from shared memory\n"
            "Other agents stored these values under the keys you waited for:\n\n" + inputs
        )
    if job.stores:
        keys = ", ".join(f"`{key}`" for key in job.stores)
        sections.append(
            f"## Your result\nYour final answer is stored in shared memory under {keys} for "
            "the agents that wait for it: end with the result itself, not a description of it."
        )
    paths = (
        f"## Files\nSession folder: {job.session_dir}\n"
        f"Artifacts folder: {job.artifacts_dir} (with code/, tests/, docs/, scripts/)"
    )
    if job.workdir is not None:
        paths = (
            f"## Files\nYou work in a git worktree of the project at {job.workdir}, on the "
            f"branch {job.branch}: change the project's files there. What you leave is "
            "committed on your branch when you end."
        )
        if files_in_text:
            paths += (
                "\nTo create or replace a file, put its whole content in a fenced code block "
                "whose info string names its path in the project, for example:\n"
                '```python path=src/hello.py\nprint("hello")\n```'
            )
        sections.append(paths)
        return Prompt(system=system, user="\n\n".join(sections) + "\n")
    if files_in_text:
        paths += (
            "\nTo create a file, put its whole content in a fenced code block whose info string "
            "names its path relative to the artifacts folder, for example:\n"
            '```python path=code/hello.py\nprint("hello")\n```'
        )
    else:
        paths += (
            "\nWrite files only inside the session folder, preferably under the artifacts folder."
        )
    sections.append(paths)
    return Prompt(system=system, user="\n\n".join(sections) + "\n")
