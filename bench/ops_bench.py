"""What metrics and throttling cost AssumeRole: the same server measured with ``--metrics`` off
and on, ``--throttle`` off and on (a quota no run reaches), in one run, as ratios.

Four ``ramsts serve`` processes (2 workers each by default, SQLite), one per configuration, are
started side by side; each gets the AssumeRole set-up of ``sts_bench.py`` (a user allowed to
assume a role, requests signed before the timed phase). Then the configurations are measured in
turn, closed loop, for several rounds (so that drift of the machine falls on all of them alike).

Two figures per configuration: the best round's rate, and the requests served per CPU second
of the server's processes (parent and workers, from ``/proc``) over all rounds. On a machine
that other work shares, the rate follows whatever else runs, and even the CPU figure moves with
it; so a third measure takes the network out: the RPC endpoint of each configuration called in
this process (ASGI, pre-signed AssumeRoles, 32 at a time on one event loop, SQLite), in CPU time
of its thread per request, best of many interleaved batches, pinned to one core. ``--reference-src DIR`` adds a
baseline server running another checkout's ``src`` (today's main, say): the cost of the change
with metrics and throttling off. Target: AssumeRole with metrics on at ≥ 95% of the baseline.

    .venv/bin/python bench/ops_bench.py                   # 20,000 requests a round, 3 rounds
    .venv/bin/python bench/ops_bench.py --reference-src ../main/src
    .venv/bin/python bench/ops_bench.py --quick           # smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from api_bench import ApiServer, fresh_database, start_server
from loadgen import HttpRequest, LoadResult, run_load
from ramsts.caching import Caches
from ramsts.config import settings_from_env
from ramsts.crypto import MASTER_KEY_ENV, MasterKey
from ramsts.metrics import Metrics
from ramsts.request_quotas import parse_request_quotas
from ramsts.services import build_services, create_server_app
from ramsts.throttling import Throttle
from sts_bench import prepare_assume_role

TARGET_RATIO = 0.95
GENEROUS_QUOTA = "AssumeRole=10000000/s"
"""A quota no benchmark reaches: every call goes through the throttle and is admitted."""

CONFIGURATIONS: dict[str, dict[str, str]] = {
    "baseline": {},
    "metrics on": {"RAMSTS_METRICS": "1"},
    "throttle on": {"RAMSTS_THROTTLE": GENEROUS_QUOTA},
    "metrics + throttle": {"RAMSTS_METRICS": "1", "RAMSTS_THROTTLE": GENEROUS_QUOTA},
}


@contextmanager
def environment(variables: dict[str, str]) -> Iterator[None]:
    """``variables`` set in this process's environment (which the server inherits) meanwhile."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@dataclass
class Measured:
    server: ApiServer
    sign: Callable[[int], list[HttpRequest]]
    rounds: list[LoadResult] = field(default_factory=list)
    cpu_seconds: float = 0.0


def server_cpu_seconds(port: int) -> float:
    """User and system CPU seconds of the ``ramsts serve`` on ``port`` and its workers (its
    process group: ``api_bench.start_server`` starts it in a session of its own)."""
    groups: dict[int, float] = {}
    leader = None
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:  # the process is gone
            continue
        group = int(fields[2])
        ticks = int(fields[11]) + int(fields[12])
        groups[group] = groups.get(group, 0.0) + ticks / os.sysconf("SC_CLK_TCK")
        if b"serve" in command and str(port).encode() in command:
            leader = int(stat.parent.name)
    if leader is None:
        raise RuntimeError(f"no ramsts serve found on port {port}")
    return groups[leader]


def start_all(
    stack: ExitStack, workers: int, master_key: str, reference_src: Path | None
) -> dict[str, Measured]:
    configurations = dict(CONFIGURATIONS)
    if reference_src is not None:
        pythonpath = os.pathsep.join(
            [str(reference_src.resolve()), os.environ.get("PYTHONPATH", "")]
        )
        configurations = {"reference src": {"PYTHONPATH": pythonpath}, **configurations}
    servers = {}
    for name, variables in configurations.items():
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ramsts-ops-")))
        db_url = stack.enter_context(fresh_database(None, data_dir))
        with environment(variables):
            server = stack.enter_context(
                start_server(db_url, workers, data_dir, master_key, "warning")
            )
        servers[name] = Measured(server, prepare_assume_role(server))
    return servers


def measure(args: argparse.Namespace) -> dict[str, Measured]:
    master_key = os.environ.get(MASTER_KEY_ENV) or MasterKey.generate().encoded()
    with ExitStack() as stack:
        servers = start_all(stack, args.workers, master_key, args.reference_src)
        for each in servers.values():
            run_load(each.server.url, each.sign(min(500, args.requests)), concurrency=8)
        for turn in range(args.rounds):
            for name in _rotated(list(servers), turn):
                each = servers[name]
                requests = each.sign(args.requests)
                before = server_cpu_seconds(each.server.port)
                each.rounds.append(
                    run_load(each.server.url, requests, concurrency=args.concurrency)
                )
                each.cpu_seconds += server_cpu_seconds(each.server.port) - before
    return servers


