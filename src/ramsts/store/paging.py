"""Keyset pagination behind the API's ``Marker`` / ``MaxItems`` (spec api.md §9.4).

Listings are ordered by the case-insensitive name, then by id, so the order is total and the
same on both databases. A ``Marker`` is the URL-safe base64 of the last item's sort key; the next
page starts strictly after it, so items created or deleted between calls never make a page skip
or repeat what is still there.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from ramsts.store.errors import InvalidMarker
from ramsts.store.records import Page
from ramsts.wire_json import decode_json

T = TypeVar("T")

DEFAULT_MAX_ITEMS = 100


def encode_marker(name_key: str, row_id: str) -> str:
    raw = json.dumps([name_key, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_marker(marker: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(marker + "=" * (-len(marker) % 4))
        value = decode_json(raw.decode("utf-8"))
    except (binascii.Error, ValueError) as exc:
        raise InvalidMarker(f"not a marker this service issued: {marker!r}") from exc
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        raise InvalidMarker(f"not a marker this service issued: {marker!r}")
    return value[0], value[1]


def fetch_page(
    connection: Connection,
    statement: sa.Select[tuple[object, ...]],
    *,
    name_key: sa.ColumnElement[str],
    row_id: sa.ColumnElement[str],
    marker: str | None,
    max_items: int,
    convert: Callable[[RowMapping], T],
) -> Page[T]:
    """Run ``statement`` one page at a time. It must select ``name_key`` and ``row_id``."""
    if max_items < 1:
        raise ValueError("max_items must be at least 1")
    if marker:
        last_key, last_id = decode_marker(marker)
        statement = statement.where(
            sa.or_(name_key > last_key, sa.and_(name_key == last_key, row_id > last_id))
        )
    statement = statement.order_by(name_key, row_id).limit(max_items + 1)
    rows = connection.execute(statement).mappings().all()
    truncated = len(rows) > max_items
    rows = rows[:max_items]
    next_marker = None
    if truncated:
        last = rows[-1]
        next_marker = encode_marker(str(last[name_key]), str(last[row_id]))
    return Page(tuple(convert(row) for row in rows), truncated, next_marker)
