"""Failed console sign-ins, counted in the store per name *and* per name and source, so that
every server process (``ramsts serve --workers N``) and every restart sees the same counts.

The lockout has two bounds, both over the last :data:`LOCKOUT_WINDOW`:

* **Per source**: ``MaxLoginAttemps`` failures of a name from one source network (an IPv4
  address, an IPv6 /64) lock that name *from that source*. Someone guessing elsewhere does not
  lock the owner out: knowing an account id (or a user name) is not enough to shut its owner
  out of the console.
* **Overall**: :data:`OVERALL_FACTOR` times as many failures of a name from anywhere lock it
  for every source it has not signed in from within :data:`TRUSTED_FOR` — a brute force spread
  over many addresses still gets a bounded number of guesses per window, while the owner, from
  where it signed in before, keeps its own per-source allowance.

A refused attempt is not counted, so every lock ends at most one window after the failures that
caused it, however long the guessing goes on. A name whose password an administrator sets again
starts afresh (the caller passes the reset time as ``since``). A success forgets its source's
failures (not the others': an attacker's do not go away because the owner signed in) and makes
the source trusted.

An attempt is counted as failed *before* it is checked (:meth:`FailedSignIns.begin`) and taken
back if it turns out right. Attempts running at once, in any processes, therefore see each
other: of two, the one that counts last sees the other's row, so no more than the limit are
ever checked however many arrive together. The price is on the safe side: an attempt still
being checked counts against one that starts meanwhile.
"""

from __future__ import annotations

import hashlib
import ipaddress
import itertools
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from ramsts.store import Store

LOCKOUT_WINDOW = timedelta(hours=1)
OVERALL_FACTOR = 10
"""The overall bound, as a multiple of ``MaxLoginAttemps`` (50 failures an hour by default)."""
TRUSTED_FOR = timedelta(days=30)
"""How long a source a name signed in from stays exempt from the overall bound."""
IPV6_SOURCE_PREFIX = 64
"""IPv6 sources are counted per /64: one host usually holds a whole /64."""
PURGE_ONE_IN = 64
"""One recorded attempt in this many (per process) also deletes the failures older than the
window and the successes older than :data:`TRUSTED_FOR`, so the tables stay small."""

AttemptKey = tuple[str, str | None]
"""(account id, or the account as typed when unknown; lower-cased user name, ``None``: root)."""


@dataclass(frozen=True, slots=True)
class Attempt:
    """A sign-in attempt being checked, counted as failed until :meth:`FailedSignIns.forget`."""

    key: AttemptKey
    source: str
    """The source network it came from (:func:`source_network`)."""
    failure_ids: tuple[str, ...]


def stored_key(key: AttemptKey, source: str | None = None) -> str:
    """What the store counts ``key``'s failures under (from ``source``, or from anywhere): a
    digest, so that whatever was typed fits the column, and a password typed into the name field
    by mistake is not kept as typed."""
    parts: list[str | None] = [*key] if source is None else [*key, source]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def source_network(source_ip: str) -> str:
    """The network a sign-in is counted under: the IPv4 address, the IPv6 /64, or the text as
    given when it is no address."""
    try:
        address = ipaddress.ip_address(source_ip)
    except ValueError:
        return source_ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network((address, IPV6_SOURCE_PREFIX), strict=False))
    return str(address)


class FailedSignIns:
    """Recent failed sign-ins per name and source, in the store. Thread-safe; any number of
    instances over one database agree."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._records = itertools.count(1)  # next() is atomic under the GIL

    def begin(
        self, key: AttemptKey, *, source_ip: str, limit: int, since: datetime, now: datetime
    ) -> Attempt | None:
        """Count an attempt for ``key`` from ``source_ip`` as failed; ``None`` (and the attempt
        not counted) when the name is locked from there: ``limit`` failures from that source, or
        ``limit`` × :data:`OVERALL_FACTOR` from anywhere and the source not trusted, at or after
        ``since``. ``limit`` 0 never locks."""
        source = source_network(source_ip)
        attempt = Attempt(key, source, self._record(key, source, now))
        if limit and self._locked(attempt, limit=limit, since=since, now=now):
            self.forget(attempt)
            return None
        return attempt

    def count(self, key: AttemptKey, since: datetime, source: str | None = None) -> int:
        """Failures of ``key`` (from ``source``, or from anywhere) at or after ``since`` (a
        failure in the same instant as a reset counts: the safe side)."""
        with self._store.read() as tx:
            return tx.sign_ins.count_failures(stored_key(key, source), since=since)

    def forget(self, attempt: Attempt) -> None:
        """The attempt did not fail after all: it no longer counts (earlier failures do)."""
        with self._store.transaction() as tx:
            for failure_id in attempt.failure_ids:
                tx.sign_ins.forget_failure(failure_id)

    def succeeded(self, attempt: Attempt, now: datetime) -> None:
        """The attempt signed in: forget its source's failures and trust the source."""
        source_key = stored_key(attempt.key, attempt.source)
        with self._store.transaction() as tx:
            for failure_id in attempt.failure_ids:
                tx.sign_ins.forget_failure(failure_id)
            tx.sign_ins.clear_failures(source_key)
            tx.sign_ins.record_success(source_key, now=now)

    def _locked(self, attempt: Attempt, *, limit: int, since: datetime, now: datetime) -> bool:
        source_key = stored_key(attempt.key, attempt.source)
        with self._store.read() as tx:
            if tx.sign_ins.count_failures(source_key, since=since) > limit:
                return True
            overall = tx.sign_ins.count_failures(stored_key(attempt.key), since=since)
            if overall <= limit * OVERALL_FACTOR:
                return False
            return not tx.sign_ins.signed_in_since(source_key, since=now - TRUSTED_FOR)

    def _record(self, key: AttemptKey, source: str, now: datetime) -> tuple[str, ...]:
        """Insert the failure, under the name and under the name and source, in a transaction
        of its own, committed before anyone counts."""
        purge = next(self._records) % PURGE_ONE_IN == 0
        with self._store.transaction() as tx:
            failure_ids = (
                tx.sign_ins.record_failure(stored_key(key), now=now),
                tx.sign_ins.record_failure(stored_key(key, source), now=now),
            )
            if purge:
                tx.sign_ins.purge_failures(before=now - LOCKOUT_WINDOW)
                tx.sign_ins.purge_successes(before=now - TRUSTED_FOR)
        return failure_ids
