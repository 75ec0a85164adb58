"""Running the service on this machine, for tests and benchmarks: a throwaway PostgreSQL
cluster, and a real ``hipdx serve`` process on a free loopback port.

PostgreSQL comes from Debian's packages (``scripts/install-postgres.sh``); it refuses to run as
root, so as root the cluster is made and run by the ``postgres`` user.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hipdx.store import create_key, open_engine, session_factory, transaction, upgrade

LOOPBACK = "127.0.0.1"
#: How long a server or cluster may take to start (seconds).
START_TIMEOUT = 60.0


class PostgresMissingError(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def postgres_bin() -> Path | None:
    """The folder of Debian's newest PostgreSQL server binaries, if installed."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=_major)
    return found[-1].parent if found else None


def _major(path: Path) -> int:
    name = path.parent.parent.name
    return int(name) if name.isdigit() else 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class PostgresCluster:
    """A running throwaway cluster: its databases' URLs, and how to stop and start it again."""

    urls: dict[str, str]
    binaries: Path
    data: Path
    options: str
    run_as: list[str]

    def stop(self) -> None:
        _run([*self.run_as, str(self.binaries / "pg_ctl"), "-D", str(self.data),
              "-m", "immediate", "-w", "stop"])  # fmt: skip

    def start(self) -> None:
        _run([*self.run_as, str(self.binaries / "pg_ctl"), "-D", str(self.data),
              "-l", str(self.data.parent / "log"), "-o", self.options, "-w",
              "-t", str(int(START_TIMEOUT)), "start"])  # fmt: skip


@contextmanager
def throwaway_postgres(*, databases: tuple[str, ...] = ("hipdx",)) -> Iterator[PostgresCluster]:
    """A new cluster in a temporary folder on a free loopback port, with ``databases`` made;
    stopped and removed afterwards."""
    binaries = postgres_bin()
    if binaries is None:
        raise PostgresMissingError("PostgreSQL is not installed (bash scripts/install-postgres.sh)")
    folder = Path(tempfile.mkdtemp(prefix="hipdx-pg-"))
    run_as = _postgres_user(folder)
    data, port = folder / "data", free_port()
    options = f"-p {port} -k {folder} -c listen_addresses={LOOPBACK} -c max_connections=200"
    cluster = PostgresCluster(
        urls={name: f"postgresql://postgres@{LOOPBACK}:{port}/{name}" for name in databases},
        binaries=binaries,
        data=data,
        options=options,
        run_as=run_as,
    )
    try:
        _run([*run_as, str(binaries / "initdb"), "-D", str(data), "-U", "postgres",
              "--auth=trust", "--encoding=UTF8", "--no-sync"])  # fmt: skip
        cluster.start()
        for name in databases:
            _run([*run_as, str(binaries / "createdb"), "-h", str(folder), "-p", str(port),
                  "-U", "postgres", name])  # fmt: skip
        yield cluster
    finally:
        subprocess.run(
            [*run_as, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(folder, ignore_errors=True)


def _postgres_user(folder: Path) -> list[str]:
    """As root: run as ``postgres``, which must own the folder."""
    if os.geteuid() != 0:
        return []
    shutil.chown(folder, user="postgres", group="postgres")
    return ["runuser", "-u", "postgres", "--"]


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{Path(command[-1]).name}: {command!r} failed:\n{result.stderr}")


def prepare_database(url: str, *, key_name: str = "local") -> str:
    """Bring the database to the schema head and make a key; its secret."""
    engine = open_engine(url, create_folder=True)
    try:
        upgrade(engine)
        with transaction(session_factory(engine)) as session:
            _, secret = create_key(session, name=key_name)
    finally:
        engine.dispose()
    return secret


@dataclass
class LocalServer:
    """A ``hipdx serve`` process on loopback; its output goes to ``log``."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self, *, kill: bool = False) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_server(
    database_url: str,
    *,
    log: Path,
    env: dict[str, str] | None = None,
    workers: int = 1,
    access_log: bool = True,
) -> LocalServer:
    """Start ``hipdx serve`` on a free loopback port and wait until /health answers."""
    port = free_port()
    command = [sys.executable, "-m", "hipdx", "serve", "--host", LOOPBACK, "--port", str(port),
               "--workers", str(workers), "--database-url", database_url,
               "--access-log" if access_log else "--no-access-log"]  # fmt: skip
    environment = {**os.environ, **(env or {})}
    with log.open("ab") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=environment)
    server = LocalServer(url=f"http://{LOOPBACK}:{port}", process=process, log=log)
    _wait_for_health(server)
    return server


def _wait_for_health(server: LocalServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited at start:\n{server.output()}")
        try:
            with urllib.request.urlopen(f"{server.url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.1)
    server.stop(kill=True)
    raise RuntimeError(f"the server did not answer within {START_TIMEOUT:g} s:\n{server.output()}")


@dataclass
class Service:
    """A running server, its database (``backend``: sqlite or postgresql) and a valid key."""

    backend: str
    database_url: str
    server: LocalServer
    key: str

    @property
    def url(self) -> str:
        return self.server.url

    def headers(self, key: str | None = "valid") -> dict[str, str]:
        """Authorization with the valid key, with ``key`` itself, or none (``None``)."""
        if key is None:
            return {}
        return {"Authorization": f"Bearer {self.key if key == 'valid' else key}"}
