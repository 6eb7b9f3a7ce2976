"""What console sign-in keeps between requests, in the database so that every server process
sees the same: failed attempts per name and per source (the lockout), the sources each name
signed in from, whether a sign-in ticket was spent, and the last time step an MFA device's code
was accepted for.

* Failures are rows, one per attempt, inserted and never updated: attempts recorded at once by
  several processes all count, with no read-modify-write that could lose one. The caller names
  the attempt (``attempt_key``, at most 64 characters) and deletes rows older than its window
  now and then (:meth:`SignInRepository.purge_failures`).
* Successes are rows too, one per name and source network (``source_key``): the sources the
  lockout still lets in while a name is locked for everyone else.
* Tickets are spent through the nonce ledger (``Store.use_nonce``, under a key prefix of the
  caller's), where the primary key decides; here they are only looked up.
* A device's step moves forward in one conditional ``UPDATE``: of two processes accepting the
  same step, one changes the row and the other finds it changed.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa

from ramsts.store.repositories.base import Repository
from ramsts.store.schema import (
    sign_in_failures,
    sign_in_sources,
    signature_nonces,
    virtual_mfa_devices,
)


class SignInRepository(Repository):
    def record_failure(self, attempt_key: str, *, now: datetime) -> str:
        """Count a failure of ``attempt_key`` at ``now``; returns its id (for
        :meth:`forget_failure`)."""
        failure_id = secrets.token_hex(16)
        self._connection.execute(
            sign_in_failures.insert().values(
                failure_id=failure_id, attempt_key=attempt_key, failed_at=now
            )
        )
        return failure_id

    def count_failures(self, attempt_key: str, *, since: datetime) -> int:
        """Failures of ``attempt_key`` at or after ``since``."""
        statement = sa.select(sa.func.count()).where(
            (sign_in_failures.c.attempt_key == attempt_key)
            & (sign_in_failures.c.failed_at >= since)
        )
        return int(self._connection.execute(statement).scalar_one())

    def forget_failure(self, failure_id: str) -> bool:
        """Take back one failure (an attempt counted before it was decided, that did not fail)."""
        result = self._connection.execute(
            sign_in_failures.delete().where(sign_in_failures.c.failure_id == failure_id)
        )
        return result.rowcount == 1

    def clear_failures(self, attempt_key: str) -> int:
        """Forget every failure of ``attempt_key`` (a sign-in succeeded)."""
        result = self._connection.execute(
            sign_in_failures.delete().where(sign_in_failures.c.attempt_key == attempt_key)
        )
        return int(result.rowcount)

    def purge_failures(self, *, before: datetime) -> int:
        """Delete the failures older than ``before``, of every name."""
        result = self._connection.execute(
            sign_in_failures.delete().where(sign_in_failures.c.failed_at < before)
        )
        return int(result.rowcount)

    def record_success(self, source_key: str, *, now: datetime) -> None:
        """Remember that ``source_key`` (a name and source network) signed in at ``now``; its
        earlier successes are dropped, so a source keeps about one row."""
        self._connection.execute(
            sign_in_sources.delete().where(sign_in_sources.c.source_key == source_key)
        )
        self._connection.execute(
            sign_in_sources.insert().values(
                success_id=secrets.token_hex(16), source_key=source_key, signed_in_at=now
            )
        )

    def signed_in_since(self, source_key: str, *, since: datetime) -> bool:
        """Whether ``source_key`` signed in at or after ``since``."""
        statement = sa.select(sa.literal(1)).where(
            (sign_in_sources.c.source_key == source_key) & (sign_in_sources.c.signed_in_at >= since)
        )
        return self._connection.execute(statement).first() is not None

    def purge_successes(self, *, before: datetime) -> int:
        """Delete the successes older than ``before``, of every source."""
        result = self._connection.execute(
            sign_in_sources.delete().where(sign_in_sources.c.signed_in_at < before)
        )
        return int(result.rowcount)

    def is_spent(self, nonce_key: str) -> bool:
        """Whether ``nonce_key`` was spent through the nonce ledger (and not yet purged)."""
        statement = sa.select(sa.literal(1)).where(signature_nonces.c.nonce_key == nonce_key)
        return self._connection.execute(statement).first() is not None

    def use_mfa_step(self, serial_number: str, step: int) -> bool:
        """Record that a code of the device's time ``step`` was accepted; ``False`` (nothing
        changed) if a code of this step or a later one was accepted before, or the device is
        gone."""
        last = virtual_mfa_devices.c.last_used_step
        result = self._connection.execute(
            virtual_mfa_devices.update()
            .where(
                (virtual_mfa_devices.c.serial_number == serial_number)
                & (last.is_(None) | (last < step))
            )
            .values(last_used_step=step)
        )
        return result.rowcount == 1
