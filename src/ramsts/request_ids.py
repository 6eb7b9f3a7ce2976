"""RequestIds: what every response, success or error, names itself by (api.md §5.1)."""

from __future__ import annotations

import random
import time
from contextvars import ContextVar

current_request_id: ContextVar[str | None] = ContextVar("ramsts_request_id", default=None)
"""The RequestId of the request being served, in its asyncio task (log lines name it)."""

_VERSION_AND_VARIANT_CLEARED = ~((0xF << 76) | (0x3 << 62))
_VERSION_4_VARIANT_RFC_4122 = (0x4 << 76) | (0x2 << 62)
_VERSION_7_VARIANT_RFC_4122 = (0x7 << 76) | (0x2 << 62)


_EVENT_ID_BITS = random.Random()  # noqa: S311 (an id, no secret)
"""The audit trail's own PRNG (seeded from the OS): an eventId must be unique on the trail,
whatever seeds the process's shared generator (a test framework reseeds it for every
example)."""


def new_request_id() -> str:
    """A RequestId shaped like the real ones: an upper-case version-4 UUID.

    It names a request in logs and is no secret, so its bits come from the process's PRNG (seeded
    from the OS at start) rather than a system call per request, and are formatted directly
    rather than through :class:`uuid.UUID`, which costs three times as much.
    """
    return _uuid_text(random.getrandbits(128))


def new_event_id() -> str:
    """An ActionTrail ``eventId``: an upper-case UUID as a RequestId is, but of version 7 (RFC
    9562), its first 48 bits the time in milliseconds and the rest from the trail's own
    generator.

    Ids made in time order land at the end of the trail's unique index instead of anywhere in
    it: a batch of events then dirties a few of its pages, not one per event (on SQLite a
    quarter of the cost of writing the events, ``bench/audit_bench.py``).
    """
    milliseconds = time.time_ns() // 1_000_000
    bits = (milliseconds & 0xFFFF_FFFF_FFFF) << 80 | _EVENT_ID_BITS.getrandbits(80)
    return _uuid_text(bits, _VERSION_7_VARIANT_RFC_4122)


def _uuid_text(bits: int, version_and_variant: int = _VERSION_4_VARIANT_RFC_4122) -> str:
    bits = bits & _VERSION_AND_VARIANT_CLEARED | version_and_variant
    digits = f"{bits:032X}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
