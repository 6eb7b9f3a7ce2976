"""Work written once, as plain synchronous code, that runs on an event loop without blocking it.

The rule every entry point follows: a request's work is one synchronous function, and on an
event loop it runs in a greenlet of its own, on the loop's thread (:func:`run_on_loop`). Where it
must wait, it waits at one of two points, which hand the wait to the loop and resume the work
with the answer:

* :func:`off_loop` runs a blocking call (a query, a fetch) in a worker thread. The caches fill
  through it (:meth:`ramsts.caching.Cache.get`), so a cold cache costs one hop to a thread and
  back, and nothing is ever run twice;
* :func:`wait_for` awaits what the loop itself answers: the nonce ledger's batch of the turn, the
  remote guard's call on the loop's own connections.

Outside such a greenlet (a worker thread, the command line, a guard called from a plain
thread) the same code runs as it reads: :func:`off_loop` just calls, and the caller of
:func:`wait_for` blocks another way (:func:`in_loop_work` tells it which). No function has an
``async`` twin, so there is one path for each request, whoever runs it.

A store call that reaches the database on the loop other than through :func:`off_loop` (a
``with store.read()`` block in work that runs on the loop) still works: it blocks the loop for
that query, and :func:`note_blocking_call` counts it (:func:`blocking_calls`), so that tests can
hold the hot paths to never doing so.

Greenlets share their thread, so a lock (``threading.Lock``) must never be held across either
point: another request's greenlet on the same loop that waits for it would block the loop, and
with it the holder, for ever. Code that must lock around a blocking step puts the whole locked
section behind :func:`off_loop`, where it runs in a worker thread as any thread's would.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from typing import Any, ParamSpec, TypeVar, cast

import greenlet

_T = TypeVar("_T")
_P = ParamSpec("_P")

_logger = logging.getLogger("ramsts.loop_work")


class _LoopWork(greenlet.greenlet):  # type: ignore[misc]  # greenlet is untyped
    """The greenlet one :func:`run_on_loop` runs its work in; ``executor`` serves its
    :func:`off_loop` calls."""

    executor: Executor | None


_blocking = [0]
"""The calls :func:`note_blocking_call` counted, in a list so that it is changed in place."""


async def run_on_loop(work: Callable[[], _T], executor: Executor | None = None) -> _T:
    """``work()`` on the running loop's thread, in a greenlet of its own with the caller's
    context (a copy: what the request put in its context variables, as the call the audit trail
    records, is seen by the work and by every :func:`off_loop` call it makes). Each time the work
    waits at :func:`off_loop` (in ``executor``; ``None``: the loop's default one) or
    :func:`wait_for`, the loop serves other requests meanwhile. Returns what ``work`` returns,
    or raises what it raises."""
    task = _LoopWork(work, greenlet.getcurrent())
    task.executor = executor
    task.gr_context = contextvars.copy_context()
    wanted = task.switch()
    while not task.dead:
        try:
            answer = await cast(Awaitable[object], wanted)
        except BaseException as error:  # the work decides what it does with it (cancellation too)
            wanted = task.throw(error)
        else:
            wanted = task.switch(answer)
    return cast(_T, wanted)


def in_loop_work() -> bool:
    """Whether the calling code runs in the greenlet of a :func:`run_on_loop`, where it may use
    :func:`wait_for`."""
    return isinstance(greenlet.getcurrent(), _LoopWork)


def wait_for(awaitable: Awaitable[_T]) -> _T:
    """The result of ``awaitable``, awaited by the loop while the work waits (its exception
    raised here). Only in loop work (:func:`in_loop_work`): elsewhere there is no loop to
    await it, and :class:`RuntimeError` is raised."""
    current = greenlet.getcurrent()
    if not isinstance(current, _LoopWork):
        if asyncio.iscoroutine(awaitable):
            awaitable.close()  # never awaited: say so quietly rather than warn at collection
        raise RuntimeError("wait_for() is for work run by run_on_loop()")
    return cast(_T, current.parent.switch(awaitable))


def off_loop(call: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """``call(*args, **kwargs)``: in loop work, in a worker thread (with the work's context)
    while the loop goes on; anywhere else, here and now."""
    current = greenlet.getcurrent()
    if not isinstance(current, _LoopWork):
        return call(*args, **kwargs)
    context = contextvars.copy_context()
    loop = asyncio.get_running_loop()
    future = loop.run_in_executor(current.executor, _call_in, context, call, args, kwargs)
    return cast(_T, current.parent.switch(future))


def _call_in(
    context: contextvars.Context,
    call: Callable[..., _T],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> _T:
    return context.run(call, *args, **kwargs)


def note_blocking_call(what: str) -> None:
    """Count a call about to block (``what``: its name, for the debug log) if it blocks the
    loop: one made in loop work other than through :func:`off_loop`."""
    if isinstance(greenlet.getcurrent(), _LoopWork):
        _blocking[0] += 1
        _logger.debug("%s blocks the event loop (called in loop work, not off_loop)", what)


def blocking_calls() -> int:
    """How many calls :func:`note_blocking_call` has counted in this process so far."""
    return _blocking[0]
