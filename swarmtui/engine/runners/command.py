"""The `command` backend: any program, run per agent with bash from a command template.

`--command TEMPLATE` may use `{prompt}`, `{agent}`, `{type}` and `{session}` (substituted
shell-quoted); the prompt also arrives on stdin. The working directory is the session folder.
It starts through the job's gate: sandboxed where possible, and with only the basic environment
plus what `[sandbox] env` (or `[sandbox.backends.command] env`) allows, and SWARM_SESSION_DIR,
SWARM_AGENT and SWARM_MEMORY (JSON of the resolved inputs): no API key it was not given.
stdout and stderr stream as output; exit status 0 is success and stdout is the result.
"""

from __future__ import annotations

import json
import re
import shlex

from swarmtui.engine.runners.base import AgentFailed, AgentJob, AgentResult, OutputSink
from swarmtui.engine.runners.secrets import StreamRedactor, secret_values
from swarmtui.engine.settings import RunSettings

_FIELD = re.compile(r"\{(prompt|agent|type|session)\}")


def prompt_text(job: AgentJob) -> str:
    """What the program reads: the role, the task and the memory inputs, as plain text."""
    parts = []
    if job.system_prompt.strip():
        parts.append(job.system_prompt.strip())
    parts.append(job.instructions.strip() or f"(no instructions were given to {job.name})")
    if job.inputs:
        parts.append("Inputs from shared memory:\n" + json.dumps(job.inputs, indent=2))
    return "\n\n".join(parts) + "\n"


def render_command(template: str, job: AgentJob, prompt: str) -> str:
    values = {
        "prompt": prompt,
        "agent": job.name,
        "type": job.type,
        "session": str(job.session_dir),
    }
    return _FIELD.sub(lambda m: shlex.quote(values[m.group(1)]), template)


class CommandRunner:
    name = "command"

    def __init__(self, settings: RunSettings) -> None:
        self._template = settings.command_template
        self._secrets = secret_values(settings)

    def would_run(self, job: AgentJob) -> str:
        if not self._template:
            return "(nothing: the command backend has no command template)"
        return render_command(self._template, job, prompt_text(job))

    async def run(self, job: AgentJob, sink: OutputSink) -> AgentResult:
        if not self._template:
            raise AgentFailed("the command backend needs a command template (--command)")
        gate = job.process_gate()
        prompt = prompt_text(job)
        command = render_command(self._template, job, prompt)
        env = {
            "SWARM_SESSION_DIR": str(job.session_dir),
            "SWARM_AGENT": job.name,
            "SWARM_MEMORY": json.dumps(job.inputs),
        }
        stdout: list[str] = []
        last_err: list[str] = []
        redactors = {name: StreamRedactor(self._secrets) for name in ("stdout", "stderr")}

        def on_output(stream: str, text: str) -> None:
            clean = redactors[stream].feed(text)
            if not clean:
                return
            if stream == "stdout":
                stdout.append(clean)
            else:
                last_err[:] = [clean]
            sink.output(clean, "stdout" if stream == "stdout" else "stderr")

        status = await gate.run(
            ["bash", "-c", command],
            workdir=job.session_dir,
            extra_env=env,
            stdin=prompt.encode("utf-8"),
            on_output=on_output,
        )
        for stream, redactor in redactors.items():
            on_output_tail = redactor.flush()
            if on_output_tail:
                if stream == "stdout":
                    stdout.append(on_output_tail)
                sink.output(on_output_tail, "stdout" if stream == "stdout" else "stderr")
        if status != 0:
            detail = (
                last_err[0].strip().splitlines()[-1] if last_err and last_err[0].strip() else ""
            )
            suffix = f": {detail[:200]}" if detail else ""
            raise AgentFailed(f"command exited with status {status}{suffix}")
        return AgentResult(text="".join(stdout))


def create_runner(settings: RunSettings) -> CommandRunner:
    return CommandRunner(settings)
