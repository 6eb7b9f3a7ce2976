"""What ``GET /health`` says: whether this server can serve, that is, whether its database
answers.

Anyone may ask, as often as they like, so the database is asked at most once per
:data:`PROBE_INTERVAL` and by one request at a time: the others meanwhile get the last answer at
once. A flood of health checks then costs no more database connections and worker threads than
one a second, and cannot take them from the calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool

from ramsts.errors import RamstsError

PROBE_INTERVAL = 1.0
"""Seconds an answer is reused: how late ``/health`` may notice an outage, or its end."""


class DatabaseHealth:
    """The last answer of ``check`` (which raises ``ServiceUnavailable`` while the database
    cannot serve), asked again when it is older than :data:`PROBE_INTERVAL`. Used from one
    event loop: its state is never touched by two requests at once."""

    def __init__(
        self, check: Callable[[], None], *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._check = check
        self._monotonic = monotonic
        self._failure: RamstsError | None = None
        self._probed_at: float | None = None
        self._probing = False

    async def failure(self) -> RamstsError | None:
        """Why the server cannot serve now, or ``None`` if it can."""
        due = self._probed_at is None or self._monotonic() - self._probed_at >= PROBE_INTERVAL
        if due and not self._probing:
            self._probing = True
            try:
                # In a worker thread: the check may wait for the database (bounded, see
                # ramsts.store.engine).
                await run_in_threadpool(self._check)
            except RamstsError as error:
                self._failure = error
            else:
                self._failure = None
            finally:
                self._probing = False
                self._probed_at = self._monotonic()
        return self._failure
