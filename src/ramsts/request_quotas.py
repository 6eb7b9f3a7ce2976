"""Request quotas: how many calls of an action one account may make per second, minute or hour
(``docs/operations.md``, "Throttling").

Written as ``--throttle AssumeRole=100/s,GetCallerIdentity=100/s`` or ``RAMSTS_THROTTLE``: an
action, ``=``, a whole number of calls, ``/`` and a period (``s``, ``min``, ``h``). The real
STS's documented defaults are 100 calls a second per account for AssumeRole,
GetCallerIdentity and AssumeRoleWithOIDC; ramsts throttles nothing unless asked.

Only the signed STS actions can have a quota: the account a quota counts against is the
caller's, known once the request is authenticated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ramsts.errors import InvalidParameter

THROTTLED_PRODUCT = "Sts"
THROTTLED_ACTIONS = ("AssumeRole", "GetCallerIdentity")
"""The actions a quota may name (of STS)."""

PERIODS = {"s": 1, "min": 60, "h": 3600}
"""Period suffixes and their seconds."""

_QUOTA = re.compile(r"^\s*([A-Za-z]+)\s*=\s*([0-9]+)\s*/\s*([a-z]+)\s*$")


@dataclass(frozen=True, slots=True)
class RequestQuota:
    action: str
    """An STS action name, as the API spells it (``AssumeRole``)."""
    limit: int
    """Calls an account may make in one period."""
    period: int
    """Seconds of one period: 1, 60 or 3600."""

    def __str__(self) -> str:
        suffix = next(name for name, seconds in PERIODS.items() if seconds == self.period)
        return f"{self.action}={self.limit}/{suffix}"


def parse_request_quotas(text: str) -> tuple[RequestQuota, ...]:
    """``AssumeRole=100/s,GetCallerIdentity=6000/min``: quotas separated by commas (an empty
    text: none). An action given twice keeps its last quota."""
    quotas: dict[str, RequestQuota] = {}
    for entry in (part for part in text.split(",") if part.strip()):
        quota = _parse_one(entry)
        quotas[quota.action] = quota
    return tuple(quotas.values())


def _parse_one(entry: str) -> RequestQuota:
    match = _QUOTA.match(entry)
    if match is None:
        raise InvalidParameter(
            "Throttle",
            f"A request quota is written ACTION=CALLS/PERIOD (PERIOD s, min or h), e.g. "
            f"AssumeRole=100/s, not {entry.strip()!r}.",
        )
    action, calls, period = match.groups()
    if action not in THROTTLED_ACTIONS:
        raise InvalidParameter(
            "Throttle",
            f"Only {' and '.join(THROTTLED_ACTIONS)} can have a request quota, not {action!r}.",
        )
    if period not in PERIODS:
        raise InvalidParameter(
            "Throttle", f"The period of a request quota is s, min or h, not {period!r}."
        )
    limit = int(calls)
    if limit < 1:
        raise InvalidParameter(
            "Throttle", f"A request quota allows at least one call, not {entry.strip()!r}."
        )
    return RequestQuota(action, limit, PERIODS[period])
