"""Security of the Dask executor: a plain scheduler off loopback is refused unless --insecure;
TLS with the [executor] files; the cluster's versions are checked when connecting."""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from distributed import LocalCluster
from distributed.security import Security

from swarmtui.commands.settings import build_run_settings
from swarmtui.config import ConfigError, ExecutorOptions
from swarmtui.engine.events import PlacedOnWorker
from swarmtui.engine.executors.versions import version_problem
from swarmtui.executor_address import AddressError, parse_executor, refusal
from swarmtui.store.schema import LOCK_NAME

from ..engine.helpers import make_session, one_message, run, task
from .conftest import Cluster

BATCH = 'Task("Solo", "Say hello", "coder")\n'


def _swarmtui(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "swarmtui", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


def test_a_plain_scheduler_off_loopback_is_refused_before_anything_runs(tmp_path: Path) -> None:
    (tmp_path / "b.swarm.js").write_text(BATCH)
    done = _swarmtui(
        "run", "b.swarm.js", "--headless", "--executor", "dask://10.1.2.3:8786", cwd=tmp_path
    )
    assert done.returncode == 2
    assert done.stderr == (
        "swarmtui: --executor: tcp://10.1.2.3:8786: a plain Dask scheduler has no "
        "authentication and runs pickled code; use tls:// (with [executor] tls_* files), or "
        "--insecure on a network you trust\n"
    )
    assert not (tmp_path / "sessions").exists()  # no session, no connection


def test_the_configured_address_is_refused_naming_the_file(tmp_path: Path) -> None:
    config = tmp_path / "swarmtui.toml"
    config.write_text('[executor]\naddress = "dask://scheduler.example:8786"\n')
    with pytest.raises(ConfigError) as refused:
        build_run_settings({"config_file": str(config)})
    assert str(refused.value).startswith(f"{config}: executor.address: tcp://scheduler.example")
    # --insecure is the user saying the network is trusted.
    settings = build_run_settings({"config_file": str(config), "insecure": True})
    assert settings.executor.address == "dask://scheduler.example:8786"
    assert settings.executor.insecure


def test_a_tls_file_that_is_not_there_is_named_with_its_key(tmp_path: Path) -> None:
    (tmp_path / "certs").mkdir()
    for name in ("ca.pem", "me.pem"):
        (tmp_path / "certs" / name).write_text("-----BEGIN CERTIFICATE-----\n")
    config = tmp_path / "swarmtui.toml"
    config.write_text(
        '[executor]\naddress = "tls://10.0.0.5:8786"\ntls_ca_file = "certs/ca.pem"\n'
        'tls_cert_file = "certs/me.pem"\ntls_key_file = "certs/me.key"\n'
    )
    # (the run said "cannot connect to the Dask scheduler (FileNotFoundError: ...)")
    with pytest.raises(ConfigError) as refused:
        build_run_settings({"config_file": str(config)})
    assert str(refused.value) == (
        f"{config}: executor.tls_key_file: {tmp_path / 'certs' / 'me.key'}: no such file"
    )


def test_executor_addresses() -> None:
    assert parse_executor("dask-local").workers == 2
    assert parse_executor("dask-local:3").describe() == "dask-local:3"
    assert parse_executor("dask://[::1]").url == "tcp://[::1]:8786"
    for bad in ("dask-local:0", "dask-local:x", "ray://h:1", "dask://h:99999", "dask://h/x"):
        with pytest.raises(AddressError):
            parse_executor(bad)
    ok = {"insecure": False, "has_tls_files": False}
    assert refusal(parse_executor("dask://127.0.0.2:9"), **ok) is None
    assert refusal(parse_executor("dask://localhost"), **ok) is None
    # A name is not resolved: what it names can change.
    assert refusal(parse_executor("dask://my-laptop"), **ok) is not None
    assert refusal(parse_executor("tls://10.0.0.5"), **ok) == (
        "tls://10.0.0.5:8786: TLS needs [executor] tls_ca_file, tls_cert_file and tls_key_file"
    )
    assert refusal(parse_executor("tls://10.0.0.5"), insecure=False, has_tls_files=True) is None


async def test_the_engine_refuses_too_and_connects_to_nothing(tmp_path: Path) -> None:
    """Settings built without the CLI's check still never reach the address."""
    r = await run(
        one_message(task(0, "Solo")),
        tmp_path,
        executor=ExecutorOptions(address="dask://192.0.2.7:8786"),
    )
    assert r.state.status == "failed"
    assert r.state.reason is not None
    assert r.state.reason.startswith("no agent started: tcp://192.0.2.7:8786: a plain Dask")
    assert r.state.agents["Solo"].status == "pending"


def test_versions_that_differ_are_named(cluster: Cluster) -> None:
    report: dict[str, Any] = cluster.client.get_versions(packages=["swarmtui"])
    assert version_problem(report) is None
    address = sorted(report["workers"])[0]
    report["workers"][address]["packages"]["swarmtui"] = "0.0.1"
    problem = version_problem(report)
    assert problem is not None
    assert problem.endswith(f"worker {address} runs swarmtui 0.0.1")


def test_a_scheduler_without_swarmtui_is_named(cluster: Cluster) -> None:
    # The scheduler unpickles each task: without swarmtui there, every agent would fail with
    # "Error during deserialization of the task graph"; the check says it before any starts.
    report: dict[str, Any] = cluster.client.get_versions(packages=["swarmtui"])
    report["scheduler"]["packages"]["swarmtui"] = None
    problem = version_problem(report)
    assert problem is not None
    assert problem.endswith("the scheduler runs swarmtui (none)")


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a certificate for 127.0.0.1 it signed (the system's openssl)."""
    names = ("ca.key", "ca.pem", "k.pem", "c.csr", "c.pem")
    ca_key, ca, key, csr, cert = (folder / name for name in names)
    openssl = ["openssl"]
    run_ = [
        [*openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key,
         "-out", ca, "-days", "2", "-subj", "/CN=swarmtui test CA"],
        [*openssl, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
         "-subj", "/CN=127.0.0.1"],
        [*openssl, "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
         "-CAcreateserial", "-out", cert, "-days", "2"],
    ]  # fmt: skip
    for argv in run_:
        subprocess.run([str(a) for a in argv], check=True, capture_output=True, cwd=folder)
    return ca, cert, key


async def test_a_tls_cluster_runs_agents_with_the_configured_files(tmp_path: Path) -> None:
    ca, cert, key = _certificates(tmp_path)
    files = {"tls_ca_file": str(ca), "require_encryption": True}
    for role in ("scheduler", "worker", "client"):
        files |= {f"tls_{role}_cert": str(cert), f"tls_{role}_key": str(key)}
    make: Any = LocalCluster
    secure: Any = Security
    cluster = make(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        protocol="tls",
        host="127.0.0.1",
        security=secure(**files),
        dashboard_address=":0",
        silence_logs=logging.CRITICAL,
    )
    try:
        address: str = cluster.scheduler_address
        assert address.startswith("tls://127.0.0.1:")
        r = await run(
            one_message(task(0, "Solo")),
            tmp_path,
            executor=ExecutorOptions(
                address=address, tls_ca_file=ca, tls_cert_file=cert, tls_key_file=key
            ),
        )
        assert r.state.status == "completed", r.state.reason
        assert [e.agent for e in r.of(PlacedOnWorker)] == ["Solo"]
        # Without the CA's certificate the scheduler is not reached.
        stranger = tmp_path / "elsewhere"
        stranger.mkdir()
        other_ca, _, _ = _certificates(stranger)
        r = await run(
            one_message(task(0, "Solo")),
            tmp_path / "second",
            executor=ExecutorOptions(
                address=address,
                tls_ca_file=other_ca,
                tls_cert_file=cert,
                tls_key_file=key,
                connect_timeout=5,
            ),
        )
        assert r.state.status == "failed"
        assert r.state.reason is not None and r.state.reason.startswith("no agent started:")
    finally:
        cluster.close()


async def test_a_session_cancelled_while_connecting_gives_its_log_back(tmp_path: Path) -> None:
    """Ctrl-C (or the app's cancel) while a cluster does not answer yet: the session's event
    log stops writing and its lock is released, as for any other end."""
    reached = asyncio.Event()
    held: list[asyncio.StreamWriter] = []

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # (a scheduler that takes the connection and never answers)
        reached.set()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    options = ExecutorOptions(address=f"dask://127.0.0.1:{port}", connect_timeout=60)
    session, _ = make_session(one_message(task(0, "Solo")), tmp_path, executor=options)
    running = asyncio.ensure_future(session.run())
    async with asyncio.timeout(30):  # (a deadline, not a synchronisation)
        await reached.wait()
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    for writer in held:
        writer.close()
    server.close()
    lock = os.open(session.path / LOCK_NAME, os.O_RDWR)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # (raises while the log still holds it)
    finally:
        os.close(lock)
    writers = [t for t in threading.enumerate() if t.name == "swarmtui-eventlog"]
    for thread in writers:
        thread.join(timeout=30)  # (a deadline: the log's writer ends on its own)
    assert not [t for t in writers if t.is_alive()]
