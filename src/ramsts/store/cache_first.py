"""Cached work on an event loop: run it there while the caches it reads are warm, and in a worker
thread when one of them needs the database.

Services cache what they read from the store (keys, roles, policies) for about a second, so under
load almost every call finds what it needs in memory. Those calls are cheaper on the event loop
than a hop to a thread and back; the few that miss must not block the loop on a query::

    body = await cache_first(partial(assume_role, caller, params), executor)

Inside :func:`~ramsts.store.without_database` the store raises
:class:`~ramsts.store.DatabaseNeeded` before it does anything, so ``work`` must be safe to run
again from the start when it meets the database: it may have read caches, not changed anything.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import Executor
from typing import TypeVar

from ramsts.store.errors import DatabaseNeeded, without_database

_T = TypeVar("_T")


async def cache_first(work: Callable[[], _T], executor: Executor) -> _T:
    """``work()`` on the running loop if it needs no database, else in ``executor``."""
    try:
        with without_database():
            return work()
    except DatabaseNeeded:
        # With the caller's context (run_in_executor gives the thread none of it): what the
        # request put there (the call the audit trail records) travels with the work.
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(executor, context.run, work)
