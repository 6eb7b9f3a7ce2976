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
  (AssumeRole, GetCallerIdentity, VerifyRequest, failed calls), and written in batches, one
  transaction each (one statement per table). The event loop that queued them prepares its
  own (builds the events and binds their rows) at the end of the turn in which
  :data:`LOOP_BATCH` of them wait, or :data:`FLUSH_INTERVAL` seconds after the first: on a
  SQLite file it writes them too, trying again shortly while another writer holds the write
  gate, as the nonce ledger does; on PostgreSQL it hands the prepared batch to the process's
  writer thread, which is then left only the inserts, run by the driver without Python's
  lock. The writer thread writes what was queued off any loop every :data:`FLUSH_INTERVAL`
  seconds (or as soon as :data:`BATCH_SIZE` events wait), and what a loop has left for
  :data:`LOOP_GRACE` seconds (a loop stopped, or a gate held that long). While the database is
  down the writer keeps them and retries. The queue is bounded: when it is full the entry
  points refuse new calls with ``ServiceUnavailable`` (503) rather than serve calls they could
  not record, as Vault refuses a request it cannot audit.

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
from contextlib import AbstractContextManager
from contextvars import ContextVar
from dataclasses import dataclass, field

from ramsts.audit.events import SUCCEEDED, Call, Outcome, build_event, trail_account
from ramsts.errors import ServiceUnavailable
from ramsts.store import (
    DatabaseUnavailable,
    EventFacts,
    EventRows,
    Store,
    Transaction,
    event_rows,
)

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
"""Events queued from an event loop that it prepares at once (a millisecond or two of the
loop's time), and on a SQLite file writes too. Building events in the writer thread would
contend with the loop for the GIL: the loop, which gives it up at every socket call, waits up
to the 5 ms switch interval each time to get it back (on PostgreSQL that cost AssumeRole two
thirds of its rate). Writing them there is worse on SQLite: the thread holds the write gate
through every wait for the GIL, tens of milliseconds in which every request's nonce, in every
process, waits too (``bench/audit_bench.py`` measured a tenth of AssumeRole's rate)."""
LOOP_RETRY_DELAY = 0.0005
"""Seconds before a loop tries its batch again while another writer holds SQLite's write
gate (for a millisecond or two at a time)."""
LOOP_RETRY_LIMIT = 0.05
"""Seconds of such retries before the loop leaves the batch to the writer thread."""
LOOP_GRACE = 1.0
"""Seconds a loop's events wait before the writer thread writes them instead: a loop that has
not by then (stopped, or blocked) is not going to soon."""


@dataclass(frozen=True, slots=True)
class _Entry:
    call: Call
    outcome: Outcome
    queued_at: float
    """``time.monotonic()`` when it was queued."""
    by_loop: bool
    """Queued by an event loop, which writes it (the writer thread only after
    :data:`LOOP_GRACE`)."""


