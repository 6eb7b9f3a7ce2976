"""Loop work (:mod:`ramsts.loop_work`): one synchronous function per request, run on the event
loop in a greenlet, leaving it only at :func:`off_loop` (a worker thread) and :func:`wait_for`
(the loop awaits); the same function, run anywhere else, simply blocks. And the rule that makes it
one path: no function in ``src`` has an ``async`` twin, and the only coroutines are the edges."""

from __future__ import annotations

import ast
import asyncio
import contextvars
import gc
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import greenlet
import pytest

from ramsts.loop_work import IDLE_KEPT, in_loop_work, off_loop, run_on_loop, wait_for

SOURCE = Path(__file__).resolve().parents[1] / "src" / "ramsts"

request_name: contextvars.ContextVar[str] = contextvars.ContextVar("request_name", default="-")


def run(work, executor=None):
    async def serve():
        request_name.set("the request")
        return await run_on_loop(work, executor)

    return asyncio.run(serve())


def test_work_runs_on_the_loops_thread_with_the_callers_context() -> None:
    def work() -> tuple[str, str, bool]:
        return threading.current_thread().name, request_name.get(), in_loop_work()

    assert run(work) == (threading.current_thread().name, "the request", True)


def test_off_loop_runs_the_call_in_a_worker_thread_with_the_works_context() -> None:
    with ThreadPoolExecutor(1, thread_name_prefix="worker") as executor:
        thread, name = run(
            lambda: off_loop(lambda: (threading.current_thread().name, request_name.get())),
            executor,
        )
    assert thread.startswith("worker")
    assert name == "the request"


def test_an_error_off_the_loop_is_raised_in_the_work() -> None:
    def work() -> str:
        try:
            off_loop(int, "not a number")
        except ValueError:
            return "caught where it was called"
        return "not raised"

    assert run(work) == "caught where it was called"


def test_the_loop_serves_other_work_while_one_waits() -> None:
    order: list[str] = []

    def slow() -> None:
        future = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_later(0.05, future.set_result, None)
        order.append("slow waits")
        wait_for(future)
        order.append("slow answered")

    def quick() -> None:
        order.append("quick answered")

    async def serve() -> None:
        await asyncio.gather(run_on_loop(slow), run_on_loop(quick))

    asyncio.run(serve())
    assert order == ["slow waits", "quick answered", "slow answered"]


def test_a_cancelled_request_unwinds_its_work() -> None:
    unwound = threading.Event()

    def work() -> None:
        try:
            wait_for(asyncio.get_running_loop().create_future())  # never answered
        finally:
            unwound.set()

    async def serve() -> None:
        task = asyncio.ensure_future(run_on_loop(work))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(serve())
    assert unwound.is_set()


def test_a_greenlet_serves_one_work_after_another_each_in_its_own_callers_context() -> None:
    def sets_the_name() -> object:
        request_name.set("left behind by the first work")
        return greenlet.getcurrent()

    def fails() -> None:
        raise KeyError("the second work fails")

    def reads_the_name() -> object:
        return greenlet.getcurrent(), request_name.get()

    async def serve() -> tuple[object, object]:
        request_name.set("the request")
        first = await run_on_loop(sets_the_name)
        with pytest.raises(KeyError):
            await run_on_loop(fails)
        return first, await run_on_loop(reads_the_name)

    first, (third, name) = asyncio.run(serve())
    assert third is first  # started once: starting a greenlet costs ten switches
    assert name == "the request"


def test_an_idle_greenlet_keeps_nothing_of_the_request_it_served() -> None:
    class Body:
        pass

    carried: contextvars.ContextVar[Body] = contextvars.ContextVar("carried")
    kept: list[weakref.ref[Body]] = []

    def work() -> Body:
        kept.append(weakref.ref(carried.get()))
        answer = Body()
        kept.append(weakref.ref(answer))
        return answer

    async def serve() -> None:
        carried.set(Body())
        await run_on_loop(work)

    asyncio.run(serve())
    gc.collect()
    assert [ref() for ref in kept] == [None, None]


def test_more_works_at_once_than_greenlets_kept_all_finish() -> None:
    def waits(number: int) -> int:
        wait_for(asyncio.sleep(0.01))
        return number

    async def serve() -> list[int]:
        return await asyncio.gather(*(run_on_loop(partial(waits, n)) for n in range(IDLE_KEPT * 2)))

    assert asyncio.run(serve()) == list(range(IDLE_KEPT * 2))


def test_outside_loop_work_off_loop_just_calls_and_wait_for_refuses() -> None:
    assert not in_loop_work()
    assert off_loop(threading.current_thread) is threading.current_thread()

    async def never() -> None: ...

    with pytest.raises(RuntimeError, match="run_on_loop"):
        wait_for(never())


# -- one path --------------------------------------------------------------------------------

ASYNC_SHELLS = {("guard/guard.py", "decide_async"), ("guard/guard.py", "check_async")}
"""The documented async entry points for async frameworks: each one line over its sync twin's
only implementation (``run_on_loop(partial(self.decide, …))``)."""

EDGES = {
    "loop_work.py",  # run_on_loop itself
    "api/app.py",  # the ASGI application, its health and error handlers
    "api/rpc.py",  # the RPC endpoint
    "api/incoming.py",  # reading a request's body off the ASGI channel
    "api/health.py",  # readiness, run in a worker thread
    "api/metrics_route.py",
    "console/app.py",
    "console/visits.py",  # a console page, run whole in a worker thread
    "console/pages/validation.py",
    "guard/middleware.py",  # the guard's ASGI middleware
    "guard/envelope.py",
    "guard/guard.py",  # decide_async / check_async, and aclose
    "guard/local.py",  # aclose: connections let go of on the loop at shutdown
    "guard/remote.py",
    "guard/remote_client.py",  # the remote guard's HTTP client, awaited by wait_for
    "iot/app.py",  # the sample resource service's ASGI app
}
"""Modules with coroutines: the ASGI edges and what they await. Everything else is sync."""


def _functions() -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    found = []
    for path in SOURCE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = path.relative_to(SOURCE).as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found.append((module, node))
    return found


def test_no_function_has_an_async_twin_but_the_guards_one_line_shells() -> None:
    twins = {(module, node.name) for module, node in _functions() if node.name.endswith("_async")}
    assert twins == ASYNC_SHELLS


def test_the_guards_async_shells_only_run_the_sync_method_on_the_loop() -> None:
    for module, node in _functions():
        if (module, node.name) not in ASYNC_SHELLS:
            continue
        body = [statement for statement in node.body if not _is_docstring(statement)]
        assert len(body) == 2, node.name  # the call bound, then run on the loop
        assert "run_on_loop(" in ast.unparse(body[-1])
        assert f"self.{node.name.removesuffix('_async')}" in ast.unparse(body[0])


def test_only_the_edges_are_coroutines() -> None:
    modules = {module for module, node in _functions() if isinstance(node, ast.AsyncFunctionDef)}
    assert modules <= EDGES


def _is_docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
