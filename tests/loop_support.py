"""Running work as the server runs a request's: in loop work on an event loop
(:func:`ramsts.loop_work.run_on_loop`), counting what went to a worker thread and what blocked
the loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ramsts.loop_work import blocking_calls, run_on_loop

T = TypeVar("T")


class CountingExecutor(Executor):
    """Worker threads that count the calls handed to them."""

    def __init__(self) -> None:
        self.calls = 0
        self._threads = ThreadPoolExecutor(2, thread_name_prefix="loop-support")

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        self.calls += 1
        return self._threads.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._threads.shutdown(wait, cancel_futures=cancel_futures)


@dataclass(frozen=True)
class LoopRun(Generic[T]):
    result: T
    hops: int
    """Calls the work sent to a worker thread (off_loop: cache fills, fetches)."""
    blocked: int
    """Store calls that blocked the loop instead."""


def on_the_loop(work: Callable[[], T]) -> LoopRun[T]:
    """``work()`` run in loop work on a new event loop; raises what it raises."""
    executor = CountingExecutor()
    blocked_before = blocking_calls()
    try:
        result = asyncio.run(run_on_loop(work, executor))
    finally:
        executor.shutdown()
    return LoopRun(result, executor.calls, blocking_calls() - blocked_before)
