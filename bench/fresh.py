"""Fresh interpreters for the benchmarks: the environment of a child process, with compiled code
cached as an installed package has it, or compiled at every start.

An install (pip, a wheel) leaves every module's compiled code beside it; PYTHONDONTWRITEBYTECODE=1
(set on some machines, this one included) makes a source checkout compile swarmtui from source at
every start instead, which no user pays. With `bytecode`, the children cache it in a folder of
the run's own (PYTHONPYCACHEPREFIX): a first, uncounted start writes it. `--no-bytecode` in the
benchmarks measures the other condition.
"""

from __future__ import annotations

import os
from pathlib import Path


def child_env(folder: str | Path, *, bytecode: bool = True, **extra: str) -> dict[str, str]:
    """The environment for a child interpreter (EXTRA variables added); with BYTECODE, its
    compiled code cached under FOLDER."""
    env = {**os.environ, **extra}
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "pycache")
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env
