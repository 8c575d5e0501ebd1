"""The `command` backend: any program, run per agent with bash from a command template.

`--command TEMPLATE` may use `{prompt}`, `{agent}`, `{type}`, `{session}` and `{workdir}`
(substituted shell-quoted, whatever quotes they stand in; a template putting one in another
shell's script, `sh -c '…'`, is refused: see `template_problem`); the prompt also arrives on
stdin. The working directory is the agent's git worktree when it has one (SWARM_WORKDIR,
SWARM_BRANCH), else the session folder. It starts through the job's gate: sandboxed where
possible, and with only the basic environment plus what `[sandbox] env` (or
`[sandbox.backends.command] env`) allows, and SWARM_SESSION_DIR, SWARM_AGENT and SWARM_MEMORY
(JSON of the resolved inputs): no API key it was not given. stdout and stderr stream as output;
exit status 0 is success and stdout is the result. Exit 0 with nothing printed and no file
written is suspicious, and the agent's end says so (an agent that stores keys fails: it has
nothing to store).

With `[backends.command] keep_stdin_open = true` standard input stays open after the prompt and
each message sent to the agent arrives on it as a line; otherwise it ends after the prompt (what
programs that read it to its end need) and the agent takes no messages.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import time
from collections.abc import AsyncIterator
from pathlib import Path

from swarmtui.engine.inbox import Inbox
from swarmtui.engine.process import run_process
from swarmtui.engine.runners.base import AgentFailed, AgentJob, AgentResult, OutputSink
from swarmtui.engine.runners.secrets import StreamRedactor, secret_values
from swarmtui.engine.settings import RunSettings

_FIELD = re.compile(r"\{(prompt|agent|type|session|workdir)\}")
DELIVERY = "as a line on the program's standard input"
SILENT = (
    "suspicious: the command exited 0 but printed nothing and wrote no file "
    "(check the command template)"
)
CLOSED_STDIN = "a command agent reads no messages unless [backends.command] keep_stdin_open = true"
# bash's word for a program it could not find by its path.
_NO_SUCH_PATH = re.compile(r"(/[^:\n]+): No such file or directory")
# What a session folder holds that no agent wrote as its work.
_NOT_WORK = frozenset({"batch.swarm.js", ".control"})


def wrote_a_file(session_dir: Path, since: float) -> bool:
    """Whether some file of the session folder (not its logs or records) changed since SINCE."""
    for folder, dirs, files in os.walk(session_dir):
        relative = Path(folder).relative_to(session_dir)
        if relative == Path("artifacts"):
            dirs[:] = [d for d in dirs if d != "logs"]
        if relative == Path("."):
            dirs[:] = [d for d in dirs if d not in _NOT_WORK]
        for name in files:
            if relative == Path(".") and (name in _NOT_WORK or name.startswith("session.")):
                continue
            try:
                if os.stat(os.path.join(folder, name)).st_mtime >= since:
                    return True
            except OSError:
                continue
    return False


async def _messages(inbox: Inbox) -> AsyncIterator[bytes]:
    """Each message sent to the agent, as a line for its standard input."""
    while True:
        await inbox.wait()
        for text in inbox.take():
            yield (text.rstrip("\n") + "\n").encode("utf-8")


def prompt_text(job: AgentJob) -> str:
    """What the program reads: the role, the task and the memory inputs, as plain text."""
    parts = []
    if job.system_prompt.strip():
        parts.append(job.system_prompt.strip())
    parts.append(job.instructions.strip() or f"(no instructions were given to {job.name})")
    if job.inputs:
        parts.append("Inputs from shared memory:\n" + json.dumps(job.inputs, indent=2))
    return "\n\n".join(parts) + "\n"


# Programs whose `-c` argument is a script (another shell reads it as code), and `eval`.
_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "mksh", "fish", "busybox"})


def _fields(template: str) -> list[tuple[re.Match[str], str, bool]]:
    """Each `{field}` of TEMPLATE with the quote it stands in as bash reads the template (`'`,
    `"`, or "" for none), and whether it stands in a script another shell reads (the argument
    after `sh -c`, or `eval`'s)."""
    found: list[tuple[re.Match[str], str, bool]] = []
    quote = ""
    script = False  # (the quoted string or word being read is another shell's script)
    words: list[str] = []  # the template's words so far, outside quotes
    word = ""
    i = 0
    while i < len(template):
        c = template[i]
        if c == "{" and (m := _FIELD.match(template, i)) is not None:
            found.append((m, quote, script or (not quote and _script_follows(words, word))))
            i = m.end()
            continue
        if quote == "'":
            quote = "" if c == "'" else quote
        elif c == "\\":
            i += 1  # (the next character is escaped, outside quotes and inside double ones)
        elif quote == '"':
            quote = "" if c == '"' else quote
        elif c in "'\"":
            quote = c
            script = _script_follows(words, word)
        elif c in " \t\n;&|()":
            if word:
                words.append(word)
            word = ""
            script = False
            if c not in " \t":
                words.append(c)
        else:
            word += c
        i += 1
    return found


def _script_follows(words: list[str], word: str) -> bool:
    """Whether what starts here is a script: after `<shell> -c`, or `eval`."""
    if word:
        return False
    if words[-1:] == ["eval"]:
        return True
    return len(words) >= 2 and words[-1] == "-c" and words[-2].rsplit("/", 1)[-1] in _SHELLS


def template_problem(template: str) -> str | None:
    """Why TEMPLATE cannot be used, in one line: a field in a script another shell reads
    (`sh -c 'llm {prompt}'`), which would read the value as code, so that a prompt (text from
    outside) could run commands, whatever the quotes."""
    fields = sorted({m.group(0) for m, _quote, script in _fields(template) if script})
    if not fields:
        return None
    return (
        f"the command template puts {', '.join(fields)} in a script another shell reads "
        "(after `sh -c` or `eval`), which would run a prompt or a name as commands: pass it as "
        "an argument instead (`sh -c 'llm \"$1\"' _ {prompt}`), or read the prompt from "
        'standard input in that script ("$(cat)")'
    )


def render_command(template: str, job: AgentJob, prompt: str) -> str:
    """TEMPLATE with each field's value as one word of the shell that reads it, whatever quotes
    it stands in: quoted where it stands unquoted, and the quotes around it closed before it
    and reopened after it. (A field in another shell's script is refused: `template_problem`.)"""
    problem = template_problem(template)
    if problem is not None:
        raise AgentFailed(problem)
    values = {
        "prompt": prompt,
        "agent": job.name,
        "type": job.type,
        "session": str(job.session_dir),
        "workdir": str(job.working_folder),
    }
    out: list[str] = []
    pos = 0
    for m, quote, _script in _fields(template):
        out.append(template[pos : m.start()])
        out.append(quote + shlex.quote(values[m.group(1)]) + quote)
        pos = m.end()
    out.append(template[pos:])
    return "".join(out)


class CommandRunner:
    name = "command"

    def __init__(self, settings: RunSettings) -> None:
        self._template = settings.command_template
        self._secrets = secret_values(settings)
        self._keep_stdin_open = settings.backends.command.keep_stdin_open

    def would_run(self, job: AgentJob) -> str:
        if not self._template:
            return "(nothing: the command backend has no command template)"
        problem = template_problem(self._template)
        if problem is not None:
            return f"(nothing: {problem})"
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
            "SWARM_WORKDIR": str(job.working_folder),
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

        inbox = job.inbox
        more = None
        if inbox is not None:
            if self._keep_stdin_open:
                inbox.open(DELIVERY)
                more = _messages(inbox)
            else:
                inbox.close(CLOSED_STDIN)
        argv = ["bash", "-c", command]
        started = time.time()
        try:
            if more is None:
                status = await gate.run(
                    argv,
                    workdir=job.working_folder,
                    extra_env=env,
                    stdin=prompt.encode("utf-8"),
                    on_output=on_output,
                )
            else:  # its input stays open: started here, as the gate prepares it
                launch = await gate.launch(argv, workdir=job.working_folder, extra_env=env)
                status = await run_process(
                    launch.argv,
                    cwd=launch.cwd,
                    env=launch.env,
                    reap=launch.reap,
                    stdin=prompt.encode("utf-8"),
                    on_output=on_output,
                    more_stdin=more,
                )
        finally:
            if inbox is not None:
                inbox.close("the program has ended")
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
            if status in (126, 127):
                suffix += hidden_by_the_sandbox(detail)
            raise AgentFailed(f"command exited with status {status}{suffix}")
        text = "".join(stdout)
        warning = None
        # (a second's margin: some file systems keep whole seconds)
        if not text.strip() and not wrote_a_file(job.working_folder, started - 1):
            warning = SILENT
        return AgentResult(text=text, warning=warning)


def hidden_by_the_sandbox(detail: str) -> str:
    """When DETAIL (bash's last words) says a path does not exist that exists here, outside the
    sandbox: why it was not found, and what to do (else "")."""
    match = _NO_SUCH_PATH.search(detail)
    if match is None or not os.path.exists(match.group(1)):
        return ""
    return (
        f" ({match.group(1)} is not in the sandbox, whose /tmp is its own and which hides home "
        "folders: keep the program elsewhere, or list it in [sandbox] read)"
    )


def create_runner(settings: RunSettings) -> CommandRunner:
    return CommandRunner(settings)
