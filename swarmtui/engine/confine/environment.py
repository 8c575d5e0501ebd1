"""The environment a confined process gets: only the variables it needs, named one by one.

Nothing is inherited by default: no API key of another backend (`OPENAI_API_KEY` never reaches a
Bash operation or a command agent), no token the user happens to have exported. A process gets
the basics every program expects, the variables its own backend needs (Claude Code's
`ANTHROPIC_*` for the `claude` backend), those the configuration allows (`[sandbox] env`, names
or globs), and those swarmtui sets for it (`SWARM_SESSION_DIR`, ...).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping

# What any program may expect to find; none of it is a secret.
BASIC_VARIABLES = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "LANG",
    "LANGUAGE",
    "LC_*",
    "TERM",
    "COLORTERM",
    "NO_COLOR",
    "TZ",
)
# What a program that reaches the network may need (a proxy, a company's certificates).
NETWORK_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "all_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
)


def child_environment(
    source: Mapping[str, str],
    *,
    allow: Iterable[str] = (),
    network: bool = False,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The variables of SOURCE a process may see, plus EXTRA (which wins).

    ALLOW holds more names or globs (`NPM_*`); NETWORK adds the proxy and certificate variables.
    """
    patterns = [*BASIC_VARIABLES, *(NETWORK_VARIABLES if network else ()), *allow]
    kept = {
        name: value
        for name, value in source.items()
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)
    }
    kept.update(extra or {})
    return kept
