"""The few calls of Dask's client swarmtui makes, typed (Dask's asynchronous API is only
partly annotated: its calls return either a value or a coroutine, by mode)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import distributed
from distributed.security import Security


def security(ca_file: Path, cert_file: Path, key_file: Path) -> Any:
    """The TLS settings of a client (its certificate and key, the cluster's CA)."""
    make: Any = Security
    return make(
        tls_ca_file=str(ca_file),
        tls_client_cert=str(cert_file),
        tls_client_key=str(key_file),
        require_encryption=True,
    )


CLIENT_SEND_INTERVAL = 0.001  # seconds


def start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker (which the local workers' processes need) when
    the standard error in place has no file descriptor: the app replaces it with one whose
    `fileno()` is -1, and the tracker, handed that, fails to start ("bad value(s) in
    fds_to_keep": "Nanny failed to start"). Its warnings go nowhere then: on the app's
    terminal they would break the screen."""
    from multiprocessing import resource_tracker

    try:
        usable = sys.stderr.fileno() >= 0
    except (AttributeError, OSError, ValueError):
        usable = False
    if usable:
        return  # (it starts itself when first needed)
    shown = sys.stderr
    with open(os.devnull, "w", encoding="utf-8") as nowhere:
        sys.stderr = nowhere  # (no await until it is back: nothing else writes meanwhile)
        try:
            resource_tracker.ensure_running()
        finally:
            sys.stderr = shown


class DaskClient:
    """An asynchronous Dask client on the running event loop, and the local cluster it
    started, if it did."""

    def __init__(self, client: Any, cluster: Any = None) -> None:
        self._client = client
        self._cluster = cluster
        # What the client tells the scheduler (a new task, a release) waits up to 10 ms to
        # go with what follows; an agent's start is worth sending at once.
        stream = getattr(client, "scheduler_comm", None)
        if stream is not None and hasattr(stream, "interval"):
            stream.interval = CLIENT_SEND_INTERVAL

    @classmethod
    async def start_local(cls, workers: int, slots: int, log_level: int) -> DaskClient:
        """A cluster of WORKERS processes with SLOTS threads each, on this machine's loopback."""
        start_resource_tracker()
        make: Any = distributed.LocalCluster
        cluster = await make(
            n_workers=workers,
            threads_per_worker=slots,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",  # (its HTTP server: on a free port of `host`, not 8787)
            silence_logs=log_level,
            asynchronous=True,
        )
        connect: Any = distributed.Client
        try:
            return cls(await connect(cluster, asynchronous=True), cluster)
        except BaseException:
            await cluster.close()
            raise

    @classmethod
    async def connect(cls, address: str, security: Any, timeout: float) -> DaskClient:
        make: Any = distributed.Client
        client = make(address, asynchronous=True, security=security, timeout=timeout)
        try:
            return cls(await client)
        except BaseException:  # (refused, timed out or cancelled: closed, not left to the GC)
            with contextlib.suppress(Exception):
                await client.close()
            raise

    async def wait_for_workers(self, count: int) -> None:
        await self._client.wait_for_workers(count)

    async def versions(self) -> dict[str, Any]:
        """`Client.get_versions` with swarmtui's own version among the packages."""
        report: dict[str, Any] = await self._client.get_versions(packages=["swarmtui"])
        return report

    async def workers(self) -> dict[str, dict[str, Any]]:
        """The scheduler's view of its workers (address -> name, nthreads, resources...)."""
        identity: dict[str, Any] = await self._client.scheduler.identity()
        workers: dict[str, dict[str, Any]] = identity.get("workers", {})
        return workers

    def subscribe(self, topic: str, handler: Callable[[tuple[float, Any]], None]) -> None:
        self._client.subscribe_topic(topic, handler)

    def unsubscribe(self, topic: str) -> None:
        self._client.unsubscribe_topic(topic)

    def submit(self, function: Callable[..., Any], *args: Any, **options: Any) -> Any:
        """A future of FUNCTION(*ARGS) on the cluster (await it for its result)."""
        return self._client.submit(function, *args, **options)

    async def run(self, function: Callable[..., Any], *args: Any, workers: list[str]) -> Any:
        """FUNCTION(*ARGS) on each of WORKERS, outside the task graph: worker -> result (or
        the exception it raised)."""
        answers: dict[str, Any] = await self._client.run(
            function, *args, workers=workers, on_error="return"
        )
        return answers

    async def run_on_scheduler(self, function: Callable[..., Any], *args: Any) -> Any:
        """FUNCTION(*ARGS) on the scheduler: its result."""
        return await self._client.run_on_scheduler(function, *args)

    async def run_everywhere(self, function: Callable[..., Any], *args: Any) -> None:
        await self._client.run(function, *args, on_error="ignore")

    async def cancel(self, future: Any) -> None:
        await self._client.cancel([future], force=True)

    async def close(self) -> None:
        try:
            await self._client.close()
        finally:
            if self._cluster is not None:
                await self._cluster.close()
