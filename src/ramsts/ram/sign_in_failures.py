"""Failed console sign-ins, counted per name in the store: every server process (``ramsts serve
--workers N``) and every restart sees the same count, so the lockout allows ``MaxLoginAttemps``
guesses per name, not that many per process.

An attempt is counted as failed *before* it is checked (:meth:`FailedSignIns.begin`) and taken
back if it turns out right. Attempts running at once, in any processes, therefore see each
other: of two, the one that counts last sees the other's row, so no more than the limit are
ever checked however many arrive together. The price is on the safe side: an attempt still
being checked counts against one that starts meanwhile.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from ramsts.store import Store

LOCKOUT_WINDOW = timedelta(hours=1)
PURGE_ONE_IN = 64
"""One recorded attempt in this many (per process) also deletes the failures older than the
window, so the table holds about one window's attempts."""

AttemptKey = tuple[str, str | None]
"""(account id, or the account as typed when unknown; lower-cased user name, ``None``: root)."""


@dataclass(frozen=True, slots=True)
class Attempt:
    """A sign-in attempt being checked, counted as failed until :meth:`FailedSignIns.forget`."""

    key: AttemptKey
    failure_id: str


def stored_key(key: AttemptKey) -> str:
    """What the store counts ``key``'s failures under: a digest, so that whatever was typed
    fits the column, and a password typed into the name field by mistake is not kept as
    typed."""
    return hashlib.sha256(json.dumps(list(key)).encode()).hexdigest()


class FailedSignIns:
    """Recent failed sign-ins per name, in the store. Thread-safe; any number of instances
    over one database agree."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._records = itertools.count(1)  # next() is atomic under the GIL

    def begin(
        self, key: AttemptKey, *, limit: int, since: datetime, now: datetime
    ) -> Attempt | None:
        """Count an attempt for ``key`` as failed; ``None`` (and the attempt not counted) when
        ``limit`` failures at or after ``since`` were counted already: the name is locked.
        ``limit`` 0 never locks."""
        failure_id = self._record(key, now)
        attempt = Attempt(key, failure_id)
        if limit and self.count(key, since) > limit:
            self.forget(attempt)
            return None
        return attempt

    def count(self, key: AttemptKey, since: datetime) -> int:
        """Failures at or after ``since`` (a failure in the same instant as a reset counts: the
        safe side)."""
        with self._store.read() as tx:
            return tx.sign_ins.count_failures(stored_key(key), since=since)

    def forget(self, attempt: Attempt) -> None:
        """The attempt did not fail after all: it no longer counts (earlier failures do)."""
        with self._store.transaction() as tx:
            tx.sign_ins.forget_failure(attempt.failure_id)

    def clear(self, key: AttemptKey) -> None:
        """Forget every failure of ``key``: a sign-in succeeded."""
        with self._store.transaction() as tx:
            tx.sign_ins.clear_failures(stored_key(key))

    def _record(self, key: AttemptKey, now: datetime) -> str:
        """Insert the failure in a transaction of its own, committed before anyone counts."""
        purge = next(self._records) % PURGE_ONE_IN == 0
        with self._store.transaction() as tx:
            failure_id = tx.sign_ins.record_failure(stored_key(key), now=now)
            if purge:
                tx.sign_ins.purge_failures(before=now - LOCKOUT_WINDOW)
        return failure_id
