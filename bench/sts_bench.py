"""STS AssumeRole under load: ramsts (``ramsts serve``, 1 and 2 workers, SQLite) against moto's
STS AssumeRole (``moto.server``) in the same run, plus SecurityToken verification in process.

ramsts: a fresh server per worker count (``api_bench.start_server``), a RAM user with
``AliyunSTSAssumeRoleAccess`` and a role that trusts the account; every request is an AssumeRole
signed with RPC v1 by that user *before* the timed phase, each with its own nonce.

moto: ``python -m moto.server`` (the ``bench`` extra, ``moto[server]``) on a free port; STS
``AssumeRole`` (Query API, ``Version=2011-06-15``) signed with SigV4 by botocore beforehand.
moto does not check signatures, so its figure is an upper bound on what it would do with them.

Each server is measured closed loop for its peak rate, then open loop at half that rate for p99
(``loadgen.max_then_half``), then open loop at half the target rate (1,500/s), the p99 the target
names. In process, on one core: SecurityToken opens per second (decrypt,
decode, expiry) and full temporary-credential checks (open, AccessKeyId match, Caller).

Targets: ≥ 3,000 AssumeRole/s with 2 workers and p99 ≤ 10 ms at half that rate; ≥ 50,000 token
verifications/s on one core.

    .venv/bin/python bench/sts_bench.py                  # 20,000 requests per phase
    .venv/bin/python bench/sts_bench.py --quick          # CI smoke run
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from api_bench import ApiServer, _free_port, fresh_database, rpc_v1, start_server
from loadgen import HttpRequest, LoadResult, max_then_half, run_load
from ramsts.crypto import (
    MASTER_KEY_ENV,
    MasterKey,
    new_sts_access_key_id,
    new_sts_access_key_secret,
)
from ramsts.signing import sign_rpc_v1
from ramsts.tokens import KeyRing, SessionClaims, TokenKey
from ramsts.tokens.keyring import OPENED_TOKENS_KEPT
from ramsts.types import Secret

STS_VERSION = "2015-04-01"
TARGET_RATE = 3_000.0
TARGET_P99_MS = 10.0
TARGET_OPENS = 50_000.0
STARTUP_TIMEOUT = 60.0
TRUST = {
    "Version": "1",
    "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": ["ACCOUNT_ROOT"]}}
    ],
}


# -- ramsts --------------------------------------------------------------------------------


def _root_call(server: ApiServer, action: str, **params: str) -> dict[str, Any]:
    status, body = server.send(rpc_v1(server, "POST", action, params))
    if status != 200:
        raise RuntimeError(f"{action} failed during set-up: {status} {body}")
    return dict(json.loads(body))


def prepare_assume_role(server: ApiServer) -> Callable[[int], list[HttpRequest]]:
    """A user allowed to assume a role; returns a signer of ``n`` fresh AssumeRole requests."""
    _root_call(server, "CreateUser", UserName="bench-sts")
    key = _root_call(server, "CreateAccessKey", UserName="bench-sts")["AccessKey"]
    _root_call(
        server,
        "AttachPolicyToUser",
        UserName="bench-sts",
        PolicyName="AliyunSTSAssumeRoleAccess",
        PolicyType="System",
    )
    account_id = _account_of(server)
    trust = json.dumps(TRUST).replace("ACCOUNT_ROOT", f"acs:ram::{account_id}:root")
    role = _root_call(server, "CreateRole", RoleName="bench-role", AssumeRolePolicyDocument=trust)
    role_arn = role["Role"]["Arn"]
    key_id, secret = key["AccessKeyId"], Secret(key["AccessKeySecret"])

    def sign(n: int) -> list[HttpRequest]:
        requests = []
        for i in range(n):
            params = {
                "Action": "AssumeRole",
                "Version": STS_VERSION,
                "RoleArn": role_arn,
                "RoleSessionName": f"bench-{i}",
            }
            signed = sign_rpc_v1("POST", params, key_id, secret)
            requests.append(HttpRequest("POST", f"/?{signed.query}", signed.headers, signed.body))
        return requests

    return sign


def _account_of(server: ApiServer) -> str:
    signed = sign_rpc_v1(
        "POST",
        {"Action": "GetCallerIdentity", "Version": STS_VERSION},
        server.access_key_id,
        server.access_key_secret,
    )
    status, body = server.send(HttpRequest("POST", f"/?{signed.query}", signed.headers))
    if status != 200:
        raise RuntimeError(f"GetCallerIdentity failed: {status} {body}")
    return str(json.loads(body)["AccountId"])


def bench_ramsts(workers: int, args: argparse.Namespace, master_key: str) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="ramsts-sts-bench-") as data_dir,
        fresh_database(None, Path(data_dir)) as db_url,
        start_server(db_url, workers, Path(data_dir), master_key, "warning") as server,
    ):
        sign = prepare_assume_role(server)
        return _measure(f"ramsts, {workers} worker(s)", server.url, sign, args)


# -- moto ----------------------------------------------------------------------------------


@contextmanager
def moto_server() -> Iterator[str]:
    port = _free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        _wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
        if process.poll() is None:
            process.kill()
            process.wait()


def _wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("moto.server exited; install the bench extra (moto[server])")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("moto.server did not start")


def moto_signer(url: str) -> Callable[[int], list[HttpRequest]]:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    credentials = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    host = url.removeprefix("http://")

    def sign(n: int) -> list[HttpRequest]:
        requests = []
        for i in range(n):
            body = (
                "Action=AssumeRole&Version=2011-06-15"
                "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fbench-role"
                f"&RoleSessionName=bench-{i}&DurationSeconds=3600"
            )
            request = AWSRequest(
                method="POST",
                url=f"{url}/",
                data=body,
                headers={"Content-Type": "application/x-www-form-urlencoded", "Host": host},
            )
            SigV4Auth(credentials, "sts", "us-east-1").add_auth(request)
            headers = tuple((name, str(value)) for name, value in request.headers.items())
            requests.append(HttpRequest("POST", "/", headers, body.encode("ascii")))
        return requests

    return sign


def bench_moto(args: argparse.Namespace) -> dict[str, Any]:
    with moto_server() as url:
        return _measure("moto.server", url, moto_signer(url), args, at_target_half=False)


# -- measuring -------------------------------------------------------------------------------


def _measure(
    name: str,
    url: str,
    sign: Callable[[int], list[HttpRequest]],
    args: argparse.Namespace,
    *,
    at_target_half: bool = True,
) -> dict[str, Any]:
    run_load(url, sign(min(200, args.requests)), concurrency=4)
    peak, half = max_then_half(url, sign, concurrency=args.concurrency, count=args.requests)
    results = {"peak": peak, "half": half}
    if at_target_half and peak.rate >= TARGET_RATE / 2:
        # The target's own reading: p99 at half the target rate, for as long as the peak phase.
        count = int(TARGET_RATE / 2 * args.requests / peak.rate)
        results["target_half"] = run_load(
            url, sign(count), concurrency=args.concurrency * 2, rate=TARGET_RATE / 2
        )
    return {
        "name": name,
        **results,
        "ok": all(_ok(result) for result in results.values()),
    }


def _ok(result: LoadResult) -> bool:
    return result.errors == 0 and set(result.statuses) == {200}


def token_verifications(seconds: float) -> dict[str, float]:
    """Best batch rates of opening tokens the ring has not opened before (decryption and
    decoding), of opening one it has (KeyRing remembers the tokens it opened), and of the whole
    temporary-credential check of a new token (open, AccessKeyId match, caller)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
    now = datetime.now(UTC).replace(microsecond=0)
    key = TokenKey.generate(now)
    ring = KeyRing([key], current=key.key_id)
    claims = SessionClaims(
        account_id="1234567890123456",
        role_id="3008001234567890123",
        role_name="bench-role",
        session_name="bench",
        access_key_id=new_sts_access_key_id(),
        access_key_secret=new_sts_access_key_secret(),
        issued_at=now,
        expires_at=now + timedelta(hours=1),
        principal_arn="acs:ram::1234567890123456:user/bench-sts",
    )
    # Twice as many tokens as a ring remembers, taken in turn: each open is a first one.
    fresh = itertools.cycle(
        [ring.mint(replace(claims, session_name=f"s{n}")) for n in range(2 * OPENED_TOKENS_KEPT)]
    )
    token = ring.mint(claims)

    def check() -> object:
        opened = ring.open(next(fresh), now)
        opened.check_access_key(claims.access_key_id)
        return opened.caller()

    return {
        "opens_per_s": _best_rate(lambda: ring.open(next(fresh), now), seconds),
        "repeat_opens_per_s": _best_rate(lambda: ring.open(token, now), seconds),
        "checks_per_s": _best_rate(check, seconds),
    }


