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

What it costs: a few microseconds per request, the switches into the work and out of it at each
wait (greenlets are kept from one request to the next, :data:`IDLE_KEPT`, since starting one
costs ten switches): within the noise for AssumeRole, GetUser and the local guard, the least
costly request there is, on an idle machine (``bench/before_after.py``; docs/architecture.md
gives the figures).

Greenlets share their thread, so a lock (``threading.Lock``) must never be held across either
point: another request's greenlet on the same loop that waits for it would block the loop, and
with it the holder, for ever. Code that must lock around a blocking step puts the whole locked
section behind :func:`off_loop`, where it runs in a worker thread as any thread's would.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from typing import Any, ParamSpec, TypeVar, cast

import greenlet

_T = TypeVar("_T")
_P = ParamSpec("_P")

_logger = logging.getLogger("ramsts.loop_work")


IDLE_KEPT = 256
"""Idle greenlets each thread keeps for the next requests' work: starting a new greenlet costs
about ten times as much as switching to one that waits (6 µs against 0.6, measured). Past as
many requests at once, the extra ones are let go."""


class _LoopWork(greenlet.greenlet):  # type: ignore[misc]  # greenlet is untyped
    """A greenlet that runs one work after another (:func:`_serve`) for :func:`run_on_loop`;
    ``executor`` serves the :func:`off_loop` calls of the work it runs now."""

    executor: Executor | None


class _Finished:
    """What a :class:`_LoopWork` hands back when its work has returned or raised; anything else
    it hands back is an awaitable its work waits for."""

    __slots__ = ("error", "value")

    def __init__(self, value: object, error: BaseException | None) -> None:
        self.value = value
        self.error = error


def _serve(context: contextvars.Context, work: Callable[[], object]) -> None:
    """The body of a :class:`_LoopWork`: run the work it is given in the context given, hand
    back how it finished, and wait for the next."""
    while True:
        finished = _finished(context, work)
        del context, work  # nothing of the request is kept while the greenlet is idle
        context, work = greenlet.getcurrent().parent.switch(finished)


def _finished(context: contextvars.Context, work: Callable[[], object]) -> _Finished:
    try:
        return _Finished(context.run(work), None)
    except greenlet.GreenletExit:
        raise  # the greenlet itself is let go of
    except BaseException as error:  # handed to run_on_loop, which raises it
        return _Finished(None, error)


class _Idle(threading.local):
    def __init__(self) -> None:
        self.greenlets: list[_LoopWork] = []


_idle = _Idle()

_blocking = [0]
"""The calls :func:`note_blocking_call` counted, in a list so that it is changed in place."""


async def run_on_loop(work: Callable[[], _T], executor: Executor | None = None) -> _T:
    """``work()`` on the running loop's thread, in a greenlet of its own with the caller's
    context (a copy: what the request put in its context variables, as the call the audit trail
    records, is seen by the work and by every :func:`off_loop` call it makes). Each time the work
    waits at :func:`off_loop` (in ``executor``; ``None``: the loop's default one) or
    :func:`wait_for`, the loop serves other requests meanwhile. Returns what ``work`` returns,
    or raises what it raises."""
    idle = _idle.greenlets
    runner = idle.pop() if idle else _LoopWork(_serve)
    runner.parent = greenlet.getcurrent()
    runner.executor = executor
    handed: Any = runner.switch(contextvars.copy_context(), work)  # greenlet is untyped
    while not isinstance(handed, _Finished):
        try:
            answer = await handed  # what the work waits for (wait_for, off_loop)
        except BaseException as error:  # the work decides what it does with it (cancellation too)
            handed = runner.throw(error)
        else:
            handed = runner.switch(answer)
    value, failure = handed.value, handed.error
    handed.value = handed.error = runner.executor = None  # the idle greenlet holds ``handed``
    if len(idle) < IDLE_KEPT:
        idle.append(runner)
    if failure is not None:
        raise failure
    return cast(_T, value)


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
