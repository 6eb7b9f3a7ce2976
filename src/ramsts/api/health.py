"""What the health endpoints say, for load balancers and orchestrators:

* ``GET /health/live`` (liveness): the process answers HTTP. Nothing else is asked: a server
  whose database is down recovers by itself when it returns, so restarting it helps nothing.
* ``GET /health/ready`` (readiness): whether calls sent here can succeed — the database answers
  and takes writes (a server whose connections reached a standby is not ready), and the server
  is not stopping (:meth:`Readiness.stop`, on SIGTERM: the load balancer stops sending it calls
  while it finishes those it has). This is what a load balancer probes.
* ``GET /health``: readiness, by its older name.

Anyone may ask, as often as they like, so the database is asked at most once per
:data:`PROBE_INTERVAL` and by one request at a time: the others meanwhile get the last answer at
once. A flood of health checks then costs no more database connections and worker threads than
one a second, and cannot take them from the calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool

from ramsts.errors import RamstsError, ServiceUnavailable

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


class Readiness:
    """Whether a load balancer should send this server calls: not while it is stopping, nor
    while ``check`` (which raises ``ServiceUnavailable`` unless the database answers and takes
    writes) fails. Without a ``check`` (an application over no database), only stopping counts."""

    def __init__(
        self,
        check: Callable[[], None] | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._database = DatabaseHealth(check, monotonic=monotonic) if check is not None else None
        self._stopping = False

    def stop(self) -> None:
        """The server stops: from now on it is not ready. Safe from a signal handler."""
        self._stopping = True

    async def failure(self) -> RamstsError | None:
        """Why calls should not be sent here now, or ``None`` if they can."""
        if self._stopping:
            return ServiceUnavailable(reason="the server is stopping")
        return await self._database.failure() if self._database is not None else None
