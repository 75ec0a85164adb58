"""The service under load, a crash, and a database taken away: loopback only, bounded.

    .venv/bin/python bench/bench_service.py [--backend sqlite|postgresql|both]
        [--requests 300] [--concurrency 1,8,32] [--seconds 60] [--workers 1] [--json FILE]

Load: ``POST /v1/assess`` (each assessment saved before it is acknowledged) at each
concurrency, from client threads in this process, against ``hipdx serve`` on 127.0.0.1; then
every acknowledged assessment is looked for in the database. The baseline is the engine called
in this process on the same cases (assess and the result document, nothing saved), in the same
run. Crash: SIGKILL the server during a stream of writes, restart it, and read back every
assessment acknowledged before the kill. Failure: with the database stopped (PostgreSQL) or its
file moved away (SQLite), writes answer 503 and nothing is claimed. The load generator shares
the machine's cores with the server.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

import hipdx
from hipdx.service.local import (
    LocalServer,
    PostgresCluster,
    prepare_database,
    start_server,
    throwaway_postgres,
)
from hipdx.store import open_engine

ROOT = Path(__file__).parent.parent
CASES = [
    json.loads((ROOT / "examples" / name).read_text())
    for name in ("seed_case.json", "seed_case_with_mri.json")
]


@dataclass
class Level:
    concurrency: int
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)
        return {
            "concurrency": self.concurrency,
            "requests": len(ordered),
            "errors": len(self.errors),
            "error_kinds": dict(Counter(self.errors)),
            "requests_per_second": round(len(ordered) / self.seconds, 1) if self.seconds else 0,
            "p50_ms": round(1000 * _quantile(ordered, 0.50), 1),
            "p99_ms": round(1000 * _quantile(ordered, 0.99), 1),
        }


def _quantile(ordered: list[float], q: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def baseline(requests: int) -> dict[str, Any]:
    """The engine in this process: assess and build the document, nothing saved."""
    engine = hipdx.default_engine()
    engine.assess(CASES[0]).document()
    samples = []
    for i in range(requests):
        start = time.perf_counter()
        engine.assess(CASES[i % len(CASES)]).document()
        samples.append(time.perf_counter() - start)
    samples.sort()
    return {
        "calls": requests,
        "calls_per_second": round(len(samples) / sum(samples), 1),
        "p50_ms": round(1000 * _quantile(samples, 0.5), 1),
        "p99_ms": round(1000 * _quantile(samples, 0.99), 1),
    }


def load(server: LocalServer, key: str, concurrency: int, requests: int, seconds: float) -> Level:
    """``requests`` assessments from ``concurrency`` threads (stopping at ``seconds``)."""
    level = Level(concurrency)
    lock = threading.Lock()
    issued = iter(range(requests))
    deadline = time.monotonic() + seconds

    def worker() -> None:
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
            while time.monotonic() < deadline:
                with lock:
                    number = next(issued, None)
                if number is None:
                    return
                start = time.perf_counter()
                try:
                    response = client.post("/v1/assess", json={"case": CASES[number % 2]})
                except httpx.HTTPError as exc:
                    with lock:
                        level.errors.append(type(exc).__name__)
                    continue
                elapsed = time.perf_counter() - start
                with lock:
                    level.latencies.append(elapsed)
                    if response.status_code == 201:  # the id from Location: no parsing of the body
                        level.ids.append(response.headers["location"].rsplit("/", 1)[-1])
                    else:
                        level.errors.append(str(response.status_code))

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    level.seconds = time.perf_counter() - started
    return level


def stored_ids(database_url: str) -> set[str]:
    engine = open_engine(database_url)
    try:
        with engine.connect() as connection:
            return {row[0] for row in connection.execute(text("SELECT id FROM assessments"))}
    finally:
        engine.dispose()


def crash(database_url: str, key: str, folder: Path, seconds: float) -> dict[str, Any]:
    """Writes from 4 threads; SIGKILL after ``seconds``; restart; read every acknowledged one."""
    server = start_server(database_url, log=folder / "crash.log", access_log=False)
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer() -> None:
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
            while not stop.is_set():
                try:
                    response = client.post("/v1/assess", json={"case": CASES[0]})
                except httpx.HTTPError:
                    return  # the server is gone
                if response.status_code == 201:
                    with lock:
                        acknowledged.append(response.headers["location"].rsplit("/", 1)[-1])

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    server.stop(kill=True)
    stop.set()
    for thread in threads:
        thread.join()
    restarted = start_server(database_url, log=folder / "crash.log", access_log=False)
    try:
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=restarted.url, headers=headers, timeout=30) as client:
            readable = sum(
                client.get(f"/v1/assessments/{i}").status_code == 200 for i in acknowledged
            )
    finally:
        restarted.stop()
    return {"acknowledged_before_kill": len(acknowledged), "readable_after_restart": readable}


def failure(
    server: LocalServer, key: str, database_url: str, cluster: PostgresCluster | None
) -> dict[str, Any]:
    """Take the database away; a write must answer 503 and not be saved."""
    if cluster is not None:
        cluster.stop()
    else:
        path = Path(database_url.removeprefix("sqlite:///"))
        path.rename(path.with_suffix(".moved"))
    headers = {"Authorization": f"Bearer {key}"}
    response = httpx.post(
        f"{server.url}/v1/assess", json={"case": CASES[0]}, headers=headers, timeout=30
    )
    health = httpx.get(f"{server.url}/health", timeout=30)
    if cluster is not None:
        cluster.start()
    else:
        path.with_suffix(".moved").rename(path)
    return {
        "write_status": response.status_code,
        "detail": response.json().get("detail"),
        "health_status": health.status_code,
    }


@contextmanager
def database(backend: str, folder: Path) -> Iterator[tuple[str, PostgresCluster | None]]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'bench.sqlite3'}", None
        return
    with throwaway_postgres(databases=("bench",)) as cluster:
        yield cluster.urls["bench"], cluster


def run(backend: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    with database(backend, folder) as (url, cluster):
        key = prepare_database(url, key_name="bench")
        env = {"HIPDX_RATE_LIMIT": "1000000/minute"}
        server = start_server(
            url, log=folder / f"{backend}.log", env=env, workers=args.workers, access_log=False
        )
        try:
            levels = [load(server, key, c, args.requests, args.seconds) for c in args.concurrency]
            acknowledged = [i for level in levels for i in level.ids]
            present = stored_ids(url)
            failed = failure(server, key, url, cluster)
        finally:
            server.stop()
        after = crash(url, key, folder, args.crash_seconds)
    return {
        "backend": backend,
        "workers": args.workers,
        "load": [level.summary() for level in levels],
        "acknowledged": len(acknowledged),
        "acknowledged_and_stored": sum(i in present for i in acknowledged),
        "failure": failed,
        "crash": after,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--requests", type=int, default=300, help="requests per level")
    parser.add_argument(
        "--concurrency", type=lambda s: [int(c) for c in s.split(",")], default=[1, 8, 32]
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="cap per level")
    parser.add_argument("--crash-seconds", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results: dict[str, Any] = {
        "hipdx_version": hipdx.__version__,
        "baseline_in_process": baseline(args.requests),
        "runs": [],
    }
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hipdx-bench-")))
        for backend in backends:
            results["runs"].append(run(backend, args, folder))
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(_table(results))


def _table(results: dict[str, Any]) -> str:
    base = results["baseline_in_process"]
    lines = [
        "",
        f"in-process engine (assess + document, no HTTP, no saving): "
        f"{base['calls_per_second']}/s, p50 {base['p50_ms']} ms, p99 {base['p99_ms']} ms",
        "| backend | concurrency | requests | errors | req/s | p50 ms | p99 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for run_ in results["runs"]:
        for level in run_["load"]:
            lines.append(
                f"| {run_['backend']} | {level['concurrency']} | {level['requests']} | "
                f"{level['errors']} | {level['requests_per_second']} | {level['p50_ms']} | "
                f"{level['p99_ms']} |"
            )
    for run_ in results["runs"]:
        crash_ = run_["crash"]
        lines.append(
            f"{run_['backend']}: acknowledged {run_['acknowledged']}, stored "
            f"{run_['acknowledged_and_stored']}; database away: write "
            f"{run_['failure']['write_status']}, health {run_['failure']['health_status']}; "
            f"crash: {crash_['readable_after_restart']} of "
            f"{crash_['acknowledged_before_kill']} acknowledged readable after restart"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
