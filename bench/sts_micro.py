"""AssumeRole's CPU cost outside storage, in process on one core.

Measures, in CPU time (``time.process_time``, so other load on a shared machine weighs little):

* ``credentials``: one temporary AccessKeyId and AccessKeySecret;
* ``v1 verify``: ``parse_request`` and ``verify_signature`` of a signed AssumeRole (RPC v1);
* ``v3 verify``: the same request signed with ACS3-HMAC-SHA256;
* ``AssumeRole``: the action itself (its handler, as the API runs it) on a SQLite store, with the
  production cache settings, without and with a session policy.

Each figure is calls per CPU second: the median and the best of batches. The process is pinned to
one core. Run ``.venv/bin/python bench/sts_micro.py [seconds-per-measure] [core]``;
``--profile NAME`` prints a cProfile of one measure instead (``assume``, ``assume-policy``,
``v1``, ``v3``, ``credentials``).
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ramsts.caller import Caller
from ramsts.crypto import MasterKey, new_sts_access_key_id, new_sts_access_key_secret
from ramsts.ram.authorization import Authorizer
from ramsts.services import StoredKeyRing
from ramsts.signing import parse_request, sign_rpc_v1, sign_v3, verify_signature
from ramsts.store import open_store
from ramsts.sts.assume_role import AssumeRole
from ramsts.sts.wire.sessions import assume_role_action
from ramsts.types import Secret

BATCH = 500
SESSION_POLICY = json.dumps(
    {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["oss:GetObject", "oss:ListObjects"],
                "Resource": ["acs:oss:*:*:bucket-a/*", "acs:oss:*:*:bucket-b/reports/*"],
                "Condition": {"IpAddress": {"acs:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}},
            }
        ],
    }
)


def _rate(action: Callable[[], object], seconds: float) -> tuple[float, float]:
    """Calls per CPU second of ``action``: (median, best) over batches run for ``seconds``."""
    rates: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(rates) < 3:
        started = time.process_time()
        for _ in range(BATCH):
            action()
        elapsed = time.process_time() - started
        if elapsed > 0:
            rates.append(BATCH / elapsed)
    return statistics.median(rates), max(rates)


def _assume_role_cases(data_dir: Path) -> dict[str, Callable[[], object]]:
    store = open_store(f"sqlite:///{data_dir / 'ramsts.db'}")
    master_key = MasterKey.generate()
    authorizer = Authorizer(store, master_key)
    key_ring = StoredKeyRing(store, master_key)
    assume_role = assume_role_action(AssumeRole(store, authorizer, key_ring)).handler()
    with store.transaction() as tx:
        now = datetime.now(UTC)
        account = tx.accounts.create(name="bench", now=now)
        user = tx.users.create(account.account_id, user_name="alice", now=now)
        trust = {
            "Version": "1",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"RAM": [account.root_arn]},
                }
            ],
        }
        role = tx.roles.create(
            account.account_id,
            role_name="bench-role",
            assume_role_policy_document=json.dumps(trust),
            now=now,
        )
        allow = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
        policy = tx.policies.create_custom(
            account.account_id,
            policy_name="assume",
            policy_document=json.dumps({"Version": "1", "Statement": [allow]}),
            now=now,
        )
        tx.attachments.attach("User", user.user_id, policy, account_id=account.account_id, now=now)
    caller = Caller(
        account_id=account.account_id,
        identity_type="RAMUser",
        arn=user.arn,
        principal_id=user.user_id,
        access_key_id="LTAI5tBenchKeyOfTheAccount",
        display_name=user.user_name,
        user_id=user.user_id,
        user_name=user.user_name,
        context={"acs:SourceIp": "192.0.2.10", "acs:SecureTransport": "false"},
    )
    plain = {"RoleArn": role.arn, "RoleSessionName": "bench-session"}
    with_policy = {**plain, "Policy": SESSION_POLICY}
    return {
        "assume": lambda: assume_role(caller, plain),
        "assume-policy": lambda: assume_role(caller, with_policy),
    }


def _verify_cases() -> dict[str, Callable[[], object]]:
    secret = Secret("BenchSecretOfThirtyCharacters0")
    params = {
        "Action": "AssumeRole",
        "Version": "2015-04-01",
        "RoleArn": "acs:ram::1234567890123456:role/bench-role",
        "RoleSessionName": "bench-session",
    }
    v1 = sign_rpc_v1("POST", params, "LTAI5tBenchKeyOfTheAccount", secret)
    v1_headers = list(v1.headers)
    query = {name: params[name] for name in ("RoleArn", "RoleSessionName")}
    v3 = sign_v3(
        "POST",
        "sts.example",
        "AssumeRole",
        "2015-04-01",
        query,
        "LTAI5tBenchKeyOfTheAccount",
        secret,
    )
    v3_headers = list(v3.headers)

    def verify_v1() -> None:
        request = parse_request("POST", v1.query, v1_headers, v1.body)
        verify_signature(request, secret)

    def verify_v3() -> None:
        request = parse_request("POST", v3.query, v3_headers, v3.body)
        verify_signature(request, secret)

    verify_v1()
    verify_v3()
    return {"v1": verify_v1, "v3": verify_v3}


def _credentials() -> object:
    return new_sts_access_key_id(), new_sts_access_key_secret()


def main() -> None:
    args = sys.argv[1:]
    profile = None
    if "--profile" in args:
        at = args.index("--profile")
        profile = args[at + 1]
        del args[at : at + 2]
    seconds = float(args[0]) if args else 2.0
    core = int(args[1]) if len(args) > 1 else 0
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {core})
    with tempfile.TemporaryDirectory(prefix="ramsts-sts-micro-") as data_dir:
        cases = {"credentials": _credentials, **_verify_cases()}
        cases.update(_assume_role_cases(Path(data_dir)))
        for action in cases.values():
            for _ in range(50):
                action()
        if profile is not None:
            action = cases[profile]
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(5000):
                action()
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
            return
        print(f"in-process, core {core}, {seconds:.1f} s per measure, calls per CPU second")
        for name, action in cases.items():
            median, best = _rate(action, seconds)
            print(f"  {name:<14} median {median:>10,.0f}/s   best {best:>10,.0f}/s")


if __name__ == "__main__":
    main()
