"""The HTTP API under load: signed RAM calls against a real ``ramsts serve``, 1 and 2 workers.

For each worker count the benchmark starts ``ramsts serve`` as a subprocess on a fresh database
(a new SQLite file by default; a new schema when ``--db`` names PostgreSQL), with a known
``RAMSTS_MASTER_KEY``, creates an account (``ramsts account create --json``) and a RAM user, and
then measures four workloads, each with requests signed *before* the timed phase (every one with
its own ``SignatureNonce`` and the current timestamp):

* ``GetUser`` signed with RPC v1 (HMAC-SHA1, ``GET /?…``) and with V3 (ACS3-HMAC-SHA256,
  ``POST /`` with the signature in headers);
* ``CreateUser`` then ``DeleteUser`` of the same names (RPC v1): all creates, then all deletes,
  so that no delete overtakes its create; half as many as reads, at most 900 per phase (RAM's
  1,000-user quota).

Each workload runs closed loop for the peak rate, then open loop at half that rate for its p99
(``loadgen.max_then_half``). Every response must be 200: otherwise a warning is printed with the
first error bodies of freshly signed probes (a nonce or timestamp error means the pre-signing is
wrong) and the exit status is 1.

    .venv/bin/python bench/api_bench.py                      # 20,000 requests per phase
    .venv/bin/python bench/api_bench.py --quick --workers 1  # CI smoke run
    .venv/bin/python bench/api_bench.py --db postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from loadgen import HttpRequest, LoadResult, max_then_half, run_load
from ramsts.crypto import MASTER_KEY_ENV, MasterKey
from ramsts.signing import sign_rpc_v1, sign_v3
from ramsts.types import Secret

RAM_VERSION = "2015-05-01"
WRITE_QUOTA_MARGIN = 900
"""Users created per phase at most: RAM's per-account quota is 1,000 (the target user counts)."""
TARGET_RATE = 2_000.0
"""Signed GetUser per second wanted with 2 workers on SQLite (issue #6)."""
PROBES = 3
STARTUP_TIMEOUT = 60.0
WORKER_SETTLE_S = 1.0
"""Extra wait per worker after the first answers /health, so that every worker has started."""


