"""What the audit trail costs AssumeRole: the same server (``ramsts serve``, SQLite, or
PostgreSQL with ``--db URL``, in a schema of its own) with the trail on and with it off, in one run, as a ratio (issue #16's target: on ≥ 0.80 × off).

Each round starts a fresh server per mode, one after the other (on, off, on, off…: load from
elsewhere on the machine falls on both alike), with the set-up of ``sts_bench.py``: a RAM user
allowed to assume a role, and every AssumeRole signed (RPC v1) before the timed phase. Each
phase is closed loop, for the peak rate. The "off" server is the same code with the recorder
replaced by nothing (``bench/audit_off/sitecustomize.py``): ramsts has no switch for it.

After each "on" server has stopped (SIGTERM, a graceful stop), the trail's rows are counted:
every AssumeRole answered must be on it (the queued events are written at shutdown).

    .venv/bin/python bench/audit_bench.py                 # 3 rounds of 10,000 requests, 2 workers
    .venv/bin/python bench/audit_bench.py --db postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/audit_bench.py --quick         # CI smoke run
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa

from api_bench import fresh_database, start_server
from loadgen import run_load
from ramsts.crypto import MASTER_KEY_ENV, MasterKey
from sts_bench import prepare_assume_role

TARGET_RATIO = 0.80
AUDIT_OFF = Path(__file__).resolve().parent / "audit_off"


def measure(on: bool, args: argparse.Namespace, master_key: str) -> tuple[float, int, int]:
    """Peak AssumeRole/s of one fresh server; the requests answered 200 and the trail's
    AssumeRole events once it stopped."""
    previous = os.environ.get("PYTHONPATH")
    if not on:
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(AUDIT_OFF), previous]))
    try:
        with (
            tempfile.TemporaryDirectory(prefix="ramsts-audit-bench-") as data_dir,
            fresh_database(args.db, Path(data_dir)) as db_url,
        ):
            with start_server(
                db_url, args.workers, Path(data_dir), master_key, "warning"
            ) as server:
                sign = prepare_assume_role(server)
                run_load(server.url, sign(min(200, args.requests)), concurrency=4)
                result = run_load(server.url, sign(args.requests), concurrency=args.concurrency)
            # Counted once the server has stopped: what it queued is written at shutdown.
            return result.rate, result.statuses.get(200, 0), _assume_role_events(db_url)
    finally:
        if previous is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = previous


def _assume_role_events(db_url: str) -> int:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            tables = sa.inspect(connection).get_table_names()
            if "audit_events" not in tables:
                return 0
            query = "SELECT count(*) FROM audit_events WHERE event_name = 'AssumeRole'"
            return int(connection.exec_driver_sql(query).scalar_one())
    finally:
        engine.dispose()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="AssumeRole with the audit trail on and off.")
    parser.add_argument("--requests", type=int, help="requests per phase (default 10,000)")
    parser.add_argument("--rounds", type=int, help="on/off pairs (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="ramsts workers (default 2)")
    parser.add_argument("--concurrency", type=int, help="connections (default 32)")
    parser.add_argument(
        "--db", metavar="URL", help="PostgreSQL URL (a schema of its own); default SQLite"
    )
    parser.add_argument("--quick", action="store_true", help="1 round of 300 requests")
    args = parser.parse_args(argv)
    args.requests = args.requests or (300 if args.quick else 10_000)
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.concurrency = args.concurrency or (8 if args.quick else 32)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    master_key = os.environ.get(MASTER_KEY_ENV) or MasterKey.generate().encoded()
    print(
        f"AssumeRole, audit trail on vs off: {args.rounds} round(s) of {args.requests:,} requests,"
        f" {args.workers} worker(s), {args.concurrency} connections, {os.cpu_count()} cores,"
        f" {'PostgreSQL' if args.db else 'SQLite'}",
        flush=True,
    )
    rates: dict[bool, list[float]] = {True: [], False: []}
    complete = True
    for round_number in range(1, args.rounds + 1):
        for on in (True, False):
            rate, answered, recorded = measure(on, args, master_key)
            rates[on].append(rate)
            trail = f", {recorded:,} AssumeRole events on the trail" if on else ""
            print(
                f"round {round_number} audit {'on ' if on else 'off'}: {rate:>8,.0f}/s"
                f" ({answered:,} answered{trail})",
                flush=True,
            )
            # Every answered AssumeRole (the warm-up's too) must be on the trail.
            complete &= not on or recorded >= answered
    on_rate, off_rate = statistics.median(rates[True]), statistics.median(rates[False])
    ratio = on_rate / off_rate
    print(
        f"median: on {on_rate:,.0f}/s, off {off_rate:,.0f}/s, ratio {ratio:.2f}"
        f" (target ≥ {TARGET_RATIO:.2f}); every answered call recorded: {'yes' if complete else 'NO'}"
    )
    return 0 if ratio >= TARGET_RATIO and complete else 1


if __name__ == "__main__":
    sys.exit(main())
