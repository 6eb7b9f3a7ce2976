"""Statements of many rows, written out and run on the driver's own cursor: the ``VALUES``
text of a batch, and the cursor that takes it.

psycopg rewrites ``%s`` placeholders into PostgreSQL's ``$1, $2…`` in Python, and keeps the
rewritten text only for statements of 50 values at most: a batch over that (a hundred audit
events, fifty nonces) was parsed again every time, 70 µs of CPU an audit event. So on
PostgreSQL the text is written with the numbered placeholders, for a cursor that passes it as
it is (psycopg's ``RawCursor``); SQLite's driver takes ``?``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.pool import PoolProxiedConnection


def numbered(dialect: Dialect) -> bool:
    """Whether ``dialect``'s statements are written with numbered placeholders (PostgreSQL)."""
    return dialect.paramstyle != "qmark"


@lru_cache(maxsize=512)  # a batch size per entry, of a few kinds of row
def values_text(width: int, rows: int, *, numbered: bool) -> str:
    """``(?, ?), (?, ?)…`` of ``rows`` rows of ``width`` values, or with PostgreSQL's own
    numbered placeholders (``($1, $2), ($3, $4)…``)."""
    if not numbered:
        return ", ".join(["(" + ", ".join(["?"] * width) + ")"] * rows)
    return ", ".join(
        "(" + ", ".join(f"${row * width + column + 1}" for column in range(width)) + ")"
        for row in range(rows)
    )


def cursor_for(connection: PoolProxiedConnection, *, numbered: bool) -> Any:
    """A cursor of ``connection`` that takes :func:`values_text`'s placeholders: on PostgreSQL
    psycopg's ``RawCursor``, elsewhere the driver's own."""
    if not numbered:
        return connection.cursor()
    import psycopg  # only ever on PostgreSQL

    driver: Any = connection.driver_connection
    return psycopg.RawCursor(driver)