# -- the server ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiServer:
    """A running ``ramsts serve`` and the root AccessKey of the account made for the run."""

    host: str
    port: int
    access_key_id: str
    access_key_secret: Secret = field(repr=False)

    @property
    def endpoint(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"

    def send(self, request: HttpRequest) -> tuple[int, str]:
        """One request on its own connection (setup and probes, never the timed phase)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request(
                request.method, request.target, request.body, headers=dict(request.headers)
            )
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", errors="replace")
        finally:
            connection.close()


@contextmanager
def fresh_database(db: str | None, data_dir: Path) -> Iterator[str]:
    """A new SQLite file in ``data_dir``; for PostgreSQL a new schema, dropped afterwards."""
    if db is None:
        yield f"sqlite:///{data_dir / 'ramsts.db'}"
        return
    if not db.startswith("postgres"):
        yield db
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(db.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in db else "?"
        yield f"{db}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _create_account(env: dict[str, str]) -> dict[str, str]:
    name = f"bench-{uuid.uuid4().hex[:8]}"
    command = [sys.executable, "-m", "ramsts", "account", "create", "--name", name, "--json"]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=STARTUP_TIMEOUT, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"ramsts account create failed: {done.stderr.strip()}")
    return dict(json.loads(done.stdout))


def _wait_until_healthy(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"ramsts serve exited: {log.read_text()[-2000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.1)
    raise RuntimeError(f"ramsts serve did not answer /health in {STARTUP_TIMEOUT:.0f} s")


@contextmanager
def start_server(
    db_url: str, workers: int, data_dir: Path, master_key: str, log_level: str
) -> Iterator[ApiServer]:
    """``ramsts serve --workers N`` in its own process group, stopped (group and all) on exit."""
    env = {
        **os.environ,
        MASTER_KEY_ENV: master_key,
        "RAMSTS_DB": db_url,
        "RAMSTS_DATA_DIR": str(data_dir),
        "RAMSTS_LOG_LEVEL": log_level,
    }
    account = _create_account(env)
    port = _free_port()
    log = data_dir / "serve.log"
    command = [sys.executable, "-m", "ramsts", "serve", "--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "--workers", str(workers)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_healthy(process, port, log)
        if workers > 1:
            time.sleep(WORKER_SETTLE_S * workers)
        yield ApiServer(
            "127.0.0.1", port, account["AccessKeyId"], Secret(account["AccessKeySecret"])
        )
    finally:
        process.terminate()
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
        with suppress(ProcessLookupError):  # a worker left behind: the group is ours alone
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@dataclass(frozen=True)
class Workload:
    """One measured action: how to sign ``n`` fresh requests for a phase named ``phase``."""

    name: str
    sign: Callable[[str, int], list[HttpRequest]]
    count: int
    expected_status: int = 200


@dataclass
class Measurement:
    workers: int
    workload: str
    peak: LoadResult
    half: LoadResult
    error_bodies: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        results = (self.peak, self.half)
        return all(r.errors == 0 and set(r.statuses) == {200} for r in results)

    def to_dict(self) -> dict[str, Any]:
        return {
            "workers": self.workers,
            "workload": self.workload,
            "peak": self.peak.to_dict(),
            "half": self.half.to_dict(),
            "ok": self.ok,
            "error_bodies": self.error_bodies,
        }


# -- signing -------------------------------------------------------------------------------


def rpc_v1(server: ApiServer, method: str, action: str, params: dict[str, str]) -> HttpRequest:
    signed = sign_rpc_v1(
        method,
        {"Action": action, "Version": RAM_VERSION, **params},
        server.access_key_id,
        server.access_key_secret,
    )
    return HttpRequest(method, f"/?{signed.query}", signed.headers, signed.body)


def v3(server: ApiServer, action: str, params: dict[str, str]) -> HttpRequest:
    signed = sign_v3(
        "POST",
        server.endpoint,
        action,
        RAM_VERSION,
        params,
        server.access_key_id,
        server.access_key_secret,
    )
    return HttpRequest("POST", f"/?{signed.query}", signed.headers, signed.body)


def workloads(server: ApiServer, user_name: str, count: int, writes: int) -> list[Workload]:
    def get_v1(phase: str, n: int) -> list[HttpRequest]:
        return [rpc_v1(server, "GET", "GetUser", {"UserName": user_name}) for _ in range(n)]

    def get_v3(phase: str, n: int) -> list[HttpRequest]:
        return [v3(server, "GetUser", {"UserName": user_name}) for _ in range(n)]

    def create(phase: str, n: int) -> list[HttpRequest]:
        return [
            rpc_v1(server, "POST", "CreateUser", {"UserName": f"{phase}-{i}"}) for i in range(n)
        ]

    def delete(phase: str, n: int) -> list[HttpRequest]:
        return [
            rpc_v1(server, "POST", "DeleteUser", {"UserName": f"{phase}-{i}"}) for i in range(n)
        ]

    return [
        Workload("GetUser v1", get_v1, count),
        Workload("GetUser V3", get_v3, count),
        Workload("CreateUser v1", create, writes),
        Workload("DeleteUser v1", delete, writes),
    ]


# -- measuring -----------------------------------------------------------------------------


def probe_errors(server: ApiServer, requests: Sequence[HttpRequest]) -> list[str]:
    """Send requests one by one; the bodies of those that did not answer 200."""
    bodies = []
    for request in requests:
        status, body = server.send(request)
        if status != 200:
            bodies.append(f"{status} {body[:500]}")
    return bodies


def measure_reads(
    server: ApiServer, workers: int, workload: Workload, concurrency: int
) -> Measurement:
    run_load(server.url, workload.sign("warm-up", min(200, workload.count)), concurrency=4)
    peak, half = max_then_half(
        server.url,
        lambda n: workload.sign("read", n),
        concurrency=concurrency,
        count=workload.count,
    )
    measured = Measurement(workers, workload.name, peak, half)
    if not measured.ok:
        measured.error_bodies = probe_errors(server, workload.sign("probe", PROBES))
    return measured


def measure_writes(
    server: ApiServer, workers: int, create: Workload, delete: Workload, concurrency: int
) -> list[Measurement]:
    """Creates then deletes of the same names, at the peak rate and then at half of it."""
    run_id = uuid.uuid4().hex[:6]
    peak_phase, half_phase = f"bp{run_id}", f"bh{run_id}"
    count = create.count
    peaks = [
        run_load(server.url, w.sign(peak_phase, count), concurrency=concurrency)
        for w in (create, delete)
    ]
    halves = [
        run_load(
            server.url,
            w.sign(half_phase, count // 2),
            concurrency=concurrency,
            rate=max(peak.rate / 2, 1.0),
        )
        for w, peak in zip((create, delete), peaks, strict=True)
    ]
    measured = [
        Measurement(workers, w.name, peak, half)
        for w, peak, half in zip((create, delete), peaks, halves, strict=True)
    ]
    if not all(m.ok for m in measured):
        probe_phase = f"bq{run_id}"
        bodies = probe_errors(server, create.sign(probe_phase, PROBES))
        bodies += probe_errors(server, delete.sign(probe_phase, PROBES))
        for m in measured:
            m.error_bodies = [] if m.ok else bodies
    return measured


def bench_workers(args: argparse.Namespace, workers: int, master_key: str) -> list[Measurement]:
    with (
        tempfile.TemporaryDirectory(prefix="ramsts-api-bench-") as data_dir,
        fresh_database(args.db, Path(data_dir)) as db_url,
        start_server(db_url, workers, Path(data_dir), master_key, args.log_level) as server,
    ):
        user_name = f"bench-target-{uuid.uuid4().hex[:6]}"
        status, body = server.send(rpc_v1(server, "POST", "CreateUser", {"UserName": user_name}))
        if status != 200:
            raise RuntimeError(f"could not create the benchmark's user: {status} {body}")
        table = workloads(server, user_name, args.requests, args.writes)
        results = [measure_reads(server, workers, w, args.concurrency) for w in table[:2]]
        results += measure_writes(server, workers, table[2], table[3], args.concurrency)
        return results


# -- reporting -----------------------------------------------------------------------------


def statuses_text(result: LoadResult) -> str:
    return " ".join(f"{k}×{v}" for k, v in sorted(result.statuses.items())) or "none"


def targets(measurements: Sequence[Measurement], db: str | None) -> list[dict[str, Any]]:
    if db is not None and not db.startswith("sqlite"):
        return []
    return [
        {
            "name": f"{m.workload} with 2 workers on SQLite, req/s",
            "target": TARGET_RATE,
            "measured": round(m.peak.rate),
            "met": m.peak.rate >= TARGET_RATE,
        }
        for m in measurements
        if m.workers == 2 and m.workload.startswith("GetUser")
    ]


def print_table(measurements: Sequence[Measurement], goals: Sequence[dict[str, Any]]) -> None:
    head = (
        f"{'workers':>7}  {'action':<14} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'errors':>6}  {'statuses':<16} {'p99 ms at half rate':>20}"
    )
    print(head)
    for m in measurements:
        half = f"{m.half.percentile_ms(0.99):.2f} (at {m.half.offered_rate or 0:,.0f}/s)"
        print(
            f"{m.workers:>7}  {m.workload:<14} {m.peak.rate:>8,.0f} "
            f"{m.peak.percentile_ms(0.5):>7.2f} {m.peak.percentile_ms(0.99):>7.2f} "
            f"{m.peak.errors + m.half.errors:>6}  {statuses_text(m.peak):<16} {half:>20}"
        )
    for goal in goals:
        mark = "met" if goal["met"] else "NOT met"
        print(f"target: {goal['name']} ≥ {goal['target']:,.0f}: {goal['measured']:,} ({mark})")


def warn_about_failures(measurements: Sequence[Measurement]) -> None:
    """Anything but 200 means the run measured errors, not the API: say so, with bodies."""
    for m in measurements:
        if m.ok:
            continue
        print(
            f"WARNING: {m.workload} with {m.workers} worker(s) got answers other than 200 "
            f"or no answer (peak: {statuses_text(m.peak)}, errors {m.peak.errors}; "
            f"half: {statuses_text(m.half)}, errors {m.half.errors}). A nonce or timestamp "
            "error means the pre-signing is wrong.",
            file=sys.stderr,
        )
        for body in m.error_bodies:
            print(f"  probe: {body}", file=sys.stderr)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Signed RAM calls against `ramsts serve`.")
    parser.add_argument("--requests", type=int, help="requests per read phase (default 20,000)")
    parser.add_argument("--workers", default="1,2", help="worker counts to run, e.g. 1,2")
    parser.add_argument("--concurrency", type=int, help="connections (default 32)")
    parser.add_argument("--db", metavar="URL", help="database (default: a fresh SQLite file)")
    parser.add_argument(
        "--log-level", default="warning", help="server log level (info logs a line per request)"
    )
    parser.add_argument("--quick", action="store_true", help="200 requests, 8 connections")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    args.requests = args.requests or (200 if args.quick else 20_000)
    args.writes = min(args.requests // 2, WRITE_QUOTA_MARGIN)
    args.concurrency = args.concurrency or (8 if args.quick else 32)
    try:
        args.worker_counts = [int(w) for w in args.workers.split(",") if w.strip()]
    except ValueError:
        parser.error(f"--workers takes numbers separated by commas, not {args.workers!r}")
    if not args.worker_counts or min(args.worker_counts) < 1 or args.requests < 4:
        parser.error("give at least one worker count ≥ 1 and --requests ≥ 4")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    master_key = os.environ.get(MASTER_KEY_ENV) or MasterKey.generate().encoded()
    progress = sys.stderr if args.json else sys.stdout  # with --json, stdout is the JSON alone
    print(
        f"ramsts API benchmark: {args.db or 'SQLite (a fresh file)'}, "
        f"{args.requests:,} reads and {args.writes:,} writes per phase, "
        f"{args.concurrency} connections, {os.cpu_count()} cores",
        file=progress,
        flush=True,
    )
    measurements: list[Measurement] = []
    for workers in args.worker_counts:
        measurements += bench_workers(args, workers, master_key)
    goals = targets(measurements, args.db)
    if args.json:
        report = {
            "config": {
                "db": args.db or "sqlite",
                "requests": args.requests,
                "writes": args.writes,
                "concurrency": args.concurrency,
                "workers": args.worker_counts,
                "cores": os.cpu_count(),
                "log_level": args.log_level,
            },
            "runs": [m.to_dict() for m in measurements],
            "targets": goals,
            "all_ok": all(m.ok for m in measurements),
        }
        print(json.dumps(report, indent=2))
    else:
        print_table(measurements, goals)
    warn_about_failures(measurements)
    return 0 if all(m.ok for m in measurements) else 1


if __name__ == "__main__":
    sys.exit(main())
