"""SecurityToken throughput on one core: opens/s (authenticate, decrypt, decode) and mints/s.

Opens are of tokens the ring has not opened before (a ring remembers the last
``OPENED_TOKENS_KEPT`` it opened, so a session's token is decrypted once); "repeat" opens are of
one token, as every request of one session presents it. Prints each rate and its ratio to the
50,000 opens/s target. Run with
``.venv/bin/python bench/token_bench.py [seconds-per-measure] [core]`` (core 0 by default; pick an
idle one on a shared machine).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import cycle

from ramsts.crypto import new_sts_access_key_id, new_sts_access_key_secret
from ramsts.tokens import KeyRing, SessionClaims, TokenKey
from ramsts.tokens.keyring import OPENED_TOKENS_KEPT

TARGET_OPENS_PER_SECOND = 50_000
SESSION_POLICY = (
    '{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject","oss:ListObjects"],'
    '"Resource":["acs:oss:*:*:bucket-a/*","acs:oss:*:*:bucket-b/reports/*"],'
    '"Condition":{"IpAddress":{"acs:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}}]}'
)

# Seven statements like the one above: long enough that the token carries it deflated.
LARGE_SESSION_POLICY = SESSION_POLICY[:-2] + "," + ",".join([SESSION_POLICY[27:-2]] * 6) + "]}"


def _claims(now: datetime, session_policy: str | None) -> SessionClaims:
    return SessionClaims(
        account_id="1234567890123456",
        role_id="300800123456789012",
        role_name="oss-reader",
        session_name="alice",
        access_key_id=new_sts_access_key_id(),
        access_key_secret=new_sts_access_key_secret(),
        issued_at=now,
        expires_at=now + timedelta(hours=1),
        principal_arn="acs:ram::1234567890123456:user/alice",
        session_policy=session_policy,
        source_identity="alice@example.com",
    )


def _rate(action: Callable[[], object], seconds: float) -> tuple[float, float]:
    """Calls per second of ``action``: (median, best) over batches run for ``seconds``.

    Other load on a shared machine only ever slows a batch down, so the best batch is the
    closest to the code's own speed (timeit's reasoning); the median shows the typical one.
    """
    batch, rates = 2000, []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        for _ in range(batch):
            action()
        rates.append(batch / (time.perf_counter() - started))
    return statistics.median(rates), max(rates)


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    core = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {core})
    now = datetime.now(UTC).replace(microsecond=0)
    key = TokenKey.generate(now)
    ring = KeyRing([key], current=key.key_id)
    print(f"SecurityToken benchmark, core {core}, {seconds:.1f} s per measure")
    warm_token = ring.mint(_claims(now, None))
    _rate(lambda: ring.open(warm_token, now=now), seconds / 2)  # let the core's clock settle
    cases = (
        ("no session policy", None),
        (f"{len(SESSION_POLICY)} B policy", SESSION_POLICY),
        (f"{len(LARGE_SESSION_POLICY)} B policy", LARGE_SESSION_POLICY),
    )
    for label, policy in cases:
        claims = _claims(now, policy)
        token = ring.mint(claims)
        # Twice as many as the ring remembers, taken in turn: each open is a first one.
        tokens = cycle(
            [
                ring.mint(replace(claims, session_name=f"s{n}"))
                for n in range(2 * OPENED_TOKENS_KEPT)
            ]
        )
        opens, best_opens = _rate(lambda tokens=tokens: ring.open(next(tokens), now=now), seconds)
        repeats, _ = _rate(lambda token=token: ring.open(token, now=now), seconds)
        mints, best_mints = _rate(lambda claims=claims: ring.mint(claims), seconds)
        print(
            f"{label:>20}: token {len(token)} chars | open median {opens:>8,.0f}/s "
            f"({opens / TARGET_OPENS_PER_SECOND:.2f}x target), best {best_opens:>8,.0f}/s "
            f"({best_opens / TARGET_OPENS_PER_SECOND:.2f}x) | repeat open median {repeats:>10,.0f}/s"
            f" | mint median {mints:>8,.0f}/s, best {best_mints:>8,.0f}/s"
        )


if __name__ == "__main__":
    main()
