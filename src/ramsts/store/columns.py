"""Column types that behave the same on SQLite and PostgreSQL.

* :class:`UtcDateTime` — SQLite keeps no time zone, so instants are stored as naive UTC there and
  handed back aware; PostgreSQL stores ``timestamptz``. Naive datetimes are refused on the way in
  so that a local time can never be stored by mistake.
* :data:`NameKey` — the lower-cased name that carries case-insensitive uniqueness and the listing
  order. PostgreSQL compares it under the ``C`` collation so that both stores order names (and
  therefore ``Marker`` positions) byte for byte the same way.
"""

from __future__ import annotations

import string
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the store only accepts aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"unexpected timestamp value {value!r}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def name_key(length: int) -> sa.types.TypeEngine[str]:
    """A lower-cased name column type, ordered byte-wise on both stores."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


_ASCII_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def fold_name(name: str) -> str:
    """The case-insensitive key of a RAM name: ASCII letters folded, nothing else. Names are
    ASCII by the API's rules; should another character get this far, it must not fold onto an
    ASCII name as ``str.lower`` folds the Kelvin sign K onto ``k``."""
    return name.translate(_ASCII_FOLD)
