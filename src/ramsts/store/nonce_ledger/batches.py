"""What waits for the ledger: nonces spent together, and the futures their answers go to.

A :class:`Spend` is one nonce of a thread, answered on its ``concurrent.futures`` future; a
:class:`Turn` is the nonces awaited during one turn of an event loop, answered on the loop in
one callback. The writer spends any mix of them in one statement and answers each batch with
its slice of the answers, or all of them with the one error.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future, InvalidStateError
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Protocol

from ramsts.store.errors import database_unavailable
from ramsts.store.nonce_ledger.table import Row

Answers = list[bool] | Exception
"""Whether each row of a batch was fresh, in order; or the error its write failed with."""

_logger = logging.getLogger("ramsts.store")


class Batch(Protocol):
    rows: list[Row]

    def answer(self, answers: Answers) -> None:
        """Settle the waiters with ``answers``; from any thread."""


@dataclass(slots=True)
class Spend:
    """A nonce spent from a thread; its caller waits on ``future``."""

    rows: list[Row]
    future: Future[bool] = field(default_factory=Future)

    def answer(self, answers: Answers) -> None:
        with suppress(InvalidStateError):  # cancelled: nobody is waiting any more
            if isinstance(answers, Exception):
                self.future.set_exception(answers)
            else:
                self.future.set_result(answers[0])


@dataclass(slots=True)
class Turn:
    """The nonces awaited during one turn of ``loop``, spent together."""

    loop: asyncio.AbstractEventLoop
    rows: list[Row] = field(default_factory=list)
    futures: list[asyncio.Future[bool]] = field(default_factory=list)
    busy_since: float | None = None
    """When the write lock was first found held against these nonces (monotonic)."""

    def answer(self, answers: Answers) -> None:
        with suppress(RuntimeError):  # the loop is closed: nobody is waiting any more
            self.loop.call_soon_threadsafe(self.settle, answers)

    def settle(self, answers: Answers) -> None:
        """:meth:`answer`, on the loop itself."""
        for index, future in enumerate(self.futures):
            if future.done():  # its request was cancelled
                continue
            if isinstance(answers, Exception):
                future.set_exception(answers)
            else:
                future.set_result(answers[index])


def failure(error: Exception, count: int) -> Exception:
    """What the ``count`` nonces of a failed write are answered with:
    :class:`~ramsts.store.errors.DatabaseUnavailable` if the database could not serve it
    (logged as a warning: the store recovers by itself), else the error itself (logged with its
    traceback: a bug)."""
    outage = database_unavailable(error)
    if outage is None:
        _logger.error("spending %d nonces failed", count, exc_info=error)
        return error
    _logger.warning("spending %d nonces failed: %s", count, outage.reason)
    return outage