def _best_rate(action: Callable[[], object], seconds: float) -> float:
    batch, rates = 2000, []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        for _ in range(batch):
            action()
        rates.append(batch / (time.perf_counter() - started))
    return max(rates, default=0.0)


# -- reporting -------------------------------------------------------------------------------


def report(runs: Sequence[dict[str, Any]], tokens: dict[str, float]) -> list[str]:
    half_target = f"p99 at {TARGET_RATE / 2:,.0f}/s"
    lines = [
        f"{'server':<20} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'p99 at half':>12}"
        f" {half_target:>15} ok"
    ]
    moto = next((run for run in runs if run["name"] == "moto.server"), None)
    for run in runs:
        peak, half, target_half = run["peak"], run["half"], run.get("target_half")
        ratio = f"  {peak.rate / moto['peak'].rate:.1f}× moto" if moto and run is not moto else ""
        at_target = "-" if target_half is None else f"{target_half.percentile_ms(0.99):.2f}"
        lines.append(
            f"{run['name']:<20} {peak.rate:>8,.0f} {peak.percentile_ms(0.5):>7.2f} "
            f"{peak.percentile_ms(0.99):>7.2f} {half.percentile_ms(0.99):>12.2f} "
            f"{at_target:>15} {'yes' if run['ok'] else 'NO'}{ratio}"
        )
    two = next((run for run in runs if run["name"].startswith("ramsts, 2")), None)
    if two is not None and "target_half" in two:
        rate, p99 = two["peak"].rate, two["target_half"].percentile_ms(0.99)
        lines.append(f"target: ≥ {TARGET_RATE:,.0f} AssumeRole/s with 2 workers: {rate:,.0f}")
        lines.append(
            f"target: p99 ≤ {TARGET_P99_MS:.0f} ms at half that rate"
            f" ({TARGET_RATE / 2:,.0f}/s) with 2 workers: {p99:.2f} ms"
            f" (at half the peak, {rate / 2:,.0f}/s: {two['half'].percentile_ms(0.99):.2f} ms)"
        )
    lines.append(
        f"token verification on one core (target ≥ {TARGET_OPENS:,.0f}/s): first opens"
        f" {tokens['opens_per_s']:,.0f}/s, full checks of a first-seen token"
        f" {tokens['checks_per_s']:,.0f}/s; a token opened before: {tokens['repeat_opens_per_s']:,.0f}/s"
    )
    return lines


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="AssumeRole: ramsts against moto.server.")
    parser.add_argument("--requests", type=int, help="requests per phase (default 20,000)")
    parser.add_argument("--workers", default="1,2", help="ramsts worker counts, e.g. 1,2")
    parser.add_argument("--concurrency", type=int, help="connections (default 32)")
    parser.add_argument("--no-moto", action="store_true", help="skip moto.server")
    parser.add_argument("--quick", action="store_true", help="300 requests, 8 connections")
    args = parser.parse_args(argv)
    args.requests = args.requests or (300 if args.quick else 20_000)
    args.concurrency = args.concurrency or (8 if args.quick else 32)
    args.worker_counts = [int(w) for w in args.workers.split(",") if w.strip()]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    master_key = os.environ.get(MASTER_KEY_ENV) or MasterKey.generate().encoded()
    print(
        f"STS AssumeRole benchmark: {args.requests:,} requests per phase, "
        f"{args.concurrency} connections, {os.cpu_count()} cores",
        flush=True,
    )
    runs = [bench_ramsts(workers, args, master_key) for workers in args.worker_counts]
    if not args.no_moto:
        runs.append(bench_moto(args))
    tokens = token_verifications(0.5 if args.quick else 3.0)
    print("\n".join(report(runs, tokens)))
    return 0 if all(run["ok"] for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
