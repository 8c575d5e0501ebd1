"""How many agents may run at once when nothing says: from the CPUs and the open-file limit.

Each agent that runs a program holds pipes, a process handle and a log file open (a model call
holds a socket and a transcript); a few hundred at once exhaust a default limit of 1024 open
files ("Too many open files"), and more programs than CPUs only queue for them. So, when
neither `--max-parallel`, the configuration nor the batch's `swarm_init` sets a cap, a session
that runs anything gets one (a rehearsal runs nothing and gets none). At a session's start the
soft open-file limit is raised to the hard one, which is what the hard limit is for.
"""

from __future__ import annotations

import os

# Descriptors one running agent may hold (pipes, process handle, log file, a socket...).
FILES_PER_AGENT = 8
# Descriptors kept for the session itself (the event log, the loop, the terminal...).
FILES_KEPT = 64
# Agents per CPU: most of an agent's time is spent waiting for a model, not computing.
AGENTS_PER_CPU = 8


def raise_open_files_limit() -> int:
    """Raise the soft limit on open files to the hard one; the soft limit now in force."""
    try:
        import resource
    except ImportError:  # (not a POSIX system)
        return 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return 1 << 20
    return soft


def default_parallel(cpus: int | None = None, open_files: int | None = None) -> tuple[int, str]:
    """The default cap and the sentence that explains it (shown in the summary)."""
    cpus = cpus or os.cpu_count() or 1
    open_files = open_files if open_files is not None else raise_open_files_limit()
    by_cpu = AGENTS_PER_CPU * cpus
    by_files = max(1, (open_files - FILES_KEPT) // FILES_PER_AGENT)
    cap = min(by_cpu, by_files)
    reason = (
        f"default: {AGENTS_PER_CPU} per CPU ({cpus})"
        if cap == by_cpu
        else f"default: the open-file limit ({open_files}) allows {by_files}"
    )
    return cap, reason