def _rotated(names: list[str], turn: int) -> list[str]:
    """``names`` starting at a different one each turn: whichever runs first or last in a turn
    (after the signing, or before the next) is measured in each position alike."""
    start = turn % len(names)
    return names[start:] + names[:start]


def report(servers: dict[str, Measured]) -> tuple[list[str], bool]:
    best = {name: max(each.rounds, key=lambda run: run.rate) for name, each in servers.items()}
    per_cpu = {
        name: sum(run.completed for run in each.rounds) / each.cpu_seconds
        for name, each in servers.items()
    }
    lines = [
        f"{'configuration':<20} {'best req/s':>10} {'ratio':>6} {'req/CPU-s':>10} {'ratio':>6}"
        f" {'p99 ms':>7}  rounds (req/s)"
    ]
    ok = True
    for name, each in servers.items():
        run = best[name]
        rounds = " ".join(f"{one.rate:,.0f}" for one in each.rounds)
        statuses = {status for one in each.rounds for status in one.statuses}
        ok = ok and sum(one.errors for one in each.rounds) == 0 and statuses == {200}
        lines.append(
            f"{name:<20} {run.rate:>10,.0f} {run.rate / best['baseline'].rate:>6.3f}"
            f" {per_cpu[name]:>10,.0f} {per_cpu[name] / per_cpu['baseline']:>6.3f}"
            f" {run.percentile_ms(0.99):>7.2f}  {rounds}"
        )
    by_rate = best["metrics on"].rate / best["baseline"].rate
    by_cpu = per_cpu["metrics on"] / per_cpu["baseline"]
    lines.append(
        f"target: metrics on ≥ {TARGET_RATIO:.0%} of the baseline: {by_rate:.1%} by rate,"
        f" {by_cpu:.1%} by CPU cost"
    )
    return lines, ok


class InProcessServer:
    """An application of a configuration, called as ASGI in this process: what
    ``sts_bench.prepare_assume_role`` needs of a server (``send``, the root key)."""

    def __init__(self, name: str, variables: dict[str, str], data_dir: Path, key: str) -> None:
        settings = settings_from_env(
            {
                **variables,
                "RAMSTS_DB": f"sqlite:///{data_dir / name.replace(' ', '-')}.db",
                "RAMSTS_DATA_DIR": str(data_dir),
            }
        )
        self.services = build_services(settings, env={MASTER_KEY_ENV: key})
        self.app = create_server_app(self.services)
        created = self.services.accounts.create_account("bench")
        self.access_key_id = created.access_key_id
        self.access_key_secret = created.access_key_secret
        self.loop = asyncio.new_event_loop()

    def send(self, request: HttpRequest) -> tuple[int, str]:
        status, body = self.loop.run_until_complete(self._call(request))
        return status, body.decode()

    async def _call(self, request: HttpRequest) -> tuple[int, bytes]:
        path, _, query = request.target.partition("?")
        scope = {
            "type": "http",
            "method": request.method,
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode("latin-1"),
            "headers": [(k.lower().encode(), v.encode("latin-1")) for k, v in request.headers],
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 8080),
            "scheme": "http",
            "http_version": "1.1",
            "root_path": "",
        }
        answer: dict[str, Any] = {}

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": request.body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            answer.setdefault("status", message.get("status"))
            if message["type"] == "http.response.body":
                answer["body"] = message.get("body", b"")

        await self.app(scope, receive, send)
        return int(answer["status"]), bytes(answer["body"])

    async def _many(self, requests: list[HttpRequest]) -> list[tuple[int, bytes]]:
        return list(await asyncio.gather(*(self._call(request) for request in requests)))

    def batch(self, requests: list[HttpRequest]) -> float:
        """CPU seconds of the event loop's thread to answer ``requests``, 32 at a time: the
        configurations share this process, and their background threads (the throttle's
        merges, ten a second while it has traffic) would be charged to whichever is measured."""
        started = time.thread_time()
        for start in range(0, len(requests), 32):
            answers = self.loop.run_until_complete(self._many(requests[start : start + 32]))
            if any(status != 200 for status, _ in answers):
                raise RuntimeError(f"an AssumeRole failed: {answers[0]}")
        return time.thread_time() - started

    def close(self) -> None:
        self.services.close()
        self.loop.close()


