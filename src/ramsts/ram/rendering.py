"""How RAM responses spell things (spec api.md §9.4, §9.5): timestamps, lists, pages.

* Timestamps are ``YYYY-MM-DDThh:mm:ssZ`` in UTC, never with fractions or an offset.
* Lists are wrapped twice, plural container then singular key: ``{"Users": {"User": [...]}}``,
  and an empty list is still there (``[]``), never a missing key.
* A page carries ``IsTruncated`` always and ``Marker`` only when it is truncated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

from ramsts.store import Page

T = TypeVar("T")

Body = dict[str, Any]


def iso8601(moment: datetime) -> str:
    """``2015-01-23T12:33:18Z``. A naive datetime is taken to be UTC (SQLite returns those)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def optional_iso8601(moment: datetime | None) -> str:
    """As :func:`iso8601`, or ``""`` for an instant that never happened (a user never logged in)."""
    return "" if moment is None else iso8601(moment)


def wrapped(plural: str, singular: str, items: Iterable[Body]) -> Body:
    """``{"Users": {"User": [...]}}``."""
    return {plural: {singular: list(items)}}


def paged(plural: str, singular: str, page: Page[T], render: Callable[[T], Body]) -> Body:
    """A ``Marker``/``MaxItems`` listing: the wrapped items, ``IsTruncated``, and ``Marker``."""
    body = wrapped(plural, singular, (render(item) for item in page.items))
    body["IsTruncated"] = page.is_truncated
    if page.is_truncated and page.marker:
        body["Marker"] = page.marker
    return body
