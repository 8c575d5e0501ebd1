"""Whether a Dask cluster runs what this swarmtui does: checked when it connects.

Jobs and results travel pickled, so the scheduler and the workers must run the same swarmtui,
the same Python (major.minor) and the same Dask and serialisation libraries. (The scheduler
too: distributed unpickles every task it is given, and one without swarmtui fails each agent
with "Error during deserialization of the task graph".) A worker that joins later says its
versions when it claims an agent (`Claim`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# What must match, on the scheduler and every worker.
PACKAGES = ("swarmtui", "distributed", "dask", "cloudpickle", "msgpack")
SHOWN = 3  # problems named in the one line (the rest counted)


def _python(version: object) -> str:
    """ "3.11.7.final.0" -> "3.11"."""
    return ".".join(str(version).split(".")[:2])


def _differences(ours: Mapping[str, Any], theirs: Mapping[str, Any], who: str) -> list[str]:
    found = []
    if _python(theirs.get("python")) != _python(ours.get("python")):
        found.append(f"{who} runs Python {_python(theirs.get('python'))}")
    for package in PACKAGES:
        if theirs.get(package) != ours.get(package):
            found.append(f"{who} runs {package} {theirs.get(package) or '(none)'}")
    return found


def version_problem(report: Mapping[str, Any]) -> str | None:
    """One line naming what differs from this process in REPORT (`Client.get_versions` with
    `packages=["swarmtui"]`), or None when everything matches."""
    ours = report["client"]["packages"]
    found = _differences(ours, report["scheduler"]["packages"], "the scheduler")
    for address, info in sorted(report["workers"].items()):
        packages = info.get("packages", {}) if isinstance(info, Mapping) else {}
        found += _differences(ours, packages, f"worker {address}")
    if not found:
        return None
    here = f"here: swarmtui {ours.get('swarmtui')}, distributed {ours.get('distributed')}, "
    here += f"Python {_python(ours.get('python'))}"
    more = f" (and {len(found) - SHOWN} more)" if len(found) > SHOWN else ""
    return f"the cluster does not match ({here}): {'; '.join(found[:SHOWN])}{more}"


def claim_problem(worker: str, version: str, python: str, ours: str, our_python: str) -> str | None:
    """Why a worker that claims an agent may not run it (it joined after the check)."""
    if version != ours or python != our_python:
        return (
            f"worker {worker} runs swarmtui {version} on Python {python} "
            f"(here: swarmtui {ours} on Python {our_python})"
        )
    return None