def endpoint_costs(batches: int) -> dict[str, float]:
    """Microseconds of CPU per AssumeRole through each configuration's endpoint, in process:
    the best of ``batches`` interleaved batches of 500."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
    key = MasterKey.generate().encoded()
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="ramsts-ops-in-process-") as data_dir:
        servers = {
            name: InProcessServer(name, variables, Path(data_dir), key)
            for name, variables in CONFIGURATIONS.items()
        }
        try:
            signers = {name: prepare_assume_role(server) for name, server in servers.items()}  # type: ignore[arg-type]
            for turn in range(batches):
                for name in _rotated(list(servers), turn):
                    server = servers[name]
                    requests = signers[name](500)
                    cost = server.batch(requests) / len(requests) * 1e6
                    best[name] = min(cost, best.get(name, cost))
        finally:
            for server in servers.values():
                server.close()
    return best


def hook_costs(seconds: float) -> dict[str, float]:
    """Microseconds of CPU of what each configuration adds to a request, alone and best of
    batches: the metrics' record of a request; the throttle's admission; and the cache
    counting every configuration pays (four lookups, as an AssumeRole by a RAM user makes)."""
    metrics = Metrics()
    throttle = Throttle(parse_request_quotas(GENEROUS_QUOTA), _NoCounts(), merge_interval=None)
    caches = Caches()
    warm = [
        caches.cache(name, limit=10, max_age=3600.0)
        for name in ("access_keys", "principal_policies", "roles", "principal_policies")
    ]
    for cache in warm:
        cache.put("entry", "value")

    def count_lookups() -> None:
        for cache in warm:
            cache.get("entry", str)  # warm: a hit, counted, never loaded

    added = {
        "metrics on": lambda: metrics.record_request("Sts", "AssumeRole", "OK", 0.0004),
        "throttle on": lambda: throttle.admit("1234567890123456", "Sts", "AssumeRole"),
        "cache counts": count_lookups,
    }
    costs = {name: _best_cpu_per_call(hook, seconds) * 1e6 for name, hook in added.items()}
    metrics.close()
    return costs


def multiprocess_metrics_cost(seconds: float) -> float:
    """The metrics' record of a request as a server with workers makes it (prometheus-client's
    multiprocess mode, chosen when it is imported): measured in a fresh interpreter."""
    code = f"import json, ops_bench; print(json.dumps(ops_bench.hook_costs({seconds})))"
    with tempfile.TemporaryDirectory(prefix="ramsts-ops-metrics-") as directory:
        done = subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": directory},
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        )
    return float(json.loads(done.stdout.splitlines()[-1])["metrics on"])


class _NoCounts:
    def add_request_counts(
        self, counts: Sequence[tuple[str, int, int]]
    ) -> dict[str, tuple[int, int]]:
        return {}


def _best_cpu_per_call(call: Callable[[], object], seconds: float) -> float:
    best = float("inf")
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.thread_time()
        for _ in range(10_000):
            call()
        best = min(best, (time.thread_time() - started) / 10_000)
    return best


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="AssumeRole with metrics and throttling.")
    parser.add_argument("--requests", type=int, help="requests per round (default 20,000)")
    parser.add_argument("--rounds", type=int, help="rounds (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="workers per server (default 2)")
    parser.add_argument("--concurrency", type=int, help="connections (default 32)")
    parser.add_argument(
        "--reference-src", type=Path, help="also measure a baseline on this checkout's src/"
    )
    parser.add_argument(
        "--batches", type=int, help="in-process batches per configuration (default 20)"
    )
    parser.add_argument("--quick", action="store_true", help="500 requests, 1 round")
    args = parser.parse_args(argv)
    args.requests = args.requests or (500 if args.quick else 20_000)
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.concurrency = args.concurrency or (8 if args.quick else 32)
    args.batches = args.batches or (2 if args.quick else 20)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    print(
        f"AssumeRole, metrics and throttling: {args.requests:,} requests a round, "
        f"{args.rounds} rounds, {args.workers} workers, {args.concurrency} connections, "
        f"{os.cpu_count()} cores",
        flush=True,
    )
    lines, ok = report(measure(args))
    print("\n".join(lines), flush=True)
    costs = endpoint_costs(args.batches)
    print(f"in process, one core, best of {args.batches} batches of 500 (CPU µs per AssumeRole):")
    for name, cost in costs.items():
        print(f"  {name:<20} {cost:>7.1f} µs  ratio {costs['baseline'] / cost:.3f}")
    ratio = costs["baseline"] / costs["metrics on"]
    print(f"target: metrics on ≥ {TARGET_RATIO:.0%} of the baseline, in process: {ratio:.1%}")
    seconds = 0.5 if args.quick else 3.0
    hooks = hook_costs(seconds)
    hooks["metrics, N workers"] = multiprocess_metrics_cost(seconds)
    print("what each adds to a request, alone (CPU µs), and its share of the baseline's cost:")
    for name, cost in hooks.items():
        print(f"  {name:<20} {cost:>7.2f} µs  {cost / costs['baseline']:.1%}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