@dataclass(frozen=True, slots=True, eq=False)
class _Prepared:
    """A batch ready for its transaction: the events built, their rows bound for the driver."""

    rows: EventRows
    final: list[EventFacts]
    """The final forms of events already written with their change."""
    size: int
    """The entries it was made of (what :meth:`AuditRecorder.flush` waits for)."""
    since: float = field(default_factory=time.monotonic)
    """When it was prepared: how long a loop has tried to write it."""


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
        self._prepared: deque[_Prepared] = deque()
        """Batches an event loop prepared, for the writer thread to insert."""
        self._retrying: list[_Prepared] = []
        """Batches a loop tries again to write while another writer holds the write gate
        (the writer thread takes them over at :meth:`flush` and :meth:`close`, or after
        :data:`LOOP_GRACE`)."""
        self._condition = threading.Condition()
        self._closing = False
        self._close_deadline = 0.0
        self._in_flight = 0
        """Events taken from the queue and not yet written (or given up on): being prepared
        or written, or prepared and waiting in :attr:`_prepared` or :attr:`_retrying`."""
        self._batch_loop: asyncio.AbstractEventLoop | None = None
        """The loop whose turn will take a batch of :data:`LOOP_BATCH`: no other is scheduled
        meanwhile."""
        self._timer_loop: asyncio.AbstractEventLoop | None = None
        """The loop that will write what is queued :data:`FLUSH_INTERVAL` seconds after the
        first of it."""
        self._flushing = 0
        """Callers of :meth:`flush` waiting: the writer does not wait out its interval."""
        self._current_call: ContextVar[Call | None] = ContextVar("ramsts_audit_call", default=None)
        store.before_commit(self._write_with_change)
        self._thread = threading.Thread(target=self._run, name="ramsts-audit", daemon=True)
        self._thread.start()

    def recording(self, call: Call) -> AbstractContextManager[Call]:
        """Within the block (and the threads given a copy of its context), every read-write
        transaction commits ``call``'s event with it."""
        return _Recording(self._current_call, call)

    def check_room(self) -> None:
        """Raise ``ServiceUnavailable`` when the queue is full: a call served now could not be
        recorded."""
        if self._unwritten() >= self._capacity:
            raise _backlog()

    def finish(self, call: Call, outcome: Outcome = SUCCEEDED) -> None:
        """Queue the event of ``call`` as it ended (or, written already with its change, its
        final form). A call whose event cannot be queued raises ``ServiceUnavailable``; the
        final form of one already written is then left out (the event stays as written)."""
        # Only the facts are queued: the event is built when its batch is written, outside the
        # transaction (:meth:`_write`). Building it here cost each call as much again as the
        # call itself.
        loop = _running_loop()
        with self._condition:
            if self._closing or self._unwritten() >= self._capacity:
                if call.written:
                    logger.warning("audit queue full: event %s keeps no response", call.event_id)
                    return
                raise _backlog()
            self._queue.append(_Entry(call, outcome, time.monotonic(), loop is not None))
            if len(self._queue) >= self._batch_size:
                self._condition.notify()
            if loop is None:
                return
            # At the end of the loop's turn at the soonest: the call's own response is not
            # kept waiting.
            if len(self._queue) >= self._loop_batch:
                if not _pending(self._batch_loop):
                    self._batch_loop = loop
                    loop.call_soon(self._write_from_loop, False)
            elif not _pending(self._timer_loop):
                self._timer_loop = loop
                loop.call_later(self._flush_interval, self._write_from_loop, True)

    def _write_from_loop(self, timer: bool) -> None:
        """Prepare a batch on the event loop and write it there (:meth:`_insert_from_loop`).
        ``timer``: the call of :data:`FLUSH_INTERVAL` after the first event queued, else of a
        full :data:`LOOP_BATCH`."""
        with self._condition:
            if timer:
                self._timer_loop = None
            else:
                self._batch_loop = None
            if not self._queue:
                return
            batch: list[_Entry] = []
            unknown: list[_Entry] = []
            for entry in self._take_batch():
                (batch if trail_account(entry.call) is not None else unknown).append(entry)
            # Whose trail only the store can tell (a refused call naming a long-term
            # AccessKeyId): the writer thread asks it, off the loop.
            if unknown:
                self._give_back(_left_to_thread(unknown))
        try:
            prepared = self._prepare(batch, {})
        except Exception:  # the writer thread starts it over, and logs what fails for good
            logger.debug("audit trail: a batch could not be prepared on the loop", exc_info=True)
            with self._condition:
                self._give_back(_left_to_thread(batch))
                self._condition.notify_all()
            return
        self._insert_from_loop(prepared)

    def _insert_from_loop(self, prepared: _Prepared) -> None:
        """Write ``prepared`` on the loop if no other writer holds the write gate, else try
        again shortly; leave it to the writer thread once that has gone on for
        :data:`LOOP_RETRY_LIMIT`, if the write fails, or where a loop never writes (PostgreSQL,
        SQLite in memory)."""
        written = busy = False
        if self._store.writes_on_loop:
            try:
                written = self._insert(prepared, on_loop=True)
                busy = not written
            except Exception:  # the writer thread tries again
                logger.debug("audit trail: a batch written on the loop failed", exc_info=True)
        with self._condition:
            if written:
                self._in_flight -= prepared.size
            elif (
                busy and not self._closing and time.monotonic() - prepared.since < LOOP_RETRY_LIMIT
            ):
                self._retrying.append(prepared)
                loop = asyncio.get_running_loop()
                loop.call_later(LOOP_RETRY_DELAY, self._retry_from_loop, prepared)
            else:
                self._prepared.append(prepared)
            self._condition.notify_all()

    def _retry_from_loop(self, prepared: _Prepared) -> None:
        with self._condition:
            try:
                self._retrying.remove(prepared)
            except ValueError:
                return  # the writer thread took it over
        self._insert_from_loop(prepared)

    def _give_back(self, entries: list[_Entry]) -> None:
        """Return ``entries``, taken from the queue, to its head (hold the condition)."""
        self._in_flight -= len(entries)
        self._queue.extendleft(reversed(entries))

    def queue_depth(self) -> int:
        """Events not yet written now (the ``ramsts_audit_queue_depth`` gauge)."""
        return self._unwritten()

    def _unwritten(self) -> int:
        """Events queued or in flight: what the queue's capacity bounds."""
        return len(self._queue) + self._in_flight

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every event queued so far is written; ``False`` if ``timeout`` passed
        first (the database is down). For tests and tools: calls never wait for the writer."""
        deadline = time.monotonic() + timeout
        with self._condition:
            self._flushing += 1
            self._condition.notify_all()
            try:
                while self._queue or self._in_flight:
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
                        self._closing
                        or self._flushing > 0
                        or bool(self._prepared)
                        or len(self._queue) >= self._batch_size
                    ),
                    timeout=self._flush_interval,
                )
                batch: list[_Entry] | None = None
                prepared = self._batch_left_to_thread()
                if prepared is None:
                    if not self._queue_due():
                        if self._closing and not self._in_flight:
                            return
                        if self._in_flight:  # a loop prepares or writes a batch: wait for it
                            self._condition.wait(self._flush_interval)
                        continue
                    batch = self._take_batch()
            try:
                if prepared is None and batch is not None:
                    unresolved = [entry for entry in batch if trail_account(entry.call) is None]
                    prepared = self._prepare(batch, self._key_accounts(unresolved))
                if prepared is not None:
                    self._insert(prepared)
            except DatabaseUnavailable as exc:
                with self._condition:
                    if prepared is not None:
                        self._prepared.appendleft(prepared)
                    elif batch is not None:
                        self._give_back(batch)
                    if self._closing and time.monotonic() >= self._close_deadline:
                        logger.error(
                            "audit trail: %d events not written at shutdown: %s",
                            len(self._queue) + self._in_flight,
                            exc.reason or exc.message,
                        )
                        return
                    self._condition.notify_all()
                    self._condition.wait(self._retry_interval)
                continue
            except Exception:
                # A batch the database refuses for any reason but an outage would be refused
                # again: retrying it would stop the trail (and every call) for good.
                size = prepared.size if prepared is not None else len(batch or ())
                logger.exception("audit trail: a batch of %d events was not written", size)
            with self._condition:
                self._in_flight -= prepared.size if prepared is not None else len(batch or ())
                self._condition.notify_all()

    def _batch_left_to_thread(self) -> _Prepared | None:
        """A prepared batch for the writer thread to insert, if there is one (hold the
        condition): one a loop handed over, or one it has been trying to write for too long
        (or, at :meth:`flush` and :meth:`close`, at all)."""
        if self._prepared:
            return self._prepared.popleft()
        now = time.monotonic()
        for prepared in self._retrying:
            if self._closing or self._flushing or now - prepared.since >= LOOP_GRACE:
                self._retrying.remove(prepared)
                return prepared
        return None

    def _queue_due(self) -> bool:
        """Whether the writer thread writes the queue's oldest events now (hold the condition):
        at :meth:`flush` and :meth:`close`, a full batch, or when the oldest was queued off any
        loop or has been left by its loop for :data:`LOOP_GRACE` (the events behind it go with
        it, or with the loop's next batch)."""
        if not self._queue:
            return False
        if self._closing or self._flushing or len(self._queue) >= self._batch_size:
            return True
        oldest = self._queue[0]
        return not oldest.by_loop or time.monotonic() - oldest.queued_at >= LOOP_GRACE

    def _take_batch(self) -> list[_Entry]:
        """The oldest queued entries, a batch at most, now in flight (hold the condition)."""
        batch = [self._queue.popleft() for _ in range(min(self._batch_size, len(self._queue)))]
        self._in_flight += len(batch)
        return batch

    def _prepare(self, batch: list[_Entry], key_accounts: dict[str | None, str]) -> _Prepared:
        """Build the events of ``batch`` and bind their rows: everything but the inserts, done
        before the transaction begins (on SQLite it holds the one write lock every request's
        nonce waits for). ``key_accounts``: the accounts of the AccessKeyIds refused calls
        named, for the entries that name no other (:meth:`_key_accounts`)."""
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
        return _Prepared(event_rows(events, self._store.sql_dialect), final, len(batch))

    def _insert(self, prepared: _Prepared, *, on_loop: bool = False) -> bool:
        """Write ``prepared`` in one transaction; ``False``, nothing written, if ``on_loop``
        and that would wait (:meth:`ramsts.store.Store.loop_transaction`)."""
        with self._store.loop_transaction() if on_loop else self._store.transaction() as tx:
            if tx is None:
                return False
            tx.audit_events.append(prepared.rows)
            final = prepared.final
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


def _left_to_thread(entries: list[_Entry]) -> list[_Entry]:
    """``entries`` as the writer thread's to write, at its next interval."""
    return [_Entry(e.call, e.outcome, e.queued_at, by_loop=False) for e in entries]


class _Recording:
    """:meth:`AuditRecorder.recording`'s block: a class, not a generator, at a third of the cost
    on every call."""

    __slots__ = ("_call", "_token", "_variable")

    def __init__(self, variable: ContextVar[Call | None], call: Call) -> None:
        self._variable = variable
        self._call = call

    def __enter__(self) -> Call:
        self._token = self._variable.set(self._call)
        return self._call

    def __exit__(self, *_exc: object) -> None:
        self._variable.reset(self._token)


def _pending(loop: asyncio.AbstractEventLoop | None) -> bool:
    """Whether ``loop`` is there to run what was scheduled on it."""
    return loop is not None and not loop.is_closed()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _backlog() -> ServiceUnavailable:
    return ServiceUnavailable(reason="the audit trail's queue is full")
