"""The nonce ledger: every signed request spends its ``SignatureNonce`` here, exactly once.

A nonce is a row of ``signature_nonces`` keyed by the nonce, written with ``INSERT … ON CONFLICT
(nonce_key) DO NOTHING RETURNING nonce_key`` and committed on its own: a row returned means the
nonce was fresh, none means it was spent already — by this process or any other sharing the
database, since the primary key decides.

One way in, :meth:`NonceLedger.spend`: nonces are queued, never written by their caller, and
spent in batches, many in one statement (:mod:`~ramsts.store.nonce_ledger.table`):

* from a thread, the caller waits while the writer thread
  (:mod:`~ramsts.store.nonce_ledger.writer`) spends whatever is queued when it comes to it, and
  answers each batch;
* from loop work (:mod:`ramsts.loop_work`), the nonces spent during one turn of the event loop
  are one batch, handed over at the end of the turn, each request's work waiting on its future
  meanwhile. On a SQLite file the loop spends it itself if that need not wait
  (:mod:`~ramsts.store.nonce_ledger.loop_connection`), tries again every
  :data:`~ramsts.store.nonce_ledger.ledger.LOOP_RETRY_DELAY` while another process holds the
  write lock, and after :data:`~ramsts.store.nonce_ledger.ledger.LOOP_RETRY_LIMIT` hands it to
  the writer; elsewhere (PostgreSQL, where a statement is a round trip, and SQLite in memory)
  it goes to the writer at once, which answers it with one callback on its loop.

On a SQLite file every write first takes the store's write gate (:mod:`ramsts.store.write_gate`),
as the store's transactions do. A failed write fails every nonce of its batch with the error
(:class:`~ramsts.store.errors.DatabaseUnavailable` if the database could not serve it, so the
request is answered 503), and the next batch is tried afresh. Every
:data:`~ramsts.store.nonce_ledger.table.PURGE_ONE_IN`-th nonce spent in a process also deletes
the expired ones, after the answers, so the table stays as small as the replay window.
"""

from ramsts.store.nonce_ledger.ledger import LOOP_RETRY_LIMIT, NonceLedger
from ramsts.store.nonce_ledger.table import PURGE_ONE_IN
from ramsts.store.nonce_ledger.writer import WRITER_NAME

__all__ = ["LOOP_RETRY_LIMIT", "PURGE_ONE_IN", "WRITER_NAME", "NonceLedger"]
