"""Where agents run: the `--executor` value (`[executor] address`), parsed and checked.

    local                 this process (the default)
    dask-local[:N]        a Dask cluster of N worker processes on this machine (2 by default)
    dask://HOST[:PORT]    a Dask scheduler over plain TCP (8786 by default), as tcp://HOST:PORT
    tls://HOST[:PORT]     a Dask scheduler over TLS, with the [executor] tls_* files

Dask speaks pickle and a plain scheduler has no authentication: whoever reaches it runs code
on every worker and in this process. A plain TCP address is therefore accepted only on this
machine's loopback (an address, or `localhost`; a name is not resolved, since what it names
can change) unless the user says `--insecure`; elsewhere the cluster must speak TLS.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

DEFAULT_PORT = 8786
DEFAULT_LOCAL_WORKERS = 2
MAX_LOCAL_WORKERS = 64
EXECUTOR_FORMS = "local, dask-local[:N], dask://HOST:PORT or tls://HOST:PORT"


class AddressError(ValueError):
    """An executor address that cannot be used; `str(error)` is one line saying why."""


@dataclass(frozen=True)
class ExecutorAddress:
    kind: Literal["local", "dask-local", "dask"]
    workers: int = 0  # dask-local: how many worker processes
    url: str | None = None  # dask: tcp://HOST:PORT or tls://HOST:PORT

    @property
    def tls(self) -> bool:
        return self.url is not None and self.url.startswith("tls://")

    def describe(self) -> str:
        if self.kind == "dask-local":
            return f"dask-local:{self.workers}"
        return self.url or "local"


def is_loopback_host(host: str) -> bool:
    """Whether HOST is literally this machine's loopback (names other than localhost are not
    resolved: a name is a network address for this check)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_executor(text: str) -> ExecutorAddress:
    """TEXT as an executor address; `AddressError` naming what was expected."""
    value = text.strip()
    if value == "local":
        return ExecutorAddress("local")
    if value == "dask-local" or value.startswith("dask-local:"):
        count = value.partition(":")[2] or str(DEFAULT_LOCAL_WORKERS)
        if not count.isdigit() or not 1 <= int(count) <= MAX_LOCAL_WORKERS:
            raise AddressError(
                f"{text!r}: dask-local:N takes a number of workers from 1 to {MAX_LOCAL_WORKERS}"
            )
        return ExecutorAddress("dask-local", workers=int(count))
    scheme, sep, _ = value.partition("://")
    if not sep or scheme not in ("dask", "tcp", "tls"):
        raise AddressError(f"{text!r}: expected {EXECUTOR_FORMS}")
    try:
        parts = urlsplit(value)
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise AddressError(f"{text!r}: the port must be a number from 1 to 65535") from None
    host = parts.hostname
    if not host or parts.path not in ("", "/") or parts.query or parts.username:
        raise AddressError(
            f"{text!r}: expected {scheme}://HOST:PORT, as in {scheme}://10.0.0.5:8786"
        )
    shown = f"[{host}]" if ":" in host else host
    protocol = "tls" if scheme == "tls" else "tcp"
    return ExecutorAddress("dask", url=f"{protocol}://{shown}:{port}")


def refusal(address: ExecutorAddress, *, insecure: bool, has_tls_files: bool) -> str | None:
    """Why ADDRESS may not be used as configured (one line), or None."""
    if address.url is None:
        return None
    host = urlsplit(address.url).hostname or ""
    if address.tls:
        if not has_tls_files:
            return (
                f"{address.url}: TLS needs [executor] tls_ca_file, tls_cert_file and tls_key_file"
            )
        return None
    if insecure or is_loopback_host(host):
        return None
    return (
        f"{address.url}: a plain Dask scheduler has no authentication and runs pickled code; "
        "use tls:// (with [executor] tls_* files), or --insecure on a network you trust"
    )
