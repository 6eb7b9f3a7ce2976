"""What metrics and throttling cost AssumeRole: the same server measured with ``--metrics`` off
and on, ``--throttle`` off and on (a quota no run reaches), in one run, as ratios.

Four ``ramsts serve`` processes (2 workers each by default, SQLite), one per configuration, are
started side by side; each gets the AssumeRole set-up of ``sts_bench.py`` (a user allowed to
assume a role, requests signed before the timed phase). Then the configurations are measured in
turn, closed loop, for several rounds (so that drift of the machine falls on all of them alike).

Two figures per configuration: the best round's rate, and the requests served per CPU second
of the server's processes (parent and workers, from ``/proc``) over all rounds. On a machine
that other work shares, the rate follows whatever else runs; the CPU cost of a request hardly
does, so the ratios of the second are the ones to read there. ``--reference-src DIR`` adds a
baseline server running another checkout's ``src`` (today's main, say): the cost of the change
with metrics and throttling off. Target: AssumeRole with metrics on at ≥ 95% of the baseline.

    .venv/bin/python bench/ops_bench.py                   # 20,000 requests a round, 3 rounds
    .venv/bin/python bench/ops_bench.py --reference-src ../main/src
    .venv/bin/python bench/ops_bench.py --quick           # smoke run
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from api_bench import ApiServer, fresh_database, start_server
from loadgen import HttpRequest, LoadResult, run_load
from ramsts.crypto import MASTER_KEY_ENV, MasterKey
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
        for _ in range(args.rounds):
            for each in servers.values():
                requests = each.sign(args.requests)
                before = server_cpu_seconds(each.server.port)
                each.rounds.append(
                    run_load(each.server.url, requests, concurrency=args.concurrency)
                )
                each.cpu_seconds += server_cpu_seconds(each.server.port) - before
    return servers


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


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="AssumeRole with metrics and throttling.")
    parser.add_argument("--requests", type=int, help="requests per round (default 20,000)")
    parser.add_argument("--rounds", type=int, help="rounds (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="workers per server (default 2)")
    parser.add_argument("--concurrency", type=int, help="connections (default 32)")
    parser.add_argument(
        "--reference-src", type=Path, help="also measure a baseline on this checkout's src/"
    )
    parser.add_argument("--quick", action="store_true", help="500 requests, 1 round")
    args = parser.parse_args(argv)
    args.requests = args.requests or (500 if args.quick else 20_000)
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.concurrency = args.concurrency or (8 if args.quick else 32)
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
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
