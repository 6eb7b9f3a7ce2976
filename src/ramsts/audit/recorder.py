"""Recording every call on the audit trail, without a change ever committing unrecorded and
without the calls that change nothing waiting for the database.

Two paths, one per kind of call:

* **A change is recorded in the transaction that makes it.** The entry point puts the call on
  the context (:meth:`AuditRecorder.recording`) around the action; every read-write transaction
  the action opens ends, just before its commit, by writing the call's event
  (:meth:`ramsts.store.Store.before_commit`), once per call. If that write fails, the change
  rolls back with it; if the change rolls back, so does its event. Context variables do not
  cross into worker threads by themselves: the entry points run actions with a copy of the
  context (``contextvars.copy_context().run``).
* **Everything else is queued**: reads, refusals, and the calls that commit no change
  (AssumeRole, GetCallerIdentity, VerifyRequest, failed calls). One writer thread per process
  writes what is queued every :data:`FLUSH_INTERVAL` seconds, or as soon as
  :data:`BATCH_SIZE` events wait, in one transaction (one statement per table). On a SQLite
  file an event loop writes its own batches of :data:`LOOP_BATCH` at the end of a turn instead,
  when no other writer holds the write gate (else it leaves them to the thread). While the
  database is down the writer keeps them and retries. The queue is bounded: when it is full the
  entry points refuse new calls with ``ServiceUnavailable`` (503) rather than serve calls they
  could not record, as Vault refuses a request it cannot audit.

What is queued is the call's facts, as the entry point holds them; the event is built (and
redacted) when its batch is written (:func:`~ramsts.audit.events.build_event`), before the
transaction begins, and stored as its facts (:class:`~ramsts.store.EventFacts`), its document
rendered only when read.

A change's event is written before its response exists, so its ``responseElements`` come in
the queue afterwards (the writer replaces the stored document, and writes the event whole if
the transaction that held it did not commit after all). A call that commits in two
transactions is recorded with the first.

:meth:`AuditRecorder.close` (server shutdown) stops taking calls and writes everything queued,
retrying an unavailable database for up to ``timeout`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from ramsts.audit.events import SUCCEEDED, Call, Outcome, build_event, trail_account
from ramsts.errors import ServiceUnavailable
from ramsts.store import DatabaseUnavailable, EventFacts, Store, Transaction, event_rows

logger = logging.getLogger("ramsts.audit")

CAPACITY = 20_000
"""Events a process may hold unwritten before it refuses calls: at 10,000 calls a second, two
seconds of a database that does not answer."""

BATCH_SIZE = 1000
"""Events per transaction at most (two multi-row statements)."""
FLUSH_INTERVAL = 0.25
"""Seconds between two writes. Each write holds SQLite's one write lock, which every request's
nonce also needs: the fewer writes, the less the trail slows AssumeRole on SQLite
(``bench/audit_bench.py``; docs/operations.md gives the figures)."""
RETRY_INTERVAL = 0.5
LOOP_BATCH = 100
"""Events queued from an event loop that it writes itself, on a SQLite file, if no other writer
holds the write gate (a few milliseconds of the loop's time): the writer thread's work would
contend with the loop for the GIL, and each of its statements wait up to the 5 ms switch
interval to get it back, holding the gate meanwhile while every request's nonce waits."""


@dataclass(frozen=True, slots=True)
class _Entry:
    call: Call
    outcome: Outcome


class AuditRecorder:
    """The audit trail of one process. Thread-safe; call :meth:`close` at shutdown."""

    def __init__(
        self,
        store: Store,
        *,
        capacity: int = CAPACITY,
        batch_size: int = BATCH_SIZE,
        flush_interval: float = FLUSH_INTERVAL,
        retry_interval: float = RETRY_INTERVAL,
        loop_batch: int = LOOP_BATCH,
    ) -> None:
        self._store = store
        self._capacity = capacity
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._retry_interval = retry_interval
        self._loop_batch = loop_batch
        self._queue: deque[_Entry] = deque()
        self._condition = threading.Condition()
        self._closing = False
        self._close_deadline = 0.0
        self._writing = 0
        """Events taken from the queue and not yet written (or given up on), by the writer
        thread or an event loop: one batch at a time."""
        self._loop_write_due = False
        self._flushing = 0
        """Callers of :meth:`flush` waiting: the writer does not wait out its interval."""
        self._current_call: ContextVar[Call | None] = ContextVar("ramsts_audit_call", default=None)
        store.before_commit(self._write_with_change)
        self._thread = threading.Thread(target=self._run, name="ramsts-audit", daemon=True)
        self._thread.start()

    @contextmanager
    def recording(self, call: Call) -> Iterator[Call]:
        """Within the block (and the threads given a copy of its context), every read-write
        transaction commits ``call``'s event with it."""
        token = self._current_call.set(call)
        try:
            yield call
        finally:
            self._current_call.reset(token)

    def check_room(self) -> None:
        """Raise ``ServiceUnavailable`` when the queue is full: a call served now could not be
        recorded."""
        if len(self._queue) >= self._capacity:
            raise _backlog()

    def finish(self, call: Call, outcome: Outcome = SUCCEEDED) -> None:
        """Queue the event of ``call`` as it ended (or, written already with its change, its
        final form). A call whose event cannot be queued raises ``ServiceUnavailable``; the
        final form of one already written is then left out (the event stays as written)."""
        # Only the facts are queued: the event is built when its batch is written, outside the
        # transaction (:meth:`_write`). Building it here cost each call as much again as the
        # call itself.
        with self._condition:
            if self._closing or len(self._queue) >= self._capacity:
                if call.written:
                    logger.warning("audit queue full: event %s keeps no response", call.event_id)
                    return
                raise _backlog()
            self._queue.append(_Entry(call, outcome))
            if len(self._queue) >= self._batch_size:
                self._condition.notify()
            if len(self._queue) < self._loop_batch or self._writing or self._loop_write_due:
                return
            loop = _running_loop()
            if loop is not None:
                # At the end of the loop's turn: the call's own response is not kept waiting.
                self._loop_write_due = True
                loop.call_soon(self._write_from_loop)

    def _write_from_loop(self) -> None:
        """Write a batch on the event loop, if that need not wait; else leave it queued for
        the writer thread."""
        with self._condition:
            self._loop_write_due = False
            if self._writing or not self._queue:
                return
            batch = self._take_batch()
        written = False
        try:
            written = self._write(batch, on_loop=True)
        except Exception:  # the writer thread tries again, and logs what fails for good
            logger.debug("audit trail: a batch written on the loop failed", exc_info=True)
        finally:
            with self._condition:
                self._writing = 0
                if not written:
                    self._queue.extendleft(reversed(batch))
                self._condition.notify_all()

    def queue_depth(self) -> int:
        """Events waiting for the writer now (the ``ramsts_audit_queue_depth`` gauge)."""
        return len(self._queue)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every event queued so far is written; ``False`` if ``timeout`` passed
        first (the database is down). For tests and tools: calls never wait for the writer."""
        deadline = time.monotonic() + timeout
        with self._condition:
            self._flushing += 1
            self._condition.notify_all()
            try:
                while self._queue or self._writing:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    self._condition.wait(min(remaining, self._flush_interval))
            finally:
                self._flushing -= 1
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Write everything queued (retrying an unavailable database until ``timeout``), then
        stop the writer. Calls finished afterwards are refused."""
        with self._condition:
            if self._closing:
                return
            self._closing = True
            self._close_deadline = time.monotonic() + timeout
            self._condition.notify()
        self._thread.join(timeout + 1.0)

    def _write_with_change(self, tx: Transaction) -> None:
        call = self._current_call.get()
        if call is None or call.written:
            return
        account_id = trail_account(call)
        if account_id is None:
            return  # unknowable inside the transaction; the queue writes it when the call ends
        tx.audit_events.add([build_event(call, SUCCEEDED, account_id)])
        call.written = True

    def _run(self) -> None:
        while True:
            with self._condition:
                self._condition.wait_for(
                    lambda: (
                        self._closing or self._flushing > 0 or len(self._queue) >= self._batch_size
                    ),
                    timeout=self._flush_interval,
                )
                if not self._queue or self._writing:
                    if self._closing and not self._queue and not self._writing:
                        return
                    if self._writing:  # a loop writes a batch: wait for it
                        self._condition.wait(self._flush_interval)
                    continue
                batch = self._take_batch()
            try:
                self._write(batch)
            except DatabaseUnavailable as exc:
                with self._condition:
                    self._writing = 0
                    self._queue.extendleft(reversed(batch))
                    if self._closing and time.monotonic() >= self._close_deadline:
                        logger.error(
                            "audit trail: %d events not written at shutdown: %s",
                            len(self._queue),
                            exc.reason or exc.message,
                        )
                        return
                    self._condition.notify_all()
                    # Meanwhile a loop may take the batch up: its count is no longer ours.
                    self._condition.wait(self._retry_interval)
                continue
            except Exception:
                # A batch the database refuses for any reason but an outage would be refused
                # again: retrying it would stop the trail (and every call) for good.
                logger.exception("audit trail: a batch of %d events was not written", len(batch))
            with self._condition:
                self._writing = 0
                self._condition.notify_all()

    def _take_batch(self) -> list[_Entry]:
        """The oldest queued entries, a batch at most, now being written (hold the condition)."""
        batch = [self._queue.popleft() for _ in range(min(self._batch_size, len(self._queue)))]
        self._writing = len(batch)
        return batch

    def _write(self, batch: list[_Entry], *, on_loop: bool = False) -> bool:
        """Write ``batch`` in one transaction; ``False``, nothing written, if ``on_loop`` and
        that would wait (:meth:`ramsts.store.Store.loop_transaction`). Everything but the
        inserts is done before it begins (the events built, their rows made and bound for the
        driver): on SQLite the transaction holds the one write lock that every request's nonce
        waits for."""
        unresolved = [entry for entry in batch if trail_account(entry.call) is None]
        key_accounts = self._key_accounts(unresolved)
        events: list[EventFacts] = []
        final: list[EventFacts] = []
        for entry in batch:
            call = entry.call
            account_id = trail_account(call) or key_accounts.get(call.access_key_id)
            if account_id is None:
                # No account can be known (an AccessKeyId nobody holds, a temporary key whose
                # token did not open, an unsigned call naming no role): there is no trail to
                # put it on.
                continue
            event = build_event(call, entry.outcome, account_id)
            (final if call.written else events).append(event)
        rows = event_rows(events, self._store.sql_dialect)
        with self._store.loop_transaction() if on_loop else self._store.transaction() as tx:
            if tx is None:
                return False
            tx.audit_events.append(rows)
            if final:
                # A change's transaction that failed to commit after all took its event along.
                stored = tx.audit_events.existing([event.event_id for event in final])
                tx.audit_events.replace_documents([e for e in final if e.event_id in stored])
                tx.audit_events.add([e for e in final if e.event_id not in stored])
        return True

    def _key_accounts(self, unresolved: list[_Entry]) -> dict[str | None, str]:
        """The accounts of the long-term AccessKeys that refused calls without a caller named."""
        keys = {entry.call.access_key_id for entry in unresolved if entry.call.access_key_id}
        if not keys:
            return {}
        found: dict[str | None, str] = {}
        with self._store.read() as tx:
            for key in keys:
                owner = tx.access_keys.resolve(key)
                if owner is not None:
                    found[key] = owner.account.account_id
        return found


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _backlog() -> ServiceUnavailable:
    return ServiceUnavailable(reason="the audit trail's queue is full")
