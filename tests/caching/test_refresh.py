"""Refresh-ahead: an entry in use is reloaded in the background once it is half its age limit,
one reload at a time per entry, and a failed reload leaves the entry to expire."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

import pytest

from ramsts.caching import REFRESH_AT, RefreshAhead


class Deferred(Executor):
    """Holds submitted work until :meth:`run_all`, so a test sees what is pending."""

    def __init__(self) -> None:
        self.queued: list[Callable[[], Any]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.queued.append(lambda: fn(*args, **kwargs))
        return Future()

    def run_all(self) -> None:
        queued, self.queued = self.queued, []
        for work in queued:
            work()


def test_an_entry_is_due_for_reloading_from_half_its_age_limit() -> None:
    refresh = RefreshAhead(Deferred())

    assert not refresh.due(0.49, 1.0)
    assert refresh.due(REFRESH_AT, 1.0)
    assert refresh.due(0.99, 1.0)


def test_one_reload_at_a_time_per_entry() -> None:
    executor = Deferred()
    refresh = RefreshAhead(executor)
    loads: list[str] = []

    refresh.reload("key-a", lambda: loads.append("a"))
    refresh.reload("key-a", lambda: loads.append("a again"))
    refresh.reload("key-b", lambda: loads.append("b"))
    executor.run_all()
    refresh.reload("key-a", lambda: loads.append("a later"))
    executor.run_all()

    assert loads == ["a", "b", "a later"]


def test_a_failed_reload_is_logged_and_the_entry_can_be_reloaded_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    executor = Deferred()
    refresh = RefreshAhead(executor)
    loads: list[str] = []

    def failing() -> None:
        raise RuntimeError("database down")

    with caplog.at_level(logging.DEBUG, logger="ramsts.cache"):
        refresh.reload("key", failing)
        executor.run_all()
    refresh.reload("key", lambda: loads.append("reloaded"))
    executor.run_all()

    assert loads == ["reloaded"]
    assert any("database down" in record.exc_text for record in caplog.records if record.exc_text)
